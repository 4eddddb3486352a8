package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/pin/unixfs"
)

// These tests break one thing a collection states — the licence in the
// image against the metadata and the chain, the placeholder before the
// reveal, the contract metadata — and check that verify fails on exactly
// that, naming the field. Each is paired with the unbroken case, which
// must pass, so a check that always fails cannot pass either.

// licensedChain is a chain reporting a16z's getLicenseName/getLicenseURI.
type licensedChain struct {
	*fakeChain
	license chain.License
}

func (c *licensedChain) License(context.Context) (chain.License, error) { return c.license, nil }

// revealChain is a chain reporting its baseURI (before the reveal: the
// placeholder's).
type revealChain struct {
	*fakeChain
	base string
}

func (c *revealChain) BaseURI(context.Context) (string, error) { return c.base, nil }

// contractChain is a chain reporting its contractURI and licence.
type contractChain struct {
	*fakeChain
	contractURI string
	license     chain.License
}

func (c *contractChain) ContractURI(context.Context) (string, error) { return c.contractURI, nil }
func (c *contractChain) License(context.Context) (chain.License, error) {
	return c.license, nil
}

// failuresAt returns the report's failures at link/check.
func failuresAt(r *Report, link Link, check string) []Failure {
	var out []Failure
	for _, f := range r.Failures() {
		if f.Link == link && f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// mustPass runs verify and fails unless it passes.
func mustPass(t *testing.T, o Options) {
	t.Helper()
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || len(r.Failures()) != 0 {
		t.Fatalf("the unbroken collection fails: %v", r.Failures())
	}
}

// mustFailOnly runs verify and wants exactly one failure, at link/check,
// for token (0: the collection), whose line names field.
func mustFailOnly(t *testing.T, o Options, token int, link Link, check, field string) Failure {
	t.Helper()
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	fl := only(t, r)
	if r.OK || fl.Token != token || fl.Link != link || fl.Check != check || !strings.Contains(fl.String(), field) || fl.Fix == "" || strings.Contains(fl.String(), "\n") {
		t.Fatalf("want token %d %s/%s naming %q, got token %d %s/%s: %s", token, link, check, field, fl.Token, fl.Link, fl.Check, fl)
	}
	t.Log(fl)
	return fl
}

// mustFailEvery runs verify and wants every one of n tokens to fail, once
// each, at link/check, naming field.
func mustFailEvery(t *testing.T, o Options, n int, link Link, check, field string) {
	t.Helper()
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	fls := r.Failures()
	if r.OK || len(fls) != n {
		t.Fatalf("want %d failures, got %d: %v", n, len(fls), fls)
	}
	for i, fl := range fls {
		if fl.Token != i+1 || fl.Link != link || fl.Check != check || !strings.Contains(fl.String(), field) || fl.Fix == "" {
			t.Fatalf("want token %d %s/%s naming %q, got %s", i+1, link, check, field, fl)
		}
	}
	t.Log(fls[0])
}

// importFile adds one file to m and returns its CID.
func (m *memContent) importFile(t testing.TB, b []byte) cid.Cid {
	t.Helper()
	c, _, err := unixfs.ImportFile(context.Background(), func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		unixfs.DefaultProfile, unixfs.ImportOptions{Put: m.put})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLicenseDisagreements: the image's licence (XMP, provenance record)
// against the metadata's, and the contract's getLicenseName/getLicenseURI
// against the tokens'.
func TestLicenseDisagreements(t *testing.T) {
	f := newFixture(t, 3, false)
	carPath, rec := f.pinCAR(t)

	t.Run("metadata states a licence the image does not carry", func(t *testing.T) {
		p := publish(t, carPath, rec)
		ch := newFakeChain(p.base, 3)
		mustPass(t, Options{Content: p.mem, Chain: ch})
		md := p.metadata(1)
		md.License, md.LicenseURL = "CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"
		p.setMetadata(1, md)
		p.republish(false)
		relinkChain(p, ch)
		fl := mustFailOnly(t, Options{Content: p.mem, Chain: ch}, 1, LinkProvenance, "license", "licen")
		if !strings.Contains(fl.Expected, "CC0-1.0") {
			t.Fatalf("expected %q names the metadata's licence", fl.Expected)
		}
	})

	t.Run("the contract's licence is not the tokens'", func(t *testing.T) {
		p := publish(t, carPath, rec)
		// The tokens state no licence; a contract stating none agrees.
		mustPass(t, Options{Content: p.mem, Chain: &licensedChain{fakeChain: newFakeChain(p.base, 3)}})
		ch := &licensedChain{fakeChain: newFakeChain(p.base, 3),
			license: chain.License{Name: "CBE_CC0", URI: "ar://_D9kN1WrNWbCq55BSAGRbTB4bS3v8QAPTYmBThSbX3A/0"}}
		r, err := Run(context.Background(), Options{Content: p.mem, Chain: ch})
		if err != nil {
			t.Fatal(err)
		}
		fl := only(t, r)
		if r.OK || fl.Token != 0 || fl.Link != LinkChain || fl.Check != "license" || fl.Expected != ch.license.URI || !strings.Contains(fl.String(), "getLicenseURI") {
			t.Fatalf("want the collection's chain/license failure naming getLicenseURI, got %s", fl)
		}
		if r.License != "CBE_CC0" {
			t.Fatalf("report's licence %q", r.License)
		}
	})

	t.Run("the contract's licence name is not the tokens'", func(t *testing.T) {
		p := publish(t, carPath, rec)
		// The URIs agree (none), the names do not.
		ch := &licensedChain{fakeChain: newFakeChain(p.base, 3), license: chain.License{Name: "CBE_EXCLUSIVE"}}
		r, err := Run(context.Background(), Options{Content: p.mem, Chain: ch})
		if err != nil {
			t.Fatal(err)
		}
		fl := only(t, r)
		if r.OK || fl.Link != LinkChain || fl.Check != "license" || fl.Expected != "CBE_EXCLUSIVE" || fl.Got != "(none)" || !strings.Contains(fl.String(), "getLicenseName") {
			t.Fatalf("want the collection's chain/license failure naming getLicenseName, got %s", fl)
		}
	})
}

// placeholderFixture pins a 3-item collection with a placeholder (spec
// reveal:) and returns what a contract not yet revealed shows.
func placeholderFixture(t *testing.T) (*published, *pin.Record, []byte) {
	t.Helper()
	p, rec, soon, _, _ := placeholderFixtureFacts(t)
	return p, rec, soon
}

// placeholderFixtureFacts is placeholderFixture that also returns the
// collection's facts and folder, for the checks against genmint.yaml.
func placeholderFixtureFacts(t *testing.T) (*published, *pin.Record, []byte, pin.MetadataFacts, string) {
	t.Helper()
	f := newFixture(t, 3, false)
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(f.dir, "art"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "art", "soon.png"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	coll := f.coll
	coll.Placeholder = &pin.Placeholder{Image: "art/soon.png", Name: "Veiled", Description: "Revealed soon."}
	car := filepath.Join(t.TempDir(), "collection.car")
	ctx := context.Background()
	if _, err := pin.Run(ctx, pin.Options{Dir: f.dir, DB: f.db, Collection: coll, CAR: car}); err != nil {
		t.Fatal(err)
	}
	rec, err := pin.Latest(ctx, f.db)
	if err != nil || rec.PlaceholderURI == "" {
		t.Fatalf("pin record %+v, %v", rec, err)
	}
	return publish(t, car, rec), rec, b.Bytes(), coll, f.dir
}

// Before the reveal, in the collection's folder, the placeholder metadata
// and image are re-derived from genmint.yaml's reveal.placeholder: each
// field changed in the spec (or the image file changed) fails the
// placeholder link naming it.
func TestPlaceholderAgainstSpec(t *testing.T) {
	p, rec, _, facts, dir := placeholderFixtureFacts(t)
	run := func(t *testing.T, facts pin.MetadataFacts) *Report {
		t.Helper()
		r, err := Run(context.Background(), Options{Content: p.mem, Chain: placeholderChain(rec.PlaceholderURI, 3), Pin: rec, Facts: &facts, Dir: dir, Concurrency: 1})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := run(t, facts); !r.OK || r.Revealed == nil || *r.Revealed {
		t.Fatalf("placeholder as genmint.yaml gives it: %v", r.Failures())
	}
	ph := func(edit func(*pin.Placeholder)) pin.MetadataFacts {
		f := facts
		c := *facts.Placeholder
		edit(&c)
		f.Placeholder = &c
		return f
	}
	licensed := facts
	licensed.License, licensed.LicenseURL = "CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"
	noReveal := facts
	noReveal.Placeholder = nil
	for _, tc := range []struct {
		name, check string
		facts       pin.MetadataFacts
	}{
		{"name", "name", ph(func(c *pin.Placeholder) { c.Name = "Unveiled" })},
		{"description", "description", ph(func(c *pin.Placeholder) { c.Description = "" })},
		{"image URI", "image", ph(func(c *pin.Placeholder) { c.Image = "https://example.org/soon.png" })},
		{"image file of another kind", "image", ph(func(c *pin.Placeholder) { c.Image = "art/soon.gif" })},
		{"licence", "license", licensed},
		{"no reveal in the spec", "reveal.placeholder", noReveal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.facts)
			var fs []Failure
			for _, f := range r.Failures() {
				if f.Link == LinkPlaceholder {
					fs = append(fs, f)
				}
			}
			if r.OK || len(fs) != 3 || fs[0].Check != tc.check || !strings.Contains(fs[0].Message, "genmint.yaml") {
				t.Fatalf("want every token's placeholder to fail on %s, got %v", tc.check, r.Failures())
			}
		})
	}

	t.Run("image file changed", func(t *testing.T) {
		var b bytes.Buffer
		if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 9, 9))); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "art", "soon.png"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		fs := run(t, facts).Failures()
		if len(fs) == 0 || fs[0].Link != LinkPlaceholder || fs[0].Check != "image" || !strings.Contains(fs[0].String(), "art/soon.png") {
			t.Fatalf("want the placeholder image to fail against art/soon.png, got %v", fs)
		}
	})
}

