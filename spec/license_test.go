package spec

import (
	"strings"
	"testing"
)

func TestLicense(t *testing.T) {
	const head = "name: L\nsymbol: L\ncount: 1\nseed: 1\nprompt: \"x\"\n"
	for _, tc := range []struct {
		name, yaml string
		want       License
		problem    string
	}{
		{name: "none", yaml: ""},
		{name: "cc0", yaml: "license: CC0-1.0\n", want: License{Key: "CC0-1.0", Name: "CC0 1.0 Universal",
			URL: "https://creativecommons.org/publicdomain/zero/1.0/", ChainName: "CC0-1.0", ChainURI: "https://creativecommons.org/publicdomain/zero/1.0/"}},
		// a16z's names and URIs, as its CantBeEvil contract answers them.
		{name: "cbe-cc0", yaml: "license: CBE-CC0\n", want: License{Key: "CBE-CC0", Name: licenseNames["CBE-CC0"],
			URL: a16zLicenseURI + "0", ChainName: "CBE_CC0", ChainURI: "ar://_D9kN1WrNWbCq55BSAGRbTB4bS3v8QAPTYmBThSbX3A/0"}},
		{name: "cbe-necr-hs any case", yaml: "license: cbe-necr-hs\n", want: License{Key: "CBE-NECR-HS", Name: licenseNames["CBE-NECR-HS"],
			URL: a16zLicenseURI + "3", ChainName: "CBE_NECR_HS", ChainURI: a16zLicenseURI + "3"}},
		{name: "cbe-pr-hs", yaml: "license: CBE-PR-HS\n", want: License{Key: "CBE-PR-HS", Name: licenseNames["CBE-PR-HS"],
			URL: a16zLicenseURI + "5", ChainName: "CBE_PR_HS", ChainURI: a16zLicenseURI + "5"}},
		{name: "custom", yaml: "license: {name: My Terms, url: \"https://example.org/terms\"}\n",
			want: License{Name: "My Terms", URL: "https://example.org/terms", ChainName: "My Terms", ChainURI: "https://example.org/terms"}},
		{name: "typo", yaml: "license: CBE-NCR\n",
			problem: `genmint.yaml:6:10: license: unknown licence "CBE-NCR" (did you mean "CBE-ECR"?; or give any licence as {name: …, url: https://…})`},
		{name: "typo cc0", yaml: "license: CCO-1.0\n",
			problem: `genmint.yaml:6:10: license: unknown licence "CCO-1.0" (did you mean "CC0-1.0"?; or give any licence as {name: …, url: https://…})`},
		{name: "custom without url", yaml: "license: {name: Mine}\n", problem: `genmint.yaml:6:10: license.url: missing (add url: where the licence text is)`},
		{name: "custom bad url", yaml: "license: {name: Mine, url: terms.txt}\n", problem: `genmint.yaml:6:28: license.url: "terms.txt" is not a URL (give the licence text's full URL (https://…, ipfs://…, ar://…))`},
		{name: "list", yaml: "license: [CC0-1.0]\n", problem: `genmint.yaml:6:10: license: expected a licence`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, problems, err := Load(write(t, head+tc.yaml), Options{})
			if tc.problem != "" {
				if err == nil || len(problems) == 0 || !strings.HasPrefix(problems[0].String(), tc.problem) {
					t.Fatalf("problems = %v\nwant %s", problems, tc.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err, problems)
			}
			if s.License != tc.want {
				t.Fatalf("license %+v\nwant %+v", s.License, tc.want)
			}
		})
	}
}

func TestRoyaltyCap(t *testing.T) {
	const head = "name: L\nsymbol: L\ncount: 1\nseed: 1\nprompt: \"x\"\n"
	s, _, err := Load(write(t, head+"royalty: {receiver: \"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC\", bps: 500, cap_bps: 800}\n"), Options{})
	if err != nil || s.Royalty.CapBPS != 800 {
		t.Fatal(s.Royalty, err)
	}
	_, problems, err := Load(write(t, head+"royalty: {receiver: \"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC\", bps: 500, cap_bps: 400}\n"), Options{})
	if err == nil || !strings.Contains(problems[0].String(), "royalty.cap_bps: the cap (400) is below the royalty itself (500)") {
		t.Fatal(problems)
	}
}
