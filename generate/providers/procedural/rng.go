package procedural

import "math/bits"

// rng is splitmix64 (Steele, Lea & Flood 2014): a tiny generator whose
// output is defined entirely by 64-bit integer arithmetic, so a seed gives
// the same sequence on every platform and every Go version. math/rand's
// algorithms are not part of its compatibility promise, so they are not used.
type rng struct{ s uint64 }

// stream returns a generator for one independent decision of an image
// (palette, motif, layout, …). Each decision draws from its own stream, so
// overriding one choice (say, the palette) leaves the others unchanged.
func stream(seed uint32, name uint64) rng {
	r := rng{s: name}
	r.s = r.u64() ^ uint64(seed) // mix the name before the seed, so …
	r.s = r.u64()                // … nearby seeds give unrelated streams
	return r
}

func (r *rng) u64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// intn returns a uniform int in [0, n) for n > 0 (Lemire's multiply-high
// reduction; its bias is below 2^-32 for the small n used here).
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.u64(), uint64(n))
	return int(hi)
}

// between returns a uniform int32 in [lo, hi].
func (r *rng) between(lo, hi int32) int32 {
	return lo + int32(r.intn(int(hi-lo)+1))
}

// unit returns a uniform Q16 fraction in [0, one).
func (r *rng) unit() int32 { return int32(r.u64() >> 48) }

// chance reports true with probability pct/100.
func (r *rng) chance(pct int) bool { return r.intn(100) < pct }

// hash32 mixes three integers into 32 well-scrambled bits ("lowbias32" by
// Chris Wellons). Lattice noise, jittered cells and tile orientations are
// all addressed by hash rather than by drawing from a generator, so any
// pixel can be computed without computing its neighbours first.
func hash32(x, y int32, seed uint32) uint32 {
	h := uint32(x)*0x8da6b343 ^ uint32(y)*0xd8163841 ^ seed*0xcb1ab31f
	h ^= h >> 16
	h *= 0x7feb352d
	h ^= h >> 15
	h *= 0x846ca68b
	h ^= h >> 16
	return h
}

// strhash hashes a string (FNV-1a, 64-bit).
func strhash(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}
