package layers_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers"
	"github.com/genmint/genmint/generate/providers/layers"
	"github.com/genmint/genmint/provenance"
)

// TestGeneratedBase draws the fixture's layers over a procedural base: one
// provider, one result whose record lists the base and every layer, and
// pixels equal to the layers composited over the base's own image.
func TestGeneratedBase(t *testing.T) {
	dir := layers.WriteFixture(t)
	info, ok := providers.Lookup(layers.Name)
	if !ok {
		t.Fatal("layers is not registered")
	}
	params := generate.Params{
		"order": []any{"body", "eyes", "hat"},
		"blend": map[string]any{"eyes": "multiply"},
		"base":  map[string]any{"name": "procedural", "params": map[string]any{"width": layers.FW, "height": layers.FH, "palette": "ember"}},
	}
	p, err := providers.Open(info, generate.ProviderConfig{Dir: dir, Params: params}, providers.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	req := layers.Item("Blue", "Round", "Open", "Cap")
	res, err := p.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}

	proc, _ := providers.Lookup("procedural")
	bp, err := proc.New(generate.ProviderConfig{Params: params["base"].(map[string]any)["params"].(map[string]any)})
	if err != nil {
		t.Fatal(err)
	}
	baseRes, err := bp.Generate(context.Background(), generate.Request{Item: req.Item, Seed: req.Seed, Traits: req.Traits,
		Params: params["base"].(map[string]any)["params"].(map[string]any)})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(baseRes.Image)
	base := res.Facts["base"].(map[string]any)
	if base["provider"] != "procedural" || base["sha256"] != hex.EncodeToString(sum[:]) || base["seed"] != uint64(req.Seed) {
		t.Errorf("base recorded as %v", base)
	}
	if n := len(res.Params["layers"].([]any)); n != 3 {
		t.Errorf("%d layers recorded, want 3", n)
	}
	if res.DigitalSourceType != provenance.SourceCompositeSynthetic || !res.Reproducible {
		t.Errorf("source %s reproducible %v", res.DigitalSourceType, res.Reproducible)
	}

	got := layers.DecodeNRGBA(t, res.Image)
	bimg := layers.DecodeNRGBA(t, baseRes.Image)
	for y := 0; y < layers.FH; y++ {
		for x := 0; x < layers.FW; x++ {
			o := bimg.PixOffset(x, y)
			want := [4]uint8(bimg.Pix[o : o+4])
			want = layers.RefOver(want, layers.FixturePixel(layers.SeedOf("body", "Round"), x, y), "normal", 255)
			want = layers.RefOver(want, layers.FixturePixel(layers.SeedOf("eyes", "Open"), x, y), "multiply", 255)
			want = layers.RefOver(want, layers.FixturePixel(layers.SeedOf("hat", "Cap"), x, y), "normal", 255)
			if [4]uint8(got.Pix[o:o+4]) != want {
				t.Fatalf("(%d,%d) = %v, want %v", x, y, got.Pix[o:o+4], want)
			}
		}
	}

	// A base of another size is refused, naming it; a paid base is refused.
	params["base"] = map[string]any{"name": "procedural", "params": map[string]any{"width": 32, "height": 32}}
	p, err = providers.Open(info, generate.ProviderConfig{Dir: dir, Params: params}, providers.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Generate(context.Background(), req); err == nil || !strings.Contains(err.Error(), "the procedural base layer is 32x32") {
		t.Errorf("size: %v", err)
	}
	params["base"] = map[string]any{"name": "openai"}
	if _, err := providers.Open(info, generate.ProviderConfig{Dir: dir, Params: params}, providers.Limits{}); err == nil || !strings.Contains(err.Error(), "paid") {
		t.Errorf("paid base: %v", err)
	}
}
