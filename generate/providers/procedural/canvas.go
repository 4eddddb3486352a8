package procedural

import (
	"context"
	"fmt"
)

// canvas is the picture being painted: an RGBA buffer (the *image.RGBA that
// gets encoded) plus a little state. Colour channels hold the picture; the
// alpha channel is scratch space renderers may use during painting (flow
// keeps an occupancy map or a direction map there) and finish sets it to
// 255.
type canvas struct {
	w, h int
	pix  []uint8 // RGBA, stride 4*w
	// seq drives stochastic rounding in blend, so that many faint strokes
	// accumulate smoothly instead of sticking at a rounding threshold. It
	// advances in painting order, which is fixed, so it is deterministic.
	seq uint32
	// unit is the image's short side in subpixels divided by 1024: sizes in
	// the renderers are written for a 1024-pixel image and multiplied by it.
	unit int32
	ctx  context.Context
}

func newCanvas(ctx context.Context, pix []uint8, w, h int) *canvas {
	return &canvas{w: w, h: h, pix: pix, unit: int32(min(w, h)) * sub / 1024, ctx: ctx}
}

// px scales a length given in pixels of a 1024-pixel image to subpixels of
// this image.
func (c *canvas) px(n int32) int32 { return int32(int64(n) * int64(c.unit)) }

// check returns a wrapped ctx.Err() if the request was cancelled.
func (c *canvas) check() error {
	if err := c.ctx.Err(); err != nil {
		return fmt.Errorf("procedural render: %w", err)
	}
	return nil
}

// set paints pixel offset i (a multiple of 4) with col, opaque.
func (c *canvas) set(i int, col rgb) {
	p := c.pix[i : i+3 : i+3]
	p[0], p[1], p[2] = uint8(col.r), uint8(col.g), uint8(col.b)
}

// get returns the colour at pixel offset i.
func (c *canvas) get(i int) rgb {
	p := c.pix[i : i+3 : i+3]
	return rgb{int32(p[0]), int32(p[1]), int32(p[2])}
}

// blend mixes col into pixel offset i with coverage a in [0, 256].
func (c *canvas) blend(i int, col rgb, a int32) {
	if a <= 0 {
		return
	}
	p := c.pix[i : i+3 : i+3]
	if a >= 256 {
		p[0], p[1], p[2] = uint8(col.r), uint8(col.g), uint8(col.b)
		return
	}
	c.seq += 0x9e3779b9
	d := int32(c.seq >> 24)
	p[0] = uint8(int32(p[0]) + ((col.r-int32(p[0]))*a+d)>>8)
	p[1] = uint8(int32(p[1]) + ((col.g-int32(p[1]))*a+d)>>8)
	p[2] = uint8(int32(p[2]) + ((col.b-int32(p[2]))*a+d)>>8)
}

// background paints the scheme's vertical gradient, with a broad soft glow
// centred at (gx, gy) subpixels, of radius gr, lightening (dark mode) or
// warming (light mode) the middle of the picture.
func (c *canvas) background(s *scheme, gx, gy, gr int32, glow rgb, strength int32) {
	r2 := max(int64(gr)*int64(gr), 1)
	for y := 0; y < c.h; y++ {
		row := s.bgAt(y, c.h)
		dy := int64(int32(y)*sub + halfSub - gy)
		for x := 0; x < c.w; x++ {
			dx := int64(int32(x)*sub + halfSub - gx)
			col := row
			if d2 := dx*dx + dy*dy; d2 < r2 {
				// Glow falls off as (1 - d²/r²)², smooth at the rim.
				t := int32(one - d2*one/r2)
				col = mix(row, glow, mulQ(mulQ(t, t), strength))
			}
			i := (y*c.w + x) * 4
			c.set(i, col)
			c.pix[i+3] = 255
		}
	}
}

// finish applies the vignette and, when asked, film grain; it sets every
// alpha to 255 so the image encodes as opaque RGB.
func (c *canvas) finish(dark, grain bool, seed uint32) {
	// Vignette: darken by strength·(d²/R²)² where R is the half diagonal.
	strength := int64(70) // in 1/256: light backgrounds, a hint of old paper
	if dark {
		strength = 150
	}
	cx, cy := int64(c.w)*sub/2, int64(c.h)*sub/2
	R2 := (cx*cx + cy*cy) >> 8
	gs := seed * 0x2c1b3c6d
	for y := 0; y < c.h; y++ {
		dy := int64(y)*sub + halfSub - cy
		dy2 := dy * dy >> 8
		for x := 0; x < c.w; x++ {
			dx := int64(x)*sub + halfSub - cx
			q := (dx*dx>>8 + dy2) * 256 / R2 // d²/R², Q8
			f := int32(256 - strength*q*q>>16)
			i := (y*c.w + x) * 4
			p := c.pix[i : i+4 : i+4]
			var g int32
			if grain {
				// Triangular noise in about ±12 levels, the same on all
				// channels, like silver grain.
				h := hash32(int32(x), int32(y), gs)
				g = int32(h&31) + int32(h>>8&31) - 31
				g = g * 3 / 4
			}
			p[0] = clampByte(int32(p[0])*f>>8 + g)
			p[1] = clampByte(int32(p[1])*f>>8 + g)
			p[2] = clampByte(int32(p[2])*f>>8 + g)
			p[3] = 255
		}
	}
}

func clampByte(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// disc paints an anti-aliased disc centred at (cx, cy) with radius r, all in
// subpixels, with opacity a in [0, 256].
func (c *canvas) disc(cx, cy, r int32, col rgb, a int32) {
	if r < halfSub {
		r = halfSub
	}
	x0, x1 := max(int((cx-r-sub)/sub), 0), min(int((cx+r+sub)/sub), c.w-1)
	y0, y1 := max(int((cy-r-sub)/sub), 0), min(int((cy+r+sub)/sub), c.h-1)
	// Coverage is linear in distance across a one-pixel rim: with
	// d² in [(r-½)², (r+½)²], cover ≈ ((r+½)² - d²) / 2r.
	in := int64(r-halfSub) * int64(r-halfSub)
	out := int64(r+halfSub) * int64(r+halfSub)
	span := out - in
	for y := y0; y <= y1; y++ {
		dy := int64(int32(y)*sub + halfSub - cy)
		dy2 := dy * dy
		if dy2 >= out {
			continue
		}
		for x := x0; x <= x1; x++ {
			dx := int64(int32(x)*sub + halfSub - cx)
			d2 := dx*dx + dy2
			if d2 >= out {
				continue
			}
			cov := a
			if d2 > in {
				cov = int32((out - d2) * int64(a) / span)
			}
			c.blend((y*c.w+x)*4, col, cov)
		}
	}
}
