package procedural

import (
	"context"
	"image"
)

// look is everything that decides a picture besides the seed: the resolved
// choices that Result.Params reports.
type look struct {
	width, height int
	palette       *palette
	motif         string
	style         string
	density       int // 0 sparse, 1 medium, 2 dense
	dark          bool
	grain         bool
}

var densities = [...]string{"sparse", "medium", "dense"}

// notes collects the renderer's internal choices (style, step counts) in
// the order they were made, for Result.Params.
type notes struct{ kv []noteKV }

type noteKV struct {
	key string
	val any
}

// add records an int, a string, or a pair of ints (a range).
func (n *notes) add(key string, vals ...any) {
	if n == nil {
		return
	}
	if len(vals) == 1 {
		n.kv = append(n.kv, noteKV{key, vals[0]})
		return
	}
	n.kv = append(n.kv, noteKV{key, vals})
}

// covers reports whether a style paints every pixel with inks, leaving no
// background in view.
func covers(style string) bool {
	switch style {
	case "bands", "halo", "stained", "crystal", "mosaic", "truchet", "weave", "bauhaus":
		return true
	}
	return false
}

// Decision streams: each independent choice draws from its own generator.
const (
	streamPalette uint64 = iota + 1
	streamMotif
	streamDensity
	streamBackground
	streamLayout
	streamStyle
)

// render paints l at seed into img, whose bounds must be l.width×l.height.
// It checks ctx between phases and inside long loops.
func render(ctx context.Context, img *image.RGBA, l look, seed uint32, n *notes) error {
	c := newCanvas(ctx, img.Pix, l.width, l.height)
	var buf [maxInks]rgb
	s := newScheme(l.palette, l.dark, covers(l.style), &buf)
	// The layout stream depends on the seed and the motif only, so the same
	// seed recoloured with another palette keeps its composition.
	r := stream(seed, streamLayout^strhash(l.motif))

	// 1. Background: the palette's gradient with a soft glow off-centre.
	if l.motif != "cells" && l.motif != "tiles" {
		gx := int32(int64(c.w) * sub * int64(r.between(25, 75)) / 100)
		gy := int32(int64(c.h) * sub * int64(r.between(20, 60)) / 100)
		glow := s.ink(r.intn(len(s.inks)))
		strength := int32(one / 7)
		if !s.dark {
			strength = one / 10
		}
		c.background(&s, gx, gy, int32(min(c.w, c.h))*sub*3/4, glow, strength)
		if err := c.check(); err != nil {
			return err
		}
	}

	// 2. The motif.
	var err error
	switch l.motif {
	case "flow":
		err = renderFlow(c, &s, &r, l.style, l.density, n)
	case "rings":
		err = renderRings(c, &s, &r, l.style, l.density, n)
	case "cells":
		err = renderCells(c, &s, &r, l.style, l.density, n)
	case "ridges":
		err = renderRidges(c, &s, &r, l.style, l.density, n)
	case "tiles":
		err = renderTiles(c, &s, &r, l.style, l.density, n)
	default:
		panic("procedural: unknown motif " + l.motif)
	}
	if err != nil {
		return err
	}

	// 3. Vignette, grain, opaque alpha.
	c.finish(s.dark, l.grain, seed)
	return c.check()
}
