package pipeline_test

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/generatetest"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/provenance/c2pa"
)

// TestRunSignsFinalsWithContentCredentials: with a C2PA signer every final
// carries a manifest that validates and says what genmint did, and the
// provenance record describes the signed bytes.
func TestRunSignsFinalsWithContentCredentials(t *testing.T) {
	for _, tc := range []struct {
		name, post, final string
		algorithmic       bool
	}{
		{"png-trained", "postprocess:\n  - sharpen: 0.6\n  - contrast: 10\n", "final.png", false},
		{"jpeg-procedural", "postprocess:\n  - fit: {width: 48, height: 48}\n  - format: {type: jpeg, quality: 85}\n", "final.jpg", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			creds, err := c2pa.NewCredentials("Test Collection", time.Now(), 1)
			if err != nil {
				t.Fatal(err)
			}
			c := newCollection(t, testSpec+tc.post)
			c.run(t, generatetest.New(), func(o *pipeline.Options) {
				o.C2PA = creds.Signer()
				o.Info = generate.ProviderInfo{Name: "fake", Algorithmic: tc.algorithmic}
			})
			roots := x509.NewCertPool()
			roots.AddCert(creds.CA)
			for _, it := range c.items(t) {
				final, err := os.ReadFile(filepath.Join(c.dir, it.Final.Path))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := os.ReadFile(filepath.Join(c.dir, it.ProvenancePath))
				rec, err := provenance.ParseRecord(b)
				if err != nil {
					t.Fatal(err)
				}
				if err := provenance.Verify(rec, final); err != nil {
					t.Fatalf("item %d: record does not describe the signed final: %v", it.ID, err)
				}
				r, err := c2pa.Verify(final, c2pa.Options{Roots: roots})
				if err != nil {
					t.Fatalf("item %d: %v", it.ID, err)
				}
				if err := r.Err(); err != nil {
					t.Fatalf("item %d: %v", it.ID, err)
				}
				if r.Title != tc.final || r.DigitalSourceType != rec.Content.DigitalSourceType || r.Genmint == nil ||
					r.Genmint.RecordSHA256 != rec.ContentSHA256 || r.Genmint.Prompt != it.Prompt || r.Genmint.Item != it.ID {
					t.Fatalf("item %d: manifest %+v vs record %s", it.ID, r, rec.ContentSHA256)
				}
				if len(r.Actions) != 1+len(rec.Content.PostProcess) || r.Actions[0].Action != c2pa.ActionCreated {
					t.Fatalf("item %d: actions %+v for steps %+v", it.ID, r.Actions, rec.Content.PostProcess)
				}
				for i, st := range rec.Content.PostProcess {
					if r.Actions[i+1].Action != c2pa.ActionForStep(st.Op) {
						t.Errorf("item %d: action %d is %s for step %s", it.ID, i+1, r.Actions[i+1].Action, st.Op)
					}
				}
				// The fake provider's originals carry no manifest: recorded
				// as absent (trained) or none (procedural), never invented.
				want := c2pa.UpstreamAbsent
				if tc.algorithmic {
					want = c2pa.UpstreamNone
				}
				if r.Genmint.Upstream != want || len(r.Ingredients) != 0 {
					t.Errorf("item %d: upstream %q, ingredients %+v", it.ID, r.Genmint.Upstream, r.Ingredients)
				}
			}
		})
	}
}
