package postprocess

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"slices"
	"strconv"
	"strings"
)

// AnimationOp is the spec entry that gives every item an animation file
// beside its final image: either derived from the final image (effect:) or
// provided, one file per item, from a folder of the collection (files:).
// Like FormatOp it is not a step: the final image is the same with or
// without it.
const AnimationOp = "animation"

// Animation is the spec's animation: entry. Exactly one of Effect and
// Files is set.
type Animation struct {
	// Effect derives a looping GIF from the final image: "zoom" (in and
	// back out around the centre) or "pan" (left to right and back).
	Effect  string
	Frames  int // frames in the loop, 2–120 (default 24)
	DelayMS int // each frame's time in milliseconds, a multiple of 10, 20–10000 (default 80)
	Size    int // the GIF's longer side in pixels, 16–1024 (default 256)
	Amount  int // how far the effect goes, in percent of the image, 1–50 (default 10)

	// Files is a folder of the collection holding one file per item, named
	// by its id (7.gif or 0007.gif; .gif, .mp4, .webm, .html or .glb).
	Files string
}

// Animation defaults and limits.
const (
	DefaultAnimationFrames = 24
	DefaultAnimationDelay  = 80
	DefaultAnimationSize   = 256
	DefaultAnimationAmount = 10
	// MaxAnimationBytes caps a provided animation file.
	MaxAnimationBytes = 100 << 20
)

// Effects are the animations genmint derives itself.
var Effects = []string{"pan", "zoom"}

const animationExample = "animation: {effect: zoom, frames: 24, delay: 80, size: 256, amount: 10} or animation: {files: animations}"

// ParseAnimation reads the animation: entry: {effect, frames, delay, size,
// amount}, {files: FOLDER}, or the shorthands `animation: zoom` and
// `animation: animations/` (a folder). The folder itself is checked by the
// spec (it must be inside the collection). Errors are *ParamError.
func ParseAnimation(value any) (Animation, error) {
	if s, ok := value.(string); ok && !slices.Contains(Effects, strings.ToLower(strings.TrimSpace(s))) {
		value = map[string]any{"files": s}
	}
	a, err := newArgs(AnimationOp, value, []string{"effect", "frames", "delay", "size", "amount", "files"}, "effect", animationExample)
	if err != nil {
		return Animation{}, err
	}
	var an Animation
	files, hasFiles, err := a.str("files")
	if err != nil {
		return Animation{}, err
	}
	effect, hasEffect, err := a.str("effect")
	if err != nil {
		return Animation{}, err
	}
	switch {
	case hasFiles && hasEffect:
		return Animation{}, a.fail("files", "cannot go with effect", "either derive the animation (effect:) or provide the files (files:), not both")
	case hasFiles:
		for _, k := range []string{"frames", "delay", "size", "amount"} {
			if a.has(k) {
				return Animation{}, a.fail(k, "applies to effect: only", "remove it: provided files are published as they are")
			}
		}
		if strings.TrimSpace(files) == "" {
			return Animation{}, a.fail("files", "is empty", "name the folder holding one file per item, e.g. files: animations")
		}
		an.Files = strings.TrimSuffix(strings.TrimSpace(files), "/")
		return an, nil
	case !hasEffect:
		return Animation{}, a.missing("effect", "write effect: zoom or effect: pan, or files: FOLDER for your own files")
	}
	an.Effect = strings.ToLower(strings.TrimSpace(effect))
	if !slices.Contains(Effects, an.Effect) {
		return Animation{}, a.fail("effect", "unknown effect "+strconv.Quote(effect), didYouMean(effect, Effects))
	}
	for _, p := range []struct {
		key      string
		dst      *int
		def      int
		min, max int
	}{
		{"frames", &an.Frames, DefaultAnimationFrames, 2, 120},
		{"delay", &an.DelayMS, DefaultAnimationDelay, 20, 10_000},
		{"size", &an.Size, DefaultAnimationSize, 16, 1024},
		{"amount", &an.Amount, DefaultAnimationAmount, 1, 50},
	} {
		n, ok, err := a.int(p.key)
		if err != nil {
			return Animation{}, err
		}
		if !ok {
			*p.dst = p.def
			continue
		}
		if n < p.min || n > p.max {
			return Animation{}, a.fail(p.key, fmt.Sprintf("%d is out of range", n), fmt.Sprintf("use %d–%d (%d is the default)", p.min, p.max, p.def))
		}
		*p.dst = n
	}
	if an.DelayMS%10 != 0 {
		return Animation{}, a.fail("delay", fmt.Sprintf("%d ms is not a multiple of 10", an.DelayMS), "GIF frame times are counted in hundredths of a second: use e.g. 80")
	}
	return an, nil
}

