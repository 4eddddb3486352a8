package procedural

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/genmint/genmint/generate"
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
	Paid: false,
	New:  New,
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

var paramNames = []string{"background", "density", "grain", "height", "motif", "palette", "width"}

// parseParams reads provider.params. Every error names the field to fix.
func parseParams(p generate.Params, field string) (options, error) {
	var o options
	// Unknown names first, in sorted order so the message is stable.
	var unknown []string
	for k := range p {
		if !contains(paramNames, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		k := unknown[0]
		msg := fmt.Sprintf("%s.%s: unknown parameter", field, k)
		if s := suggest(k, paramNames); s != "" {
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
	if o.motif, err = choiceParam(p, "motif", field, motifNames[:], motifWords); err != nil {
		return o, err
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

// motifNames lists the motifs, in the order the seed chooses among them.
var motifNames = [...]string{"flow", "rings", "cells", "ridges", "tiles"}

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
	if contains(names, s) {
		return s, nil
	}
	if k, ok := lookup(vocab, s); ok && k.value != "on" && k.value != "off" {
		return k.value, nil
	}
	msg := fmt.Sprintf("%s.%s: unknown %s %q", field, name, name, s)
	if sg := suggest(s, names); sg != "" {
		msg += fmt.Sprintf("; did you mean %q?", sg)
	}
	return "", fmt.Errorf("%s (choose one of %s)", msg, strings.Join(names, ", "))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// suggest returns the candidate closest to s by edit distance, if it is
// close enough to be a likely typo.
func suggest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		d := editDistance(s, c)
		if d < bestD || (strings.HasPrefix(c, s) && len(s) >= 3 && bestD > 1) {
			best, bestD = c, min(d, 1)
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// choice is a resolved decision and what made it.
type choice struct{ value, by string }

// resolve decides the look of one request: an explicit parameter wins, then
// a keyword in the traits or the prompt, then the seed.
func (o *options) resolve(req generate.Request) (look, [5]choice) {
	var ch [5]choice
	pick := func(param string, table []keyword, fromSeed func() string) choice {
		if param != "" {
			return choice{param, "param"}
		}
		if m, ok := scan(table, req.Prompt, req.Traits); ok {
			return choice{m.value, m.String()}
		}
		if fromSeed == nil {
			return choice{}
		}
		return choice{fromSeed(), "seed"}
	}
	ch[0] = pick(o.palette, paletteWords, func() string {
		r := stream(req.Seed, streamPalette)
		return palettes[r.intn(len(palettes))].name
	})
	ch[1] = pick(o.motif, motifWords, func() string {
		r := stream(req.Seed, streamMotif)
		return motifNames[r.intn(len(motifNames))]
	})
	ch[2] = pick(o.density, densityWords, func() string {
		r := stream(req.Seed, streamDensity)
		return [...]string{"sparse", "medium", "medium", "dense"}[r.intn(4)]
	})
	pal := paletteByName(ch[0].value)
	ch[3] = pick(o.background, backgroundWords, func() string {
		if pal.preferDark {
			return "dark"
		}
		return "light"
	})
	if ch[3].by == "seed" {
		ch[3].by = "palette " + pal.name
	}
	var grainParam string
	if o.grain != nil {
		grainParam = map[bool]string{true: "on", false: "off"}[*o.grain]
	}
	ch[4] = pick(grainParam, grainWords, func() string { return "off" })
	if ch[4].by == "seed" {
		ch[4].by = "default"
	}

	l := look{
		width: o.width, height: o.height,
		palette: pal,
		motif:   ch[1].value,
		dark:    ch[3].value == "dark",
		grain:   ch[4].value == "on",
	}
	for i, d := range densities {
		if d == ch[2].value {
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
	return l, ch
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
	l, ch := opts.resolve(req)
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
		"palette":       ch[0].value,
		"palette_by":    ch[0].by,
		"motif":         ch[1].value,
		"motif_by":      ch[1].by,
		"density":       ch[2].value,
		"density_by":    ch[2].by,
		"background":    ch[3].value,
		"background_by": ch[3].by,
		"grain":         l.grain,
		"grain_by":      ch[4].by,
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
