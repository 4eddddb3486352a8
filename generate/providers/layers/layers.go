// Package layers is the layered-art provider: an artist draws one PNG per
// trait value (layers/<trait>/<value>.png, HashLips' "<value>#<weight>.png"
// names included) and each item is the composite of its values' layers, in
// the order provider.params.order gives, bottom first.
//
//	provider:
//	  name: layers
//	  params:
//	    dir: layers                      # default "layers", inside the collection
//	    order: [background, body, eyes, hat]   # default: the spec's trait order
//	    blend: {eyes: multiply, hat/crown: screen}   # trait or trait/value
//	    opacity: {eyes: 0.8}             # 0–1, trait or trait/value
//	    base: {name: procedural, params: {palette: ember}}   # optional generated bottom layer
//
// A value named "none" with no file draws nothing. Every layer must have
// the same size. Compositing is exact integer arithmetic on straight alpha
// (see Over), so an item's bytes are the same on every machine; the result
// records each layer file's sha256.
package layers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/postprocess"
	"github.com/genmint/genmint/provenance"
)

// Name is the provider's name in genmint.yaml.
const Name = "layers"

// Model is the only model name the provider accepts (or "" for it).
const Model = "genmint-layers"

// algorithmVersion is Result.ModelVersion: bump it whenever the same layers
// would composite to different bytes.
const algorithmVersion = "1"

// maxPixels caps a layer's size before it is decoded.
const maxPixels = 64 << 20

// Info registers the provider.
var Info = generate.ProviderInfo{
	Name:    Name,
	Summary: "composites drawn PNG layers, one per trait value (layers/<trait>/<value>.png, HashLips folders work unchanged); offline, free, exact",
	Records: []string{
		"every layer drawn: trait, value, file, sha256, blend mode, opacity",
		"the generated base layer's provider, model, seed and sha256, when there is one",
		"the compositing algorithm version and the image size",
	},
	Paid:        false,
	Algorithmic: true,
	New:         New,
}

// Provider composites layers. It is safe for concurrent use; decoded layers
// are cached for the provider's life (bounded by cacheBytes).
type Provider struct {
	opts     options
	base     generate.Provider // nil: no generated base layer
	baseInfo generate.ProviderInfo
	cache    *cache
	idx      sync.Map // trait name → *traitIndex
}

var _ generate.Provider = (*Provider)(nil)

type options struct {
	dir     string // absolute
	rel     string // as written
	order   []string
	blend   map[string]Blend
	opacity map[string]uint8
	base    *BaseSpec
}

// BaseSpec is provider.params.base: a provider whose image is the bottom
// layer.
type BaseSpec struct {
	Name    string
	Model   string
	BaseURL string
	Params  generate.Params
}

var paramNames = []string{"base", "blend", "dir", "opacity", "order"}

// New validates cfg and builds the provider without a base layer (see
// NewWithBase). It performs no I/O.
func New(cfg generate.ProviderConfig) (generate.Provider, error) {
	o, err := parseParams(cfg)
	if err != nil {
		return nil, err
	}
	if o.base != nil {
		return nil, fmt.Errorf("provider.params.base: a base layer needs the provider registry (open the layers provider through providers.Open)")
	}
	return &Provider{opts: o, cache: newCache(cacheBytes)}, nil
}

// NewWithBase builds the provider with base, the provider info describes
// (built by the caller from Base(cfg)), drawing the bottom layer of every
// item.
func NewWithBase(cfg generate.ProviderConfig, base generate.Provider, info generate.ProviderInfo) (generate.Provider, error) {
	o, err := parseParams(cfg)
	if err != nil {
		return nil, err
	}
	return &Provider{opts: o, base: base, baseInfo: info, cache: newCache(cacheBytes)}, nil
}

// Base returns provider.params.base, or nil when there is none.
func Base(cfg generate.ProviderConfig) (*BaseSpec, error) {
	o, err := parseParams(cfg)
	if err != nil {
		return nil, err
	}
	return o.base, nil
}