// Params are the animation's canonical parameters, as recorded in
// provenance and in the post-process hash.
func (an Animation) Params() map[string]any {
	if an.Files != "" {
		return map[string]any{"files": an.Files}
	}
	return map[string]any{"effect": an.Effect, "frames": an.Frames, "delay": an.DelayMS, "size": an.Size, "amount": an.Amount}
}

// Render derives the animation from the final image: a looping GIF of
// an.Frames frames at most an.Size pixels on its longer side, one palette
// for all frames. It uses integer arithmetic only, so the same image gives
// the same bytes on every architecture.
func (an Animation) Render(img image.Image) ([]byte, error) {
	if an.Effect == "" {
		return nil, fmt.Errorf("animation: no effect to render")
	}
	if err := checkImage("animation: the final", img); err != nil {
		return nil, err
	}
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)

	// Output size: the longer side is Size (never enlarged).
	w, h := b.Dx(), b.Dy()
	ow, oh := an.Size, an.Size
	if w >= h {
		oh = max(1, an.Size*h/w)
	} else {
		ow = max(1, an.Size*w/h)
	}
	if w < ow || h < oh {
		ow, oh = w, h
	}
	// Reduce by an integer box filter to about twice the output, so the
	// bilinear sampling below does not alias.
	k := max(1, min(w/(2*ow), h/(2*oh)))
	red := boxReduce(src, k)

	pal := popularPalette(red)
	q := newQuantizer(pal)

	g := &gif.GIF{LoopCount: 0, Config: image.Config{ColorModel: pal, Width: ow, Height: oh}}
	rw, rh := red.Bounds().Dx(), red.Bounds().Dy()
	half := an.Frames / 2
	for f := 0; f < an.Frames; f++ {
		// A triangle wave, so the loop has no jump: 0 → half → 0.
		tri := f
		if f > half {
			tri = an.Frames - f
		}
		var x0, y0, ww, wh int // the window, in 1/256 pixels of red
		switch an.Effect {
		case "zoom":
			z := an.Amount * 10 * tri / max(1, half) // per mille
			ww, wh = rw*256*1000/(1000+z), rh*256*1000/(1000+z)
			x0, y0 = (rw*256-ww)/2, (rh*256-wh)/2
		case "pan":
			z := an.Amount * 10
			ww, wh = rw*256*1000/(1000+z), rh*256*1000/(1000+z)
			x0 = (rw*256 - ww) * tri / max(1, half)
			y0 = (rh*256 - wh) / 2
		default:
			return nil, fmt.Errorf("animation: unknown effect %q", an.Effect)
		}
		frame := image.NewPaletted(image.Rect(0, 0, ow, oh), pal)
		sample(frame, red, q, x0, y0, ww, wh)
		g.Image = append(g.Image, frame)
		g.Delay = append(g.Delay, an.DelayMS/10)
		g.Disposal = append(g.Disposal, gif.DisposalNone)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		return nil, fmt.Errorf("animation: encode gif: %w", err)
	}
	return buf.Bytes(), nil
}

// boxReduce averages k×k blocks (the right and bottom remainders are
// dropped); k = 1 returns src.
func boxReduce(src *image.RGBA, k int) *image.RGBA {
	if k <= 1 {
		return src
	}
	w, h := src.Bounds().Dx()/k, src.Bounds().Dy()/k
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	n := uint32(k * k)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s [4]uint32
			for yy := y * k; yy < (y+1)*k; yy++ {
				row := src.Pix[yy*src.Stride+x*k*4:]
				for i := 0; i < k*4; i += 4 {
					s[0] += uint32(row[i])
					s[1] += uint32(row[i+1])
					s[2] += uint32(row[i+2])
					s[3] += uint32(row[i+3])
				}
			}
			o := dst.Pix[y*dst.Stride+x*4:]
			for c := 0; c < 4; c++ {
				o[c] = uint8((s[c] + n/2) / n)
			}
		}
	}
	return dst
}

