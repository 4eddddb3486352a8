package procedural

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/genmint/genmint/generate"
)

func TestInfo(t *testing.T) {
	if Info.Name != "procedural" || Info.Paid || Info.KeyEnv != "" || Info.DefaultBaseURL != "" || Info.EstimateUSD != nil {
		t.Errorf("Info = %+v: want a free, keyless, local provider named procedural", Info)
	}
	if Info.New == nil || Info.Summary == "" || len(Info.Records) == 0 {
		t.Error("Info lacks New, Summary or Records")
	}
}

func TestNewValidates(t *testing.T) {
	for _, c := range []struct {
		name   string
		model  string
		params generate.Params
		want   string // substring of the error; "" means valid
	}{
		{"defaults", "", nil, ""},
		{"the model", Model, nil, ""},
		{"everything", "", generate.Params{"width": 640, "height": 480, "palette": "ember", "motif": "rings",
			"style": "halo", "density": "dense", "background": "light", "grain": true}, ""},
		{"keywords as values", "", generate.Params{"palette": "Sea", "motif": "maze", "density": "calm", "background": "night"}, ""},
		{"float size from YAML", "", generate.Params{"width": 512.0}, ""},
		{"string bools", "", generate.Params{"grain": "yes"}, ""},
		{"auto background", "", generate.Params{"background": "auto"}, ""},

		{"unknown model", "sdxl", nil, `provider.model: unknown model "sdxl"`},
		{"zero width", "", generate.Params{"width": 0}, "provider.params.width: must be 16–8192 pixels, got 0"},
		{"huge height", "", generate.Params{"height": 10000}, "provider.params.height: must be 16–8192 pixels, got 10000"},
		{"fractional width", "", generate.Params{"width": 100.5}, "provider.params.width: must be a whole number"},
		{"string width", "", generate.Params{"width": "big"}, "provider.params.width: must be a whole number"},
		{"typo in a name", "", generate.Params{"widht": 10}, `provider.params.widht: unknown parameter; did you mean "width"?`},
		{"unknown names listed", "", generate.Params{"zzz": 1, "colour": "red"}, "also unknown: zzz"},
		{"typo in a palette", "", generate.Params{"palette": "ocen"}, `provider.params.palette: unknown palette "ocen"; did you mean "ocean"?`},
		{"unknown motif", "", generate.Params{"motif": "fractal"}, "choose one of flow, rings, cells, ridges, tiles"},
		{"style of another motif", "", generate.Params{"motif": "flow", "style": "maze"}, `style "maze" belongs to motif tiles, not flow`},
		{"bad density", "", generate.Params{"density": 3}, "provider.params.density: must be one of sparse, medium, dense"},
		{"bad grain", "", generate.Params{"grain": "lots"}, "provider.params.grain: must be true or false"},
		{"bad background", "", generate.Params{"background": "grey"}, "provider.params.background: unknown background"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := New(generate.ProviderConfig{Model: c.model, Params: c.params})
			if c.want == "" {
				if err != nil || p == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("New accepted %v; want an error containing %q", c.params, c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q\nwant it to contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func generateImage(t testing.TB, p generate.Provider, req generate.Request) (*generate.Result, *image.RGBA) {
	t.Helper()
	res, err := p.Generate(context.Background(), req)
	if err != nil {
		t.Fatalf("Generate(%q, seed %d): %v", req.Prompt, req.Seed, err)
	}
	m, err := png.Decode(bytes.NewReader(res.Image))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	rgba := image.NewRGBA(m.Bounds())
	for y := m.Bounds().Min.Y; y < m.Bounds().Max.Y; y++ {
		for x := m.Bounds().Min.X; x < m.Bounds().Max.X; x++ {
			rgba.Set(x, y, m.At(x, y))
		}
	}
	return res, rgba
}

func mustNew(t testing.TB, params generate.Params) generate.Provider {
	t.Helper()
	p, err := New(generate.ProviderConfig{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGenerateResult(t *testing.T) {
	p := mustNew(t, generate.Params{"width": 200, "height": 120})
	req := generate.Request{
		Item: 3, Seed: 77, Prompt: "a calm river at night",
		Traits: []generate.Trait{{Type: "Sky", Value: "Sunset"}, {Type: "Texture", Value: "Film"}},
	}
	res, img := generateImage(t, p, req)
	if res.MediaType != "image/png" || !res.Reproducible || res.Paid || res.CostUSD != 0 {
		t.Errorf("result %+v: want a free, reproducible PNG", res)
	}
	if res.Seed == nil || *res.Seed != 77 {
		t.Errorf("Seed = %v, want 77", res.Seed)
	}
	if res.Model != Model || res.ModelVersion != algorithmVersion {
		t.Errorf("model %q version %q", res.Model, res.ModelVersion)
	}
	if b := img.Bounds(); b.Dx() != 200 || b.Dy() != 120 {
		t.Errorf("size %v, want 200×120", b)
	}
	want := map[string]any{
		"palette": "ember", "palette_by": `keyword "sunset" in trait "Sky"`,
		"motif": "flow", "motif_by": `keyword "river" in prompt`,
		"density": "sparse", "density_by": `keyword "calm" in prompt`,
		"background": "dark", "background_by": `keyword "night" in prompt`,
		"grain": true, "grain_by": `keyword "film" in trait "Texture"`,
		"style_by": "seed",
		"width":    200, "height": 120,
	}
	for k, v := range want {
		if res.Params[k] != v {
			t.Errorf("Params[%q] = %#v, want %#v", k, res.Params[k], v)
		}
	}
	// The renderer's own choices are recorded under the motif's name.
	found := false
	for k := range res.Params {
		if strings.HasPrefix(k, "flow.") {
			found = true
		}
	}
	if !found {
		t.Errorf("no flow.* internals in %v", res.Params)
	}

	// The request's size overrides the parameters.
	res2, img2 := generateImage(t, p, generate.Request{Seed: 1, Width: 64, Height: 48})
	if b := img2.Bounds(); b.Dx() != 64 || b.Dy() != 48 || res2.Params["width"] != 64 {
		t.Errorf("request size: got %v, params %v", b, res2.Params["width"])
	}
}

func TestGenerateRejectsBadRequest(t *testing.T) {
	p := mustNew(t, nil)
	for _, c := range []struct {
		req  generate.Request
		want string
	}{
		{generate.Request{Width: 9000}, "provider.params.width: must be 16–8192 pixels, got 9000"},
		{generate.Request{Height: 8}, "provider.params.height: must be 16–8192 pixels, got 8"},
		{generate.Request{Model: "dall-e-3"}, `provider.model: unknown model "dall-e-3"`},
		{generate.Request{Params: generate.Params{"motif": "nope"}}, "provider.params.motif"},
	} {
		if _, err := p.Generate(context.Background(), c.req); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Generate(%+v) error %v, want %q", c.req, err, c.want)
		}
	}
}

// countdownCtx is cancelled after its Err method has been called n times,
// which cancels a render in the middle of whichever phase checks then.
type countdownCtx struct {
	context.Context
	n int
}

func (c *countdownCtx) Err() error {
	if c.n <= 0 {
		return context.Canceled
	}
	c.n--
	return nil
}

func TestGenerateCancelled(t *testing.T) {
	p := mustNew(t, generate.Params{"width": 256, "height": 256})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Generate(ctx, generate.Request{Seed: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: err = %v, want context.Canceled", err)
	}
	// Cancel after each of the first checks in turn: every motif's phases
	// and loops check, and the PNG writer does too.
	for _, motif := range []string{"flow", "rings", "cells", "ridges", "tiles"} {
		for n := 1; n < 6; n++ {
			_, err := p.Generate(&countdownCtx{context.Background(), n}, generate.Request{Seed: 9, Prompt: motif})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s cancelled after %d checks: err = %v, want context.Canceled", motif, n, err)
			}
		}
	}
}

func TestResolve(t *testing.T) {
	var o options
	tr := func(kv ...string) []generate.Trait {
		var v []generate.Trait
		for i := 0; i+1 < len(kv); i += 2 {
			v = append(v, generate.Trait{Type: kv[i], Value: kv[i+1]})
		}
		return v
	}
	for _, c := range []struct {
		req                            generate.Request
		palette, motif, style, density string
	}{
		// The first keyword in the text wins; plurals and -ing are stemmed.
		{generate.Request{Prompt: "Waves of fire over a deep sea"}, "ocean", "ridges", "waves", ""},
		{generate.Request{Prompt: "flowing embers"}, "ember", "flow", "", ""},
		// Traits come before the prompt, in spec order.
		{generate.Request{Prompt: "ocean rings", Traits: tr("Mood", "Chaotic", "Palette", "Neon Glow")}, "neon", "rings", "", "dense"},
		// A style word chooses its motif.
		{generate.Request{Prompt: "a stained glass window"}, "", "cells", "stained", ""},
		{generate.Request{Prompt: "tiles woven like a basket"}, "", "tiles", "weave", ""},
		// A style word of another motif does not override the motif.
		{generate.Request{Prompt: "flow field of silk", Traits: tr("Shape", "maze")}, "", "tiles", "maze", ""},
		{generate.Request{Prompt: "rings", Traits: tr("Shape", "silk")}, "", "flow", "silk", ""},
	} {
		l, d := o.resolve(c.req)
		if c.palette != "" && l.palette.name != c.palette {
			t.Errorf("%q %v: palette %s (%s), want %s", c.req.Prompt, c.req.Traits, l.palette.name, d.palette.by, c.palette)
		}
		if l.motif != c.motif || (c.style != "" && l.style != c.style) {
			t.Errorf("%q %v: motif %s/%s (%s; %s), want %s/%s", c.req.Prompt, c.req.Traits, l.motif, l.style, d.motif.by, d.style.by, c.motif, c.style)
		}
		if c.density != "" && densities[l.density] != c.density {
			t.Errorf("%q: density %s, want %s", c.req.Prompt, densities[l.density], c.density)
		}
	}

	// Parameters beat keywords.
	o2, err := parseParams(generate.Params{"palette": "mono", "style": "silk", "background": "light", "grain": false}, "provider.params")
	if err != nil {
		t.Fatal(err)
	}
	l, d := o2.resolve(generate.Request{Prompt: "neon maze at night, grainy film"})
	if l.palette.name != "mono" || l.motif != "flow" || l.style != "silk" || l.dark || l.grain {
		t.Errorf("params did not win: %+v", d)
	}
	if d.motif.by != "param style" {
		t.Errorf("motif_by %q, want %q", d.motif.by, "param style")
	}

	// Without keywords every choice comes from the seed, and seeds vary it.
	seen := map[string]bool{}
	for s := uint32(0); s < 200; s++ {
		l, d := o.resolve(generate.Request{Seed: s, Prompt: "untitled #4"})
		if d.palette.by != "seed" || d.motif.by != "seed" || d.style.by != "seed" || d.density.by != "seed" {
			t.Fatalf("seed %d: %+v", s, d)
		}
		seen[l.palette.name] = true
		seen[l.style] = true
	}
	if len(seen) != len(palettes)+17 {
		t.Errorf("200 seeds reached %d palettes and styles, want all %d", len(seen), len(palettes)+17)
	}
}

// TestOddSizes renders every style at the smallest and most lopsided sizes:
// nothing may panic or index outside the canvas, and the PNG must have the
// requested size.
func TestOddSizes(t *testing.T) {
	sizes := [][2]int{{16, 16}, {17, 301}, {301, 17}, {16, 2000}, {2000, 16}}
	for _, m := range motifs {
		for _, st := range m.styles {
			for _, sz := range sizes {
				p := mustNew(t, generate.Params{"width": sz[0], "height": sz[1], "style": st})
				_, img := generateImage(t, p, generate.Request{Seed: uint32(sz[0] * sz[1]), Prompt: "dense"})
				if b := img.Bounds(); b.Dx() != sz[0] || b.Dy() != sz[1] {
					t.Errorf("%s at %v: got %v", st, sz, b)
				}
			}
		}
	}
}
