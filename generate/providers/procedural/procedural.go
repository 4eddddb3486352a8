package procedural

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/internal/suggest"
)

// Model is the only model name the provider accepts (or "" for it).
const Model = "genmint-procedural"

// algorithmVersion is reported as Result.ModelVersion. Bump it whenever the
// same request would produce different bytes: a palette colour, a keyword,
// a renderer, the PNG settings. The golden tests fail until it is bumped
// together with testdata/golden.
const algorithmVersion = "1"

// Size limits, in pixels per side.
const (
	minSide     = 16
	maxSide     = 8192
	defaultSide = 1024
)

// Trait is an item's trait, as the generate package defines it.
type Trait = generate.Trait

// Info registers the provider; see the package documentation for what the
// parameters and keywords do.
var Info = generate.ProviderInfo{
	Name:    "procedural",
	Summary: "built-in seeded generative art (flow fields, rings, cells, ridges, tiles) driven by the item's traits; offline, free, reproducible",
	Records: []string{
		"seed",
		"algorithm version",
		"resolved palette, motif, density, background, grain, width, height",
		"which trait or prompt keyword chose each of them",
		"the renderer's internal choices and step counts",
	},
	Paid:        false,
	Algorithmic: true,
	New:         New,
}

// Provider renders images on the CPU. It is immutable once built, so one
// value serves any number of goroutines.
type Provider struct {
	opts options
}

var _ generate.Provider = (*Provider)(nil)

// options are the parsed provider.params. Empty strings and nil mean "let
// the traits and the seed decide".
type options struct {
	width, height int
	palette       string
	motif         string
	style         string
	density       string
	background    string // "", "dark" or "light" ("auto" parses to "")
	grain         *bool
}

// New validates cfg and builds the provider. It performs no I/O.
func New(cfg generate.ProviderConfig) (generate.Provider, error) {
	if err := checkModel(cfg.Model, "provider.model"); err != nil {
		return nil, err
	}
	opts, err := parseParams(cfg.Params, "provider.params")
	if err != nil {
		return nil, err
	}
	return &Provider{opts: opts}, nil
}

func checkModel(m, field string) error {
	if m == "" || m == Model {
		return nil
	}
	return fmt.Errorf("%s: unknown model %q for provider procedural; the only model is %q (or leave it empty)", field, m, Model)
}

var paramNames = []string{"background", "density", "grain", "height", "motif", "palette", "style", "width"}

