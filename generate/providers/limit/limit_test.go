package limit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/internal/fakeprov"
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
	for len(c.sem) == 0 {
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
