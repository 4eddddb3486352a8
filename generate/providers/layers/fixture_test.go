package layers

import (
	"bytes"
	"image"
	"image/png"
	"math/big"
	"os"
	"path/filepath"
	"testing"
)

// The fixture is a HashLips-style layers folder made by the test: small
// layers whose every pixel has a known colour and alpha (0, 255 and values
// between), with weights in the file names.
const fw, fh = 16, 16

type fixtureLayer struct {
	trait, file string
	seed        int
}

var fixture = []fixtureLayer{
	{"background", "Blue#60.png", 1},
	{"background", "Red#30.png", 2},
	{"background", "Green#10.png", 3},
	{"body", "Round#50.png", 4},
	{"body", "Square#50.png", 5},
	{"eyes", "Open#70.png", 6},
	{"eyes", "Closed#30.png", 7},
	{"hat", "Cap#20.png", 8},
	{"hat", "Crown#5.png", 9},
}

// fixturePixel is layer seed's pixel at (x, y): background layers are
// opaque, the others run through transparent, opaque and partial alpha.
func fixturePixel(seed, x, y int) [4]uint8 {
	z := uint64(seed)<<32 | uint64(x)<<16 | uint64(y) // splitmix64
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	h := uint32(z ^ z>>31)
	c := [4]uint8{uint8(h), uint8(h >> 8), uint8(h >> 16), 255}
	if seed > 3 {
		switch (h >> 24) % 3 {
		case 0:
			c[3] = 0
		case 1:
			c[3] = 255
		default:
			c[3] = uint8(h>>11) | 1
		}
	}
	return c
}

func fixtureImage(seed int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, fw, fh))
	for y := 0; y < fh; y++ {
		for x := 0; x < fw; x++ {
			c := fixturePixel(seed, x, y)
			copy(img.Pix[img.PixOffset(x, y):], c[:])
		}
	}
	return img
}

// writeFixture makes dir/layers/<trait>/<file> and returns dir.
func writeFixture(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, l := range fixture {
		writePNG(t, filepath.Join(dir, "layers", l.trait, l.file), fixtureImage(l.seed))
	}
	return dir
}

func writePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// refOver is the independent reference: the W3C formulas in exact rational
// arithmetic (math/big), each result rounded half up to k/255 — no shared
// code with Over.
func refOver(dst, src [4]uint8, mode string, op uint8) [4]uint8 {
	r := func(n uint8) *big.Rat { return big.NewRat(int64(n), 255) }
	one := big.NewRat(1, 1)
	half := big.NewRat(1, 2)
	sub := func(a, b *big.Rat) *big.Rat { return new(big.Rat).Sub(a, b) }
	mul := func(a, b *big.Rat) *big.Rat { return new(big.Rat).Mul(a, b) }
	add := func(a, b *big.Rat) *big.Rat { return new(big.Rat).Add(a, b) }
	round := func(x *big.Rat) uint8 {
		y := add(mul(x, big.NewRat(255, 1)), half)
		q := new(big.Int).Quo(y.Num(), y.Denom())
		return uint8(q.Int64())
	}
	as := mul(r(src[3]), r(op))
	ab := r(dst[3])
	ao := add(as, mul(ab, sub(one, as)))
	if ao.Sign() == 0 {
		return [4]uint8{}
	}
	var out [4]uint8
	for c := 0; c < 3; c++ {
		cs, cb := r(src[c]), r(dst[c])
		var b *big.Rat
		switch mode {
		case "normal":
			b = cs
		case "multiply":
			b = mul(cb, cs)
		case "screen":
			b = sub(add(cb, cs), mul(cb, cs))
		case "overlay":
			if cb.Cmp(half) <= 0 {
				b = mul(cs, mul(big.NewRat(2, 1), cb))
			} else {
				d := sub(mul(big.NewRat(2, 1), cb), one)
				b = sub(add(cs, d), mul(cs, d))
			}
		}
		mixed := add(mul(sub(one, ab), cs), mul(ab, b))
		co := add(mul(as, mixed), mul(mul(sub(one, as), ab), cb))
		out[c] = round(new(big.Rat).Quo(co, ao))
	}
	out[3] = round(ao)
	return out
}

func TestOverMatchesReference(t *testing.T) {
	// Every blend mode and several opacities over every pixel pairing of
	// two fixture layers, plus edge values.
	edges := []uint8{0, 1, 127, 128, 254, 255}
	for mode := Normal; mode <= Overlay; mode++ {
		for _, op := range []uint8{255, 153, 1, 0} {
			var pairs [][2][4]uint8
			for _, a := range edges {
				for _, b := range edges {
					pairs = append(pairs, [2][4]uint8{{a, b, 255 - a, b}, {b, a, a, 255 - b}})
				}
			}
			for x := 0; x < fw; x++ {
				for y := 0; y < fh; y++ {
					pairs = append(pairs, [2][4]uint8{fixturePixel(5, x, y), fixturePixel(6, x, y)})
					pairs = append(pairs, [2][4]uint8{fixturePixel(2, x, y), fixturePixel(9, x, y)})
				}
			}
			for _, p := range pairs {
				dst := image.NewNRGBA(image.Rect(0, 0, 1, 1))
				src := image.NewNRGBA(image.Rect(0, 0, 1, 1))
				copy(dst.Pix, p[0][:])
				copy(src.Pix, p[1][:])
				if err := Over(dst, src, mode, op); err != nil {
					t.Fatal(err)
				}
				want := refOver(p[0], p[1], mode.String(), op)
				if [4]uint8(dst.Pix) != want {
					t.Fatalf("%s, opacity %d: %v over %v = %v, want %v", mode, op, p[1], p[0], dst.Pix, want)
				}
			}
		}
	}
}
