package procedural

// Tiles: a grid of square tiles, each turned or chosen by its hash, whose
// edges join into continuous patterns.
//
// Styles:
//   - truchet: Smith's quarter-circle tiles; the regions they make are
//     two-coloured consistently (region colour = inside-arc XOR tile
//     orientation XOR checkerboard parity) and the arcs drawn as ribbons;
//   - maze:    "10 PRINT": one diagonal per tile, thick rounded strokes
//     coloured by a smooth field;
//   - weave:   a plain weave of shaded threads, over-under alternating,
//     with stripes like a tartan;
//   - bauhaus: each tile a quarter disc, half disc, disc or triangle in
//     two inks, a mid-century quilt.

type tilePainter struct {
	c      *canvas
	s      *scheme
	style  string
	size   int32 // tile side, subpixels
	ox, oy int32 // grid origin, subpixels
	seed   uint32
	line   int32 // stroke half-width, subpixels
	hue    field
	// Colours: two region fills and the stroke for truchet; a stripe
	// sequence for weave.
	a, b, ink rgb
	stripes   [8]rgb
	nstripes  int
	// maze: each tile's stroke colour, for tiles -1..across, -1..rows.
	colours []rgb
	across  int32
	rows    int32
}

// tileColour is tile (tx, ty)'s stroke colour in the maze, sampled once per
// tile from the smooth hue field.
func (tp *tilePainter) tileColour(tx, ty int32) rgb {
	tx, ty = clamp(tx, -1, tp.across), clamp(ty, -1, tp.rows)
	return tp.colours[int(ty+1)*int(tp.across+2)+int(tx+1)]
}

func renderTiles(c *canvas, s *scheme, r *rng, style string, density int, n *notes) error {
	tp := tilePainter{c: c, s: s, style: style, seed: uint32(r.u64())}
	sizes := [3][2]int32{{120, 180}, {64, 100}, {32, 52}}[density]
	want := c.px(r.between(sizes[0], sizes[1]))
	// A whole number of tiles across; centred vertically.
	across := max((int32(c.w)*sub+want/2)/max(want, 1), 1)
	tp.size = max(int32(c.w)*sub/across, 2*sub)
	rows := (int32(c.h)*sub + tp.size - 1) / tp.size
	tp.oy = (int32(c.h)*sub - rows*tp.size) / 2
	tp.hue = newField(uint32(r.u64()), r.between(1, 3), min(c.w, c.h))

	switch tp.style {
	case "truchet":
		tp.line = tp.size * r.between(5, 14) / 100
		// One region light, one deep, the ribbon from between or the accent.
		light := s.ramp(r.between(one*55/100, one))
		deep := mix(s.bgAt(c.h/2, c.h), s.ramp(r.between(0, one*45/100)), one*2/3)
		tp.a, tp.b = light, deep
		if r.chance(50) {
			tp.a, tp.b = tp.b, tp.a
		}
		tp.ink = s.ramp(r.between(one/4, one*3/4))
		if r.chance(35) {
			tp.ink = s.accent
		}
	case "maze":
		tp.line = tp.size * r.between(8, 22) / 100
		tp.across, tp.rows = across, rows
		tp.colours = make([]rgb, (across+2)*(rows+2))
		for ty := int32(-1); ty <= rows; ty++ {
			for tx := int32(-1); tx <= across; tx++ {
				t := tp.hue.at(tx*tp.size+tp.size/2, ty*tp.size+tp.size/2+tp.oy, 2)*3/4 + one/2
				tp.colours[int(ty+1)*int(across+2)+int(tx+1)] = s.ramp(t)
			}
		}
	case "weave":
		tp.nstripes = 2 + r.intn(5)
		// Neighbouring stripes walk along the ramp: harmonious, like a
		// dyed yarn set, rather than random.
		t0, step := r.unit(), r.between(one/10, one/4)
		for k := 0; k < tp.nstripes; k++ {
			t := (t0 + int32(k)*step) % (2 * one)
			if t > one {
				t = 2*one - t
			}
			tp.stripes[k] = s.ramp(t)
		}
		if r.chance(40) { // one thread in the accent
			tp.stripes[r.intn(tp.nstripes)] = s.accent
		}
		tp.line = tp.size * r.between(34, 44) / 100 // thread half-width
	}
	n.add("tile_px", int(tp.size/sub))
	n.add("tiles_across", int(across))
	n.add("tile_rows", int(rows))

	for y := 0; y < c.h; y++ {
		if y&63 == 0 {
			if err := c.check(); err != nil {
				return err
			}
		}
		py := int32(y)*sub + halfSub - tp.oy
		ty := floorDiv(py, tp.size)
		v := py - ty*tp.size
		for x := 0; x < c.w; x++ {
			px := int32(x)*sub + halfSub - tp.ox
			tx := px / tp.size
			u := px - tx*tp.size
			tp.pixel((y*c.w+x)*4, tx, ty, u, v, y)
		}
	}
	return nil
}