// placeholderChain is a contract showing the placeholder baseURI base.
func placeholderChain(base string, n int) *revealChain {
	ch := &revealChain{fakeChain: newFakeChain(cid.Undef, n), base: base}
	for id := 1; id <= n; id++ {
		ch.uris[id] = base + strconv.Itoa(id)
	}
	return ch
}

// TestPlaceholderBroken: before the reveal every tokenURI must be the
// pinned placeholder baseURI plus the id, and resolve to the one
// placeholder JSON and its image; each break fails (exit 4 material)
// naming what broke.
func TestPlaceholderBroken(t *testing.T) {
	p, rec, soon := placeholderFixture(t)
	phRoot := cid.MustParse(rec.Roots.Placeholder)
	imgRoot := cid.MustParse(rec.Roots.PlaceholderImage)
	opts := func(ch Chain) Options { return Options{Content: p.mem, Chain: ch, Pin: rec, Concurrency: 1} }

	// Unbroken: the placeholder and the commitment verify, and the
	// placeholder's image is the spec's file.
	r, err := Run(context.Background(), opts(placeholderChain(rec.PlaceholderURI, 3)))
	if err != nil || !r.OK || r.Revealed == nil || *r.Revealed || r.PlaceholderURI != rec.PlaceholderURI {
		t.Fatalf("unbroken placeholder: %+v %v", r, err)
	}
	var ph pin.PlaceholderMetadata
	if b, err := p.mem.Cat(context.Background(), phRoot, "1", 1<<20); err != nil || json.Unmarshal(b, &ph) != nil || ph.Name != "Veiled" {
		t.Fatalf("placeholder JSON %+v, %v", ph, err)
	}
	imgURI := ph.Image
	iroot, iname, err := parseIPFSURI(imgURI)
	if err != nil || !iroot.Equals(imgRoot) {
		t.Fatalf("placeholder image %s: %v", imgURI, err)
	}
	if b, err := p.mem.Cat(context.Background(), iroot, iname, 1<<20); err != nil || !bytes.Equal(b, soon) {
		t.Fatalf("the placeholder image is not art/soon.png: %v", err)
	}

	t.Run("tokenURI not the placeholder", func(t *testing.T) {
		ch := placeholderChain(rec.PlaceholderURI, 3)
		ch.uris[2] = rec.BaseURI + "2" // one token already shows its real metadata
		fl := mustFailOnly(t, opts(ch), 2, LinkPlaceholder, "base-uri", rec.PlaceholderURI+"2")
		if fl.Got != rec.BaseURI+"2" {
			t.Fatalf("got %q", fl.Got)
		}
	})

	t.Run("placeholder JSON served differently", func(t *testing.T) {
		p.mem.catHook = func(root cid.Cid, path string, b []byte) []byte {
			if root.Equals(phRoot) && path == "1" {
				return bytes.Replace(b, []byte("Veiled"), []byte("Unveiled"), 1)
			}
			return b
		}
		defer func() { p.mem.catHook = nil }()
		mustFailOnly(t, opts(placeholderChain(rec.PlaceholderURI, 3)), 1, LinkPlaceholder, "cid", "placeholder")
	})

	t.Run("one token's placeholder JSON differs", func(t *testing.T) {
		same, err := p.mem.Cat(context.Background(), phRoot, "1", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		other := bytes.Replace(same, []byte("Revealed soon."), []byte("Revealed never."), 1)
		root := p.mem.importDir(t, map[string][]byte{"1": same, "2": other, "3": same})
		base := "ipfs://" + root.String() + "/"
		o := opts(placeholderChain(base, 3))
		o.Placeholder = base
		fl := mustFailOnly(t, o, 2, LinkPlaceholder, "same", "placeholder")
		if fl.Expected != p.mem.importFile(t, same).String() {
			t.Fatalf("expected %q, the others' placeholder CID", fl.Expected)
		}
	})

	t.Run("placeholder JSON without an image", func(t *testing.T) {
		bad := marshalJSON(t, map[string]string{"name": "Veiled"})
		root := p.mem.importDir(t, map[string][]byte{"1": bad, "2": bad, "3": bad})
		base := "ipfs://" + root.String() + "/"
		o := opts(placeholderChain(base, 3))
		o.Placeholder = base
		mustFailEvery(t, o, 3, LinkPlaceholder, "json", "image")
	})

	t.Run("wrong placeholder image", func(t *testing.T) {
		p.mem.catHook = func(root cid.Cid, path string, b []byte) []byte {
			if root.Equals(imgRoot) && path == iname {
				return append(bytes.Clone(b), 0)
			}
			return b
		}
		defer func() { p.mem.catHook = nil }()
		mustFailEvery(t, opts(placeholderChain(rec.PlaceholderURI, 3)), 3, LinkPlaceholder, "cid", iname)
	})
}

// TestContractURIBroken: the contract metadata (ERC-7572 contractURI)
// against what was pinned, the schema, the contract's licence and the
// spec's collaborators.
func TestContractURIBroken(t *testing.T) {
	f := newFixture(t, 3, false)
	carPath, rec := f.pinCAR(t)
	contractRoot := cid.MustParse(strings.TrimPrefix(rec.ContractURI, "ipfs://"))
	pinned := func(p *published) []byte {
		b, err := p.mem.Cat(context.Background(), contractRoot, "", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// edited publishes the pinned contract metadata with edit applied.
	edited := func(t *testing.T, p *published, edit func(map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal(pinned(p), &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		return "ipfs://" + p.mem.importFile(t, marshalJSON(t, m)).String()
	}

	t.Run("unbroken", func(t *testing.T) {
		p := publish(t, carPath, rec)
		facts := f.coll
		mustPass(t, Options{Content: p.mem, Chain: newFakeChain(p.base, 3), Pin: rec, Facts: &facts})
		mustPass(t, Options{Content: p.mem, Chain: &contractChain{fakeChain: newFakeChain(p.base, 3), contractURI: rec.ContractURI}, Pin: rec})
	})

	t.Run("bytes differ from the pinned", func(t *testing.T) {
		p := publish(t, carPath, rec)
		p.mem.catHook = func(root cid.Cid, path string, b []byte) []byte {
			if root.Equals(contractRoot) {
				return bytes.Replace(b, []byte("Verify Fixture"), []byte("Verify Fixturf"), 1)
			}
			return b
		}
		mustFailOnly(t, Options{Content: p.mem, Chain: newFakeChain(p.base, 3), Pin: rec}, 0, LinkContractURI, "cid", rec.ContractURI)
	})

	t.Run("contract points at another contractURI", func(t *testing.T) {
		p := publish(t, carPath, rec)
		other := edited(t, p, func(m map[string]any) { m["description"] = "another collection" })
		ch := &contractChain{fakeChain: newFakeChain(p.base, 3), contractURI: other}
		fl := mustFailOnly(t, Options{Content: p.mem, Chain: ch, Pin: rec}, 0, LinkContractURI, "contract-uri", "contractURI")
		if fl.Expected != rec.ContractURI || fl.Got != other {
			t.Fatalf("expected %q got %q", fl.Expected, fl.Got)
		}
	})

	t.Run("schema violation", func(t *testing.T) {
		p := publish(t, carPath, rec)
		uri := edited(t, p, func(m map[string]any) { m["name"] = 7 })
		ch := &contractChain{fakeChain: newFakeChain(p.base, 3), contractURI: uri}
		mustFailOnly(t, Options{Content: p.mem, Chain: ch}, 0, LinkContractURI, "schema", "name")
	})

	t.Run("licence not the contract's", func(t *testing.T) {
		p := publish(t, carPath, rec)
		// The contract's getLicenseName says CC0-1.0; the contract metadata
		// and the tokens state no licence (their license_url agrees: none).
		ch := &contractChain{fakeChain: newFakeChain(p.base, 3), contractURI: rec.ContractURI, license: chain.License{Name: "CC0-1.0"}}
		r, err := Run(context.Background(), Options{Content: p.mem, Chain: ch})
		if err != nil {
			t.Fatal(err)
		}
		var links []Link
		for _, fl := range r.Failures() {
			if fl.Check != "license" || fl.Expected != "CC0-1.0" || !strings.Contains(fl.String(), "getLicenseName") {
				t.Fatalf("want the licence failures naming getLicenseName, got %s", fl)
			}
			links = append(links, fl.Link)
		}
		if r.OK || !slices.Equal(links, []Link{LinkChain, LinkContractURI}) {
			t.Fatalf("want the tokens' and contractURI's licence to fail, got %v", r.Failures())
		}
		// The contract metadata names a licence URL the contract does not.
		uri := edited(t, p, func(m map[string]any) {
			m["license"], m["license_url"] = "CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"
		})
		ch = &contractChain{fakeChain: newFakeChain(p.base, 3), contractURI: uri}
		mustFailOnly(t, Options{Content: p.mem, Chain: ch}, 0, LinkContractURI, "license_url", "getLicenseURI")
	})

	t.Run("collaborators not the spec's", func(t *testing.T) {
		p := publish(t, carPath, rec)
		facts := f.coll
		facts.Collaborators = []string{"0x000000000000000000000000000000000000B0B0"}
		fl := mustFailOnly(t, Options{Content: p.mem, Chain: newFakeChain(p.base, 3), Pin: rec, Facts: &facts}, 0, LinkContractURI, "collaborators", "collaborators")
		if !strings.Contains(fl.Expected, "B0B0") {
			t.Fatalf("expected %q", fl.Expected)
		}
	})
}