// sample fills frame with the window (x0, y0, ww, wh), in 1/256 pixels of
// src, scaled bilinearly to the frame and mapped to its palette.
func sample(frame *image.Paletted, src *image.RGBA, q *quantizer, x0, y0, ww, wh int) {
	ow, oh := frame.Bounds().Dx(), frame.Bounds().Dy()
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	coord := func(o, start, span, out, limit int) (int, int) {
		// The centre of output pixel o, in 1/256 source pixels.
		s := start + (2*o+1)*span/(2*out) - 128
		s = min(max(s, 0), (limit-1)*256)
		return s >> 8, s & 255
	}
	xs, fxs := make([]int, ow), make([]int, ow)
	for x := range ow {
		xs[x], fxs[x] = coord(x, x0, ww, ow, sw)
	}
	for y := 0; y < oh; y++ {
		iy, fy := coord(y, y0, wh, oh, sh)
		iy1 := min(iy+1, sh-1)
		r0, r1 := src.Pix[iy*src.Stride:], src.Pix[iy1*src.Stride:]
		for x := 0; x < ow; x++ {
			ix, fx := xs[x], fxs[x]
			i0, i1 := ix*4, min(ix+1, sw-1)*4
			var c [3]int
			for ch := 0; ch < 3; ch++ {
				top := int(r0[i0+ch])*(256-fx) + int(r0[i1+ch])*fx
				bot := int(r1[i0+ch])*(256-fx) + int(r1[i1+ch])*fx
				c[ch] = (top*(256-fy) + bot*fy + 32768) >> 16
			}
			frame.Pix[y*frame.Stride+x] = q.index(c[0], c[1], c[2])
		}
	}
}

// popularPalette is up to 256 colours for img: the average colour of each
// of the most populated cells of a 16×16×16 RGB grid (ties: the lower
// cell), in cell order.
func popularPalette(img *image.RGBA) color.Palette {
	type cell struct {
		n       int
		r, g, b int
	}
	cells := make([]cell, 4096)
	p := img.Pix
	for y := 0; y < img.Bounds().Dy(); y++ {
		row := p[y*img.Stride : y*img.Stride+img.Bounds().Dx()*4]
		for i := 0; i < len(row); i += 4 {
			r, g, b := int(row[i]), int(row[i+1]), int(row[i+2])
			c := &cells[(r>>4)<<8|(g>>4)<<4|b>>4]
			c.n++
			c.r += r
			c.g += g
			c.b += b
		}
	}
	idx := make([]int, 0, 4096)
	for i, c := range cells {
		if c.n > 0 {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cells[b].n - cells[a].n })
	if len(idx) > 256 {
		idx = idx[:256]
	}
	slices.Sort(idx)
	pal := make(color.Palette, 0, 256)
	for _, i := range idx {
		c := cells[i]
		pal = append(pal, color.RGBA{uint8((c.r + c.n/2) / c.n), uint8((c.g + c.n/2) / c.n), uint8((c.b + c.n/2) / c.n), 255})
	}
	if len(pal) == 0 {
		pal = append(pal, color.RGBA{0, 0, 0, 255})
	}
	return pal
}

// quantizer maps a colour to its nearest palette entry (squared RGB
// distance, ties to the lower index), remembering the answer per colour
// at 5 bits a channel.
type quantizer struct {
	pal  [][3]int
	memo []int16 // 32768 entries, -1 until computed
}

func newQuantizer(p color.Palette) *quantizer {
	q := &quantizer{memo: make([]int16, 1<<15)}
	for _, c := range p {
		rgba := c.(color.RGBA)
		q.pal = append(q.pal, [3]int{int(rgba.R), int(rgba.G), int(rgba.B)})
	}
	for i := range q.memo {
		q.memo[i] = -1
	}
	return q
}

func (q *quantizer) index(r, g, b int) uint8 {
	key := (r>>3)<<10 | (g>>3)<<5 | b>>3
	if m := q.memo[key]; m >= 0 {
		return uint8(m)
	}
	// The cell's centre stands for every colour in it.
	cr, cg, cb := (r>>3)<<3|4, (g>>3)<<3|4, (b>>3)<<3|4
	best, bestD := 0, 1<<30
	for i, p := range q.pal {
		dr, dg, db := p[0]-cr, p[1]-cg, p[2]-cb
		if d := dr*dr + dg*dg + db*db; d < bestD {
			best, bestD = i, d
		}
	}
	q.memo[key] = int16(best)
	return uint8(best)
}
