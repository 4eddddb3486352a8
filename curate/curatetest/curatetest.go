// Package curatetest builds collections for curation tests through the state
// API (Plan, SaveOriginal, SaveFinal, Fail, SetStatus), the way `genmint
// generate` leaves them, with small deterministic PNG images.
package curatetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path"
	"path/filepath"
	"testing"
	"time"

	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/spec/trait"
	"github.com/genmint/genmint/state"
)

// Options shape a test collection.
type Options struct {
	// N is the number of items (ids 1…N).
	N int
	// Status gives an item's status; nil leaves every item generated.
	// Pending, Failed and Refused items get no image.
	Status func(id int) state.Status
	// Images is how many distinct images the items share (item id i uses
	// image (i-1) % Images); 0 means 4. Shared files keep a 10,000-item
	// collection small on disk.
	Images int
	// Size is each image's width and height in pixels; 0 means 48.
	Size int
	// Sidecars writes a provenance.json per item in items/NNNN/; otherwise
	// items point to shared sidecars.
	Sidecars bool
}

// Traits returns item id's deterministic traits.
func Traits(id int) []trait.Trait {
	bgs := []string{"blue", "green", "red", "gold", "violet"}
	shapes := []string{"circle", "square", "triangle"}
	return []trait.Trait{
		{Type: "Background", Value: bgs[(id-1)%len(bgs)]},
		{Type: "Shape", Value: shapes[(id-1)%len(shapes)]},
	}
}

// Prompt returns item id's deterministic prompt.
func Prompt(id int) string {
	t := Traits(id)
	return fmt.Sprintf("a %s on a %s background, flat vector art", t[1].Value, t[0].Value)
}

// Seed returns item id's deterministic seed.
func Seed(id int) uint32 { return uint32(1000 + id*7) }

