package procedural

// Cells: a Voronoi diagram of jittered grid points, rendered as stained
// glass, cut crystal or a grouted mosaic.
//
// For each pixel the nearest and second-nearest points among the 3×3
// neighbouring grid cells give the cell and the exact distance to the
// border between the two (the bisector), which anti-aliases the leading.
// Styles:
//   - stained: jewel-coloured cells in dark leading, each glowing from
//     its middle;
//   - crystal: each cell cut into facets lit from one side, thin bright
//     seams;
//   - mosaic:  flat tesserae with slightly varied tones and light grout.

type cellPainter struct {
	c     *canvas
	s     *scheme
	size  int32 // grid cell size, subpixels
	seed  uint32
	jit   int32 // jitter amplitude, Q16 of the cell
	style string
	lead  int32 // half-width of the border, subpixels
	hue   field
	lx    int32 // light direction, Q16
	ly    int32
	// Points of the grid rows gy-1, gy, gy+1 around the current pixel row,
	// indexed by grid column + 1.
	gy      int32
	px, py  [3][]int32
	colours [3][]rgb
	// The last pair of points and their distance.
	lastA, lastB [2]int32
	lastAB       int64
}

func renderCells(c *canvas, s *scheme, r *rng, style string, density int, n *notes) error {
	cp := cellPainter{c: c, s: s, style: style, seed: uint32(r.u64())}
	sizes := [3][2]int32{{110, 170}, {58, 90}, {28, 44}}[density]
	cp.size = c.px(r.between(sizes[0], sizes[1]))
	cp.size = max(cp.size, 4*sub)
	cp.jit = r.between(one*6/10, one*95/100)
	switch cp.style {
	case "stained":
		cp.lead = max(cp.size/28, sub*3/4)
	case "crystal":
		cp.lead = max(cp.size/90, halfSub/2)
	default:
		cp.lead = max(cp.size/22, sub/2)
	}
	cp.hue = newField(uint32(r.u64()), r.between(1, 3), min(c.w, c.h))
	a := r.unit()
	cp.lx, cp.ly = cos16(a), sin16(a)
	cols := int(int64(c.w)*sub/int64(cp.size)) + 3
	buf := make([]int32, 6*cols)
	cbuf := make([]rgb, 3*cols)
	for i := 0; i < 3; i++ {
		cp.px[i] = buf[2*i*cols : (2*i+1)*cols]
		cp.py[i] = buf[(2*i+1)*cols : (2*i+2)*cols]
		cp.colours[i] = cbuf[i*cols : (i+1)*cols]
	}
	cp.gy = -100

	// A gentle domain warp makes the cells organic rather than gridded.
	wamp := cp.size * r.between(0, 5) / 10
	warp := newField(uint32(r.u64()), r.between(2, 4), min(c.w, c.h))
	gx := newGridField(c.w, gridShift, func(x, y int32) int32 { return mulQ(warp.at(x, y, 2), wamp) })
	gy := newGridField(c.w, gridShift, func(x, y int32) int32 { return mulQ(warp.at(x+1<<22, y, 2), wamp) })

	n.add("cell_px", int(cp.size/sub))
	n.add("cells", int(int64(c.w)*int64(c.h)*sub*sub/(int64(cp.size)*int64(cp.size))))
	n.add("warp_px", int(wamp/sub))

	for y := 0; y < c.h; y++ {
		if y&63 == 0 {
			if err := c.check(); err != nil {
				return err
			}
		}
		gx.row(y)
		gy.row(y)
		for x := 0; x < c.w; x++ {
			wx := int32(x)*sub + halfSub + gx.at(x)
			wy := int32(y)*sub + halfSub + gy.at(x)
			cp.pixel((y*c.w+x)*4, wx, wy)
		}
	}
	return nil
}

// point returns grid cell (i, j)'s jittered point, subpixels.
func (cp *cellPainter) point(i, j int32) (int32, int32) {
	h := hash32(i, j, cp.seed)
	jx := int32(int64(int32(h&0xffff)-one/2) * int64(cp.jit) >> 16)
	jy := int32(int64(int32(h>>16)-one/2) * int64(cp.jit) >> 16)
	return i*cp.size + cp.size/2 + mulQ(jx, cp.size), j*cp.size + cp.size/2 + mulQ(jy, cp.size)
}

