package c2pa

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/internal/testenv"
)

func TestIndependentValidation(t *testing.T) {
	creds := testCreds(t)
	dir := t.TempDir()
	var files []string
	for _, format := range []string{"png", "jpeg"} {
		out, err := Sign(context.Background(), testImage(t, format, 96), testManifest(), creds.Signer())
		if err != nil {
			t.Fatal(err)
		}
		good := filepath.Join(dir, "final."+format)
		flipped := append([]byte(nil), out...)
		flipped[len(flipped)-40] ^= 0x01 // a byte of compressed pixel data
		bad := filepath.Join(dir, "flipped."+format)
		must(t, os.WriteFile(good, out, 0o644))
		must(t, os.WriteFile(bad, flipped, 0o644))
		files = append(files, good, bad)
	}
	for _, r := range testenv.C2PATS(t, append([]string{"validate"}, files...)...) {
		file := r["file"].(string)
		if r["found"] != true {
			t.Errorf("%s: c2pa-ts found no manifest", file)
			continue
		}
		if strings.Contains(file, "flipped") {
			if r["valid"] == true || !strings.Contains(strings.Join(strs(r["errors"]), " "), "assertion.dataHash.mismatch") {
				t.Errorf("%s: c2pa-ts accepted a flipped pixel byte: %v", file, r["errors"])
			}
			continue
		}
		if r["valid"] != true {
			t.Errorf("%s: c2pa-ts: %v", file, r["errors"])
		}
		codes := strings.Join(strs(r["codes"]), " ")
		for _, want := range []string{"claimSignature.validated", "assertion.dataHash.match", "signingCredential.trusted"} {
			if !strings.Contains(codes, want) {
				t.Errorf("%s: c2pa-ts codes %s lack %s", file, codes, want)
			}
		}
		acts := r["actions"].([]any)
		var names []string
		for _, a := range acts {
			names = append(names, a.(map[string]any)["action"].(string))
		}
		if got := strings.Join(names, ","); got != "c2pa.created,c2pa.resized,c2pa.color_adjustments" {
			t.Errorf("%s: c2pa-ts actions %s", file, got)
		}
		if dst := acts[0].(map[string]any)["digitalSourceType"]; dst != trained {
			t.Errorf("%s: c2pa-ts digital source type %v", file, dst)
		}
	}
}

// TestUpstreamIngredient makes an "upstream provider" image with c2pa-ts's
// own manifest creation and checks it becomes the parent ingredient, seen
// by both implementations; a damaged upstream is recorded as broken.
func TestUpstreamIngredient(t *testing.T) {
	dir := t.TempDir()
	provider := testCreds(t) // the provider's own CA, not genmint's
	chain := filepath.Join(dir, "chain.pem")
	key := filepath.Join(dir, "key.pem")
	must(t, os.WriteFile(chain, EncodeCerts(provider.Cert, provider.CA), 0o644))
	der, err := x509.MarshalPKCS8PrivateKey(provider.Key)
	must(t, err)
	must(t, os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	plain := filepath.Join(dir, "plain.png")
	must(t, os.WriteFile(plain, testImage(t, "png", 64), 0o644))
	upstream := filepath.Join(dir, "upstream.png")
	testenv.C2PATS(t, "sign", plain, upstream, chain, key)
	orig, err := os.ReadFile(upstream)
	must(t, err)

	creds := testCreds(t)
	m := testManifest()
	m.Parent, m.ParentTitle, m.ParentFormat = orig, "original.png", "image/png"
	out, err := Sign(context.Background(), testImage(t, "png", 48), m, creds.Signer())
	must(t, err)
	r, err := Verify(out, Options{Roots: roots(creds)})
	must(t, err)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if len(r.Ingredients) != 1 || r.Ingredients[0].Status != "valid" || r.Ingredients[0].Relationship != "parentOf" {
		t.Fatalf("ingredients = %+v", r.Ingredients)
	}
	if r.Actions[0].Action != ActionOpened || !strings.HasPrefix(r.Genmint.Upstream, UpstreamParent) {
		t.Fatalf("first action %s, upstream %q", r.Actions[0].Action, r.Genmint.Upstream)
	}
	final := filepath.Join(dir, "final.png")
	must(t, os.WriteFile(final, out, 0o644))
	res := testenv.C2PATS(t, "validate", final)[0]
	if res["valid"] != true {
		t.Fatalf("c2pa-ts: %v", res["errors"])
	}
	ings := res["ingredients"].([]any)
	if len(ings) != 1 || ings[0].(map[string]any)["relationship"] != "parentOf" ||
		!strings.Contains(ings[0].(map[string]any)["activeManifest"].(string), "/c2pa/urn:c2pa:") {
		t.Fatalf("c2pa-ts ingredients = %v", ings)
	}
	if ms := res["manifests"].([]any); len(ms) != 2 || ms[1] != res["active"] {
		t.Fatalf("c2pa-ts manifests = %v", ms)
	}

	// A damaged upstream image: its manifest no longer matches it.
	broken := append([]byte(nil), orig...)
	broken[len(broken)-30] ^= 0x01
	m.Parent = broken
	out, err = Sign(context.Background(), testImage(t, "png", 48), m, creds.Signer())
	must(t, err)
	r, err = Verify(out, Options{Roots: roots(creds)})
	must(t, err)
	if !strings.HasPrefix(r.Genmint.Upstream, "broken: ") || len(r.Ingredients) != 1 || r.Ingredients[0].Status != "broken" {
		t.Fatalf("broken upstream recorded as %q, ingredients %+v", r.Genmint.Upstream, r.Ingredients)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("a truthfully recorded broken upstream breaks genmint's own manifest: %v", err)
	}

	// No upstream manifest: no ingredient, c2pa.created.
	m.Parent = testImage(t, "png", 16)
	out, err = Sign(context.Background(), testImage(t, "png", 48), m, creds.Signer())
	must(t, err)
	r, err = Verify(out, Options{Roots: roots(creds)})
	must(t, err)
	if r.Genmint.Upstream != UpstreamAbsent || len(r.Ingredients) != 0 || r.Actions[0].Action != ActionCreated {
		t.Fatalf("absent upstream: %q %+v %s", r.Genmint.Upstream, r.Ingredients, r.Actions[0].Action)
	}
}

func strs(v any) []string {
	var out []string
	for _, e := range v.([]any) {
		out = append(out, e.(string))
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
