package procedural

// Gradient noise (Perlin's, on an integer lattice with hashed gradients)
// computed entirely in fixed point. Inputs are lattice coordinates in Q16
// (one lattice cell = one); outputs are Q16, roughly in [-one, one] with
// most values within ±one/2.

// gradX and gradY are eight unit gradient directions in Q16.
var (
	gradX = [8]int32{one, 46341, 0, -46341, -one, -46341, 0, 46341}
	gradY = [8]int32{0, 46341, one, 46341, 0, -46341, -one, -46341}
)

// fade is Perlin's quintic 6t⁵-15t⁴+10t³ for t in Q16 [0, one].
func fade(t int32) int32 {
	t64 := int64(t)
	inner := (t64*(6*t64-15*one)>>16 + 10*one) // 6t²-15t+10, Q16
	t3 := t64 * t64 >> 16 * t64 >> 16
	return int32(t3 * inner >> 16)
}

// corner returns the dot product of lattice point (ix, iy)'s gradient with
// the offset (dx, dy) from that point, all Q16.
func corner(ix, iy int32, seed uint32, dx, dy int32) int32 {
	g := hash32(ix, iy, seed) >> 29
	return int32((int64(gradX[g])*int64(dx) + int64(gradY[g])*int64(dy)) >> 16)
}

// noise2 returns gradient noise at (x, y), Q16 lattice coordinates.
func noise2(x, y int32, seed uint32) int32 {
	ix, iy := x>>16, y>>16
	fx, fy := x&(one-1), y&(one-1)
	u, v := fade(fx), fade(fy)
	n00 := corner(ix, iy, seed, fx, fy)
	n10 := corner(ix+1, iy, seed, fx-one, fy)
	n01 := corner(ix, iy+1, seed, fx, fy-one)
	n11 := corner(ix+1, iy+1, seed, fx-one, fy-one)
	a := lerp(n00, n10, u)
	b := lerp(n01, n11, u)
	// The raw range is about ±0.7; scale by √2 to use about ±1.
	return int32(int64(lerp(a, b, v)) * 92682 >> 16)
}

// fbm sums octaves of noise2, each twice the frequency and half the
// amplitude of the last; the result is normalised back to about ±one.
func fbm(x, y int32, seed uint32, octaves int) int32 {
	var sum, norm int32
	amp := int32(one)
	for o := 0; o < octaves; o++ {
		sum += mulQ(noise2(x, y, seed+uint32(o)*0x51ed27), amp)
		norm += amp
		amp >>= 1
		// Double the frequency and rotate the lattice by a fixed offset so
		// octaves do not share grid lines.
		x, y = x*2+0x3a1f7, y*2+0x1c3b5
	}
	return int32(int64(sum) * one / int64(norm))
}

// field samples fbm noise at pixel positions, scaled so that a given number
// of lattice cells spans the image whatever its size in pixels: a picture
// looks the same at any resolution.
type field struct {
	seed uint32
	// k converts subpixels to Q16 lattice units: lattice = subpx * k >> 8.
	k int64
	// ox, oy shift the field so different seeds sample different places.
	ox, oy int32
}

// newField returns a field with cells lattice cells across span pixels.
func newField(seed uint32, cells int32, span int) field {
	// lattice(Q16) = subpx/256 * cells/span * 65536 = subpx * cells*256/span.
	k := int64(cells) * 256 * sub / int64(span) // Q8 scale factor
	h := hash32(int32(seed), 7, 0x5eed)
	return field{seed: seed, k: k, ox: int32(h & 0x3fffff), oy: int32(h >> 10 & 0x3fffff)}
}

// at returns fbm noise of the given octaves at subpixel (x, y).
func (f field) at(x, y int32, octaves int) int32 {
	return fbm(int32(int64(x)*f.k>>8)+f.ox, int32(int64(y)*f.k>>8)+f.oy, f.seed, octaves)
}
