package procedural

// Flow: particles follow a noise-driven vector field and leave trails.
//
// Styles:
//   - ribbons: tapered opaque strokes that never cross, each stopping when
//     it comes near another (Tyler Hobbs's well-known treatment);
//   - beads:   the same collision-free paths drawn as strings of dots whose
//     size swells and shrinks along the path;
//   - silk:    thousands of faint hairline trails that accumulate into
//     smooth, woven-looking gradients.
//
// The alpha channel of the canvas is the occupancy map for ribbons and
// beads: 255 is free, anything else is the id of the stroke covering that
// pixel. finish resets it.

type flowField struct {
	f     field
	base  int32 // angle offset, Q16 turns
	gain  int32 // angle range, Q16 turns per unit of noise
	quant int32 // when > 0, angles snap to multiples of this
	oct   int
}

// dir returns the unit direction (Q16) of the field at subpixel (x, y).
func (ff *flowField) dir(x, y int32) (int32, int32) {
	a := ff.base + mulQ(ff.f.at(x, y, ff.oct), ff.gain)
	if ff.quant > 0 {
		a = (a + ff.quant/2) / ff.quant * ff.quant
	}
	return cos16(a), sin16(a)
}

type flowPainter struct {
	c      *canvas
	s      *scheme
	ff     flowField
	step   int32 // subpixels per step
	maxLen int32 // steps per half stroke
	gap    int32 // free space kept beside a stroke, subpixels
	hue    field // picks inks so that nearby strokes share colours
	rnd    rng
}

func renderFlow(c *canvas, s *scheme, r *rng, style string, density int, n *notes) error {
	cells := r.between(2, 5)
	if density == 0 {
		cells = r.between(1, 3)
	}
	fseed := uint32(r.u64())
	fp := flowPainter{c: c, s: s, rnd: stream(uint32(r.u64()), 0xf10),
		ff: flowField{
			f:    newField(fseed, cells, min(c.w, c.h)),
			base: r.unit(),
			gain: r.between(one/2, 2*one),
			oct:  2,
		},
		hue: newField(uint32(r.u64()), r.between(1, 3), min(c.w, c.h)),
	}
	if r.chance(12) {
		fp.ff.quant = turn / int32(6+2*r.intn(3)) // 6, 8 or 10 directions: a circuit-board look
	}
	// The field itself, enough to recompute it (the tests do).
	n.add("field_seed", int(fseed))
	n.add("field_cells", int(cells))
	n.add("field_base_q16", int(fp.ff.base))
	n.add("field_turns_q16", int(fp.ff.gain))
	if fp.ff.quant > 0 {
		n.add("field_directions", int(turn/fp.ff.quant))
	}
	switch style {
	case "silk":
		return fp.silk(density, n)
	default:
		return fp.strokes(style == "beads", density, r, n)
	}
}

// strokes draws collision-free ribbons or beads seeded on a jittered grid
// visited in a scrambled order.
func (fp *flowPainter) strokes(beads bool, density int, r *rng, n *notes) error {
	c := fp.c
	// Stroke half-width range and separation, in 1024-image pixels.
	var wMin, wMax, sep int32
	switch density {
	case 0:
		wMin, wMax, sep = 4, 14, 7
	case 1:
		wMin, wMax, sep = 2, 9, 5
	default:
		wMin, wMax, sep = 1, 5, 3
	}
	if beads {
		wMin, wMax = wMin+1, wMax+2
	}
	fp.gap = c.px(sep)
	fp.step = c.px(2)
	fp.maxLen = int32(300 + r.intn(500)) // half-stroke length in steps
	// Seeds: a grid of spacing ~ (2·wMax + sep), jittered, in scrambled order.
	spacing := max(c.px(wMin*2+sep)/sub, 2)
	gx, gy := (int32(c.w)+spacing-1)/spacing, (int32(c.h)+spacing-1)/spacing
	total := int(gx * gy)
	prime := coprimeStep(total)
	offset := r.intn(total)
	minLen := int32(6 + r.intn(20)) // shortest stroke kept, in steps
	n.add("stroke_width_px", int(wMin*2), int(wMax*2))
	n.add("stroke_steps_max", int(fp.maxLen*2))
	n.add("seed_points", total)
	drawn := 0
	var id uint8
	for k := 0; k < total; k++ {
		if k&1023 == 0 {
			if err := c.check(); err != nil {
				return err
			}
		}
		// 64-bit on purpose: int is 32 bits on 386 and must not overflow there.
		cell := int((uint64(k)*uint64(prime) + uint64(offset)) % uint64(total))
		cx, cy := int32(cell)%gx, int32(cell)/gx
		h := hash32(cx, cy, uint32(fp.rnd.s))
		x := cx*spacing*sub + int32(h&255)*spacing
		y := cy*spacing*sub + int32(h>>8&255)*spacing
		if x >= int32(c.w)*sub || y >= int32(c.h)*sub {
			continue
		}
		w := c.px(wMin) + int32(int64(c.px(wMax-wMin))*int64(h>>16&255)>>8)
		w = max(w, halfSub)
		id = id%254 + 1 // 1..254; 255 means free
		if fp.occupied(x, y, w+fp.gap, id) {
			continue
		}
		fwd := fp.trace(x, y, w, 1, id, -1, 0, nil)
		bwd := fp.trace(x, y, w, -1, id, -1, 0, nil)
		if fwd+bwd < minLen {
			continue
		}
		col := fp.pick(x, y, h)
		total := fwd + bwd
		if beads {
			fp.trace(x, y, w, -1, id, total, bwd, &stroke{col: col, beads: true, phase: int32(h >> 24)})
			fp.trace(x, y, w, 1, id, total, bwd, &stroke{col: col, beads: true, phase: int32(h >> 24)})
		} else {
			fp.trace(x, y, w, -1, id, total, bwd, &stroke{col: col})
			fp.trace(x, y, w, 1, id, total, bwd, &stroke{col: col})
		}
		drawn++
	}
	n.add("strokes", drawn)
	return nil
}

