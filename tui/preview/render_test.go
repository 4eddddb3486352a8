package preview

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/sixel"

	"github.com/genmint/genmint/curate/curatetest"
	"github.com/genmint/genmint/internal/golden"
)

// noise is a deterministic image that compresses badly, so the kitty payload
// needs several chunks.
func noise(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	x := uint32(2463534242)
	for i := 0; i < len(img.Pix); i += 4 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = byte(x), byte(x>>8), byte(x>>16), 0xff
	}
	return img
}

func TestBlocksExact(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	img.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 255})
	img.SetNRGBA(1, 0, color.NRGBA{0, 255, 0, 255})
	img.SetNRGBA(0, 1, color.NRGBA{0, 0, 255, 255})
	img.SetNRGBA(1, 1, color.NRGBA{255, 255, 255, 255})
	r, _ := NewRenderer(Blocks, CellSize{})
	f, err := r.Render(img, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := "\x1b[38;2;255;0;0m\x1b[48;2;0;0;255m▀\x1b[38;2;0;255;0m\x1b[48;2;255;255;255m▀\x1b[0m"
	if f.Cols != 2 || f.Rows != 1 || len(f.Lines) != 1 || f.Lines[0] != want {
		t.Fatalf("2×2 image in 2×1 cells: %+q (cols %d rows %d), want %q", f.Lines, f.Cols, f.Rows, want)
	}

	// Transparency: top only → ▀, bottom only → ▄, neither → space; and a
	// repeated colour is not re-sent.
	img = image.NewNRGBA(image.Rect(0, 0, 4, 2))
	red := color.NRGBA{200, 10, 10, 255}
	img.SetNRGBA(0, 0, red)
	img.SetNRGBA(1, 1, red)
	img.SetNRGBA(3, 0, red)
	img.SetNRGBA(3, 1, red)
	f, _ = r.Render(img, 4, 1)
	want = "\x1b[38;2;200;10;10m▀▄ \x1b[48;2;200;10;10m▀\x1b[0m"
	if f.Lines[0] != want {
		t.Errorf("transparent pixels: %q, want %q", f.Lines[0], want)
	}
}

func TestBlocksGolden(t *testing.T) {
	r, _ := NewRenderer(Blocks, CellSize{})
	var out strings.Builder
	for _, box := range [][2]int{{24, 12}, {40, 8}, {10, 20}} {
		f, err := r.Render(curatetest.Image(0, 48), box[0], box[1])
		if err != nil {
			t.Fatal(err)
		}
		if f.Cols > box[0] || f.Rows > box[1] || len(f.Lines) != f.Rows {
			t.Errorf("box %v: frame %d×%d with %d lines", box, f.Cols, f.Rows, len(f.Lines))
		}
		for _, l := range f.Lines {
			if w := ansi.StringWidth(l); w != f.Cols {
				t.Errorf("box %v: line is %d cells wide, want %d", box, w, f.Cols)
			}
		}
		fmt.Fprintf(&out, "box %dx%d → %dx%d\n%s\n", box[0], box[1], f.Cols, f.Rows, strings.Join(f.Lines, "\n"))
	}
	golden.Check(t, filepath.Join("testdata", "blocks.golden"), []byte(out.String()))
}

var apcRE = regexp.MustCompile(`\x1b_G([^;\x1b]*)(?:;([^\x1b]*))?\x1b\\`)

func kv(s string) map[string]string {
	m := map[string]string{}
	for _, p := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(p, "=")
		m[k] = v
	}
	return m
}