func parseParams(cfg generate.ProviderConfig) (options, error) {
	o := options{rel: "layers", blend: map[string]Blend{}, opacity: map[string]uint8{}}
	if cfg.Model != "" && cfg.Model != Model {
		return o, fmt.Errorf("provider.model: unknown model %q for provider layers; the only model is %q (or leave it empty)", cfg.Model, Model)
	}
	var unknown []string
	for k := range cfg.Params {
		if !slices.Contains(paramNames, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return o, fmt.Errorf("provider.params.%s: unknown parameter (the layers provider accepts %s)", unknown[0], strings.Join(paramNames, ", "))
	}
	if v, ok := cfg.Params["dir"]; ok {
		s, ok := v.(string)
		if !ok || s == "" {
			return o, fmt.Errorf("provider.params.dir: expected a folder name like layers")
		}
		o.rel = s
	}
	clean := filepath.Clean(filepath.FromSlash(o.rel))
	if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return o, fmt.Errorf("provider.params.dir: %q is outside the collection; use a folder inside it, like layers", o.rel)
	}
	o.dir = filepath.Join(cfg.Dir, clean)
	if v, ok := cfg.Params["order"]; ok {
		list, ok := v.([]any)
		if !ok || len(list) == 0 {
			return o, fmt.Errorf("provider.params.order: expected a list of trait names, bottom layer first")
		}
		seen := map[string]bool{}
		for i, e := range list {
			s, ok := e.(string)
			if !ok || s == "" {
				return o, fmt.Errorf("provider.params.order[%d]: expected a trait name", i)
			}
			if seen[s] {
				return o, fmt.Errorf("provider.params.order: %q is listed twice; draw each trait once", s)
			}
			seen[s] = true
			o.order = append(o.order, s)
		}
	}
	if v, ok := cfg.Params["blend"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return o, fmt.Errorf("provider.params.blend: expected trait: mode lines (or trait/value: mode)")
		}
		for k, mv := range m {
			s, _ := mv.(string)
			b, ok := ParseBlend(s)
			if !ok {
				return o, fmt.Errorf("provider.params.blend.%s: unknown blend mode %v; use one of %s", k, mv, strings.Join(blendNames, ", "))
			}
			o.blend[k] = b
		}
	}
	if v, ok := cfg.Params["opacity"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return o, fmt.Errorf("provider.params.opacity: expected trait: opacity lines (or trait/value: opacity), opacity from 0 to 1")
		}
		for k, mv := range m {
			var f float64
			switch n := mv.(type) {
			case int:
				f = float64(n)
			case float64:
				f = n
			default:
				return o, fmt.Errorf("provider.params.opacity.%s: expected a number from 0 to 1", k)
			}
			if !(f >= 0 && f <= 1) {
				return o, fmt.Errorf("provider.params.opacity.%s: %v is not between 0 and 1", k, mv)
			}
			o.opacity[k] = uint8(math.Floor(f*255 + 0.5)) // to the nearest 1/255
		}
	}
	if v, ok := cfg.Params["base"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return o, fmt.Errorf("provider.params.base: expected {name: <provider>, model: ..., params: {...}}")
		}
		b := &BaseSpec{}
		for k, bv := range m {
			switch k {
			case "name":
				b.Name, _ = bv.(string)
			case "model":
				b.Model, _ = bv.(string)
			case "base_url":
				b.BaseURL, _ = bv.(string)
			case "params":
				p, ok := bv.(map[string]any)
				if !ok {
					return o, fmt.Errorf("provider.params.base.params: expected a mapping of parameter: value")
				}
				b.Params = p
			default:
				return o, fmt.Errorf("provider.params.base.%s: unknown field (a base has name, model, base_url and params)", k)
			}
		}
		if b.Name == "" {
			return o, fmt.Errorf("provider.params.base.name: missing; name the provider that draws the base layer, e.g. procedural")
		}
		if b.Name == Name {
			return o, fmt.Errorf("provider.params.base.name: the base of a layers provider cannot be another layers provider")
		}
		o.base = b
	}
	return o, nil
}

