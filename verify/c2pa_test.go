package verify

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/generate/providers/procedural"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/provenance/c2pa"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// newSignedFixture is newFixture with every final signed by creds.
func newSignedFixture(t *testing.T, n int, creds *c2pa.Credentials) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, spec.FileName), fmt.Appendf(nil, fixtureSpec, n, false, 32, 32), 0o644); err != nil {
		t.Fatal(err)
	}
	s, problems, err := spec.Load(dir, spec.Options{})
	if err != nil {
		t.Fatalf("spec: %v %v", err, problems)
	}
	db, err := state.Open(ctx, dir, state.Options{Create: true, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	prov, err := procedural.New(generate.ProviderConfig{Params: s.Provider.Params, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := pipeline.Run(ctx, pipeline.Options{Spec: s, DB: db, Provider: prov, Info: procedural.Info, Concurrency: 2,
		Now: time.Now, C2PA: creds.Signer()})
	if err != nil || sum.Generated != n {
		t.Fatalf("generate: %+v %v", sum, err)
	}
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i + 1
	}
	if _, err := db.SetStatus(ctx, ids, state.Kept, state.Generated); err != nil {
		t.Fatal(err)
	}
	return &fixture{dir: dir, db: db, spec: s, n: n, coll: pin.MetadataFacts{Name: s.Name, Symbol: s.Symbol, Description: s.Description,
		ExternalURL: s.ExternalURL, Creator: s.Creator, Image: s.Image, ERC7007: s.ERC7007}}
}

func pool(creds *c2pa.Credentials) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(creds.CA)
	return p
}

func TestLocalContentCredentials(t *testing.T) {
	creds, err := c2pa.NewCredentials("Verify Fixture", time.Now(), 1)
	if err != nil {
		t.Fatal(err)
	}
	f := newSignedFixture(t, 2, creds)
	run := func(check *C2PA) *Report {
		r, err := Local(context.Background(), LocalOptions{Dir: f.dir, DB: f.db, Collection: f.coll, Concurrency: 2, C2PA: check})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, pinned := range []bool{false, true} {
		if pinned {
			f.pinCAR(t)
		}
		r := run(&C2PA{Roots: pool(creds)})
		if !r.OK || !slices.Contains(r.Links, LinkContentCredentials) {
			t.Fatalf("pinned %v: %+v %v", pinned, r.Links, r.Failures())
		}
		for _, tr := range r.Results {
			if cc := tr.ContentCredentials; cc == nil || cc.Status != "valid" || cc.Upstream != c2pa.UpstreamNone {
				t.Fatalf("pinned %v item %d: %+v", pinned, tr.ID, tr.ContentCredentials)
			}
		}
		// Another collection's CA: untrusted, distinctly from broken.
		other, _ := c2pa.NewCredentials("Other", time.Now(), 1)
		r = run(&C2PA{Roots: pool(other)})
		if r.OK || r.Verified != 0 {
			t.Fatalf("pinned %v: foreign CA passed", pinned)
		}
		for _, fl := range r.Failures() {
			if fl.Link != LinkContentCredentials || fl.Check != "untrusted" || !strings.Contains(fl.Message, "signed by an untrusted certificate") {
				t.Fatalf("pinned %v: %s", pinned, fl)
			}
		}
		// No trust anchors at all: reported, not failed.
		r = run(&C2PA{})
		if !r.OK || r.Results[0].ContentCredentials.Status != "untrusted" {
			t.Fatalf("pinned %v: %+v", pinned, r.Results[0].ContentCredentials)
		}
	}
}

// TestPinnedMetadataNamesContentCredentials: the token metadata says the
// image carries Content Credentials, and which.
func TestPinnedMetadataNamesContentCredentials(t *testing.T) {
	creds, err := c2pa.NewCredentials("Verify Fixture", time.Now(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, signed := range []bool{true, false} {
		var f *fixture
		if signed {
			f = newSignedFixture(t, 1, creds)
		} else {
			f = newFixture(t, 1, false)
		}
		var meta []byte
		if _, err := pin.Run(context.Background(), pin.Options{Dir: f.dir, DB: f.db, Collection: f.coll, DryRun: true,
			Metadata: func(id int, b []byte) { meta = append([]byte(nil), b...) }}); err != nil {
			t.Fatal(err)
		}
		var md pin.TokenMetadata
		if err := json.Unmarshal(meta, &md); err != nil {
			t.Fatal(err)
		}
		cc := md.Properties.ContentCredentials
		if signed != (cc != nil) {
			t.Fatalf("signed %v: content_credentials %+v", signed, cc)
		}
		if signed && (cc.Standard != "C2PA 2.1" || !strings.HasPrefix(cc.Manifest, "urn:c2pa:") || cc.Signer != creds.Cert.Subject.String() ||
			cc.DigitalSourceType != "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia") {
			t.Fatalf("content_credentials %+v", cc)
		}
	}
}

func TestLocalUnsignedCollectionListsNoC2PALink(t *testing.T) {
	f := newFixture(t, 1, false)
	r, err := Local(context.Background(), LocalOptions{Dir: f.dir, DB: f.db, Collection: f.coll, C2PA: &C2PA{}})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || slices.Contains(r.Links, LinkContentCredentials) || r.Results[0].ContentCredentials.Status != "absent" {
		t.Fatalf("%+v %+v", r.Links, r.Results[0].ContentCredentials)
	}
}