type stroke struct {
	col   rgb
	beads bool
	phase int32
}

// pick chooses a stroke's ink: mostly from a smooth field over the canvas,
// so neighbouring strokes share colours, sometimes at random for accents.
func (fp *flowPainter) pick(x, y int32, h uint32) rgb {
	switch {
	case h>>24 < 14: // about one in eighteen: the accent
		return fp.s.accent
	case h>>24 < 40: // one in ten: any ink, for variety
		return fp.s.ink(int(h >> 12 % 64))
	}
	t := fp.hue.at(x, y, 2)/2 + one/2
	idx := int(int64(clamp(t, 0, one-1)) * int64(len(fp.s.inks)) >> 16)
	return fp.s.ink(idx)
}

// occupied reports whether any pixel within radius r of (x, y) belongs to
// another stroke or lies off the canvas; it samples the centre and eight
// points on the rim.
func (fp *flowPainter) occupied(x, y, r int32, id uint8) bool {
	if fp.taken(x, y, id) {
		return true
	}
	for a := int32(0); a < turn; a += turn / 8 {
		if fp.taken(x+mulQ(cos16(a), r), y+mulQ(sin16(a), r), id) {
			return true
		}
	}
	return false
}

func (fp *flowPainter) taken(x, y int32, id uint8) bool {
	if x < 0 || y < 0 {
		return true
	}
	px, py := int(x/sub), int(y/sub)
	if px >= fp.c.w || py >= fp.c.h {
		return true
	}
	a := fp.c.pix[(py*fp.c.w+px)*4+3]
	return a != 255 && a != id
}

// trace follows the field from (x, y) forwards (sign 1) or backwards (-1). Measuring
// (st == nil), it returns how many steps fit before the path leaves the
// canvas, comes within the gap of another stroke, or reaches maxLen.
// Drawing, it repeats exactly the same path and paints it; total and
// before position the half stroke within the whole one for tapering.
func (fp *flowPainter) trace(x, y, w, sign int32, id uint8, total, before int32, st *stroke) int32 {
	var steps int32
	limit := fp.maxLen
	if st != nil {
		// Draw exactly the steps measured for this half.
		if sign > 0 {
			limit = total - before
		} else {
			limit = before
		}
	}
	for steps < limit {
		if st != nil {
			// Position along the whole stroke, 0..one.
			pos := before + steps
			if sign < 0 {
				pos = before - steps
			}
			t := int32(int64(pos) * one / int64(max(total, 1)))
			// Taper both ends over the first and last 15% of the stroke.
			taper := min(smooth(t*100/15), smooth((one-t)*100/15))
			rad := max(mulQ(w, taper), halfSub*3/4)
			if st.beads {
				// A bead every ~(2w+gap)/step steps, its size breathing along the path.
				every := max((2*w+fp.gap/2)/fp.step, 1)
				if (steps+st.phase)%every == 0 {
					swell := one*3/4 + sin16(pos*turn/64+st.phase*256)/4
					fp.paint(x, y, max(mulQ(rad, swell), halfSub), st.col, id)
				}
			} else {
				fp.paint(x, y, rad, st.col, id)
			}
		}
		dx, dy := fp.ff.dir(x, y)
		dx, dy = dx*sign, dy*sign
		nx := x + mulQ(dx, fp.step)
		ny := y + mulQ(dy, fp.step)
		if st == nil {
			// Look ahead one stroke half-width plus the gap, straight and to both sides.
			ahead := w + fp.gap
			lx, ly := nx+mulQ(dx, ahead), ny+mulQ(dy, ahead)
			sx, sy := mulQ(-dy, ahead), mulQ(dx, ahead)
			if fp.taken(lx, ly, id) || fp.taken(nx+sx, ny+sy, id) || fp.taken(nx-sx, ny-sy, id) {
				break
			}
		}
		x, y = nx, ny
		steps++
	}
	return steps
}

