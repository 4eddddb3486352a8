package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/generatetest"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/generate/providers"
	"github.com/genmint/genmint/generate/providers/procedural"
	"github.com/genmint/genmint/postprocess"
	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

const benchSpec = `name: Bench
symbol: BENCH
count: %d
seed: 1
provider:
  name: procedural
  params: {width: 1024, height: 1024}
prompt: "{{.motif}} in {{.palette}} tones, {{.density}}"
traits:
  palette: [ocean, ember, forest, neon, aurora, mono, desert, regal]
  motif: [flow, rings, cells, waves, tiles]
  density: [sparse, dense]
  time: [night, dawn]
unique: false
postprocess:
  - fill: {width: 768, height: 768, anchor: center}
  - sharpen: 0.6
  - border: {width: 12, color: "#0b0b10"}
`

func benchCollection(b *testing.B, count int) (string, *spec.Spec) {
	b.Helper()
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, spec.FileName), fmt.Appendf(nil, benchSpec, count), 0o644); err != nil {
		b.Fatal(err)
	}
	s, _, err := spec.Load(dir, spec.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return dir, s
}

// BenchmarkItem1024 is one item's CPU work on one goroutine: procedural
// render of 1024×1024, decode, post-process (fill 768, sharpen, border),
// PNG encode and provenance embedding. Reported as ms per image.
func BenchmarkItem1024(b *testing.B) {
	_, s := benchCollection(b, 8)
	items, err := s.Plan(8)
	if err != nil {
		b.Fatal(err)
	}
	p, err := procedural.New(generate.ProviderConfig{Params: s.Provider.Params})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		it := items[i%len(items)]
		res, err := p.Generate(ctx, generate.Request{Item: it.ID, Prompt: it.Prompt, Seed: it.Seed, Traits: it.Traits, Width: 1024, Height: 1024})
		if err != nil {
			b.Fatal(err)
		}
		img, _, err := postprocess.Decode(res.Image, pipeline.MaxPixels)
		if err != nil {
			b.Fatal(err)
		}
		out, err := postprocess.Run(img, s.PostProcess)
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := postprocess.Encode(&buf, out, s.Output); err != nil {
			b.Fatal(err)
		}
		c := &provenance.Content{Collection: s.Name, Item: it.ID, Provider: "procedural", Prompt: it.Prompt, DigitalSourceType: provenance.SourceAlgorithmic,
			Output: provenance.Output{MediaType: "image/png", Width: 792, Height: 792}}
		if _, _, err := provenance.Embed(buf.Bytes(), "image/png", c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/image")
}

// BenchmarkGenerate200 runs the whole pipeline (state, fsync'd files,
// provenance) for 200 items at 1024×1024 with one worker per CPU, and
// reports images per second. Run it with -benchtime=1x.
func BenchmarkGenerate200(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		dir, s := benchCollection(b, 200)
		db, err := state.Open(context.Background(), dir, state.Options{Create: true})
		if err != nil {
			b.Fatal(err)
		}
		p, err := procedural.New(generate.ProviderConfig{Params: s.Provider.Params})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		sum, err := pipeline.Run(context.Background(), pipeline.Options{Spec: s, DB: db, Provider: p,
			Info: procedural.Info, Concurrency: runtime.NumCPU()})
		elapsed := time.Since(start)
		b.StopTimer()
		db.Close()
		if err != nil || sum.Generated != 200 {
			b.Fatalf("run: %v %+v", err, sum)
		}
		b.ReportMetric(200/elapsed.Seconds(), "images/s")
		b.ReportMetric(float64(runtime.NumCPU()), "cpus")
		b.StartTimer()
	}
}

// slowProvider answers after a fixed latency, like a remote service, with a
// small PNG; every 20th first attempt of an item (5%) answers 503 when
// flaky is set.
type slowProvider struct {
	latency time.Duration
	flaky   bool
	inner   *generatetest.Fake
	mu      sync.Mutex
	seen    map[int]bool
}

func (p *slowProvider) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	select {
	case <-time.After(p.latency):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	first := !p.seen[req.Item]
	p.seen[req.Item] = true
	p.mu.Unlock()
	if p.flaky && first && req.Item%20 == 7 {
		return nil, &generate.TemporaryError{Err: errors.New("503 Service Unavailable"), StatusCode: 503}
	}
	return p.inner.Generate(ctx, req)
}

// BenchmarkLatency200 runs 200 items through the whole pipeline (state,
// fsync'd files, provenance) with a provider that takes 300 ms per request,
// behind the real wrapper stack limited to 8 at once, and reports the ratio
// to the ideal 200/8 × 0.3 s = 7.5 s; "flaky" injects 503s on 5% of first
// attempts (retried) and reports lost items, which must be 0.
func BenchmarkLatency200(b *testing.B) {
	for _, flaky := range []bool{false, true} {
		name := "steady"
		if flaky {
			name = "5pct-503"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				// Small images and one light step: this measures waiting on the
				// provider, not local CPU (BenchmarkGenerate200 measures that).
				text := strings.Replace(fmt.Sprintf(benchSpec, 200), "width: 1024, height: 1024", "width: 64, height: 64", 1)
				text = text[:strings.Index(text, "postprocess:")] + "postprocess:\n  - border: {width: 2, color: \"#000000\"}\n"
				os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(text), 0o644)
				s, _, err := spec.Load(dir, spec.Options{})
				if err != nil {
					b.Fatal(err)
				}
				db, err := state.Open(context.Background(), dir, state.Options{Create: true})
				if err != nil {
					b.Fatal(err)
				}
				slow := &slowProvider{latency: 300 * time.Millisecond, flaky: flaky, inner: generatetest.New(), seen: map[int]bool{}}
				lim := providers.Limits{Concurrency: 8, RequestsPerMinute: -1, MaxRetries: 3, BackoffBase: 50 * time.Millisecond}
				b.StartTimer()
				start := time.Now()
				sum, err := pipeline.Run(context.Background(), pipeline.Options{Spec: s, DB: db, Info: generatetest.Info(), Concurrency: 16,
					Open: func(j generate.Observer) (generate.Provider, error) {
						l := lim
						l.Observer = j
						return providers.Wrap(slow, "bench", l), nil
					}})
				elapsed := time.Since(start)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				lost := 200 - sum.Generated
				db.Close()
				b.ReportMetric(elapsed.Seconds()/7.5, "ratio-to-ideal")
				b.ReportMetric(float64(lost), "lost-items")
				b.ReportMetric(float64(sum.Requests), "requests")
				b.StartTimer()
			}
		})
	}
}
