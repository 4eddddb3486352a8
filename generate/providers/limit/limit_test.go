package limit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/internal/fakeprov"
	"github.com/genmint/genmint/generate/providers/retry"
)

func TestConcurrencyBound(t *testing.T) {
	f := &fakeprov.Provider{Latency: 5 * time.Millisecond}
	c := NewConcurrency(f, 3)
	var wg sync.WaitGroup
	for i := 1; i <= 24; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := c.Generate(context.Background(), generate.Request{Item: i}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if f.Total() != 24 || f.MaxInFlight() > 3 {
		t.Fatalf("total=%d max in flight=%d, want 24 and at most 3", f.Total(), f.MaxInFlight())
	}
}

type blocker struct{ release chan struct{} }

func (b *blocker) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	<-b.release
	return &generate.Result{}, nil
}

func TestConcurrencyCancelWhileWaiting(t *testing.T) {
	b := &blocker{release: make(chan struct{})}
	c := NewConcurrency(b, 1)
	done := make(chan struct{})
	go func() { c.Generate(context.Background(), generate.Request{Item: 1}); close(done) }()
	for {
		c.mu.Lock()
		taken := c.free == 0
		c.mu.Unlock()
		if taken {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Generate(ctx, generate.Request{Item: 2}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	close(b.release)
	<-done
}

func TestRateSpacesCalls(t *testing.T) {
	f := &fakeprov.Provider{}
	r := NewRate(f, 1200, 1) // one call every 50ms
	start := time.Now()
	for i := 1; i <= 4; i++ {
		if _, err := r.Generate(context.Background(), generate.Request{Item: i}); err != nil {
			t.Fatal(err)
		}
	}
	// Four calls need three intervals at least.
	if elapsed := time.Since(start); elapsed < 150*time.Millisecond-5*time.Millisecond {
		t.Fatalf("4 calls at 1200 rpm took %v, want at least 150ms", elapsed)
	}
}

func TestDeferHoldsEveryone(t *testing.T) {
	f := &fakeprov.Provider{}
	r := NewRate(f, 0, 0)
	r.Defer(60 * time.Millisecond)
	start := time.Now()
	if _, err := r.Generate(context.Background(), generate.Request{Item: 1}); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 55*time.Millisecond {
		t.Fatalf("call started after %v, inside the deferral", elapsed)
	}
	r.Defer(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Generate(ctx, generate.Request{Item: 2}); !errors.Is(err, context.Canceled) || f.Calls(2) != 0 {
		t.Fatalf("err = %v calls = %d", err, f.Calls(2))
	}
}

// Slots go to waiting calls in order, retries first.
func TestConcurrencyOrder(t *testing.T) {
	b := &blocker{release: make(chan struct{})}
	rec := &recorder{}
	c := NewConcurrency(rec, 1)
	rec.next = b
	first := make(chan struct{})
	go func() { c.Generate(context.Background(), generate.Request{Item: 0}); close(first) }()
	for rec.count() == 0 {
		time.Sleep(time.Millisecond)
	}
	var wg sync.WaitGroup
	start := func(item int, ctx context.Context) {
		wg.Add(1)
		go func() { defer wg.Done(); c.Generate(ctx, generate.Request{Item: item}) }()
		for c.waiting() < item {
			time.Sleep(time.Millisecond)
		}
	}
	start(1, context.Background())
	start(2, context.Background())
	start(3, retryCtx(2))
	close(b.release)
	<-first
	wg.Wait()
	if got := rec.order(); len(got) != 4 || got[1] != 3 || got[2] != 1 || got[3] != 2 {
		t.Fatalf("order %v, want [0 3 1 2]: the retry first, then in arrival order", got)
	}
}

type recorder struct {
	next generate.Provider
	mu   sync.Mutex
	seen []int
}

func (r *recorder) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	r.mu.Lock()
	r.seen = append(r.seen, req.Item)
	r.mu.Unlock()
	return r.next.Generate(ctx, req)
}

func (r *recorder) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.seen) }

func (r *recorder) order() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.seen...)
}

func retryCtx(n int) context.Context { return retry.WithAttempt(context.Background(), n) }