// paint stamps an opaque anti-aliased disc and claims its core for stroke id.
func (fp *flowPainter) paint(x, y, r int32, col rgb, id uint8) {
	c := fp.c
	c.disc(x, y, r, col, 256)
	// Claim the pixels well inside the disc.
	core := r - halfSub
	if core <= 0 {
		core = halfSub
	}
	x0, x1 := max(int((x-core)/sub), 0), min(int((x+core)/sub), c.w-1)
	y0, y1 := max(int((y-core)/sub), 0), min(int((y+core)/sub), c.h-1)
	c2 := int64(core) * int64(core)
	for py := y0; py <= y1; py++ {
		dy := int64(int32(py)*sub + halfSub - y)
		for px := x0; px <= x1; px++ {
			dx := int64(int32(px)*sub + halfSub - x)
			if dx*dx+dy*dy <= c2 {
				c.pix[(py*c.w+px)*4+3] = id
			}
		}
	}
}

// silk draws many faint hairline trails with bilinear splats.
//
// Thousands of particles take hundreds of steps each, so the field is
// sampled once per pixel beforehand (bilinearly from a coarse grid) and
// stored as a direction index 0..255 in the alpha channel, which silk does
// not otherwise need; a step then costs a table lookup.
func (fp *flowPainter) silk(density int, n *notes) error {
	c := fp.c
	ff := &fp.ff
	g := newGridField(c.w, gridShift, func(x, y int32) int32 { return ff.f.at(x, y, ff.oct) })
	for y := 0; y < c.h; y++ {
		g.row(y)
		for x := 0; x < c.w; x++ {
			a := ff.base + mulQ(g.at(x), ff.gain)
			if ff.quant > 0 {
				a = (a + ff.quant/2) / ff.quant * ff.quant
			}
			c.pix[(y*c.w+x)*4+3] = uint8((a + 128) >> 8)
		}
	}
	if err := c.check(); err != nil {
		return err
	}
	area := int64(c.w) * int64(c.h)
	// Particles per megapixel and steps per particle.
	per := [3]int64{2500, 5000, 9000}[density]
	particles := int(area * per >> 20)
	steps := 140 + fp.rnd.intn(160)
	fp.step = c.px(1) * 3 / 4
	alpha := int32([3]int{110, 80, 60}[density])
	n.add("particles", particles)
	n.add("steps", steps)
	for p := 0; p < particles; p++ {
		if p&255 == 0 {
			if err := c.check(); err != nil {
				return err
			}
		}
		x := int32(fp.rnd.intn(c.w * sub))
		y := int32(fp.rnd.intn(c.h * sub))
		t := fp.hue.at(x, y, 2)*3/4 + one/2 + (fp.rnd.unit()-one/2)/5
		col := fp.s.ramp(t)
		for i := 0; i < steps; i++ {
			// Fade in and out along the trail.
			a := alpha
			if i < 16 {
				a = a * int32(i) / 16
			} else if rem := int32(steps - i); rem < 32 {
				a = a * rem / 32
			}
			if !fp.splat(x, y, col, a) {
				break
			}
			dir := int32(c.pix[(int(y/sub)*c.w+int(x/sub))*4+3]) << 8
			x += mulQ(cos16(dir), fp.step)
			y += mulQ(sin16(dir), fp.step)
		}
	}
	return nil
}

// splat deposits a one-pixel point at subpixel (x, y) spread bilinearly over
// the four nearest pixels; false when it falls off the canvas.
func (fp *flowPainter) splat(x, y int32, col rgb, a int32) bool {
	x -= halfSub
	y -= halfSub
	if x < 0 || y < 0 {
		return false
	}
	px, py := int(x/sub), int(y/sub)
	if px >= fp.c.w-1 || py >= fp.c.h-1 {
		return false
	}
	fx, fy := x&(sub-1), y&(sub-1)
	i := (py*fp.c.w + px) * 4
	row := fp.c.w * 4
	fp.c.blend(i, col, a*(sub-fx)*(sub-fy)>>16)
	fp.c.blend(i+4, col, a*fx*(sub-fy)>>16)
	fp.c.blend(i+row, col, a*(sub-fx)*fy>>16)
	fp.c.blend(i+row+4, col, a*fx*fy>>16)
	return true
}

// coprimeStep returns a stride that visits every index of [0, n) once when
// stepping k*stride mod n: the first of a few large primes not dividing n.
func coprimeStep(n int) int {
	for _, p := range [...]int{7919, 7927, 7933, 7937, 104729} {
		if n%p != 0 {
			return p % max(n, 1)
		}
	}
	return 1
}
