package pin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/spec/trait"
	"github.com/genmint/genmint/state"
)

var fixedTime = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// testCollection is the spec-side facts the fixtures pin with.
var testCollection = MetadataFacts{
	Name:            "Tidal Glyphs",
	Symbol:          "TIDE",
	Description:     "Glyphs drawn by the tide & the moon.",
	ExternalURL:     "https://example.com/tide/{id}",
	Creator:         "Ada",
	RoyaltyReceiver: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
	RoyaltyBPS:      500,
	ERC7007:         true,
}

var palettes = []string{"Ember", "Kelp", "Slate", "Coral"}
var shapes = []string{"Circle", "Spiral", "Wave"}

// makeCollection writes a collection of n kept items into dir: a
// deterministic PNG original and final per item (size×size pixels), a
// provenance record, and the state rows the generate and curate stages
// would have left. The same (n, size) always gives byte-identical files.
func makeCollection(t testing.TB, dir string, n, size int) {
	t.Helper()
	ctx := context.Background()
	db, err := state.Open(ctx, dir, state.Options{Create: true, Now: func() time.Time { return fixedTime }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var planned []state.Planned
	for id := 1; id <= n; id++ {
		planned = append(planned, state.Planned{
			ID:             id,
			Seed:           uint32(1000 + id),
			Prompt:         fmt.Sprintf("a %s glyph in %s tones, <ink> & salt", shapes[id%len(shapes)], palettes[id%len(palettes)]),
			NegativePrompt: "blurry",
			Traits:         traitsOf(id),
			GenHash:        fmt.Sprintf("gen-%d", id),
		})
	}
	if err := db.Plan(ctx, planned); err != nil {
		t.Fatal(err)
	}
	ids := make([]int, 0, n)
	for _, p := range planned {
		itemDir := fmt.Sprintf("items/%04d", p.ID)
		if err := os.MkdirAll(filepath.Join(dir, itemDir), 0o755); err != nil {
			t.Fatal(err)
		}
		orig := pngBytes(t, p.ID, size, 0)
		final := pngBytes(t, p.ID, size, 1)
		origSHA, finalSHA := sha(orig), sha(final)
		writeFile(t, filepath.Join(dir, itemDir, "original.png"), orig)
		writeFile(t, filepath.Join(dir, itemDir, "final.png"), final)

		actual := uint64(p.Seed)
		content := provenance.Content{
			Collection: testCollection.Name, Creator: testCollection.Creator, Item: p.ID,
			Provider: "procedural", Model: "genmint-procedural", ModelVersion: "1",
			Prompt: p.Prompt, NegativePrompt: p.NegativePrompt,
			Seed:         provenance.Seed{Requested: p.Seed, Actual: &actual},
			Reproducible: true, Parameters: map[string]any{"width": size, "height": size},
			Traits:            p.Traits,
			DigitalSourceType: provenance.SourceAlgorithmic,
			Original:          provenance.FileFact{Path: "original.png", MediaType: "image/png", SHA256: origSHA, Bytes: int64(len(orig)), Width: size, Height: size},
			PostProcess:       []provenance.Step{{Op: "identity"}},
			Output:            provenance.Output{MediaType: "image/png", Width: size, Height: size},
		}
		cb, _ := json.Marshal(content)
		rec := provenance.Record{
			Schema: provenance.Schema, Content: content, ContentSHA256: sha(cb),
			Final:     provenance.FileFact{Path: "final.png", MediaType: "image/png", SHA256: finalSHA, Bytes: int64(len(final)), Width: size, Height: size},
			Generator: provenance.Generator{Name: "genmint", Version: "test"},
			Times:     provenance.Times{Requested: fixedTime, Generated: fixedTime, Processed: fixedTime},
		}
		rb, _ := json.MarshalIndent(rec, "", "  ")
		writeFile(t, filepath.Join(dir, itemDir, "provenance.json"), append(rb, '\n'))

		if err := db.SaveOriginal(ctx, p.ID, p.GenHash, state.File{Path: itemDir + "/original.png", SHA256: origSHA, MediaType: "image/png"}, json.RawMessage(`{"seed":`+fmt.Sprint(actual)+`}`), nil); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveFinal(ctx, p.ID, state.Finished{
			Final:          state.File{Path: itemDir + "/final.png", SHA256: finalSHA, MediaType: "image/png"},
			ProvenancePath: itemDir + "/provenance.json", RecordSHA256: rec.ContentSHA256, PostHash: "post",
		}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	if moved, err := db.SetStatus(ctx, ids, state.Kept, state.Generated); err != nil || moved != n {
		t.Fatalf("keep items: moved %d of %d: %v", moved, n, err)
	}
}

func traitsOf(id int) []trait.Trait {
	return []trait.Trait{{Type: "Palette", Value: palettes[id%len(palettes)]}, {Type: "Shape", Value: shapes[id%len(shapes)]}}
}

// pngBytes draws a deterministic image: smooth gradients with a little
// noise, so it compresses about as well as a generated picture does.
func pngBytes(t testing.TB, id, size, variant int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	x0 := uint32(id*2654435761 + variant*40503)
	for y := range size {
		for x := range size {
			h := x0 ^ uint32(x*73856093) ^ uint32(y*19349663)
			h ^= h >> 13
			h *= 0x5bd1e995
			h ^= h >> 15
			n := uint8(h & 0x0f)
			i := y*img.Stride + x*4
			img.Pix[i] = uint8(x*255/size) + n
			img.Pix[i+1] = uint8(y*255/size) + n
			img.Pix[i+2] = uint8((x+y+id*7)%256) ^ uint8(variant*64)
			img.Pix[i+3] = 255
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func openDB(t testing.TB, dir string) *state.DB {
	t.Helper()
	db, err := state.Open(context.Background(), dir, state.Options{Now: func() time.Time { return fixedTime }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func statusCounts(t testing.TB, db *state.DB) map[state.Status]int {
	t.Helper()
	c, err := db.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}
