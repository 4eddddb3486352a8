package procedural

import "fmt"

// Rings: concentric rings around one to three centres, displaced by noise,
// like tree rings, ripples on water or a topographic map.
//
// Every pixel computes a distance field f = min over centres of the
// distance to the centre, plus a noise warp; bands are f / spacing.
// Styles:
//   - bands:   filled bands stepping through the palette, with fine
//     contour lines between them;
//   - contours: contour lines only, of varied weights, on the background;
//   - halo:    filled bands shaded from light at the inner edge to dark at
//     the outer, like ripples catching the light.

type ringPainter struct {
	c       *canvas
	s       *scheme
	cx, cy  [3]int32 // centres, subpixels
	nc      int
	spacing int32 // band width, subpixels
	line    int32 // contour line half-width, subpixels
	wob     int32 // in-band wobble of the spacing, Q16 of spacing
	seed    uint32
	style   string
	order   int // colour order: 0 ramp outwards, 1 bounce through inks, 2 scattered
}

func renderRings(c *canvas, s *scheme, r *rng, style string, density int, n *notes) error {
	rp := ringPainter{c: c, s: s, style: style, seed: uint32(r.u64())}
	// Contours read as a map: usually several summits.
	rp.nc = 1
	if r.chance([2]int{35, 65}[b2i(style == "contours")]) {
		rp.nc = 2 + r.intn(2)
	}
	for i := 0; i < rp.nc; i++ {
		lo, hi := int32(30), int32(70)
		if rp.nc > 1 {
			lo, hi = 10, 90
		}
		rp.cx[i] = int32(int64(c.w) * sub * int64(r.between(lo, hi)) / 100)
		rp.cy[i] = int32(int64(c.h) * sub * int64(r.between(lo, hi)) / 100)
	}
	spacing := [3][2]int32{{40, 70}, {20, 36}, {9, 16}}[density]
	rp.spacing = c.px(r.between(spacing[0], spacing[1]))
	rp.line = max(c.px(1)*int32(2+r.intn(3))/4, halfSub/2)
	rp.wob = r.between(0, one/3)
	rp.order = r.intn(3)
	cells := r.between(1, 3)
	// Warp amplitude: part in proportion to the spacing, part absolute, so
	// dense rings wobble as visibly as sparse ones.
	amp := rp.spacing*r.between(4, 16)/10 + c.px(r.between(8, 48))
	if style == "contours" {
		// Terrain: bold, broad warping.
		amp = amp*3/2 + c.px(r.between(30, 90))
	}
	warp := newField(uint32(r.u64()), cells, min(c.w, c.h))
	g := newGridField(c.w, gridShift, func(x, y int32) int32 { return mulQ(warp.at(x, y, 3), amp) })

	n.add("centres", rp.nc)
	for i := 0; i < rp.nc; i++ {
		n.add(fmt.Sprintf("centre_%d_px", i+1), int(rp.cx[i]/sub), int(rp.cy[i]/sub))
	}
	n.add("ring_spacing_px", int(rp.spacing/sub))
	n.add("warp_px", int(amp/sub))
	n.add("rings", int(int64(max(c.w, c.h))*sub*3/2/int64(rp.spacing)))

	for y := 0; y < c.h; y++ {
		if y&63 == 0 {
			if err := c.check(); err != nil {
				return err
			}
		}
		g.row(y)
		py := int64(int32(y)*sub + halfSub)
		for x := 0; x < c.w; x++ {
			px := int64(int32(x)*sub + halfSub)
			// Distance to the nearest centre, subpixels.
			best := int64(1) << 62
			for i := 0; i < rp.nc; i++ {
				dx, dy := px-int64(rp.cx[i]), py-int64(rp.cy[i])
				best = min(best, dx*dx+dy*dy)
			}
			f := int32(isqrt(uint64(best))) + g.at(x)
			rp.shade((y*c.w+x)*4, y, f)
		}
	}
	return nil
}

// shade paints one pixel whose field value is f (subpixels).
func (rp *ringPainter) shade(i, y int, f int32) {
	c, s := rp.c, rp.s
	// Let ring widths breathe: f += wob·sin(f/spacing·turn/3) keeps f
	// monotonic because the amplitude stays below spacing/(2π/3).
	f += mulQ(mulQ(sin16(int32(int64(f)*turn/3/int64(rp.spacing))), rp.wob), rp.spacing) / 2
	f += 1 << 24 // keep f positive so / and % behave like floor and mod
	band := f / rp.spacing
	frac := f % rp.spacing
	// Distance to the nearest band edge, and which side of it we are on.
	edge := min(frac, rp.spacing-frac)

	switch rp.style {
	case "contours":
		// Line weight varies by band: every fourth line heavier.
		w := rp.line
		if band%4 == 0 {
			w = rp.line * 5 / 2
		}
		if edge < w+halfSub {
			col := rp.bandColor(band)
			if frac > rp.spacing/2 {
				col = rp.bandColor(band + 1)
			}
			c.blend(i, col, coverage(edge, w))
		}
	default:
		col := rp.bandColor(band)
		if rp.style == "halo" {
			// Light at the inner edge of the band, darker outwards.
			t := int32(int64(frac) * one / int64(rp.spacing))
			k := 280 - t*64>>16 // 1.09 … 0.84
			col = col.scale(k)
		}
		// Anti-alias the band edge by mixing in the neighbour's colour.
		if edge < halfSub {
			nb := band - 1
			if frac > rp.spacing/2 {
				nb = band + 1
			}
			ncol := rp.bandColor(nb)
			if rp.style == "halo" {
				if nb < band {
					ncol = ncol.scale(280 - 64)
				} else {
					ncol = ncol.scale(280)
				}
			}
			col = mix(ncol, col, int32(edge+halfSub)*(one/sub))
		}
		c.set(i, col)
		if rp.style == "bands" && edge < rp.line+halfSub {
			// Fine contour lines in the background tone.
			c.blend(i, s.bgAt(y, c.h), coverage(edge, rp.line)*3/4)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// coverage returns how much of a pixel whose centre lies dist subpixels from
// a line's centre is covered by a line of half-width w: 256 inside, 0
// beyond, linear across one pixel at the rim.
func coverage(dist, w int32) int32 {
	d := dist - w // signed distance to the line's rim
	if d <= -halfSub {
		return 256
	}
	if d >= halfSub {
		return 0
	}
	return (halfSub - d) * 256 / sub
}

// bandColor chooses band k's ink.
func (rp *ringPainter) bandColor(k int32) rgb {
	n := int32(len(rp.s.inks))
	switch rp.order {
	case 0: // bounce back and forth through the inks
		p := k % (2*n - 2)
		if p >= n {
			p = 2*n - 2 - p
		}
		return rp.s.inks[p]
	case 1: // a smooth ramp, stepping a fifth of an ink per band
		p := k % (5 * (2*n - 2))
		if p >= 5*n-5 {
			p = 10*n - 10 - p
		}
		return rp.s.ramp(int32(int64(p) * one / int64(5*n-5)))
	default: // scattered, but never the same ink twice in a row
		a := hash32(k, 0, rp.seed) % uint32(n)
		b := hash32(k-1, 0, rp.seed) % uint32(n)
		if a == b {
			a = (a + 1) % uint32(n)
		}
		return rp.s.inks[a]
	}
}