func TestKittySequence(t *testing.T) {
	r, _ := NewRenderer(Kitty, CellSize{W: 10, H: 20})
	src := noise(300, 200)
	f, err := r.Render(src, 40, 20)
	if err != nil {
		t.Fatal(err)
	}
	// 300×200 in 400×400 px → 400×266 px → 40×14 cells.
	if f.Cols != 40 || f.Rows != 14 {
		t.Errorf("kitty frame covers %d×%d cells, want 40×14", f.Cols, f.Rows)
	}
	if rest := apcRE.ReplaceAllString(f.Seq, ""); rest != "" {
		t.Fatalf("kitty output has bytes outside APC G sequences: %q", rest[:min(len(rest), 80)])
	}
	seqs := apcRE.FindAllStringSubmatch(f.Seq, -1)
	if len(seqs) < 3 {
		t.Fatalf("kitty output has %d sequences, want a delete and several chunks", len(seqs))
	}
	del := kv(seqs[0][1])
	if del["a"] != "d" || del["d"] != "I" || del["i"] != strconv.Itoa(KittyImageID) || del["q"] != "2" {
		t.Errorf("first sequence should delete the previous preview: %q", seqs[0][1])
	}
	first := kv(seqs[1][1])
	for k, v := range map[string]string{"a": "T", "f": "100", "q": "2", "i": strconv.Itoa(KittyImageID), "p": "1",
		"c": "40", "r": "14", "C": "1", "m": "1"} {
		if first[k] != v {
			t.Errorf("first chunk: %s=%q, want %q (keys %q)", k, first[k], v, seqs[1][1])
		}
	}
	if _, ok := first["t"]; ok && first["t"] != "d" {
		t.Errorf("transmission %q, want direct", first["t"])
	}
	var payload strings.Builder
	for i, s := range seqs[1:] {
		keys := kv(s[1])
		last := i == len(seqs)-2
		wantM := "1"
		if last {
			wantM = "0"
		}
		if keys["m"] != wantM {
			t.Errorf("chunk %d: m=%q, want %s", i, keys["m"], wantM)
		}
		if i > 0 && (keys["a"] != "" || keys["c"] != "") {
			t.Errorf("chunk %d repeats the first chunk's keys: %q", i, s[1])
		}
		if len(s[2]) == 0 || len(s[2]) > 4096 {
			t.Errorf("chunk %d payload is %d bytes, want 1…4096", i, len(s[2]))
		}
		if !last && len(s[2])%4 != 0 {
			t.Errorf("chunk %d payload is %d bytes, not a multiple of 4", i, len(s[2]))
		}
		payload.WriteString(s[2])
	}
	raw, err := base64.StdEncoding.DecodeString(payload.String())
	if err != nil {
		t.Fatalf("kitty payload is not base64: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("kitty payload is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 400 || b.Dy() != 266 {
		t.Errorf("kitty image is %v, want 400×266", b)
	}
}

var itermRE = regexp.MustCompile(`^\x1b\]1337;File=([^:\x07]*):([A-Za-z0-9+/=]+)\x07$`)

func TestITermSequence(t *testing.T) {
	r, _ := NewRenderer(ITerm, CellSize{W: 8, H: 16})
	f, err := r.Render(curatetest.Image(1, 64), 30, 10)
	if err != nil {
		t.Fatal(err)
	}
	m := itermRE.FindStringSubmatch(f.Seq)
	if m == nil {
		t.Fatalf("not an iTerm2 inline image sequence: %q…", f.Seq[:min(len(f.Seq), 60)])
	}
	args := map[string]string{}
	for _, p := range strings.Split(m[1], ";") {
		k, v, _ := strings.Cut(p, "=")
		args[k] = v
	}
	raw, err := base64.StdEncoding.DecodeString(m[2])
	if err != nil {
		t.Fatal(err)
	}
	// A square image in 30×10 cells of 8×16 px: 160×160 px = 20×10 cells.
	for k, v := range map[string]string{"inline": "1", "width": "20", "height": "10", "size": strconv.Itoa(len(raw))} {
		if args[k] != v {
			t.Errorf("iTerm2 %s=%q, want %q (args %q)", k, args[k], v, m[1])
		}
	}
	if f.Cols != 20 || f.Rows != 10 {
		t.Errorf("frame %d×%d, want 20×10", f.Cols, f.Rows)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() != 160 || img.Bounds().Dy() != 160 {
		t.Errorf("iTerm2 payload: %v, %v", img.Bounds(), err)
	}
}

var sixelRE = regexp.MustCompile(`^\x1bP0;1q("1;1;(\d+);(\d+))((?:#\d+;2;\d+;\d+;\d+)+)([^\x1b]*)\x1b\\$`)
var paletteRE = regexp.MustCompile(`#(\d+);2;(\d+);(\d+);(\d+)`)

func TestSixelSequence(t *testing.T) {
	cell := CellSize{W: 9, H: 18}
	r, _ := NewRenderer(Sixel, cell)
	src := curatetest.Image(2, 48)
	f, err := r.Render(src, 20, 7)
	if err != nil {
		t.Fatal(err)
	}
	m := sixelRE.FindStringSubmatch(f.Seq)
	if m == nil {
		t.Fatalf("not a sixel sequence with raster and palette: %q…", f.Seq[:min(len(f.Seq), 80)])
	}
	w, _ := strconv.Atoi(m[2])
	h, _ := strconv.Atoi(m[3])
	// 7 rows × 18 px = 126 px high, a multiple of 6.
	if h%6 != 0 || h > 7*cell.H || w > 20*cell.W || w != h {
		t.Errorf("sixel raster %d×%d: want a square, height a multiple of 6, within 180×126", w, h)
	}
	pal := paletteRE.FindAllStringSubmatch(m[4], -1)
	if len(pal) < 3 || len(pal) > 256 {
		t.Errorf("palette has %d colours", len(pal))
	}
	for _, p := range pal {
		for _, c := range p[2:] {
			if v, _ := strconv.Atoi(c); v > 100 {
				t.Errorf("palette entry %q: components are percentages", p[0])
			}
		}
	}
	if !strings.ContainsAny(m[5], "$-") {
		t.Errorf("sixel data has no band or carriage-return controls")
	}
	if f.Rows > 7 || f.Cols > 20 || f.Rows*cell.H < h {
		t.Errorf("frame %d×%d cells does not cover %d px", f.Cols, f.Rows, h)
	}
	// Decode it back: the centre square of the test image is near-white, its
	// corner is the gradient's first colour.
	img, err := (&sixel.Decoder{}).Decode(strings.NewReader(f.Seq[len("\x1bP0;1q") : len(f.Seq)-2]))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("decoded sixel %v, raster says %d×%d", b, w, h)
	}
	near := func(a, b color.Color) bool {
		r1, g1, b1, _ := a.RGBA()
		r2, g2, b2, _ := b.RGBA()
		d := func(x, y uint32) int { return int(x>>8) - int(y>>8) }
		return abs(d(r1, r2)) < 24 && abs(d(g1, g2)) < 24 && abs(d(b1, b2)) < 24
	}
	if c := img.At(w/2, h/2); !near(c, src.At(24, 24)) {
		t.Errorf("centre pixel %v, want near %v", c, src.At(24, 24))
	}
	if c := img.At(1, 1); !near(c, src.At(0, 0)) {
		t.Errorf("corner pixel %v, want near %v", c, src.At(0, 0))
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Every protocol keeps the frame inside its box, whatever the shapes.
func TestFramesFitTheirBox(t *testing.T) {
	imgs := []image.Image{curatetest.Image(0, 48), noise(300, 40), noise(20, 300)}
	for _, p := range []Protocol{Blocks, Kitty, ITerm, Sixel} {
		r, _ := NewRenderer(p, CellSize{})
		for _, img := range imgs {
			for _, box := range [][2]int{{1, 1}, {3, 2}, {40, 12}, {80, 3}, {5, 30}} {
				f, err := r.Render(img, box[0], box[1])
				if err != nil {
					t.Fatal(err)
				}
				if f.Cols < 1 || f.Rows < 1 || f.Cols > box[0] || f.Rows > box[1] {
					t.Errorf("%s: %v in box %v → %d×%d cells", p, img.Bounds().Size(), box, f.Cols, f.Rows)
				}
			}
		}
	}
}

func TestDrawAt(t *testing.T) {
	f := Frame{Seq: "IMG"}
	if got, want := f.DrawAt(9, 30), "\x1b7\x1b[10;31HIMG\x1b8"; got != want {
		t.Errorf("DrawAt = %q, want %q", got, want)
	}
	if got, want := f.DrawAt(0, 0), "\x1b7\x1b[1;1HIMG\x1b8"; got != want {
		t.Errorf("DrawAt(0,0) = %q, want %q", got, want)
	}
	if (Frame{}).DrawAt(3, 3) != "" {
		t.Error("an empty frame drew something")
	}
	if ClearSeq(Kitty) == "" || ClearSeq(Sixel) != "" || ClearSeq(Blocks) != "" {
		t.Error("ClearSeq: only kitty needs clearing")
	}
}
