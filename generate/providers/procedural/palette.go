package procedural

// rgb is an sRGB colour with 8-bit channels held in int32 for arithmetic.
type rgb struct{ r, g, b int32 }

func hexRGB(v uint32) rgb { return rgb{int32(v >> 16 & 255), int32(v >> 8 & 255), int32(v & 255)} }

// mix returns a + (b-a)*t for t in Q16.
func mix(a, b rgb, t int32) rgb {
	return rgb{lerp(a.r, b.r, t), lerp(a.g, b.g, t), lerp(a.b, b.b, t)}
}

// scale multiplies every channel by f/256, clamping at 255.
func (c rgb) scale(f int32) rgb {
	return rgb{min(c.r*f>>8, 255), min(c.g*f>>8, 255), min(c.b*f>>8, 255)}
}

// luma is Rec. 709 luma of c, 0..255.
func (c rgb) luma() int32 { return (54*c.r + 183*c.g + 19*c.b) >> 8 }

// A palette is a ramp of main inks, one accent and two pairs of background
// tones. The main inks are ordered so that stepping through them reads as a
// gradient; renderers pick them by index or sample the ramp, and use the
// accent sparingly (a stroke in six, a rare cell, the sun).
type palette struct {
	name   string
	dark   [2]rgb // background in dark mode: top, bottom
	light  [2]rgb // background in light mode: top, bottom
	inks   []rgb
	accent rgb
	// preferDark is the background used when neither a keyword nor the
	// background parameter picks one.
	preferDark bool
}

// palettes lists every palette by name, in the order documented in doc.go.
// Changing a colour here changes output bytes: bump algorithmVersion.
var palettes = []palette{
	{name: "ocean", preferDark: true,
		dark: [2]rgb{hexRGB(0x041523), hexRGB(0x0a2c40)}, light: [2]rgb{hexRGB(0xeaf3f6), hexRGB(0xcfe2ea)},
		inks:   []rgb{hexRGB(0x08415c), hexRGB(0x1a7f9c), hexRGB(0x2bb3b1), hexRGB(0x7fd6c9), hexRGB(0xd6f1ec)},
		accent: hexRGB(0xf4d58d)},
	{name: "ember", preferDark: true,
		dark: [2]rgb{hexRGB(0x120404), hexRGB(0x2a0c07)}, light: [2]rgb{hexRGB(0xfbefe2), hexRGB(0xf3d6bb)},
		inks:   []rgb{hexRGB(0x5c0a0a), hexRGB(0xa4161a), hexRGB(0xe5383b), hexRGB(0xf48c06), hexRGB(0xffba08)},
		accent: hexRGB(0xffe8a3)},
	{name: "forest", preferDark: true,
		dark: [2]rgb{hexRGB(0x06110b), hexRGB(0x112619)}, light: [2]rgb{hexRGB(0xeef4e6), hexRGB(0xd8e7cc)},
		inks:   []rgb{hexRGB(0x1b4332), hexRGB(0x2d6a4f), hexRGB(0x40916c), hexRGB(0x74c69d), hexRGB(0xb7e4c7)},
		accent: hexRGB(0xe9c46a)},
	{name: "neon", preferDark: true,
		dark: [2]rgb{hexRGB(0x07021a), hexRGB(0x170836)}, light: [2]rgb{hexRGB(0xf5f2fb), hexRGB(0xe6e0f6)},
		inks:   []rgb{hexRGB(0x7209b7), hexRGB(0xb5179e), hexRGB(0xf72585), hexRGB(0x4361ee), hexRGB(0x4cc9f0)},
		accent: hexRGB(0xf9f871)},
	{name: "pastel", preferDark: false,
		dark: [2]rgb{hexRGB(0x1e1b2e), hexRGB(0x2d2742)}, light: [2]rgb{hexRGB(0xfcf8f3), hexRGB(0xf3ebe3)},
		inks:   []rgb{hexRGB(0xb5a8ec), hexRGB(0x93bff0), hexRGB(0x8fd8d2), hexRGB(0xa9dca0), hexRGB(0xf0d27a), hexRGB(0xf6b48f)},
		accent: hexRGB(0xf29fb0)},
	{name: "mono", preferDark: false,
		dark: [2]rgb{hexRGB(0x0b0b0b), hexRGB(0x1b1b1b)}, light: [2]rgb{hexRGB(0xf4f1ea), hexRGB(0xe8e3d7)},
		inks:   []rgb{hexRGB(0x111111), hexRGB(0x3b3b3b), hexRGB(0x6b6b6b), hexRGB(0x9e9e9e), hexRGB(0xd0d0d0), hexRGB(0xf6f6f6)},
		accent: hexRGB(0xb23a2e)}, // a vermilion seal
	{name: "desert", preferDark: false,
		dark: [2]rgb{hexRGB(0x1c120b), hexRGB(0x2f2015)}, light: [2]rgb{hexRGB(0xf7ecd6), hexRGB(0xeed7b0)},
		inks:   []rgb{hexRGB(0x8c4a2f), hexRGB(0xc8603f), hexRGB(0xec8f5e), hexRGB(0xf3b27a), hexRGB(0xe9c46a), hexRGB(0xf6dcae)},
		accent: hexRGB(0x2a9d8f)}, // an oasis
	{name: "aurora", preferDark: true,
		dark: [2]rgb{hexRGB(0x020712), hexRGB(0x08182e)}, light: [2]rgb{hexRGB(0xeef6f8), hexRGB(0xdbeaf0)},
		inks:   []rgb{hexRGB(0x05668d), hexRGB(0x00a896), hexRGB(0x02c39a), hexRGB(0x7dffb0), hexRGB(0xc77dff), hexRGB(0x7b2cbf)},
		accent: hexRGB(0xe0fbfc)},
	{name: "regal", preferDark: true,
		dark: [2]rgb{hexRGB(0x0e0519), hexRGB(0x1f0c33)}, light: [2]rgb{hexRGB(0xf7f1e5), hexRGB(0xecdec4)},
		inks:   []rgb{hexRGB(0x2d0a4e), hexRGB(0x5a189a), hexRGB(0x9d4edd), hexRGB(0xc9a227), hexRGB(0xf1d98b)},
		accent: hexRGB(0x800f2f)},
	{name: "rust", preferDark: false,
		dark: [2]rgb{hexRGB(0x190e09), hexRGB(0x2c1a11)}, light: [2]rgb{hexRGB(0xf4ebda), hexRGB(0xe9d8bc)},
		inks:   []rgb{hexRGB(0x4a2511), hexRGB(0x8c3b12), hexRGB(0xbc5a1e), hexRGB(0xd9822b), hexRGB(0xeab05e)},
		accent: hexRGB(0x6b705c)},
	{name: "bloom", preferDark: false,
		dark: [2]rgb{hexRGB(0x1d0911), hexRGB(0x33101f)}, light: [2]rgb{hexRGB(0xfff5f4), hexRGB(0xfce1e3)},
		inks:   []rgb{hexRGB(0x590d22), hexRGB(0xa4133c), hexRGB(0xff4d6d), hexRGB(0xff8fa3), hexRGB(0xffccd5)},
		accent: hexRGB(0x84a98c)}, // a leaf
	{name: "storm", preferDark: true,
		dark: [2]rgb{hexRGB(0x0a1017), hexRGB(0x18222e)}, light: [2]rgb{hexRGB(0xedf0f3), hexRGB(0xd6dce3)},
		inks:   []rgb{hexRGB(0x1b263b), hexRGB(0x415a77), hexRGB(0x778da9), hexRGB(0xb8c4d4), hexRGB(0xe0e1dd)},
		accent: hexRGB(0xf2d06b)}, // lightning
	{name: "citrus", preferDark: false,
		dark: [2]rgb{hexRGB(0x0e1a10), hexRGB(0x1a2a17)}, light: [2]rgb{hexRGB(0xfffbec), hexRGB(0xfcefc7)},
		inks:   []rgb{hexRGB(0xff595e), hexRGB(0xff924c), hexRGB(0xffca3a), hexRGB(0x8ac926), hexRGB(0x1982c4)},
		accent: hexRGB(0x6a4c93)},
	{name: "cosmic", preferDark: true,
		dark: [2]rgb{hexRGB(0x04030d), hexRGB(0x130b2c)}, light: [2]rgb{hexRGB(0xf2eff8), hexRGB(0xe2dcf0)},
		inks:   []rgb{hexRGB(0x2e1760), hexRGB(0x6a2c91), hexRGB(0xb83b8c), hexRGB(0xf0668f), hexRGB(0xffb38a)},
		accent: hexRGB(0x7df9ff)},
}

