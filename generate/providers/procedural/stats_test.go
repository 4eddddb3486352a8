package procedural

import (
	"image"
	"math"
)

// Image statistics for the trait tests. Floating point is fine here: these
// judge pixels, they never make them.

type stats struct{ img *image.RGBA }

func (s stats) lum(x, y int) float64 {
	i := s.img.PixOffset(x, y)
	p := s.img.Pix[i : i+3]
	return 0.2126*float64(p[0]) + 0.7152*float64(p[1]) + 0.0722*float64(p[2])
}

// meanRGB returns the mean of each channel.
func (s stats) meanRGB() (r, g, b float64) {
	n := 0.0
	for i := 0; i < len(s.img.Pix); i += 4 {
		r += float64(s.img.Pix[i])
		g += float64(s.img.Pix[i+1])
		b += float64(s.img.Pix[i+2])
		n++
	}
	return r / n, g / n, b / n
}

func (s stats) meanLum() float64 {
	r, g, b := s.meanRGB()
	return 0.2126*r + 0.7152*g + 0.0722*b
}

// gradients returns the mean absolute horizontal and vertical luminance
// differences between neighbours.
func (s stats) gradients() (dx, dy float64) {
	b := s.img.Bounds()
	n := 0.0
	for y := 0; y < b.Dy()-1; y++ {
		for x := 0; x < b.Dx()-1; x++ {
			l := s.lum(x, y)
			dx += math.Abs(s.lum(x+1, y) - l)
			dy += math.Abs(s.lum(x, y+1) - l)
			n++
		}
	}
	return dx / n, dy / n
}

// edgeDensity is the fraction of pixels whose luminance gradient exceeds t.
func (s stats) edgeDensity(t float64) float64 {
	b := s.img.Bounds()
	n, e := 0.0, 0.0
	for y := 0; y < b.Dy()-1; y++ {
		for x := 0; x < b.Dx()-1; x++ {
			l := s.lum(x, y)
			if math.Hypot(s.lum(x+1, y)-l, s.lum(x, y+1)-l) > t {
				e++
			}
			n++
		}
	}
	return e / n
}

// radialAlignment is the gradient-weighted mean of |cos| between the
// luminance gradient and the direction from the nearest of the centres:
// near 1 for concentric rings, about 2/π for structure unrelated to them.
func (s stats) radialAlignment(centres [][2]float64) float64 {
	b := s.img.Bounds()
	var sum, wsum float64
	for y := 1; y < b.Dy()-1; y++ {
		for x := 1; x < b.Dx()-1; x++ {
			gx := s.lum(x+1, y) - s.lum(x-1, y)
			gy := s.lum(x, y+1) - s.lum(x, y-1)
			g := math.Hypot(gx, gy)
			if g < 4 {
				continue
			}
			best, rx, ry := math.Inf(1), 0.0, 0.0
			for _, c := range centres {
				dx, dy := float64(x)+0.5-c[0], float64(y)+0.5-c[1]
				if d := math.Hypot(dx, dy); d < best {
					best, rx, ry = d, dx, dy
				}
			}
			if best < 8 {
				continue
			}
			sum += math.Abs(gx*rx+gy*ry) / (g * best) * g
			wsum += g
		}
	}
	return sum / wsum
}

// gridPhase measures how much the image's edges line up with a grid of
// period t pixels: the coefficient of variation of the mean gradient
// magnitude at each phase (x mod t, y mod t). Tiled images concentrate
// their edges at fixed phases; others spread them evenly.
func (s stats) gridPhase(t int) float64 {
	b := s.img.Bounds()
	acc := make([]float64, t*t)
	cnt := make([]float64, t*t)
	for y := 0; y < b.Dy()-1; y++ {
		for x := 0; x < b.Dx()-1; x++ {
			l := s.lum(x, y)
			g := math.Hypot(s.lum(x+1, y)-l, s.lum(x, y+1)-l)
			k := (y%t)*t + x%t
			acc[k] += g
			cnt[k]++
		}
	}
	var mean, sq float64
	for k := range acc {
		acc[k] /= cnt[k]
		mean += acc[k]
	}
	mean /= float64(len(acc))
	for _, v := range acc {
		sq += (v - mean) * (v - mean)
	}
	return math.Sqrt(sq/float64(len(acc))) / mean
}

// regions counts connected areas of at least minArea pixels where the
// luminance gradient stays below t (4-connectivity).
func (s stats) regions(t float64, minArea int) int {
	b := s.img.Bounds()
	w, h := b.Dx(), b.Dy()
	flat := make([]bool, w*h)
	for y := 0; y < h-1; y++ {
		for x := 0; x < w-1; x++ {
			l := s.lum(x, y)
			flat[y*w+x] = math.Hypot(s.lum(x+1, y)-l, s.lum(x, y+1)-l) <= t
		}
	}
	seen := make([]bool, w*h)
	count := 0
	stack := []int{}
	for start := range flat {
		if !flat[start] || seen[start] {
			continue
		}
		area := 0
		stack = append(stack[:0], start)
		seen[start] = true
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			area++
			x, y := p%w, p/w
			for _, q := range [4]int{p - 1, p + 1, p - w, p + w} {
				if q < 0 || q >= w*h || seen[q] || !flat[q] {
					continue
				}
				if (q == p-1 && x == 0) || (q == p+1 && x == w-1) || (q == p-w && y == 0) || (q == p+w && y == h-1) {
					continue
				}
				seen[q] = true
				stack = append(stack, q)
			}
		}
		if area >= minArea {
			count++
		}
	}
	return count
}