// parseParams reads provider.params. Every error names the field to fix.
func parseParams(p generate.Params, field string) (options, error) {
	var o options
	// Unknown names first, in sorted order so the message is stable.
	var unknown []string
	for k := range p {
		if !slices.Contains(paramNames, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		k := unknown[0]
		msg := fmt.Sprintf("%s.%s: unknown parameter", field, k)
		if s := suggest.Closest(k, paramNames); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		if len(unknown) > 1 {
			msg += fmt.Sprintf(" (also unknown: %s)", strings.Join(unknown[1:], ", "))
		}
		return o, fmt.Errorf("%s (the procedural provider accepts %s)", msg, strings.Join(paramNames, ", "))
	}
	var err error
	if o.width, err = sideParam(p, "width", field); err != nil {
		return o, err
	}
	if o.height, err = sideParam(p, "height", field); err != nil {
		return o, err
	}
	names := make([]string, len(palettes))
	for i := range palettes {
		names[i] = palettes[i].name
	}
	if o.palette, err = choiceParam(p, "palette", field, names, paletteWords); err != nil {
		return o, err
	}
	var motifNames, styleNames []string
	for _, m := range motifs {
		motifNames = append(motifNames, m.name)
		styleNames = append(styleNames, m.styles...)
	}
	if o.motif, err = choiceParam(p, "motif", field, motifNames, motifVocab); err != nil {
		return o, err
	}
	if o.style, err = choiceParam(p, "style", field, styleNames, styleWords); err != nil {
		return o, err
	}
	if o.style != "" {
		m := motifOf(o.style)
		if o.motif != "" && o.motif != m {
			var ok []string
			for _, k := range motifs {
				if k.name == o.motif {
					ok = k.styles
				}
			}
			return o, fmt.Errorf("%s.style: style %q belongs to motif %s, not %s; for %s choose one of %s (or remove %s.motif)",
				field, o.style, m, o.motif, o.motif, strings.Join(ok, ", "), field)
		}
	}
	if o.density, err = choiceParam(p, "density", field, densities[:], densityWords); err != nil {
		return o, err
	}
	if o.background, err = choiceParam(p, "background", field, []string{"dark", "light", "auto"}, backgroundWords); err != nil {
		return o, err
	}
	if o.background == "auto" {
		o.background = ""
	}
	if v, ok := p["grain"]; ok && v != nil {
		var g bool
		switch v := v.(type) {
		case bool:
			g = v
		case string:
			switch strings.ToLower(v) {
			case "true", "yes", "on":
				g = true
			case "false", "no", "off":
			default:
				return o, fmt.Errorf("%s.grain: must be true or false, got %q", field, v)
			}
		default:
			return o, fmt.Errorf("%s.grain: must be true or false, got %v", field, v)
		}
		o.grain = &g
	}
	return o, nil
}

func sideParam(p generate.Params, name, field string) (int, error) {
	v, ok := p[name]
	if !ok || v == nil {
		return 0, nil
	}
	n, whole := 0, true
	switch v := v.(type) {
	case int:
		n = v
	case int64:
		n = int(max(min(v, math.MaxInt32), math.MinInt32))
	case uint64:
		n = int(min(v, math.MaxInt32))
	case float64:
		whole = v == math.Trunc(v) && math.Abs(v) < math.MaxInt32
		n = int(v)
	default:
		return 0, fmt.Errorf("%s.%s: must be a whole number of pixels (%d–%d), got %q", field, name, minSide, maxSide, fmt.Sprint(v))
	}
	if !whole {
		return 0, fmt.Errorf("%s.%s: must be a whole number of pixels (%d–%d), got %v", field, name, minSide, maxSide, v)
	}
	if err := checkSide(n, field+"."+name); err != nil {
		return 0, err
	}
	return n, nil
}

func checkSide(n int, field string) error {
	if n < minSide || n > maxSide {
		return fmt.Errorf("%s: must be %d–%d pixels, got %d", field, minSide, maxSide, n)
	}
	return nil
}

// choiceParam reads a string parameter that must be one of names. A
// vocabulary keyword is accepted too ("sea" for palette means "ocean").
func choiceParam(p generate.Params, name, field string, names []string, vocab []keyword) (string, error) {
	v, ok := p[name]
	if !ok || v == nil {
		return "", nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", fmt.Errorf("%s.%s: must be one of %s, got %v", field, name, strings.Join(names, ", "), v)
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if slices.Contains(names, s) {
		return s, nil
	}
	if k, ok := lookup(vocab, s); ok && k.value != "on" && k.value != "off" {
		return k.value, nil
	}
	msg := fmt.Sprintf("%s.%s: unknown %s %q", field, name, name, s)
	if sg := suggest.Closest(s, names); sg != "" {
		msg += fmt.Sprintf("; did you mean %q?", sg)
	}
	return "", fmt.Errorf("%s (choose one of %s)", msg, strings.Join(names, ", "))
}

// choice is a resolved decision and what made it: "param", "seed",
// `keyword "sea" in trait "Water"`, …
type choice struct{ value, by string }

// decisions are the resolved choices of one request, for Result.Params.
type decisions struct {
	palette, motif, style, density, background, grain choice
}

// resolve decides the look of one request: an explicit parameter wins, then
// a keyword in the traits (in spec order) or else the prompt, then the seed.
// Each seed-based choice draws from its own stream, so fixing one choice
// does not change the others.
func (o *options) resolve(req generate.Request) (look, decisions) {
	var d decisions
	pick := func(param string, table []keyword, fromSeed func() choice) choice {
		if param != "" {
			return choice{param, "param"}
		}
		if m, ok := scan(table, req.Prompt, req.Traits); ok {
			return choice{m.value, m.String()}
		}
		return fromSeed()
	}
	d.palette = pick(o.palette, paletteWords, func() choice {
		r := stream(req.Seed, streamPalette)
		return choice{palettes[r.intn(len(palettes))].name, "seed"}
	})
	motifParam := o.motif
	if motifParam == "" && o.style != "" {
		motifParam = motifOf(o.style)
	}
	d.motif = pick(motifParam, motifVocab, func() choice {
		r := stream(req.Seed, streamMotif)
		return choice{motifs[r.intn(len(motifs))].name, "seed"}
	})
	if d.motif.by == "param" && o.motif == "" {
		d.motif.by = "param style"
	}
	d.style = pick(o.style, stylesOf(d.motif.value), func() choice {
		r := stream(req.Seed, streamStyle^strhash(d.motif.value))
		for _, m := range motifs {
			if m.name == d.motif.value {
				return choice{m.styles[r.intn(len(m.styles))], "seed"}
			}
		}
		return choice{}
	})
	d.density = pick(o.density, densityWords, func() choice {
		r := stream(req.Seed, streamDensity)
		return choice{[...]string{"sparse", "medium", "medium", "dense"}[r.intn(4)], "seed"}
	})
	pal := paletteByName(d.palette.value)
	d.background = pick(o.background, backgroundWords, func() choice {
		if pal.preferDark {
			return choice{"dark", "palette " + pal.name}
		}
		return choice{"light", "palette " + pal.name}
	})
	var grainParam string
	if o.grain != nil {
		grainParam = "off"
		if *o.grain {
			grainParam = "on"
		}
	}
	d.grain = pick(grainParam, grainWords, func() choice { return choice{"off", "default"} })

	l := look{
		width: o.width, height: o.height,
		palette: pal,
		motif:   d.motif.value,
		style:   d.style.value,
		dark:    d.background.value == "dark",
		grain:   d.grain.value == "on",
	}
	for i, name := range densities {
		if name == d.density.value {
			l.density = i
		}
	}
	if l.width == 0 {
		l.width = defaultSide
	}
	if l.height == 0 {
		l.height = defaultSide
	}
	if req.Width > 0 {
		l.width = req.Width
	}
	if req.Height > 0 {
		l.height = req.Height
	}
	return l, d
}

// Generate renders the request. The same request always gives the same PNG
// bytes, on any machine (for a given Go version's PNG encoder).
func (p *Provider) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("procedural: %w", err)
	}
	if err := checkModel(req.Model, "provider.model"); err != nil {
		return nil, err
	}
	opts := p.opts
	if len(req.Params) > 0 {
		// The request carries the spec's parameters through untouched; they
		// were validated by New, so this only errs if they changed since.
		o, err := parseParams(req.Params, "provider.params")
		if err != nil {
			return nil, err
		}
		opts = o
	}
	l, d := opts.resolve(req)
	if err := checkSide(l.width, "provider.params.width"); err != nil {
		return nil, err
	}
	if err := checkSide(l.height, "provider.params.height"); err != nil {
		return nil, err
	}

	var n notes
	img := image.NewRGBA(image.Rect(0, 0, l.width, l.height))
	if err := render(ctx, img, l, req.Seed, &n); err != nil {
		return nil, err
	}
	data, err := encode(ctx, img)
	if err != nil {
		return nil, err
	}

	params := generate.Params{
		"palette":       d.palette.value,
		"palette_by":    d.palette.by,
		"motif":         d.motif.value,
		"motif_by":      d.motif.by,
		"style":         d.style.value,
		"style_by":      d.style.by,
		"density":       d.density.value,
		"density_by":    d.density.by,
		"background":    d.background.value,
		"background_by": d.background.by,
		"grain":         l.grain,
		"grain_by":      d.grain.by,
		"width":         l.width,
		"height":        l.height,
	}
	for _, kv := range n.kv {
		params[l.motif+"."+kv.key] = kv.val
	}
	seed := uint64(req.Seed)
	return &generate.Result{
		Image:        data,
		MediaType:    "image/png",
		Seed:         &seed,
		Reproducible: true,
		Model:        Model,
		ModelVersion: algorithmVersion,
		Params:       params,
		Paid:         false,
	}, nil
}

// pngEncoder is shared: its BufferPool recycles the compressor's large
// internal state between calls (and is safe for concurrent use).
var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &encoderPool{}}

type encoderPool struct{ p sync.Pool }

func (e *encoderPool) Get() *png.EncoderBuffer {
	b, _ := e.p.Get().(*png.EncoderBuffer)
	return b
}
func (e *encoderPool) Put(b *png.EncoderBuffer) { e.p.Put(b) }

// encode writes img as PNG, giving up promptly if ctx is cancelled.
func encode(ctx context.Context, img *image.RGBA) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(img.Pix) / 4)
	if err := pngEncoder.Encode(ctxWriter{ctx, &buf}, img); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("procedural: encode png: %w", ctx.Err())
		}
		return nil, fmt.Errorf("procedural: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// ctxWriter fails writes once ctx is done, which stops png.Encode.
type ctxWriter struct {
	ctx context.Context
	buf *bytes.Buffer
}

func (w ctxWriter) Write(b []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	return w.buf.Write(b)
}
