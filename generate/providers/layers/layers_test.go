package layers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/provenance"
)

var fixtureParams = generate.Params{
	"dir":     "layers",
	"order":   []any{"background", "body", "eyes", "hat"},
	"blend":   map[string]any{"eyes": "multiply", "hat/Cap": "screen", "hat/Crown": "overlay"},
	"opacity": map[string]any{"hat": 0.6, "body/Square": 1},
}

func newFixture(t testing.TB, params generate.Params) (string, generate.Provider) {
	t.Helper()
	dir := writeFixture(t)
	p, err := New(generate.ProviderConfig{Dir: dir, Params: params})
	if err != nil {
		t.Fatal(err)
	}
	return dir, p
}

// item lists traits in spec order (which differs from the draw order on
// purpose: hat is declared first).
func item(bg, body, eyes, hat string) generate.Request {
	return generate.Request{Item: 1, Seed: 7, Traits: []generate.Trait{
		{Type: "hat", Value: hat}, {Type: "background", Value: bg}, {Type: "body", Value: body}, {Type: "eyes", Value: eyes},
	}}
}

func decodeNRGBA(t testing.TB, data []byte) *image.NRGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return toNRGBA(img)
}

func seedOf(trait, value string) int {
	for _, l := range fixture {
		f, _ := ParseName(l.file)
		if l.trait == trait && f.Value == value {
			return l.seed
		}
	}
	return 0
}

func TestCompositeExactPixels(t *testing.T) {
	dir, p := newFixture(t, fixtureParams)
	for _, bg := range []string{"Blue", "Red", "Green"} {
		for _, body := range []string{"Round", "Square"} {
			for _, eyes := range []string{"Open", "Closed"} {
				for _, hat := range []string{"Cap", "Crown", "none"} {
					res, err := p.Generate(context.Background(), item(bg, body, eyes, hat))
					if err != nil {
						t.Fatalf("%s %s %s %s: %v", bg, body, eyes, hat, err)
					}
					got := decodeNRGBA(t, res.Image)
					if got.Rect.Dx() != fw || got.Rect.Dy() != fh {
						t.Fatalf("size %v", got.Rect)
					}
					for y := 0; y < fh; y++ {
						for x := 0; x < fw; x++ {
							// The independent composite: transparent canvas, then
							// each layer through the rational reference.
							want := [4]uint8{}
							want = refOver(want, fixturePixel(seedOf("background", bg), x, y), "normal", 255)
							want = refOver(want, fixturePixel(seedOf("body", body), x, y), "normal", 255)
							want = refOver(want, fixturePixel(seedOf("eyes", eyes), x, y), "multiply", 255)
							switch hat {
							case "Cap":
								want = refOver(want, fixturePixel(seedOf("hat", hat), x, y), "screen", 153)
							case "Crown":
								want = refOver(want, fixturePixel(seedOf("hat", hat), x, y), "overlay", 153)
							}
							o := got.PixOffset(x, y)
							if [4]uint8(got.Pix[o:o+4]) != want {
								t.Fatalf("%s %s %s %s at (%d,%d): %v, want %v", bg, body, eyes, hat, x, y, got.Pix[o:o+4], want)
							}
						}
					}
					// Provenance: every drawn layer's file and its sha256.
					drawn := res.Params["layers"].([]any)
					if len(drawn) != 4 {
						t.Fatalf("layers recorded: %v", drawn)
					}
					for _, d := range drawn {
						m := d.(map[string]any)
						if m["value"] == "none" {
							if m["file"] != "" || m["sha256"] != "" {
								t.Errorf("none recorded with a file: %v", m)
							}
							continue
						}
						data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(m["file"].(string))))
						if err != nil {
							t.Fatal(err)
						}
						sum := sha256.Sum256(data)
						if m["sha256"] != hex.EncodeToString(sum[:]) {
							t.Errorf("%v: sha256 is not the file's", m)
						}
					}
					if res.DigitalSourceType != provenance.SourceCompositeSynthetic || !res.Reproducible || res.Paid {
						t.Errorf("source %q reproducible %v paid %v", res.DigitalSourceType, res.Reproducible, res.Paid)
					}
				}
			}
		}
	}
}