func paletteByName(name string) *palette {
	for i := range palettes {
		if palettes[i].name == name {
			return &palettes[i]
		}
	}
	return nil
}

// scheme is a palette resolved against a background: the background tones
// and the inks that stand out from it.
type scheme struct {
	bg     [2]rgb
	inks   []rgb // at most maxInks, filtered for contrast with bg
	accent rgb
	dark   bool
}

const maxInks = 8

// newScheme resolves a palette against a background. buf provides the
// storage, so no allocation happens.
//
// When the motif leaves background showing, it keeps the inks whose luma
// differs from the background's by enough to be seen, but never fewer than
// three. When the motif covers the whole canvas (cover), every ink is kept
// and toned a third of the way towards the background: the background then
// sets the picture's key — deep at night, high and airy at dawn.
func newScheme(p *palette, dark, cover bool, buf *[maxInks]rgb) scheme {
	s := scheme{bg: p.light, dark: dark, accent: p.accent}
	if dark {
		s.bg = p.dark
	}
	mid := mix(s.bg[0], s.bg[1], one/2)
	if cover {
		n := copy(buf[:], p.inks)
		for i := range buf[:n] {
			buf[i] = mix(buf[i], mid, one/3)
		}
		s.inks = buf[:n]
		s.accent = mix(s.accent, mid, one/4)
		return s
	}
	bl := mid.luma()
	n := 0
	for _, c := range p.inks {
		if n < maxInks && abs32(c.luma()-bl) >= 28 {
			buf[n] = c
			n++
		}
	}
	if n < 3 {
		// Too few: keep the palette as it is, in its own order.
		n = copy(buf[:], p.inks)
	}
	// A light touch of the background's key on the inks too, so that a
	// dense picture still reads as night or as day.
	for i := range buf[:n] {
		buf[i] = mix(buf[i], mid, one/6)
	}
	s.inks = buf[:n]
	return s
}

// ramp samples the inks as a continuous gradient at t in Q16 [0, one].
func (s *scheme) ramp(t int32) rgb {
	t = clamp(t, 0, one-1)
	pos := int64(t) * int64(len(s.inks)-1) // Q16 position along the inks
	i := int(pos >> 16)
	if i >= len(s.inks)-1 {
		return s.inks[len(s.inks)-1]
	}
	return mix(s.inks[i], s.inks[i+1], int32(pos&(one-1)))
}

// ink returns ink i, wrapping around.
func (s *scheme) ink(i int) rgb {
	i %= len(s.inks)
	if i < 0 {
		i += len(s.inks)
	}
	return s.inks[i]
}

// bgAt returns the background colour at row y of h.
func (s *scheme) bgAt(y, h int) rgb {
	return mix(s.bg[0], s.bg[1], int32(int64(y)*one/int64(max(h-1, 1))))
}
