package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/testenv"
)

// TestPinUploadPinata runs `genmint pin --upload pinata --pinata-api URL`
// with PINATA_JWT in the environment against a stand-in for Pinata's v3
// API: a refused token is exit 2 naming the variable; then every root is
// uploaded as a CAR and confirmed by the CID the service computed, recorded
// in uploads/pinata.json; a re-run uploads nothing. The token appears in no
// output and no file of the collection (state included).
func TestPinUploadPinata(t *testing.T) {
	srv := testenv.StartPinata(t)
	spec := "name: Upload\nsymbol: UPL\ncount: 2\nseed: 6\nprovider:\n  name: procedural\n  params: {width: 48, height: 48}\nprompt: \"{{.palette}} rings\"\ntraits:\n  palette: [ocean, ember]\n"
	p := generatedInProcess(t, spec, map[string]string{"PINATA_JWT": "wrong-" + testenv.PinataJWT})
	dir, env, run := p.dir, p.env, p.run
	upload := []string{"pin", "--upload", "pinata", "--pinata-api", srv.URL + "/v3"}

	code, _, errOut := run(upload...)
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, "PINATA_JWT") {
		t.Fatalf("a refused token: exit %d %q", code, errOut)
	}
	env["PINATA_JWT"] = testenv.PinataJWT

	code, out, errOut := run(append(upload, "--json")...)
	if code != 0 {
		t.Fatalf("pin --upload pinata: %d %s %s", code, out, errOut)
	}
	var res struct {
		BaseURI string                 `json:"base_uri"`
		Uploads []struct{ CID string } `json:"uploads"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	meta := strings.TrimSuffix(strings.TrimPrefix(res.BaseURI, "ipfs://"), "/")
	if n, _ := srv.Counts(); len(res.Uploads) != 5 || n != 5 || !slices.Contains(srv.CIDs(), meta) {
		t.Fatalf("confirmed uploads %+v, %d sent; the service holds %v, want the metadata root %s among them", res.Uploads, n, srv.CIDs(), meta)
	}
	ledger, err := os.ReadFile(filepath.Join(dir, "uploads", "pinata.json"))
	if err != nil || !strings.Contains(string(ledger), meta) {
		t.Fatalf("uploads/pinata.json: %v\n%s", err, ledger)
	}

	// Again: the service lists every root by CID; nothing is sent.
	code, out, errOut = run(upload...)
	if n, _ := srv.Counts(); code != 0 || n != 5 || !strings.Contains(out, "genmint verify --gateway") {
		t.Fatalf("re-run: exit %d, %d uploads in all\n%s\n%s", code, n, out, errOut)
	}
	if strings.Contains(p.all.String(), testenv.PinataJWT) {
		t.Fatal("the token is in genmint's output")
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte(testenv.PinataJWT)) {
			t.Errorf("the token is in %s", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