// style returns the blend mode and opacity of trait's value.
func (o *options) style(trait, value string) (Blend, uint8) {
	b, op := Normal, uint8(255)
	if v, ok := o.blend[trait]; ok {
		b = v
	}
	if v, ok := o.blend[trait+"/"+value]; ok {
		b = v
	}
	if v, ok := o.opacity[trait]; ok {
		op = v
	}
	if v, ok := o.opacity[trait+"/"+value]; ok {
		op = v
	}
	return b, op
}

// Layer is one drawn layer of an item, as recorded in provenance.
type Layer struct {
	Trait   string `json:"trait"`
	Value   string `json:"value"`
	File    string `json:"file,omitempty"` // relative to the collection, slash-separated; empty for "none"
	SHA256  string `json:"sha256,omitempty"`
	Blend   string `json:"blend"`
	Opacity int    `json:"opacity"` // out of 255
}

// plan resolves the layers of one item: the traits in draw order, each with
// its file (or none). It reads the trait folders (cached).
func (p *Provider) plan(traits []generate.Trait) ([]Layer, error) {
	order := p.opts.order
	if order == nil {
		for _, t := range traits {
			order = append(order, t.Type)
		}
	}
	var out []Layer
	for _, name := range order {
		value, ok := "", false
		for _, t := range traits {
			if t.Type == name {
				value, ok = t.Value, true
				break
			}
		}
		if !ok {
			return nil, fmt.Errorf("provider.params.order names trait %q, which the item does not have; add it to traits: or remove it from order", name)
		}
		ti, err := p.index(name)
		if err != nil {
			return nil, err
		}
		b, op := p.opts.style(name, value)
		l := Layer{Trait: name, Value: value, Blend: b.String(), Opacity: int(op)}
		if f, ok := ti.Lookup(value); ok {
			l.File = filepath.ToSlash(filepath.Join(p.opts.rel, name, f.Name))
		} else if !strings.EqualFold(value, None) {
			return nil, fmt.Errorf("layers: no file for %s %q: add %s (or %s#<weight>.png)", name, value,
				filepath.Join(p.opts.rel, name, value+".png"), value)
		}
		out = append(out, l)
	}
	return out, nil
}

type traitIndex struct {
	once sync.Once
	t    Trait
	err  error
}

func (p *Provider) index(name string) (Trait, error) {
	v, _ := p.idx.LoadOrStore(name, &traitIndex{})
	ti := v.(*traitIndex)
	ti.once.Do(func() { ti.t, ti.err = ReadTrait(p.opts.dir, name) })
	return ti.t, ti.err
}

