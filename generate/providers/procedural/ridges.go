package procedural

// Ridges: layered noisy horizons, back to front — mountain ranges in haze,
// sand dunes in raking light, a stack of pulsing lines, breaking waves.
//
// Each layer is a height profile h(x) over the whole width. Columns are
// painted independently: layer k shows on the rows between its own edge
// and the highest edge of the layers in front of it, so each pixel is
// painted about once; edges are anti-aliased using the slope.
// Styles:
//   - mountains: ridged fractal peaks fading into haze with distance,
//     mist pooling at the foot of each range, sometimes a sun or moon;
//   - dunes:     smooth crests; faces towards the light lit, the others
//     in shade;
//   - lines:     many thin ridgelines, each hiding those behind it, their
//     peaks gathered towards the middle ("Unknown Pleasures");
//   - waves:     pointed crests with a line of foam.

const maxLayers = 64

type ridgePainter struct {
	c      *canvas
	s      *scheme
	style  string
	layers int
	base   [maxLayers]int32 // baseline of each layer, subpixels
	amp    [maxLayers]int32 // amplitude of each layer, subpixels
	fill   [maxLayers]rgb
	edge   [maxLayers]rgb // stroke colour (lines, waves)
	seed   uint32
	freq   int32 // profile frequency: lattice cells across the width
	phase  [maxLayers]int32
	stroke int32 // stroke half-width, subpixels
	haze   rgb   // colour of the distance and the mist
	rim    rgb   // light along the mountain ridges
	lx     int32 // light direction for dunes: +one from the left, -one from the right
}

func renderRidges(c *canvas, s *scheme, r *rng, style string, density int, n *notes) error {
	rp := ridgePainter{c: c, s: s, style: style, seed: uint32(r.u64())}
	switch rp.style {
	case "lines":
		rp.layers = [3]int{22, 38, 60}[density] + r.intn(6)
	default:
		rp.layers = [3]int{4, 7, 12}[density] + r.intn(3+density*2)
	}
	rp.freq = r.between(2, 5)
	if rp.style == "mountains" {
		rp.freq = r.between(2, 4)
	}
	if rp.style == "lines" {
		rp.freq = r.between(6, 12)
	}
	rp.stroke = max(c.px(1)*int32(3+r.intn(3))/4, halfSub)
	rp.lx = one
	if r.chance(50) {
		rp.lx = -one
	}
	H := int32(c.h) * sub
	rp.haze = mix(s.bg[1], s.bg[0], one/3)
	rp.rim = s.ramp(one)
	if !s.dark {
		rp.rim = s.bg[0]
	}
	// Horizon: where the farthest layer sits, 25–50% down (lines fill more).
	top := H * r.between(25, 50) / 100
	bottom := H * 98 / 100
	if rp.style == "lines" {
		top, bottom = H*r.between(12, 22)/100, H*r.between(84, 92)/100
	}
	reverse := r.chance(50) // walk the palette from the other end
	L := rp.layers
	for k := 0; k < L; k++ {
		// Position: perspective spacing, closer layers further apart.
		t := int32(int64(k+1) * one / int64(L))
		if rp.style != "lines" {
			t = mulQ(t, (t+one)/2)
		}
		rp.base[k] = top + mulQ(bottom-top, t)
		rp.phase[k] = r.unit()
		switch rp.style {
		case "mountains":
			rp.amp[k] = (bottom - top) * (6 + int32(k)*8/int32(L)) / 20
		case "dunes":
			rp.amp[k] = (bottom - top) / int32(L) * 3
		case "lines":
			rp.amp[k] = (bottom - top) * r.between(18, 30) / 100
		default:
			// Waves: never taller than about a fifth of their length.
			rp.amp[k] = min((bottom-top)/int32(L)*4/5, int32(c.w)*sub/rp.freq/4)
		}
		depth := int32(int64(k) * one / int64(max(L-1, 1))) // 0 far … one near
		ti := depth
		if reverse {
			ti = one - ti
		}
		ink := s.ramp(ti)
		switch rp.style {
		case "lines":
			rp.fill[k] = s.bgAt(int(rp.base[k]/sub), c.h)
			rp.edge[k] = ink
		case "waves":
			rp.fill[k] = mix(rp.haze, ink, one/2+depth/2)
			rp.edge[k] = mix(rp.fill[k], s.ramp(one), one*3/4)
			if !s.dark {
				rp.edge[k] = mix(rp.fill[k], s.bg[0], one*3/4)
			}
		default:
			// Atmospheric perspective: far layers melt into the haze.
			rp.fill[k] = mix(rp.haze, ink, one/4+depth*3/4)
		}
	}
	n.add("layers", L)
	n.add("profile_cells", int(rp.freq))

	// A sun or moon behind the mountains and dunes.
	if rp.style != "lines" {
		if r.chance(60) {
			sx := int32(int64(c.w) * sub * int64(r.between(18, 82)) / 100)
			sy := top - H*r.between(2, 16)/100
			sr := c.px(r.between(50, 130))
			orb := s.accent
			c.disc(sx, sy, sr*13/10, mix(s.bgAt(int(sy/sub), c.h), orb, one/5), 256)
			c.disc(sx, sy, sr, orb, 256)
			n.add("sun_px", int(sr/sub))
		}
	}
	if err := c.check(); err != nil {
		return err
	}

	var prev, cur, next [maxLayers]int32
	rp.heights(-1, &prev)
	rp.heights(0, &cur)
	for x := 0; x < c.w; x++ {
		if x&127 == 0 {
			if err := c.check(); err != nil {
				return err
			}
		}
		rp.heights(x+1, &next)
		rp.column(x, &prev, &cur, &next)
		prev, cur = cur, next
	}
	return nil
}

