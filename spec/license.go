package spec

import (
	"net/url"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// License is the collection's licence (spec `license:`): a known licence by
// its key, or any licence by name and URL. It goes into token and contract
// metadata (license, license_url) and on chain (a16z's ICantBeEvil).
type License struct {
	Key  string // a known key (CC0-1.0, CBE-CC0, …), or "" for a custom licence
	Name string // the human name written to metadata
	URL  string // where its text is
	// ChainName and ChainURI are what the contract's getLicenseName() and
	// getLicenseURI() answer: a16z's own strings for its licences.
	ChainName, ChainURI string
}

// IsZero reports whether no licence was given.
func (l License) IsZero() bool { return l.Name == "" }

// a16zLicenseURI is the Arweave folder of a16z's "Can't Be Evil" licence
// texts, as its CantBeEvil contract returns them (github.com/a16z/a16z-contracts,
// contracts/licenses/contract/CantBeEvil.sol: _BASE_LICENSE_URI + the
// licence's index 0..5, getLicenseName() "CBE_CC0" … "CBE_PR_HS").
const a16zLicenseURI = "ar://_D9kN1WrNWbCq55BSAGRbTB4bS3v8QAPTYmBThSbX3A/"

// KnownLicenses are the keys `license:` accepts on its own, in a16z's order.
var KnownLicenses = []string{"CC0-1.0", "CBE-CC0", "CBE-ECR", "CBE-NECR", "CBE-NECR-HS", "CBE-PR", "CBE-PR-HS"}

var licenseNames = map[string]string{
	"CC0-1.0":     "CC0 1.0 Universal",
	"CBE-CC0":     "Can't Be Evil: CC0 (CBE-CC0)",
	"CBE-ECR":     "Can't Be Evil: Exclusive Commercial Rights (CBE-ECR)",
	"CBE-NECR":    "Can't Be Evil: Non-Exclusive Commercial Rights (CBE-NECR)",
	"CBE-NECR-HS": "Can't Be Evil: Non-Exclusive Commercial Rights with Hate Speech termination (CBE-NECR-HS)",
	"CBE-PR":      "Can't Be Evil: Personal Rights (CBE-PR)",
	"CBE-PR-HS":   "Can't Be Evil: Personal Rights with Hate Speech termination (CBE-PR-HS)",
}

// KnownLicense returns the licence for a known key (exact, case-insensitive).
func KnownLicense(key string) (License, bool) {
	for _, k := range KnownLicenses {
		if strings.EqualFold(k, key) {
			l := License{Key: k, Name: licenseNames[k]}
			if k == "CC0-1.0" {
				l.URL = "https://creativecommons.org/publicdomain/zero/1.0/"
				l.ChainName, l.ChainURI = "CC0-1.0", l.URL
				return l, true
			}
			i := slices.Index(KnownLicenses, k) - 1 // a16z's index: CBE-CC0 is 0
			l.ChainName = strings.ReplaceAll(k, "-", "_")
			l.ChainURI = a16zLicenseURI + string(rune('0'+i))
			l.URL = l.ChainURI
			return l, true
		}
	}
	return License{}, false
}

func (l *loader) license(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		key := l.str(n, "license")
		lic, ok := KnownLicense(key)
		if !ok {
			l.errorf(n, "license", didYouMean(key, KnownLicenses)+"; or give any licence as {name: …, url: https://…}", "unknown licence %q", key)
			return
		}
		l.s.License = lic
		return
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "license", "write a known licence ("+strings.Join(KnownLicenses, ", ")+") or {name: …, url: …}", "expected a licence")
		return
	}
	var lic License
	seen := l.mapping(n, "license", map[string]func(k, v *yaml.Node){
		"name": func(k, v *yaml.Node) { lic.Name = strings.TrimSpace(l.str(v, "license.name")) },
		"url": func(k, v *yaml.Node) {
			lic.URL = strings.TrimSpace(l.str(v, "license.url"))
			if u, err := url.Parse(lic.URL); err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
				l.errorf(v, "license.url", "give the licence text's full URL (https://…, ipfs://…, ar://…)", "%q is not a URL", lic.URL)
			}
		},
	})
	switch {
	case seen["name"] == nil || lic.Name == "":
		l.errorf(n, "license.name", "add name: the licence's name", "missing")
	case seen["url"] == nil:
		l.errorf(n, "license.url", "add url: where the licence text is", "missing")
	default:
		lic.ChainName, lic.ChainURI = lic.Name, lic.URL
		l.s.License = lic
	}
}