// lagAnisotropy compares mean luminance differences at a lag of d pixels
// vertically and horizontally: layered (horizontal) structure makes the
// vertical differences larger.
func (s stats) lagAnisotropy(d int) float64 {
	b := s.img.Bounds()
	var h, v float64
	for y := 0; y < b.Dy()-d; y++ {
		for x := 0; x < b.Dx()-d; x++ {
			l := s.lum(x, y)
			h += math.Abs(s.lum(x+d, y) - l)
			v += math.Abs(s.lum(x, y+d) - l)
		}
	}
	return v / h
}

// fieldAlignment is the gradient-weighted mean |cos| between the luminance
// gradient and a direction field dir(x, y) (unit vector): strokes drawn
// along the field have gradients across it, so near 0; unrelated images
// about 2/π.
func (s stats) fieldAlignment(dir func(x, y int) (float64, float64)) float64 {
	b := s.img.Bounds()
	var sum, wsum float64
	for y := 1; y < b.Dy()-1; y++ {
		for x := 1; x < b.Dx()-1; x++ {
			gx := s.lum(x+1, y) - s.lum(x-1, y)
			gy := s.lum(x, y+1) - s.lum(x, y-1)
			g := math.Hypot(gx, gy)
			if g < 4 {
				continue
			}
			fx, fy := dir(x, y)
			sum += math.Abs(gx*fx + gy*fy)
			wsum += g
		}
	}
	return sum / wsum
}

// gridPhaseF is gridPhase for a grid of period t (not necessarily whole)
// whose rows start at oy.
func (s stats) gridPhaseF(t, oy float64, bins int) float64 {
	b := s.img.Bounds()
	acc := make([]float64, bins*bins)
	cnt := make([]float64, bins*bins)
	for y := 0; y < b.Dy()-1; y++ {
		py := math.Mod(float64(y)+0.5-oy+100*t, t) / t
		for x := 0; x < b.Dx()-1; x++ {
			px := math.Mod(float64(x)+0.5, t) / t
			l := s.lum(x, y)
			g := math.Hypot(s.lum(x+1, y)-l, s.lum(x, y+1)-l)
			k := int(py*float64(bins))*bins + int(px*float64(bins))
			acc[k] += g
			cnt[k]++
		}
	}
	var mean, sq float64
	for k := range acc {
		if cnt[k] > 0 {
			acc[k] /= cnt[k]
		}
		mean += acc[k]
	}
	mean /= float64(len(acc))
	for _, v := range acc {
		sq += (v - mean) * (v - mean)
	}
	return math.Sqrt(sq/float64(len(acc))) / mean
}

// rowVariance is the share of the luminance variance explained by the rows'
// means: near 1 when the picture is made of horizontal layers, near 0 when
// its structure is spread evenly in every direction.
func (s stats) rowVariance() float64 {
	b := s.img.Bounds()
	var all, allSq float64
	rows := make([]float64, b.Dy())
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			l := s.lum(x, y)
			rows[y] += l
			all += l
			allSq += l * l
		}
		rows[y] /= float64(b.Dx())
	}
	n := float64(b.Dx() * b.Dy())
	mean := all / n
	total := allSq/n - mean*mean
	var between float64
	for _, r := range rows {
		between += (r - mean) * (r - mean)
	}
	return between / float64(len(rows)) / total
}

// blurred returns a copy of the image box-blurred with radius r.
func (s stats) blurred(r int) stats {
	b := s.img.Bounds()
	out := image.NewRGBA(b)
	w, h := b.Dx(), b.Dy()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var acc [3]int
			n := 0
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= w || yy >= h {
						continue
					}
					i := s.img.PixOffset(xx, yy)
					acc[0] += int(s.img.Pix[i])
					acc[1] += int(s.img.Pix[i+1])
					acc[2] += int(s.img.Pix[i+2])
					n++
				}
			}
			i := out.PixOffset(x, y)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = uint8(acc[0]/n), uint8(acc[1]/n), uint8(acc[2]/n), 255
		}
	}
	return stats{out}
}

// bandEdges is the edge density (gradient above t) of rows [y0, y1) as a
// fraction of pixels.
func (s stats) bandEdges(y0, y1 int, t float64) float64 {
	b := s.img.Bounds()
	n, e := 0.0, 0.0
	for y := y0; y < y1 && y < b.Dy()-1; y++ {
		for x := 0; x < b.Dx()-1; x++ {
			l := s.lum(x, y)
			if math.Hypot(s.lum(x+1, y)-l, s.lum(x, y+1)-l) > t {
				e++
			}
			n++
		}
	}
	return e / n
}

// laplacian is the mean absolute difference between a pixel's luminance
// and the mean of its four neighbours: high-frequency energy, which film
// grain raises everywhere.
func (s stats) laplacian() float64 {
	b := s.img.Bounds()
	var sum float64
	n := 0.0
	for y := 1; y < b.Dy()-1; y++ {
		for x := 1; x < b.Dx()-1; x++ {
			l := s.lum(x, y)
			m := (s.lum(x-1, y) + s.lum(x+1, y) + s.lum(x, y-1) + s.lum(x, y+1)) / 4
			sum += math.Abs(l - m)
			n++
		}
	}
	return sum / n
}