// heights computes every layer's edge at column x, subpixels from the top.
func (rp *ridgePainter) heights(x int, h *[maxLayers]int32) {
	w := int64(rp.c.w)
	// Lattice position along the layer, Q16.
	u := int32((int64(x)*2 + 1) * int64(rp.freq) * one / (2 * w))
	for k := 0; k < rp.layers; k++ {
		ks := rp.seed + uint32(k)*0x9e37
		row := int32(k) * 5 * one / 2
		var p int32 // profile in about [0, one]
		switch rp.style {
		case "mountains":
			// Ridged multifractal: peaks where the noise crosses zero.
			// Later octaves are weighted by the earlier ones, so detail
			// gathers on the high ground and valleys stay smooth.
			var sum, amp, wgt int32 = 0, one, one
			xu, yu := u, row
			for o := 0; o < 6; o++ {
				v := one - abs32(noise2(xu, yu, ks+uint32(o)))
				v = mulQ(v, v)
				sum += mulQ(mulQ(v, amp), wgt)
				wgt = clamp(v*2, 0, one)
				amp = amp * 42 / 100
				xu, yu = xu*2+0x1234, yu*2+0x777
			}
			p = sum*3/4 - one/8
		case "dunes":
			// Sharp crests where the noise crosses zero, long soft flanks.
			v := one - abs32(noise2(u/2+rp.phase[k], row, ks)+noise2(u*2, row, ks^0x77)/10)
			p = mulQ(v, v)
		case "lines":
			// Peaks gathered in the middle third: a bell-shaped window.
			t := int32((int64(x)*2 + 1) * one / (2 * w))
			win := smooth(one - abs32(t-one/2)*3)
			v := fbm(u+rp.phase[k], row, ks, 3)
			v = max(v, -one/8) + one/8
			p = mulQ(mulQ(v, v)*2, win) + mulQ(noise2(u*4, row, ks^0xabc), one/40)
		default: // waves
			theta := u*3/2 + rp.phase[k] + fbm(u/2, row, ks, 2)/3
			v := abs32(sin16(theta / 2))
			p = one - v + fbm(u*2, row, ks^0x55, 2)/8
		}
		h[k] = rp.base[k] - mulQ(rp.amp[k], p)
	}
}

// column paints column x given the edges at x-1, x and x+1.
func (rp *ridgePainter) column(x int, prev, cur, next *[maxLayers]int32) {
	c := rp.c
	L := rp.layers
	H := int32(c.h) * sub
	// front[k] is the highest edge among layers in front of k.
	var front [maxLayers + 1]int32
	front[L] = H + 2*sub
	for k := L - 1; k >= 0; k-- {
		front[k] = min(front[k+1], cur[k])
	}
	for k := 0; k < L; k++ {
		h := cur[k]
		if h >= front[k+1]+2*sub {
			continue // hidden at this column
		}
		// Slope in subpixels per pixel; the anti-aliasing band widens with it.
		slope := (next[k] - prev[k]) / 2
		norm := int32(isqrt(uint64(int64(sub)*int64(sub) + int64(slope)*int64(slope))))
		pad := (abs32(slope)/2 + sub + rp.stroke) / sub
		y0 := max(int(h/sub)-int(pad), 0)
		y1 := min(int(front[k+1]/sub)+int(pad)+1, c.h)
		for y := y0; y < y1; y++ {
			py := int32(y)*sub + halfSub
			// Signed distance below the edge, measured across the slope.
			d := int32(int64(py-h) * sub / int64(norm))
			if d < -halfSub-rp.stroke {
				continue
			}
			i := (y*c.w + x) * 4
			col := rp.shade(k, py, py-h, slope)
			cov := int32(256)
			if d < halfSub {
				cov = (d + halfSub) * 256 / sub
			}
			if rp.style == "lines" || rp.style == "waves" {
				if d > halfSub {
					c.set(i, col)
				} else {
					c.blend(i, col, cov)
				}
				c.blend(i, rp.edge[k], coverage(abs32(d), rp.stroke))
				continue
			}
			c.blend(i, col, cov)
			if rp.style == "mountains" {
				// A rim of light along each ridge line separates the ranges.
				c.blend(i, rp.rim, coverage(abs32(d-rp.stroke), rp.stroke)/3)
			}
		}
	}
}

// shade is layer k's colour at row py (subpixels), d straight below its edge.
func (rp *ridgePainter) shade(k int, py, d, slope int32) rgb {
	col := rp.fill[k]
	switch rp.style {
	case "mountains":
		// Mist pools in the valleys: mix towards the haze lower down,
		// measured from the layer's mean level so it lies flat.
		level := rp.base[k] - rp.amp[k]*2/3
		t := clamp(ratio(py-level, max(rp.amp[k], sub)), 0, one)
		return mix(col, rp.haze, mulQ(smooth(t), one/2))
	case "dunes":
		// Lit or shaded by the slope, with a soft terminator; the
		// effect fades with depth below the crest, into the sand's own
		// tone with a breath of haze.
		lit := clamp(ratio(-slope, sub/3)*(rp.lx/one), -one, one)
		t := clamp(ratio(d, max(rp.amp[k]*3/2, sub)), 0, one)
		lit = mulQ(lit, one-smooth(t))
		f := 232 + lit*48>>16
		return mix(col.scale(f), rp.haze, mulQ(t, one/5))
	case "waves":
		t := clamp(ratio(d, max(rp.amp[k], sub)), 0, one)
		return mix(col, col.scale(190), t)
	}
	return col
}
