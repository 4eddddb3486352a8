package postprocess

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/disintegration/imaging"

	"github.com/genmint/genmint/internal/testenv"
)

// Benchmarks. Speed is measured here, never asserted in timed tests.
//
//	go test ./postprocess -run '^$' -bench . -benchtime 10x

// BenchmarkRunChain1024 runs the realistic chain of run_test.go (resize,
// fill, crop, fit, sharpen, blur, tone, border, two watermarks) on a
// 1024×1024 image.
func BenchmarkRunChain1024(b *testing.B) {
	steps := chain(b, b.TempDir())
	src := photo(1024, 1024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(src, steps); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodePNG1024 encodes a 1024×1024 opaque image as the final PNG.
func BenchmarkEncodePNG1024(b *testing.B) {
	img := photo(1024, 1024)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Encode(&buf, img, Output{Format: "png"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/image")
}

// BenchmarkDecodePNG1024 decodes a 1024×1024 PNG through the capped door.
func BenchmarkDecodePNG1024(b *testing.B) {
	var buf bytes.Buffer
	if err := Encode(&buf, photo(1024, 1024), Output{Format: "png"}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, _, err := Decode(buf.Bytes(), 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResizeVsVips halves an N×N PNG with a Lanczos filter, file to
// file, (a) in-process with genmint (read, Decode, imaging.Resize, Encode,
// write) and (b) with `vips resize in.png out.png 0.5 --kernel lanczos3`
// (a process per image, as a shell pipeline would run it), alternating in
// the same loop so both see the same machine load. It also times the
// in-memory resize alone. Reported per image:
//
//	genmint-ms, vips-ms, resize-ms   wall time of each
//	genmint/vips                     the ratio; below 1 genmint is faster
func BenchmarkResizeVsVips(b *testing.B) {
	vips := testenv.Path(b, testenv.Vips)
	for _, n := range []int{1024, 2048} {
		b.Run(fmt.Sprintf("%dx%d", n, n), func(b *testing.B) {
			dir := b.TempDir()
			in := filepath.Join(dir, "in.png")
			var buf bytes.Buffer
			if err := Encode(&buf, photo(n, n), Output{Format: "png"}); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
				b.Fatal(err)
			}
			outG, outV := filepath.Join(dir, "genmint.png"), filepath.Join(dir, "vips.png")
			decoded, _, err := Decode(buf.Bytes(), 0)
			if err != nil {
				b.Fatal(err)
			}
			runVips := func() {
				cmd := exec.Command(vips, "resize", in, outV, "0.5", "--kernel", "lanczos3")
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("vips: %v: %s", err, out)
				}
			}
			// Both must produce the same N/2 square.
			genmintResizeFile(b, in, outG, n/2)
			runVips()
			for _, p := range []string{outG, outV} {
				data, err := os.ReadFile(p)
				if err != nil {
					b.Fatal(err)
				}
				img, _, err := Decode(data, 0)
				if err != nil || img.Bounds().Dx() != n/2 || img.Bounds().Dy() != n/2 {
					b.Fatalf("%s: %v %v", p, err, img.Bounds())
				}
			}

			var gen, vip, mem time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				genmintResizeFile(b, in, outG, n/2)
				t1 := time.Now()
				runVips()
				t2 := time.Now()
				_ = imaging.Resize(decoded, n/2, n/2, imaging.Lanczos)
				t3 := time.Now()
				gen += t1.Sub(t0)
				vip += t2.Sub(t1)
				mem += t3.Sub(t2)
			}
			per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
			b.ReportMetric(per(gen), "genmint-ms")
			b.ReportMetric(per(vip), "vips-ms")
			b.ReportMetric(per(mem), "resize-ms")
			b.ReportMetric(float64(gen)/float64(vip), "genmint/vips")
			b.Logf("%d×%d → %d×%d lanczos, file to file, %d runs: genmint %.1f ms, vips %.1f ms, ratio genmint/vips = %.2f (in-memory resize alone %.1f ms, %.2f of vips)",
				n, n, n/2, n/2, b.N, per(gen), per(vip), float64(gen)/float64(vip), per(mem), float64(mem)/float64(vip))
		})
	}
}

// genmintResizeFile is genmint's side of the comparison: file in, file out,
// through a parsed resize step.
func genmintResizeFile(b *testing.B, in, out string, size int) {
	data, err := os.ReadFile(in)
	if err != nil {
		b.Fatal(err)
	}
	img, _, err := Decode(data, 0)
	if err != nil {
		b.Fatal(err)
	}
	step := mustParse(b, "resize", m{"width": size, "height": size, "filter": "lanczos"}, "")
	if img, err = Run(img, []Step{step}); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(out)
	if err != nil {
		b.Fatal(err)
	}
	if err := Encode(f, img, Output{Format: "png"}); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
