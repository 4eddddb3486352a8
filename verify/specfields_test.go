package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/pin"
)

// The spec-driven metadata fields are re-derived from genmint.yaml's facts:
// each one changed in a token's metadata (and republished consistently, so
// every CID holds) fails that token, naming the field; the collection as
// pinned passes.
func TestSpecFieldsReDerived(t *testing.T) {
	text := fmt.Sprintf(fixtureSpec, 2, false, 32, 32) + `  Level: [1, 2, 3, 5, 8]
trait_display:
  Level: {display_type: boost_number, max_value: 10}
background_color: 1a2b3c
license: CC0-1.0
`
	f := newFixtureText(t, 2, text, nil)
	f.coll = pin.MetadataFactsFromSpec(f.spec)
	if f.coll.License == "" || f.coll.LicenseURL == "" || f.coll.BackgroundColor == "" || f.coll.TraitDisplay["Level"].MaxValue != "10" {
		t.Fatalf("facts: %+v", f.coll)
	}
	carPath, rec := f.pinCAR(t)
	ctx := context.Background()

	// level returns token 1's Level attribute, to edit in place.
	level := func(md map[string]any) map[string]any {
		for _, a := range md["attributes"].([]any) {
			if a := a.(map[string]any); a["trait_type"] == "Level" {
				return a
			}
		}
		t.Fatal("token 1 has no Level attribute")
		return nil
	}
	cases := []struct {
		name   string
		field  string // the field the failure names; "" passes
		tamper func(md map[string]any)
	}{
		{"untampered", "", func(map[string]any) {}},
		{"display_type", "display_type", func(md map[string]any) { level(md)["display_type"] = "number" }},
		{"max_value", "max_value", func(md map[string]any) { level(md)["max_value"] = json.Number("12") }},
		{"value above max_value", "max_value", func(md map[string]any) { level(md)["value"] = json.Number("11") }},
		{"background_color", "background_color", func(md map[string]any) { md["background_color"] = "ffffff" }},
		{"license", "license", func(md map[string]any) { md["license"] = "CBE-CC0" }},
		{"license_url", "license_url", func(md map[string]any) { md["license_url"] = "https://example.com/other-licence" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := publish(t, carPath, rec)
			dec := json.NewDecoder(bytes.NewReader(p.files[pin.RootMetadata]["1"]))
			dec.UseNumber()
			var md map[string]any
			if err := dec.Decode(&md); err != nil {
				t.Fatal(err)
			}
			tc.tamper(md)
			p.files[pin.RootMetadata]["1"] = marshalJSON(t, md)
			p.republish(false)
			facts := f.coll
			r, err := Run(ctx, Options{Content: p.mem, Chain: newFakeChain(p.base, 2), Facts: &facts})
			if err != nil {
				t.Fatal(err)
			}
			if tc.field == "" {
				if !r.OK || r.Verified != 2 {
					t.Fatalf("untampered: %v", r.Failures())
				}
				return
			}
			got := only(t, r)
			if r.OK || got.Token != 1 || got.Link != LinkMetadata || got.Check != tc.field || !strings.Contains(got.String(), tc.field) {
				t.Fatalf("want token 1's metadata to fail on %s, got %s (check %q)", tc.field, got, got.Check)
			}
		})
	}
}

// A banner_image that is a file of the collection is published beside the
// images and named by ipfs:// URI in contractURI; verify reads it and
// re-derives its bytes against the file: a changed file or a source
// serving other bytes fails the field.
func TestContractURILocalPicture(t *testing.T) {
	var b bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 6, 2))
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf(fixtureSpec, 2, false, 32, 32) + "banner_image: banner.png\nfeatured_image: https://example.org/featured.png\n"
	f := newFixtureText(t, 2, text, map[string][]byte{"banner.png": b.Bytes()})
	f.coll = pin.MetadataFactsFromSpec(f.spec)
	carPath, rec := f.pinCAR(t)
	ctx := context.Background()
	run := func(mem *memContent) *Report {
		t.Helper()
		facts := f.coll
		r, err := Run(ctx, Options{Content: mem, Pin: rec, Facts: &facts, Dir: f.dir})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	r := run(memFromCAR(t, carPath))
	want := "ipfs://" + rec.Roots.Images + "/banner.png"
	if !r.OK || r.ContractURI == nil || !r.ContractURI.OK || r.ContractURI.BannerImage != want || r.ContractURI.FeaturedImage != "https://example.org/featured.png" {
		t.Fatalf("report %+v, contractURI %+v, failures %v", r, r.ContractURI, r.Failures())
	}

	// The source serves other bytes for the banner.
	mem := memFromCAR(t, carPath)
	mem.catHook = func(root cid.Cid, path string, b []byte) []byte {
		if path == "banner.png" {
			return append(bytes.Clone(b), 0)
		}
		return b
	}
	if got := only(t, run(mem)); got.Link != LinkContractURI || got.Check != "cid" {
		t.Fatalf("lying source: %s (check %q)", got, got.Check)
	}

	// The file changed since it was pinned.
	img.Pix[0] = 255
	b.Reset()
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "banner.png"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := only(t, run(memFromCAR(t, carPath))); got.Link != LinkContractURI || got.Check != "banner_image" || !strings.Contains(got.String(), "banner.png") {
		t.Fatalf("changed file: %s (check %q)", got, got.Check)
	}
	// verify --local finds it too: the images folder (and so the metadata
	// and contract metadata, which link it) no longer recomputes.
	if fs := localRun(t, f).Failures(); len(fs) == 0 || fs[0].Check != "root" || fs[0].Expected != rec.Roots.Images || !strings.Contains(fs[0].Fix, "banner_image") {
		t.Fatalf("--local with a changed banner: %v", fs)
	}
}