// Generate composites req's layers.
func (p *Provider) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	if req.Model != "" && req.Model != Model {
		return nil, fmt.Errorf("provider.model: unknown model %q for provider layers; the only model is %q (or leave it empty)", req.Model, Model)
	}
	plan, err := p.plan(req.Traits)
	if err != nil {
		return nil, err
	}
	var canvas *image.NRGBA
	var first string // the file that set the size, for messages
	// Drawn layers composited by a program are a composite of synthetic
	// (made, not captured) elements; an AI-made base makes it a composite
	// with trained algorithmic media.
	source := provenance.SourceCompositeSynthetic
	reproducible := true
	var facts map[string]any
	if p.base != nil {
		var base map[string]any
		canvas, base, reproducible, err = p.drawBase(ctx, req)
		if err != nil {
			return nil, err
		}
		first = "the " + p.opts.base.Name + " base layer"
		facts = map[string]any{"base": base}
		if !p.baseInfo.Algorithmic {
			source = provenance.SourceCompositeWithTrainedAlgorithmic
		}
	}
	for i := range plan {
		l := &plan[i]
		if l.File == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("layers: %w", err)
		}
		img, sum, err := p.cache.get(filepath.Join(p.opts.dir, l.Trait, filepath.Base(l.File)), l.File)
		if err != nil {
			return nil, err
		}
		l.SHA256 = sum
		if canvas == nil {
			canvas = image.NewNRGBA(img.Rect)
			first = l.File
		}
		if img.Rect.Size() != canvas.Rect.Size() {
			return nil, fmt.Errorf("layers: %s is %dx%d but %s is %dx%d; make every layer the same size",
				l.File, img.Rect.Dx(), img.Rect.Dy(), first, canvas.Rect.Dx(), canvas.Rect.Dy())
		}
		b, _ := ParseBlend(l.Blend)
		if err := Over(canvas, img, b, uint8(l.Opacity)); err != nil {
			return nil, err
		}
	}
	if canvas == nil {
		return nil, fmt.Errorf("layers: item %d draws no layer at all (every trait is %q); give at least one trait a file", req.Item, None)
	}
	data, err := encode(ctx, canvas)
	if err != nil {
		return nil, err
	}
	drawn := make([]any, len(plan))
	for i, l := range plan {
		drawn[i] = map[string]any{"trait": l.Trait, "value": l.Value, "file": l.File, "sha256": l.SHA256, "blend": l.Blend, "opacity": l.Opacity}
	}
	params := generate.Params{
		"dir":    p.opts.rel,
		"layers": drawn,
		"width":  canvas.Rect.Dx(),
		"height": canvas.Rect.Dy(),
	}
	return &generate.Result{
		Image:             data,
		MediaType:         "image/png",
		Reproducible:      reproducible,
		Model:             Model,
		ModelVersion:      algorithmVersion,
		Params:            params,
		Facts:             facts,
		DigitalSourceType: source,
	}, nil
}

// drawBase asks the base provider for the item's bottom layer.
func (p *Provider) drawBase(ctx context.Context, req generate.Request) (*image.NRGBA, map[string]any, bool, error) {
	breq := req
	breq.Model = p.opts.base.Model
	breq.Params = p.opts.base.Params
	res, err := p.base.Generate(ctx, breq)
	if err != nil {
		return nil, nil, false, fmt.Errorf("layers: base layer (%s): %w", p.opts.base.Name, err)
	}
	img, _, err := postprocess.Decode(res.Image, maxPixels)
	if err != nil {
		return nil, nil, false, fmt.Errorf("layers: base layer (%s): %w", p.opts.base.Name, err)
	}
	sum := sha256.Sum256(res.Image)
	base := map[string]any{
		"provider":      p.opts.base.Name,
		"model":         res.Model,
		"model_version": res.ModelVersion,
		"sha256":        hex.EncodeToString(sum[:]),
		"media_type":    res.MediaType,
		"params":        map[string]any(res.Params),
		"paid":          res.Paid,
		"cost_usd":      res.CostUSD,
	}
	if res.Seed != nil {
		base["seed"] = *res.Seed
	}
	if res.RequestID != "" {
		base["request_id"] = res.RequestID
	}
	if res.RevisedPrompt != "" {
		base["revised_prompt"] = res.RevisedPrompt
	}
	if res.Infotext != "" {
		base["infotext"] = res.Infotext
	}
	canvas := toNRGBA(img)
	if n, ok := img.(*image.NRGBA); ok && n == canvas {
		canvas = image.NewNRGBA(n.Rect)
		copy(canvas.Pix, n.Pix)
	}
	return canvas, base, res.Reproducible, nil
}

// cacheBytes bounds the decoded layers kept in memory: enough for 30
// layers of 2048² (a typical HashLips folder at full size), so memory does
// not grow with the number of items.
const cacheBytes = 512 << 20

