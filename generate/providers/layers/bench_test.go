package layers

import (
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/internal/testenv"
)

// benchFolder writes a HashLips-style folder of 6 traits × 3 values at
// side×side: an opaque gradient background, then layers of shapes with
// soft (partly transparent) edges covering a fifth to a half of the image,
// as drawn art usually is.
func benchFolder(b *testing.B, side int) (string, []string) {
	b.Helper()
	dir := b.TempDir()
	traits := []string{"background", "body", "clothes", "eyes", "mouth", "hat"}
	for ti, tr := range traits {
		for v := 0; v < 3; v++ {
			img := image.NewNRGBA(image.Rect(0, 0, side, side))
			cx, cy := side/2+(v-1)*side/8, side/2+(ti-3)*side/10
			r := side / (3 + ti%3)
			for y := 0; y < side; y++ {
				for x := 0; x < side; x++ {
					o := img.PixOffset(x, y)
					c := []uint8{uint8(40*ti + 60*v), uint8(x * 255 / side), uint8(y * 255 / side), 255}
					if ti > 0 {
						dx, dy := x-cx, y-cy
						d2, r2 := dx*dx+dy*dy, r*r
						switch {
						case d2 <= r2:
						case d2 <= r2+r2/4:
							c[3] = uint8(255 * (r2 + r2/4 - d2) / (r2 / 4))
						default:
							c[3] = 0
						}
					}
					copy(img.Pix[o:o+4], c)
				}
			}
			writePNG(b, filepath.Join(dir, "layers", tr, fmt.Sprintf("v%d#%d.png", v, v+1)), img)
		}
	}
	return dir, traits
}

// BenchmarkCompositeVsVips composites items of 6 layers at 1024², file to
// file, (a) with the layers provider (what `genmint generate` calls: the
// decoded layers stay cached across items, the composite is encoded to
// PNG and written) and (b) with `vips composite` of the same 6 files (a
// process per image, as a script around libvips would run it; PNG
// compression 1 like genmint's BestSpeed), alternating in one loop so both
// see the same machine load. Each iteration is one item with its own
// combination. Reported per image:
//
//	genmint-ms, vips-ms   wall time of each
//	genmint/vips          the ratio (goal ≤ 1.2)
//
// bench/run.sh runs it for 1,000 items: -bench CompositeVsVips -benchtime 1000x.
func BenchmarkCompositeVsVips(b *testing.B) {
	vips := testenv.Path(b, testenv.Vips)
	const side = 1024
	dir, traits := benchFolder(b, side)
	order := make([]any, len(traits))
	for i, t := range traits {
		order[i] = t
	}
	p, err := New(generate.ProviderConfig{Dir: dir, Params: generate.Params{"order": order}})
	if err != nil {
		b.Fatal(err)
	}
	outG, outV := filepath.Join(dir, "genmint.png"), filepath.Join(dir, "vips.png")
	item := func(i int) (generate.Request, []string) {
		req := generate.Request{Item: i + 1}
		var files []string
		for ti, t := range traits {
			v := (i / pow3(ti)) % 3
			req.Traits = append(req.Traits, generate.Trait{Type: t, Value: fmt.Sprintf("v%d", v)})
			files = append(files, filepath.Join(dir, "layers", t, fmt.Sprintf("v%d#%d.png", v, v+1)))
		}
		return req, files
	}
	runGenmint := func(req generate.Request) {
		res, err := p.Generate(context.Background(), req)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(outG, res.Image, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	modes := strings.TrimSpace(strings.Repeat("2 ", len(traits)-1))
	runVips := func(files []string) {
		cmd := exec.Command(vips, "composite", strings.Join(files, " "), outV+"[compression=1]", modes)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("vips: %v: %s", err, out)
		}
	}
	var gen, vip time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, files := item(i)
		t0 := time.Now()
		runGenmint(req)
		t1 := time.Now()
		runVips(files)
		t2 := time.Now()
		gen += t1.Sub(t0)
		vip += t2.Sub(t1)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(gen.Microseconds())/1000/n, "genmint-ms")
	b.ReportMetric(float64(vip.Microseconds())/1000/n, "vips-ms")
	b.ReportMetric(float64(gen)/float64(vip), "genmint/vips")
}

// BenchmarkComposite1024 is the in-memory composite of 6 layers at 1024²
// alone (no PNG encode), one core.
func BenchmarkComposite1024(b *testing.B) {
	const side = 1024
	dir, traits := benchFolder(b, side)
	var imgs []*image.NRGBA
	for _, t := range traits {
		img, _, err := load(filepath.Join(dir, "layers", t, "v1#2.png"), t)
		if err != nil {
			b.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	canvas := image.NewNRGBA(image.Rect(0, 0, side, side))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(canvas.Pix)
		for _, img := range imgs {
			if err := Over(canvas, img, Normal, 255); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func pow3(n int) int {
	r := 1
	for ; n > 0; n-- {
		r *= 3
	}
	return r
}