// TestCompositeMatchesVips composites the fixture with `vips composite`
// (libvips' own implementation, in floating point) and checks the pixels
// agree within rounding: libvips truncates where genmint rounds, and keeps
// full precision between layers where genmint stores each step in 8 bits.
// Normal ("over") is compared everywhere. For multiply, screen and overlay
// libvips multiplies a partly transparent layer's alpha in twice (its blend
// term uses the premultiplied colour), which is not the W3C formula, so
// those are compared only where the blended layer is opaque or absent.
func TestCompositeMatchesVips(t *testing.T) {
	vips := testenv.Path(t, testenv.Vips)
	modes := map[string]string{"normal": "2", "multiply": "14", "screen": "15", "overlay": "16"}
	for _, tc := range []struct {
		name  string
		blend map[string]any
		hat   string
	}{
		{"over", map[string]any{}, "Cap"},
		{"blend modes", map[string]any{"eyes": "multiply", "hat/Cap": "screen", "hat/Crown": "overlay"}, "Cap"},
		{"blend modes", map[string]any{"eyes": "multiply", "hat/Cap": "screen", "hat/Crown": "overlay"}, "Crown"},
	} {
		params := generate.Params{"order": []any{"background", "body", "eyes", "hat"}, "blend": tc.blend}
		dir, p := newFixture(t, params)
		res, err := p.Generate(context.Background(), item("Red", "Round", "Closed", tc.hat))
		if err != nil {
			t.Fatal(err)
		}
		got := decodeNRGBA(t, res.Image)
		var files, ms []string
		var blended []int // seeds of layers drawn in a mode other than normal
		for _, d := range res.Params["layers"].([]any) {
			m := d.(map[string]any)
			files = append(files, filepath.Join(dir, filepath.FromSlash(m["file"].(string))))
			ms = append(ms, modes[m["blend"].(string)])
			if m["blend"] != "normal" {
				blended = append(blended, seedOf(m["trait"].(string), m["value"].(string)))
			}
		}
		out := filepath.Join(t.TempDir(), "vips.png")
		// vips composite takes N images and N-1 modes (each over what is below).
		cmd := exec.Command(vips, "composite", strings.Join(files, " "), out, strings.Join(ms[1:], " "))
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("vips composite: %v\n%s", err, b)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		want := decodeNRGBA(t, data)
		compared := 0
		for y := 0; y < fh; y++ {
		pixels:
			for x := 0; x < fw; x++ {
				for _, seed := range blended {
					if a := fixturePixel(seed, x, y)[3]; a != 0 && a != 255 {
						continue pixels
					}
				}
				compared++
				o := got.PixOffset(x, y)
				for c := 0; c < 4; c++ {
					if d := int(got.Pix[o+c]) - int(want.Pix[o+c]); d < -2 || d > 2 {
						t.Fatalf("%s, hat %s, at (%d,%d) channel %d: genmint %d, vips %d", tc.name, tc.hat, x, y, c, got.Pix[o+c], want.Pix[o+c])
					}
				}
			}
		}
		if compared < fw*fh/4 {
			t.Fatalf("%s: only %d pixels compared (blended %v)", tc.name, compared, blended)
		}
	}
}

