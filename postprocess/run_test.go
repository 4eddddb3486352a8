package postprocess

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/genmint/genmint/internal/golden"
)

// chainSpec is a realistic postprocess list, every op at least once, as
// yaml.v3 would hand it over.
var chainSpec = []struct {
	op string
	v  any
}{
	{"resize", m{"width": 768, "height": 768, "filter": "lanczos"}},
	{"fill", m{"width": 512, "height": 512, "anchor": "center"}},
	{"crop", m{"width": 500, "height": 500, "anchor": "top-left"}},
	{"fit", m{"width": 500, "height": 500, "filter": "catmull-rom"}},
	{"sharpen", 0.8},
	{"blur", 0.4},
	{"contrast", 10},
	{"saturation", 15},
	{"brightness", -3},
	{"gamma", 1.1},
	{"border", m{"width": 8, "color": "#111111"}},
	{"watermark", m{"text": "genmint", "size": 18, "color": "#ffffffaa", "anchor": "bottom-right", "margin": 12}},
	{"watermark", m{"image": "assets/logo.png", "anchor": "bottom-left", "opacity": 0.5, "scale": 0.15, "margin": 12}},
}

// chain parses chainSpec with its logo in dir.
func chain(t testing.TB, dir string) []Step {
	t.Helper()
	writeLogo(t, dir, "assets/logo.png", 40, 20, true)
	steps := make([]Step, len(chainSpec))
	for i, e := range chainSpec {
		steps[i] = mustParse(t, e.op, e.v, dir)
	}
	return steps
}

func runEncode(t testing.TB, src image.Image, steps []Step, out Output) []byte {
	t.Helper()
	img, err := Run(src, steps)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, img, out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRunChain(t *testing.T) {
	steps := chain(t, t.TempDir())
	src := photo(1024, 1024)
	img, err := Run(src, steps)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 516 || b.Dy() != 516 {
		t.Errorf("final size %v, want 516×516 (500 + two 8 px borders)", b)
	}
	if c := at(img, 0, 0); c.R != 0x11 || c.G != 0x11 || c.B != 0x11 {
		t.Errorf("corner %v is not the border colour", c)
	}
	if _, err := Run(src, nil); err != nil {
		t.Errorf("Run with no steps: %v", err)
	}
}

func TestRunErrors(t *testing.T) {
	steps := []Step{
		mustParse(t, "resize", m{"width": 256}, ""),
		mustParse(t, "crop", "300x300", ""),
	}
	_, err := Run(photo(1024, 1024), steps)
	want := "postprocess step 2: crop: 300×300 is larger than the 256×256 image: lower the size or resize first"
	if err == nil || err.Error() != want {
		t.Errorf("Run error = %v\nwant %s", err, want)
	}
	if _, err := Run(nil, steps); err == nil {
		t.Error("Run(nil) succeeded")
	}
	if _, err := Run(image.NewNRGBA(image.Rect(0, 0, 0, 0)), steps); err == nil {
		t.Error("Run(empty image) succeeded")
	}
	huge := image.NewNRGBA(image.Rect(0, 0, 1, 0)) // bounds only: no pixels needed for the check
	huge.Rect = image.Rect(0, 0, 9000, 9000)
	if _, err := Run(huge, nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Run(9000×9000) = %v, want ErrTooLarge", err)
	}
}

// TestDeterministic: the same input and steps give the same bytes, run
// after run and from many goroutines sharing one step list at once.
func TestDeterministic(t *testing.T) {
	steps := chain(t, t.TempDir())
	src := photo(600, 600)
	for _, out := range []Output{{Format: "jpeg", Quality: 90}, {Format: "png"}} {
		first := runEncode(t, src, steps, out)
		if again := runEncode(t, src, steps, out); !bytes.Equal(first, again) {
			t.Fatalf("%s: two runs gave different bytes", out.Format)
		}
		if out.Format != "png" {
			continue
		}
		const workers = 4
		var wg sync.WaitGroup
		results := make([][]byte, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[w] = runEncode(t, src, steps, out)
			}()
		}
		wg.Wait()
		for w, r := range results {
			if !bytes.Equal(r, first) {
				t.Errorf("%s: worker %d got different bytes", out.Format, w)
			}
		}
	}
}

// TestGolden pins the chain's exact output bytes and canonical parameters.
// A change here changes every collection's final images or provenance:
// regenerate with -update only on purpose.
func TestGolden(t *testing.T) {
	dir := t.TempDir()
	steps := chain(t, dir)
	src := photo(1024, 1024)
	var got strings.Builder
	for _, out := range []Output{{Format: "png"}, {Format: "jpeg", Quality: 90}} {
		sum := sha256.Sum256(runEncode(t, src, steps, out))
		fmt.Fprintf(&got, "%s %s\n", out.Format, hex.EncodeToString(sum[:]))
	}
	params := make([]map[string]any, len(steps))
	for i, s := range steps {
		params[i] = map[string]any{"op": s.Op(), "params": s.Params()}
	}
	js, err := json.MarshalIndent(params, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "golden", "chain.sha256"), []byte(got.String()))
	golden.Check(t, filepath.Join("testdata", "golden", "chain-params.json"), append(js, '\n'))
}
