package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/verify"
)

// TestLicenseAnvil generates, pins and mints a CC0 and a CBE collection with
// the real commands and reads the licence back from the chain (a16z's
// ICantBeEvil), the metadata (through verify, which also checks they agree
// with the image) and the final image (exiftool).
func TestLicenseAnvil(t *testing.T) {
	an := testenv.StartAnvil(t)
	exiftool := testenv.Path(t, testenv.Exiftool)
	owner := an.Accounts[0]
	ksDir, pwFile := keystore(t, keyHex(owner))
	cl, err := ethclient.Dial(an.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, tc := range []struct{ key, chainName, uri string }{
		{"CC0-1.0", "CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"},
		{"CBE-NECR", "CBE_NECR", "ar://_D9kN1WrNWbCq55BSAGRbTB4bS3v8QAPTYmBThSbX3A/2"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			dir := pinnedCollection(t, 2, "license: "+tc.key+"\n")
			if out, err := mintCmd(dir, an.URL, owner.Address, ksDir, pwFile).CombinedOutput(); err != nil {
				t.Fatalf("mint: %v\n%s", err, out)
			}
			ctx := context.Background()
			db, err := state.Open(ctx, dir, state.Options{})
			if err != nil {
				t.Fatal(err)
			}
			st, err := mint.ReadStatus(ctx, db)
			items, _ := db.Items(ctx, state.Query{})
			db.Close()
			if err != nil || st.Deployment == nil || len(items) != 2 {
				t.Fatal(st, err)
			}
			c := chain.Open(cl, st.Deployment.Contract)
			if l, err := c.License(ctx); err != nil || l != (chain.License{Name: tc.chainName, URI: tc.uri}) {
				t.Fatalf("on chain: %+v %v", l, err)
			}
			if ok, _ := c.SupportsInterface(ctx, chain.InterfaceCantBeEvil); !ok {
				t.Fatal("ICantBeEvil not reported")
			}
			v := genmint(dir, "verify", "--car", filepath.Join(dir, "c.car"), "--json")
			v.Env = append(v.Env, "ETH_RPC_URL="+an.URL)
			out, err := v.Output()
			var rep verify.Report
			if err != nil || json.Unmarshal(out, &rep) != nil || !rep.OK || rep.License != tc.chainName || rep.Results[0].LicenseURL != tc.uri {
				t.Fatalf("verify: %v\n%s", err, out)
			}
			got, err := exec.Command(exiftool, "-s", "-XMP-dc:Rights", "-XMP-xmpRights:WebStatement", filepath.Join(dir, items[0].Final.Path)).Output()
			if err != nil || !strings.Contains(string(got), "Rights                          : "+tc.key+"\n") ||
				!strings.Contains(string(got), "WebStatement                    : "+tc.uri+"\n") {
				t.Fatalf("exiftool: %v\n%s", err, got)
			}
		})
	}
}