func (tp *tilePainter) pixel(i int, tx, ty, u, v int32, y int) {
	c, s := tp.c, tp.s
	sz := tp.size
	h := hash32(tx, ty, tp.seed)
	switch tp.style {
	case "truchet":
		orient := int32(h & 1)
		var du, dv int32
		if orient == 0 {
			if u+v < sz {
				du, dv = u, v
			} else {
				du, dv = sz-u, sz-v
			}
		} else {
			if v < u {
				du, dv = sz-u, v
			} else {
				du, dv = u, sz-v
			}
		}
		d := int32(isqrt(uint64(int64(du)*int64(du) + int64(dv)*int64(dv))))
		rho := d - sz/2 // signed distance to the arc
		inside := int32(0)
		if rho < 0 {
			inside = 1
		}
		parity := (tx + ty) & 1
		colIn, colOut := tp.a, tp.b
		if (orient^parity)&1 == 1 {
			colIn, colOut = tp.b, tp.a
		}
		col := colOut
		if inside == 1 {
			col = colIn
		}
		// Shade the regions gently towards the arcs for depth.
		t := clamp(ratio(abs32(rho), sz/2), 0, one)
		col = col.scale(200 + smooth(t)*56>>16)
		c.set(i, col)
		// The ribbon along the arc, with a darker core line.
		c.blend(i, tp.ink, coverage(abs32(rho), tp.line))
		c.blend(i, tp.ink.scale(150), coverage(abs32(rho), max(tp.line/6, halfSub/2))*2/3)
	case "maze":
		// The strokes of the four tiles around the nearest lattice corner
		// can reach this pixel; take the nearest, as round-capped segments.
		cxl, cyl := tx, ty
		if u > sz/2 {
			cxl++
		}
		if v > sz/2 {
			cyl++
		}
		wx, wy := u+(tx-cxl)*sz, v+(ty-cyl)*sz // offset from that corner
		best, bx, by := int32(1<<30), tx, ty
		for j := cyl - 1; j <= cyl; j++ {
			for k := cxl - 1; k <= cxl; k++ {
				// Tile (k, j): its diagonal either passes through the corner or not.
				dx, dy := int32(1), int32(1) // direction away from the corner
				if k < cxl {
					dx = -1
				}
				if j < cyl {
					dy = -1
				}
				diag := hash32(k, j, tp.seed)&1 == 0 // "\": (0,0)-(s,s)
				if diag != (dx == dy) {
					continue // this tile's stroke does not touch the corner
				}
				along := mulQ(wx*dx+wy*dy, rsqrt2)
				var d int32
				if along <= 0 {
					d = int32(isqrt(uint64(int64(wx)*int64(wx) + int64(wy)*int64(wy))))
				} else if along >= mulQ(sz, 2*rsqrt2) {
					ex, ey := wx-dx*sz, wy-dy*sz
					d = int32(isqrt(uint64(int64(ex)*int64(ex) + int64(ey)*int64(ey))))
				} else {
					d = mulQ(abs32(wx*dy-wy*dx), rsqrt2)
				}
				if d < best {
					best, bx, by = d, k, j
				}
			}
		}
		bg := s.bgAt(y, c.h)
		c.set(i, bg)
		col := tp.tileColour(bx, by)
		// A soft shadow, then the stroke.
		c.blend(i, bg.scale(150), coverage(best, tp.line+tp.line/3)/3)
		c.blend(i, col, coverage(best, tp.line))
	case "weave":
		half := sz / 2
		dh, dv := abs32(v-half), abs32(u-half) // from the horizontal and vertical thread axes
		inH, inV := dh < tp.line+halfSub, dv < tp.line+halfSub
		hOver := (tx+ty)&1 == 0
		bg := s.bgAt(y, c.h).scale(170)
		c.set(i, bg)
		hc := tp.stripes[int(ty)%tp.nstripes&7]
		vc := tp.stripes[(int(tx)+tp.nstripes/2)%tp.nstripes&7]
		draw := func(col rgb, d int32, shadow int32) {
			// Rounded like a cylinder: dimmer towards the thread's sides.
			q := ratio(d, max(tp.line, 1))
			f := 256 - mulQ(q, q)*90>>16 - shadow
			c.blend(i, col.scale(max(f, 60)), coverage(d, tp.line))
		}
		if hOver {
			if inV {
				// The vertical thread dips under: shaded near the crossing.
				draw(vc, dv, clamp(60-(dh-tp.line)*60/max(tp.line/2, 1), 0, 60))
			}
			if inH {
				draw(hc, dh, 0)
			}
		} else {
			if inH {
				draw(hc, dh, clamp(60-(dv-tp.line)*60/max(tp.line/2, 1), 0, 60))
			}
			if inV {
				draw(vc, dv, 0)
			}
		}
	default: // bauhaus
		n := len(s.inks)
		base := s.inks[int(h>>4)%n]
		fg := s.inks[(int(h>>4)%n+1+int(h>>8)%(n-1))%n]
		if h>>26 == 0 { // one tile in 64 carries the accent
			fg = s.accent
		}
		c.set(i, base)
		shape := h >> 12 & 7
		k := int32(h >> 16 & 3) // rotation: which corner or side
		// Rotate (u, v) so the shape's anchor is at the top-left / top.
		for ; k > 0; k-- {
			u, v = sz-v, u
		}
		var cov int32
		switch shape {
		case 0, 1, 2: // quarter disc of radius sz at the corner
			cov = discCover(u, v, sz)
		case 3, 4: // half disc on the top side
			cov = discCover(u-sz/2, v, sz/2)
		case 5: // a disc in the middle
			cov = discCover(u-sz/2, v-sz/2, sz*3/10)
		case 6: // a triangle: below the diagonal
			cov = clamp(mulQ(u-v, rsqrt2)+halfSub, 0, sub) * 256 / sub
		default: // a ring: disc minus inner disc
			cov = discCover(u, v, sz) - discCover(u, v, sz/2)
		}
		c.blend(i, fg, cov)
	}
}

// discCover is the coverage (0..256) of a pixel at offset (dx, dy) from
// the centre of a disc of radius r, all in subpixels.
func discCover(dx, dy, r int32) int32 {
	d := int32(isqrt(uint64(int64(dx)*int64(dx) + int64(dy)*int64(dy))))
	return clamp((r-d+halfSub)*256/sub, 0, 256)
}