func TestDeterministic(t *testing.T) {
	dir := writeFixture(t)
	var first [][]byte
	for run := 0; run < 2; run++ {
		p, err := New(generate.ProviderConfig{Dir: dir, Params: fixtureParams})
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		got := make([][]byte, 12)
		var wg sync.WaitGroup
		for i := range got {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				hats := []string{"Cap", "Crown", "none"}
				res, err := p.Generate(context.Background(), item("Blue", "Square", "Open", hats[i%3]))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got[i] = res.Image
				mu.Unlock()
			}(i)
		}
		wg.Wait()
		for i := 3; i < len(got); i++ {
			if !bytes.Equal(got[i], got[i%3]) {
				t.Fatalf("run %d: item %d differs from the same layers drawn concurrently", run, i)
			}
		}
		if first == nil {
			first = got
		} else if !bytes.Equal(first[0], got[0]) || !bytes.Equal(first[1], got[1]) {
			t.Fatal("a second provider over the same folder gave different bytes")
		}
	}
	// The bytes are pinned: integer arithmetic and a fixed PNG encoder give
	// the same file on every architecture.
	sum := sha256.Sum256(first[0])
	if got := hex.EncodeToString(sum[:]); got != pinnedCap {
		t.Errorf("Blue/Square/Open/Cap sha256 = %s, pinned %s (bump algorithmVersion if the change is meant)", got, pinnedCap)
	}
}

const pinnedCap = "83846fe71ecfc75df559b31602e8fc7caef94a518f55cd64835af06c8c5c6553"

