package procedural

import "math/bits"

// Fixed-point conventions used by every renderer in this package. No
// floating point is used anywhere on the path from request to pixels: Go may
// fuse a*b+c into one FMA instruction on arm64, ppc64 and s390x, which would
// make the same seed give different bytes on different machines.
//
//   - "Q16" values are fractions scaled by one (1<<16): noise, sine, t in lerp.
//   - Pixel positions are "subpixels", Q8: pixel x covers [x*256, x*256+256),
//     its centre is x*256+128.
//   - Angles are "turns" in Q16: 0..65535 is one full turn.
const (
	one      = 1 << 16 // 1.0 in Q16
	sub      = 256     // one pixel in subpixels (Q8)
	halfSub  = sub / 2 // half a pixel
	turn     = 1 << 16 // one full turn
	quarterT = turn / 4

	quarterSteps = 1024 // entries in a quarter wave of sinQuarter, minus one
)

//go:generate go run gen_sintable.go

// sin16 returns sin(a) in Q16 for a in Q16 turns, interpolating linearly
// between the table's entries (a quarter wave has 1024 steps of 16 units).
func sin16(a int32) int32 {
	a &= turn - 1
	neg := a >= turn/2
	if neg {
		a -= turn / 2
	}
	if a > quarterT {
		a = turn/2 - a
	}
	// a in [0, quarterT]: index = a/16, fraction = a%16.
	i, f := a>>4, a&15
	v := sinQuarter[i]
	if f != 0 {
		v += (sinQuarter[i+1] - v) * f >> 4
	}
	if neg {
		return -v
	}
	return v
}

// cos16 returns cos(a) in Q16 for a in Q16 turns.
func cos16(a int32) int32 { return sin16(a + quarterT) }

// isqrt returns floor(sqrt(x)) for x < 2^62.
//
// It is on the hot path of several renderers (a distance per pixel), so it
// starts from an 8-bit-accurate estimate out of a small table and needs two
// Newton steps instead of five or six.
func isqrt(x uint64) uint64 {
	if x < 1<<8 {
		return uint64(sqrtSmall[x])
	}
	// Shift x right by an even amount s so that 64 <= top < 256; then
	// sqrt(x) ≈ sqrt(top)·2^(s/2), and sqrtTop[top] = sqrt(top)·16.
	s := uint(bits.Len64(x)-7) &^ 1
	r := uint64(sqrtTop[x>>s]) << (s / 2) >> 4
	r = (r + x/r) >> 1
	r = (r + x/r) >> 1
	for r*r > x {
		r--
	}
	for (r+1)*(r+1) <= x {
		r++
	}
	return r
}

// sqrtSmall[v] = floor(sqrt(v)); sqrtTop[v] = floor(sqrt(v·256)) = sqrt(v)
// in Q4. Both are computed at start-up by exact integer search.
var sqrtSmall, sqrtTop = func() (small [256]uint8, top [256]uint16) {
	for v := range small {
		r := 0
		for (r+1)*(r+1) <= v {
			r++
		}
		small[v] = uint8(r)
		t := 0
		for (t+1)*(t+1) <= v*256 {
			t++
		}
		top[v] = uint16(max(t, 1))
	}
	return
}()

// lerp returns a + (b-a)*t for t in Q16.
func lerp(a, b, t int32) int32 { return a + int32((int64(b-a)*int64(t))>>16) }

// clamp returns v limited to [lo, hi].
func clamp(v, lo, hi int32) int32 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// smooth returns the smoothstep 3t²-2t³ of t in Q16, clamped to [0, one].
func smooth(t int32) int32 {
	if t <= 0 {
		return 0
	}
	if t >= one {
		return one
	}
	t64 := int64(t)
	t2 := t64 * t64 >> 16
	return int32(t2 * (3*one - 2*t64) >> 16)
}

// ratio returns a/b in Q16, computing in 64 bits (a may be a length in
// subpixels, whose product with one overflows 32 bits).
func ratio(a, b int32) int32 { return int32(int64(a) * one / int64(b)) }

// rsqrt2 is 1/√2 in Q16.
const rsqrt2 = 46341

// mulQ multiplies two Q16 values.
func mulQ(a, b int32) int32 { return int32(int64(a) * int64(b) >> 16) }

// abs32 returns |v|.
func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}