// colour chooses grid cell (i, j)'s ink from the smooth hue field at its
// point, nudged by the cell's own hash.
func (cp *cellPainter) colour(i, j, x, y int32) rgb {
	h := hash32(i, j, cp.seed^0xc01)
	t := cp.hue.at(x, y, 2)*2/3 + one/2 + (int32(h&0xffff)-one/2)/3
	col := cp.s.ramp(t)
	if cp.style == "mosaic" {
		col = col.scale(236 + int32(h>>16&31))
	}
	if h>>24 < 10 { // a rare accent
		col = cp.s.accent
	}
	return col
}

// loadRows fills the point cache for grid row j-1..j+1 (j may be off-canvas by the warp).
func (cp *cellPainter) loadRows(j int32) {
	for r := int32(0); r < 3; r++ {
		for k := range cp.px[r] {
			i := int32(k) - 1
			x, y := cp.point(i, j+r-1)
			cp.px[r][k], cp.py[r][k] = x, y
			cp.colours[r][k] = cp.colour(i, j+r-1, x, y)
		}
	}
	cp.gy = j
}

func (cp *cellPainter) pixel(i int, x, y int32) {
	gi, gj := floorDiv(x, cp.size), floorDiv(y, cp.size)
	if gj != cp.gy {
		cp.loadRows(gj)
	}
	// Nearest (a) and second nearest (b) points.
	var d1, d2 int64 = 1 << 62, 1 << 62
	var ar, ak, br, bk int
	for r := 0; r < 3; r++ {
		for k := int(gi); k <= int(gi)+2; k++ {
			if k < 0 || k >= len(cp.px[r]) {
				continue
			}
			dx, dy := int64(x-cp.px[r][k]), int64(y-cp.py[r][k])
			d := dx*dx + dy*dy
			if d < d1 {
				d2, br, bk = d1, ar, ak
				d1, ar, ak = d, r, k
			} else if d < d2 {
				d2, br, bk = d, r, k
			}
		}
	}
	ax, ay := cp.px[ar][ak], cp.py[ar][ak]
	bx, by := cp.px[br][bk], cp.py[br][bk]
	// Distance to the bisector of a and b: (|p-b|² - |p-a|²) / 2|b-a|.
	// Neighbouring pixels mostly share a and b, so |b-a| is remembered.
	if ax != cp.lastA[0] || ay != cp.lastA[1] || bx != cp.lastB[0] || by != cp.lastB[1] {
		abx, aby := int64(bx-ax), int64(by-ay)
		cp.lastAB = int64(isqrt(uint64(abx*abx + aby*aby)))
		cp.lastA, cp.lastB = [2]int32{ax, ay}, [2]int32{bx, by}
	}
	ab := cp.lastAB
	edge := int32((d2 - d1) / max(2*ab, 1))
	col := cp.colours[ar][ak]
	c, s := cp.c, cp.s

	switch cp.style {
	case "stained":
		// Brighter in the middle of the pane, dimmer near the lead.
		t := clamp(ratio(edge, max(cp.size/3, 1)), 0, one)
		col = col.scale(170 + smooth(t)*100>>16)
		c.set(i, col)
		lead := mix(s.bg[0], s.bg[1], one/2).scale(200)
		c.blend(i, lead, coverage(edge, cp.lead))
	case "crystal":
		// Facets: light from the direction between the pixel and the
		// cell's point, normalised with an L1 norm (cheap, and it gives
		// crisp pyramid facets).
		dx, dy := x-ax, y-ay
		l1 := abs32(dx) + abs32(dy) + 1
		lit := int32((int64(dx)*int64(cp.lx) + int64(dy)*int64(cp.ly)) / int64(l1)) // ±one
		col = col.scale(210 + lit*60>>16)
		c.set(i, col)
		seam := s.ramp(one)
		if !s.dark {
			seam = s.bg[0]
		}
		c.blend(i, seam, coverage(edge, cp.lead)*3/4)
	default:
		c.set(i, col)
		grout := s.bgAt(int(y/sub), c.h)
		c.blend(i, grout, coverage(edge, cp.lead))
	}
}

// floorDiv divides rounding towards minus infinity.
func floorDiv(a, b int32) int32 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
