package providers

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/internal/fakeprov"
)

// BenchmarkStack drives 200 items through Open's wrapper stack around an
// in-process provider that takes 300 ms per call, with a concurrency limit
// of 8 and 16 workers pulling items. The ideal is 200/8 × 0.3 s = 7.5 s; the
// "ratio" metric is the measured time over that ideal, measured in the same
// run. With 5% of items answering 503 once (items 20, 40, …: deterministic),
// the retried calls add 10 × 0.3 s of work, so "ratio_vs_work" compares with
// 210/8 × 0.3 s too, and "lost" counts items that did not end with an image.
//
//	go test ./generate/providers -run '^$' -bench Stack -benchtime=1x
func BenchmarkStack(b *testing.B) {
	for _, tc := range []struct {
		name      string
		failEvery int
	}{{"no_faults", 0}, {"5pct_503", 20}} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				runStack(b, tc.failEvery)
			}
		})
	}
}

func runStack(b *testing.B, failEvery int) {
	const (
		items       = 200
		concurrency = 8
		workers     = 16
		latency     = 300 * time.Millisecond
	)
	f := &fakeprov.Provider{Latency: latency, Paid: true, Fail: func(item, call int) error {
		if failEvery > 0 && item%failEvery == 0 && call == 1 {
			return &generate.TemporaryError{Err: errors.New("503 Service Unavailable"), StatusCode: 503}
		}
		return nil
	}}
	p, err := Open(fakeInfo(f), generate.ProviderConfig{}, Limits{
		Concurrency: concurrency, RequestsPerMinute: -1, Timeout: 10 * time.Second,
		MaxRetries: 3, BackoffBase: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
	})
	if err != nil {
		b.Fatal(err)
	}
	work := make(chan int, items)
	for i := 1; i <= items; i++ {
		work <- i
	}
	close(work)
	var ok, lost atomic.Int32
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for item := range work {
				res, err := p.Generate(context.Background(), generate.Request{Item: item})
				if err != nil || res == nil || len(res.Image) == 0 {
					lost.Add(1)
					continue
				}
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	ideal := time.Duration(items/concurrency) * latency
	calls := f.Total()
	work210 := time.Duration(float64(calls) / concurrency * float64(latency))
	b.ReportMetric(elapsed.Seconds()/ideal.Seconds(), "ratio")
	b.ReportMetric(elapsed.Seconds()/work210.Seconds(), "ratio_vs_work")
	b.ReportMetric(float64(lost.Load()), "lost")
	b.ReportMetric(float64(calls), "calls")
	b.ReportMetric(elapsed.Seconds(), "s")
	if lost.Load() != 0 || int(ok.Load()) != items {
		b.Errorf("%d items lost, %d ok", lost.Load(), ok.Load())
	}
	if f.MaxInFlight() > concurrency {
		b.Errorf("%d calls in flight, over the limit of %d", f.MaxInFlight(), concurrency)
	}
}
