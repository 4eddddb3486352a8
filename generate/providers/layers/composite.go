package layers

import (
	"fmt"
	"image"
	"strings"
)

// Blend is a layer's blend mode: how its colour combines with what is
// already drawn below it, before the result is laid over that backdrop.
type Blend uint8

// The blend modes, as the W3C Compositing and Blending Level 1 spec defines
// them (the same as HashLips' canvas globalCompositeOperation names).
const (
	Normal Blend = iota
	Multiply
	Screen
	Overlay
)

var blendNames = []string{"normal", "multiply", "screen", "overlay"}

func (b Blend) String() string { return blendNames[b] }

// ParseBlend reads a blend mode name; case does not matter.
func ParseBlend(s string) (Blend, bool) {
	for i, n := range blendNames {
		if strings.EqualFold(s, n) {
			return Blend(i), true
		}
	}
	return 0, false
}

// Over draws src over dst in place (both straight-alpha 8-bit NRGBA of the
// same size), with blend mode mode and opacity op (0–255; 255 is opaque).
//
// The arithmetic is exact: with every channel read as k/255, for each pixel
//
//	as = As·op/255                           (the layer's effective alpha)
//	B  = blend(cb, cs)                       (normal: cs; multiply: cb·cs;
//	                                          screen: cb+cs−cb·cs;
//	                                          overlay: multiply(cs, 2cb) when cb ≤ ½,
//	                                          else screen(cs, 2cb−1))
//	cs' = (1−ab)·cs + ab·B                   (W3C: the blend applies where the backdrop is)
//	ao = as + ab·(1−as)                      (source-over)
//	co = as·cs' + ab·(1−as)·cb
//	C  = co / ao
//
// computed as integer fractions (at most 255⁶, well inside uint64), and C
// and ao are rounded once, to the nearest k/255 with halves rounding up. A
// pixel whose ao is 0 becomes transparent black. No floating point is used,
// so the bytes are the same on every architecture.
func Over(dst, src *image.NRGBA, mode Blend, op uint8) error {
	if dst.Rect.Size() != src.Rect.Size() {
		return fmt.Errorf("layers: a %dx%d layer over a %dx%d canvas", src.Rect.Dx(), src.Rect.Dy(), dst.Rect.Dx(), dst.Rect.Dy())
	}
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	o := uint64(op)
	for y := 0; y < h; y++ {
		do := dst.PixOffset(dst.Rect.Min.X, dst.Rect.Min.Y+y)
		so := src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+y)
		d, s := dst.Pix[do:do+4*w], src.Pix[so:so+4*w]
		for i := 0; i < len(d); i += 4 {
			sa := s[i+3]
			if sa == 0 || op == 0 { // nothing drawn: the backdrop stays exactly
				if d[i+3] == 0 {
					d[i], d[i+1], d[i+2] = 0, 0, 0
				}
				continue
			}
			if mode == Normal && sa == 255 && op == 255 {
				copy(d[i:i+4], s[i:i+4])
				continue
			}
			px(d[i:i+4:i+4], s[i:i+4:i+4], mode, o)
		}
	}
	return nil
}

const (
	k1 = 255
	k2 = 255 * 255
	k3 = 255 * 255 * 255
)

// px composites one pixel; see Over for the formula and the scales.
func px(d, s []byte, mode Blend, o uint64) {
	ab := uint64(d[3])
	as := uint64(s[3]) * o   // scale 255²
	ao := as*k1 + ab*(k2-as) // scale 255³
	if ao == 0 {
		d[0], d[1], d[2], d[3] = 0, 0, 0, 0
		return
	}
	for c := 0; c < 3; c++ {
		cs, cb := uint64(s[c]), uint64(d[c])
		var b uint64 // scale 255²
		switch mode {
		case Normal:
			b = cs * k1
		case Multiply:
			b = cb * cs
		case Screen:
			b = (cb+cs)*k1 - cb*cs
		case Overlay: // hard-light with the layers swapped
			if 2*cb <= k1 {
				b = 2 * cb * cs
			} else {
				b = (cs+2*cb-k1)*k1 - cs*(2*cb-k1)
			}
		}
		mixed := (k1-ab)*cs*k1 + ab*b               // scale 255³
		co := as*mixed*k1 + (k2-as)*ab*cb*k2        // scale 255⁶
		d[c] = byte((2*co + ao*k2) / (2 * ao * k2)) // round(co / ao), scale 255
	}
	d[3] = byte((2*ao + k2) / (2 * k2)) // round(ao), scale 255
}
