package procedural

// gridField evaluates a smooth function on a coarse grid and interpolates
// it bilinearly for every pixel: low-frequency noise looks the same at a
// fraction of the cost. Use it row by row: row(y) once per pixel row, then
// at(x) for each pixel of that row.
type gridField struct {
	fn    func(x, y int32) int32 // sampled at subpixel positions
	shift uint                   // grid spacing is 1<<shift pixels
	n     int                    // grid columns
	y0    int                    // grid row currently held in top (bottom is y0+1)
	top   []int32
	bot   []int32
	mid   []int32 // top and bot interpolated for the current pixel row
}

// gridShift is the grid spacing (1<<gridShift pixels) used by renderers.
const gridShift = 3

func newGridField(w int, shift uint, fn func(x, y int32) int32) *gridField {
	n := w>>shift + 2
	buf := make([]int32, 3*n)
	g := &gridField{fn: fn, shift: shift, n: n, y0: -2, top: buf[:n], bot: buf[n : 2*n], mid: buf[2*n:]}
	return g
}

func (g *gridField) fill(dst []int32, gy int) {
	y := int32(gy<<g.shift) * sub
	for i := range dst {
		dst[i] = g.fn(int32(i<<g.shift)*sub, y)
	}
}

// row prepares pixel row y.
func (g *gridField) row(y int) {
	gy := y >> g.shift
	switch gy {
	case g.y0:
	case g.y0 + 1:
		g.top, g.bot = g.bot, g.top
		g.fill(g.bot, gy+1)
		g.y0 = gy
	default:
		g.fill(g.top, gy)
		g.fill(g.bot, gy+1)
		g.y0 = gy
	}
	t := int32((y & (1<<g.shift - 1)) << (16 - g.shift))
	for i := range g.mid {
		g.mid[i] = lerp(g.top[i], g.bot[i], t)
	}
}

// at returns the interpolated value at pixel x of the current row.
func (g *gridField) at(x int) int32 {
	i := x >> g.shift
	t := int32((x & (1<<g.shift - 1)) << (16 - g.shift))
	return lerp(g.mid[i], g.mid[i+1], t)
}