func TestErrors(t *testing.T) {
	dir := writeFixture(t)
	for _, tc := range []struct {
		params generate.Params
		want   string
	}{
		{generate.Params{"dirr": "x"}, "provider.params.dirr: unknown parameter"},
		{generate.Params{"dir": "../elsewhere"}, "outside the collection"},
		{generate.Params{"dir": "/abs"}, "outside the collection"},
		{generate.Params{"order": "background"}, "provider.params.order: expected a list"},
		{generate.Params{"order": []any{"a", "a"}}, `"a" is listed twice`},
		{generate.Params{"blend": map[string]any{"eyes": "dodge"}}, "provider.params.blend.eyes: unknown blend mode dodge"},
		{generate.Params{"opacity": map[string]any{"eyes": 1.5}}, "provider.params.opacity.eyes: 1.5 is not between 0 and 1"},
		{generate.Params{"base": map[string]any{"model": "x"}}, "provider.params.base.name: missing"},
	} {
		_, err := New(generate.ProviderConfig{Dir: dir, Params: tc.params})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.params, err, tc.want)
		}
	}
	if _, err := New(generate.ProviderConfig{Dir: dir, Model: "sdxl"}); err == nil || !strings.Contains(err.Error(), "provider.model") {
		t.Errorf("model: %v", err)
	}

	_, p := newFixture(t, fixtureParams)
	_, err := p.Generate(context.Background(), item("Purple", "Round", "Open", "Cap"))
	if err == nil || !strings.Contains(err.Error(), filepath.Join("layers", "background", "Purple.png")) {
		t.Errorf("missing value: %v", err)
	}
	_, err = p.Generate(context.Background(), generate.Request{Item: 1, Traits: []generate.Trait{{Type: "background", Value: "Blue"}}})
	if err == nil || !strings.Contains(err.Error(), `order names trait "body"`) {
		t.Errorf("missing trait: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Generate(ctx, item("Blue", "Round", "Open", "Cap")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	// A layer of another size is refused, naming both files.
	dir2, p2 := newFixture(t, fixtureParams)
	writePNG(t, filepath.Join(dir2, "layers", "eyes", "Open#70.png"), image.NewNRGBA(image.Rect(0, 0, fw+1, fh)))
	_, err = p2.Generate(context.Background(), item("Blue", "Round", "Open", "Cap"))
	if err == nil || !strings.Contains(err.Error(), "layers/eyes/Open#70.png is 17x16 but layers/background/Blue#60.png is 16x16") {
		t.Errorf("sizes: %v", err)
	}
	// Not a PNG.
	if err := os.WriteFile(filepath.Join(dir2, "layers", "body", "Square#50.png"), []byte("GIF89a"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = p2.Generate(context.Background(), item("Red", "Square", "Closed", "Cap"))
	if err == nil || !strings.Contains(err.Error(), "Square#50.png") {
		t.Errorf("corrupt: %v", err)
	}
}

func TestParseName(t *testing.T) {
	for name, want := range map[string]File{
		"Blue Sky#20.png": {Value: "Blue Sky", Weight: 20, Name: "Blue Sky#20.png"},
		"Blue.png":        {Value: "Blue", Name: "Blue.png"},
		"a#b.png":         {Value: "a#b", Name: "a#b.png"},
		"none#0.png":      {Value: "none#0", Name: "none#0.png"},
		"Gold#5.PNG":      {Value: "Gold", Weight: 5, Name: "Gold#5.PNG"},
	} {
		got, ok := ParseName(name)
		if !ok || got != want {
			t.Errorf("ParseName(%q) = %+v, %v; want %+v", name, got, ok, want)
		}
	}
	if _, ok := ParseName("notes.txt"); ok {
		t.Error("a text file is not a layer")
	}
	dir := writeFixture(t)
	traits, err := ReadFolder(filepath.Join(dir, "layers"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tr := range traits {
		for _, f := range tr.Files {
			got = append(got, fmt.Sprintf("%s/%s=%d", tr.Name, f.Value, f.Weight))
		}
	}
	want := "background/Blue=60 background/Green=10 background/Red=30 body/Round=50 body/Square=50 eyes/Closed=30 eyes/Open=70 hat/Cap=20 hat/Crown=5"
	if strings.Join(got, " ") != want {
		t.Errorf("ReadFolder = %s\nwant %s", strings.Join(got, " "), want)
	}
	if err := os.WriteFile(filepath.Join(dir, "layers", "hat", "Cap.png"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFolder(filepath.Join(dir, "layers")); err == nil || !strings.Contains(err.Error(), "Cap#20.png and Cap.png") {
		t.Errorf("duplicate value: %v", err)
	}
}

func TestCheck(t *testing.T) {
	dir := writeFixture(t)
	traits := []SpecTrait{
		{Name: "background", Values: []string{"Blue", "Red", "Green"}, Weights: []int{60, 30, 1}},
		{Name: "body", Values: []string{"Round", "Square"}, Weights: []int{50, 50}},
		{Name: "eyes", Values: []string{"Open", "Closed"}, Weights: []int{70, 30}},
		{Name: "hat", Values: []string{"Cap", "none", "Top"}, Weights: []int{20, 5, 1}},
	}
	writePNG(t, filepath.Join(dir, "layers", "eyes", "Closed#30.png"), image.NewNRGBA(image.Rect(0, 0, fw, fh+3)))
	var got []string
	for _, f := range Check(generate.ProviderConfig{Dir: dir, Params: fixtureParams}, traits) {
		got = append(got, fmt.Sprintf("%v %s: %s", f.Warning, f.Path, f.Message))
	}
	want := []string{
		`true traits.background.Green: the spec weighs "Green" 1 but its file layers/background/Green#10.png says 10; the spec's weight is used`,
		`false traits.eyes.Closed: layers differ in size: layers/eyes/Closed#30.png is 16x19 but layers/background/Blue#60.png is 16x16`,
		`false traits.hat.Top: no layer file for hat "Top"`,
		`true traits.hat: layers/hat/Crown#5.png is never drawn: no value of hat is "Crown"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Check:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The layer cache keeps to its budget (so memory does not grow with a
// large layers folder) and still serves every layer correctly.
func TestCacheBudget(t *testing.T) {
	dir := writeFixture(t)
	layer := fw * fh * 4
	c := newCache(2 * layer)
	var wg sync.WaitGroup
	for round := 0; round < 3; round++ {
		for _, l := range fixture {
			wg.Add(1)
			go func(l fixtureLayer) {
				defer wg.Done()
				img, sum, err := c.get(filepath.Join(dir, "layers", l.trait, l.file), l.file)
				if err != nil {
					t.Error(err)
					return
				}
				want := fixtureImage(l.seed)
				if !bytes.Equal(img.Pix, want.Pix) || len(sum) != 64 {
					t.Errorf("%s: wrong pixels or sum", l.file)
				}
			}(l)
		}
		wg.Wait()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size > 2*layer || len(c.entries) > 2 || len(c.fifo) != len(c.entries) {
		t.Errorf("cache holds %d bytes in %d entries (%d queued), budget %d", c.size, len(c.entries), len(c.fifo), 2*layer)
	}
}
