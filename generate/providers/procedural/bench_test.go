package procedural

import (
	"context"
	"image"
	"image/png"
	"io"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
)

// reportCPU adds a cpu-ms/op metric to b, measured from start.
func reportCPU(b *testing.B, start time.Duration, ok bool) {
	if end, ok2 := processCPU(); ok && ok2 && b.N > 0 {
		b.ReportMetric(float64(end-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
}

// benchRequests cover every motif; each benchmark iteration renders the
// next one, so ns/op is the average over motifs.
var benchRequests = []generate.Request{
	{Prompt: "ocean flow", Seed: 11},
	{Prompt: "ember rings", Seed: 12},
	{Prompt: "forest cells", Seed: 13},
	{Prompt: "desert dunes at dusk", Seed: 14},
	{Prompt: "neon maze tiles", Seed: 15},
}

// BenchmarkRender1024 measures painting the pixels of a 1024×1024 image.
func BenchmarkRender1024(b *testing.B) {
	var o options
	img := image.NewRGBA(image.Rect(0, 0, 1024, 1024))
	b.ReportAllocs()
	cpu, ok := processCPU()
	for i := 0; b.Loop(); i++ {
		l, _ := o.resolve(benchRequests[i%len(benchRequests)])
		if err := render(context.Background(), img, l, benchRequests[i%len(benchRequests)].Seed, nil); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu, ok)
}

// BenchmarkGenerate1024 measures a whole Generate call: render and PNG encode.
func BenchmarkGenerate1024(b *testing.B) {
	p, err := New(generate.ProviderConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu, ok := processCPU()
	for i := 0; b.Loop(); i++ {
		if _, err := p.Generate(context.Background(), benchRequests[i%len(benchRequests)]); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu, ok)
}

// BenchmarkRenderStyle renders one 1024×1024 picture of each style at
// medium density, to find the slow ones.
func BenchmarkRenderStyle(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 1024, 1024))
	for _, m := range motifs {
		for _, st := range m.styles {
			o, err := parseParams(generate.Params{"style": st, "density": "medium"}, "provider.params")
			if err != nil {
				b.Fatal(err)
			}
			l, _ := o.resolve(generate.Request{Seed: 1})
			b.Run(st, func(b *testing.B) {
				for b.Loop() {
					if err := render(context.Background(), img, l, 1, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkReferencePNG1024 is the yardstick for the two above, measured in
// the same run on the same machine: encoding one of our 1024×1024 pictures
// with image/png's default settings, the cheapest thing any Go image
// generator must do. Report Generate1024 and Render1024 as ratios to it.
func BenchmarkReferencePNG1024(b *testing.B) {
	var o options
	img := image.NewRGBA(image.Rect(0, 0, 1024, 1024))
	l, _ := o.resolve(benchRequests[0])
	if err := render(context.Background(), img, l, benchRequests[0].Seed, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu, ok := processCPU()
	for b.Loop() {
		if err := png.Encode(io.Discard, img); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu, ok)
}
