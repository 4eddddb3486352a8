package provenance

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/genmint/genmint/spec/trait"
)

// readTestdata returns a committed input file.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func u64(v uint64) *uint64 { return &v }

// fixtureContent is a typical Automatic1111 item after post-processing.
func fixtureContent() Content {
	return Content{
		Collection:     "Harbour Lights",
		Creator:        "Ada Lovelace <ada@example.com>",
		Item:           7,
		Provider:       "automatic1111",
		Model:          "v1-5-pruned-emaonly",
		ModelVersion:   "",
		ModelHash:      "6ce0161689",
		Prompt:         "a lighthouse at dusk, (oil painting:1.2), warm light & <fog>",
		NegativePrompt: "blurry, lowres",
		Seed:           Seed{Requested: 1234, Actual: u64(1234)},
		Reproducible:   true,
		Parameters: map[string]any{
			"steps":         30,
			"sampler_name":  "DPM++ 2M",
			"cfg_scale":     7.5,
			"width":         512,
			"height":        512,
			"scheduler":     "Karras",
			"restore_faces": false,
			"override_settings": map[string]any{
				"CLIP_stop_at_last_layers": 2,
			},
		},
		RequestID: "a1111-7",
		Traits: []trait.Trait{
			{Type: "Palette", Value: "Ember"},
			{Type: "Weather", Value: "Fog"},
		},
		DigitalSourceType: SourceTrainedAlgorithmic,
		Original: FileFact{
			Path:      "original.png",
			MediaType: "image/png",
			SHA256:    "3b4d1f0cc3b0c0b7ae10d4ef7a4c2e1b6a4d5f0e9c8b7a6f5e4d3c2b1a0f9e8d",
			Bytes:     412345,
			Width:     512,
			Height:    512,
		},
		PostProcess: []Step{
			{Op: "resize", Params: map[string]any{"width": 32, "height": 24, "filter": "lanczos"}},
			{Op: "sharpen", Params: map[string]any{"sigma": 0.5}},
		},
		Output: Output{MediaType: "image/png", Width: 32, Height: 24},
	}
}

// fixtureRecord wraps fixtureContent with fixed times.
func fixtureRecord(t testing.TB) *Record {
	t.Helper()
	c := fixtureContent()
	h, err := c.SHA256()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
	return &Record{
		Schema:        Schema,
		Content:       c,
		ContentSHA256: h,
		Final: FileFact{
			Path: "final.png", MediaType: "image/png",
			SHA256: "0000000000000000000000000000000000000000000000000000000000000000",
			Bytes:  1234, Width: 32, Height: 24,
		},
		Generator: Generator{Name: "genmint", Version: "v0.1.0"},
		Times: Times{
			Requested: at,
			Generated: at.Add(4200 * time.Millisecond),
			Processed: at.Add(4350 * time.Millisecond),
		},
	}
}
