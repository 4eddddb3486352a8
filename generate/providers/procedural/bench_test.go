package procedural

import (
	"context"
	"image"
	"testing"

	"github.com/genmint/genmint/generate"
)

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
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		l, _ := o.resolve(benchRequests[i%len(benchRequests)])
		if err := render(context.Background(), img, l, benchRequests[i%len(benchRequests)].Seed, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenerate1024 measures a whole Generate call: render and PNG encode.
func BenchmarkGenerate1024(b *testing.B) {
	p, err := New(generate.ProviderConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := p.Generate(context.Background(), benchRequests[i%len(benchRequests)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderMotif renders each motif's benchmark request separately.
func BenchmarkRenderMotif(b *testing.B) {
	var o options
	img := image.NewRGBA(image.Rect(0, 0, 1024, 1024))
	for _, req := range benchRequests {
		l, _ := o.resolve(req)
		b.Run(l.motif, func(b *testing.B) {
			for b.Loop() {
				if err := render(context.Background(), img, l, req.Seed, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