type cache struct {
	mu      sync.Mutex
	max     int
	size    int
	entries map[string]*entry
	fifo    []string
}

type entry struct {
	once sync.Once
	img  *image.NRGBA
	sum  string
	err  error
	size int // bytes counted in cache.size once loaded; guarded by cache.mu
}

func newCache(max int) *cache { return &cache{max: max, entries: map[string]*entry{}} }

// get returns the decoded layer at path (rel names it in messages) and the
// sha256 of its file.
func (c *cache) get(path, rel string) (*image.NRGBA, string, error) {
	c.mu.Lock()
	e, ok := c.entries[path]
	if !ok {
		e = &entry{}
		c.entries[path] = e
		c.fifo = append(c.fifo, path)
	}
	c.mu.Unlock()
	e.once.Do(func() {
		e.img, e.sum, e.err = load(path, rel)
		if e.err != nil {
			return
		}
		c.mu.Lock()
		e.size = len(e.img.Pix)
		c.size += e.size
		c.evict(e)
		c.mu.Unlock()
	})
	return e.img, e.sum, e.err
}

// evict drops the oldest loaded layers (never keep, the one just loaded)
// until the cache fits its budget again. Layers still loading are passed
// over: their size is not counted yet. c.mu is held.
func (c *cache) evict(keep *entry) {
	for i := 0; c.size > c.max && i < len(c.fifo); {
		path := c.fifo[i]
		e := c.entries[path]
		if e == keep || e == nil || e.size == 0 {
			i++
			continue
		}
		c.size -= e.size
		delete(c.entries, path)
		c.fifo = append(c.fifo[:i], c.fifo[i+1:]...)
	}
}

func load(path, rel string) (*image.NRGBA, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("layers: %w", err)
	}
	img, format, err := postprocess.Decode(data, maxPixels)
	if err != nil {
		return nil, "", fmt.Errorf("layers: %s: %w (save it again as a PNG)", rel, err)
	}
	if format != "png" {
		return nil, "", fmt.Errorf("layers: %s is a %s file, not a PNG; save it as PNG", rel, format)
	}
	sum := sha256.Sum256(data)
	return toNRGBA(img), hex.EncodeToString(sum[:]), nil
}

// toNRGBA converts a decoded image to straight-alpha 8-bit, exactly for
// 8-bit images (NRGBA, paletted with transparency, opaque RGB and grey);
// 16-bit images are reduced by Go's colour model (integer arithmetic).
func toNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	if n, ok := img.(*image.NRGBA); ok && b.Min == (image.Point{}) {
		return n
	}
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch src := img.(type) {
	case *image.Paletted:
		pal := make([]color.NRGBA, len(src.Palette))
		for i, c := range src.Palette {
			pal[i] = color.NRGBAModel.Convert(c).(color.NRGBA)
		}
		for y := 0; y < b.Dy(); y++ {
			row := src.Pix[y*src.Stride : y*src.Stride+b.Dx()]
			o := out.Pix[y*out.Stride:]
			for x, ci := range row {
				var c color.NRGBA
				if int(ci) < len(pal) {
					c = pal[ci]
				}
				o[4*x], o[4*x+1], o[4*x+2], o[4*x+3] = c.R, c.G, c.B, c.A
			}
		}
	default:
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				out.SetNRGBA(x, y, color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA))
			}
		}
	}
	return out
}

var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &encoderPool{}}

type encoderPool struct{ p sync.Pool }

func (e *encoderPool) Get() *png.EncoderBuffer {
	b, _ := e.p.Get().(*png.EncoderBuffer)
	return b
}
func (e *encoderPool) Put(b *png.EncoderBuffer) { e.p.Put(b) }

func encode(ctx context.Context, img *image.NRGBA) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(img.Pix) / 4)
	if err := pngEncoder.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("layers: encode png: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	return buf.Bytes(), nil
}