// Image returns test image k (0-based): a diagonal two-colour gradient with a
// centred square, distinct per k, of size×size pixels.
func Image(k, size int) *image.NRGBA {
	palette := []color.NRGBA{
		{0x1f, 0x6f, 0xeb, 0xff}, {0x2e, 0xa0, 0x43, 0xff}, {0xd2, 0x3f, 0x31, 0xff},
		{0xe3, 0xb3, 0x41, 0xff}, {0x8b, 0x5c, 0xf6, 0xff}, {0x0e, 0xa5, 0xb5, 0xff},
	}
	a := palette[k%len(palette)]
	b := palette[(k+2)%len(palette)]
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			t := float64(x+y) / float64(2*size-2)
			c := color.NRGBA{
				R: uint8(float64(a.R)*(1-t) + float64(b.R)*t),
				G: uint8(float64(a.G)*(1-t) + float64(b.G)*t),
				B: uint8(float64(a.B)*(1-t) + float64(b.B)*t),
				A: 0xff,
			}
			if x > size/4 && x < 3*size/4 && y > size/4 && y < 3*size/4 {
				c = color.NRGBA{0xf5, 0xf5, 0xf0, 0xff}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// ItemDir is item id's folder relative to the collection.
func ItemDir(id, n int) string {
	width := 4
	if d := len(fmt.Sprint(n)); d > width {
		width = d
	}
	return path.Join("items", fmt.Sprintf("%0*d", width, id))
}

// New builds a collection in dir and returns its open state database (closed
// at the end of the test).
func New(t testing.TB, dir string, o Options) *state.DB {
	t.Helper()
	db, err := Build(context.Background(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Build is New without a testing.TB, for benchmarks' shared fixtures.
func Build(ctx context.Context, dir string, o Options) (*state.DB, error) {
	if o.Images == 0 {
		o.Images = 4
	}
	if o.Size == 0 {
		o.Size = 48
	}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	db, err := state.Open(ctx, dir, state.Options{Create: true, Now: func() time.Time { return now }})
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*state.DB, error) { db.Close(); return nil, err }

	// Shared images and sidecars.
	type shared struct {
		file  state.File
		prov  string
		bytes int64
	}
	imgs := make([]shared, o.Images)
	if err := os.MkdirAll(filepath.Join(dir, "shared"), 0o755); err != nil {
		return fail(err)
	}
	for k := range imgs {
		var buf bytes.Buffer
		if err := png.Encode(&buf, Image(k, o.Size)); err != nil {
			return fail(err)
		}
		rel := fmt.Sprintf("shared/img-%d.png", k)
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel)), buf.Bytes(), 0o644); err != nil {
			return fail(err)
		}
		sum := sha256.Sum256(buf.Bytes())
		imgs[k] = shared{file: state.File{Path: rel, SHA256: hex.EncodeToString(sum[:]), MediaType: "image/png"}, bytes: int64(buf.Len())}
		if !o.Sidecars {
			imgs[k].prov = fmt.Sprintf("shared/prov-%d.json", k)
			if err := writeRecord(dir, imgs[k].prov, k+1, imgs[k].file, imgs[k].bytes, o.Size); err != nil {
				return fail(err)
			}
		}
	}

	status := func(id int) state.Status {
		if o.Status == nil {
			return state.Generated
		}
		return o.Status(id)
	}
	planned := make([]state.Planned, o.N)
	for i := range planned {
		id := i + 1
		planned[i] = state.Planned{ID: id, Seed: Seed(id), Prompt: Prompt(id), NegativePrompt: "blurry, text",
			Traits: Traits(id), GenHash: fmt.Sprintf("gen-%d", id)}
	}
	if err := db.Plan(ctx, planned); err != nil {
		return fail(err)
	}
	byStatus := map[state.Status][]int{}
	for id := 1; id <= o.N; id++ {
		st := status(id)
		switch st {
		case state.Pending:
			continue
		case state.Failed, state.Refused:
			reason := "provider answered 500"
			if st == state.Refused {
				reason = "procedural refused the prompt (content_policy_violation)"
			}
			if err := db.Fail(ctx, id, st, reason); err != nil {
				return fail(err)
			}
			continue
		}
		img := imgs[(id-1)%o.Images]
		result, _ := json.Marshal(map[string]any{"model": "procedural-v1"})
		if err := db.SaveOriginal(ctx, id, planned[id-1].GenHash, img.file, result, nil); err != nil {
			return fail(err)
		}
		prov := img.prov
		if o.Sidecars {
			prov = path.Join(ItemDir(id, o.N), "provenance.json")
			if err := writeRecord(dir, prov, id, img.file, img.bytes, o.Size); err != nil {
				return fail(err)
			}
		}
		if err := db.SaveFinal(ctx, id, state.Finished{Final: img.file, ProvenancePath: prov,
			RecordSHA256: fmt.Sprintf("%064x", id), PostHash: "post-1"}); err != nil {
			return fail(err)
		}
		if st != state.Generated {
			byStatus[st] = append(byStatus[st], id)
		}
	}
	// Move items along the pipeline: kept before pinned before minted.
	for _, st := range []state.Status{state.Kept, state.Rejected, state.Pinned, state.Minted} {
		ids := byStatus[st]
		if len(ids) == 0 {
			continue
		}
		if st == state.Pinned || st == state.Minted {
			if _, err := db.SetStatus(ctx, ids, state.Kept, state.Generated); err != nil {
				return fail(err)
			}
			if _, err := db.SetStatus(ctx, ids, state.Pinned, state.Kept); err != nil {
				return fail(err)
			}
			if st == state.Minted {
				if _, err := db.SetStatus(ctx, ids, state.Minted, state.Pinned); err != nil {
					return fail(err)
				}
			}
			continue
		}
		if _, err := db.SetStatus(ctx, ids, st, state.Generated); err != nil {
			return fail(err)
		}
	}
	return db, nil
}

func writeRecord(dir, rel string, id int, final state.File, size int64, px int) error {
	actual := uint64(Seed(id))
	rec := provenance.Record{
		Schema: provenance.Schema,
		Content: provenance.Content{
			Collection: "Test Shapes", Creator: "genmint tests", Item: id,
			Provider: "procedural", Model: "procedural-v1", ModelVersion: "1",
			Prompt: Prompt(id), NegativePrompt: "blurry, text",
			Seed:         provenance.Seed{Requested: Seed(id), Actual: &actual},
			Reproducible: true, Parameters: map[string]any{"steps": 1},
			Traits:            Traits(id),
			DigitalSourceType: provenance.SourceAlgorithmic,
			Original:          provenance.FileFact{Path: "original.png", MediaType: "image/png", SHA256: final.SHA256, Bytes: size, Width: px, Height: px},
			PostProcess:       []provenance.Step{},
			Output:            provenance.Output{MediaType: "image/png", Width: px, Height: px},
		},
		ContentSHA256: fmt.Sprintf("%064x", id),
		Final:         provenance.FileFact{Path: "final.png", MediaType: "image/png", SHA256: final.SHA256, Bytes: size, Width: px, Height: px},
		Generator:     provenance.Generator{Name: "genmint", Version: "test"},
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}
