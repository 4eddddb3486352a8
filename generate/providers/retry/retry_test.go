package retry

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/internal/fakeprov"
)

func temp(code int, after time.Duration) error {
	return &generate.TemporaryError{Err: errors.New("busy"), StatusCode: code, RetryAfter: after}
}

type waits struct {
	mu sync.Mutex
	d  []time.Duration
	at []int
}

func (w *waits) on(_ generate.Request, attempt int, d time.Duration, _ error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, d)
	w.at = append(w.at, attempt)
}

func TestRetriesTemporaryThenSucceeds(t *testing.T) {
	f := &fakeprov.Provider{Fail: func(_, call int) error {
		if call < 3 {
			return temp(503, 0)
		}
		return nil
	}}
	var w waits
	r := New(f, Policy{Attempts: 5, Base: time.Millisecond, Max: 4 * time.Millisecond}, Hooks{OnRetry: w.on})
	if _, err := r.Generate(context.Background(), generate.Request{Item: 1}); err != nil {
		t.Fatal(err)
	}
	if f.Calls(1) != 3 || len(w.d) != 2 || w.at[0] != 1 || w.at[1] != 2 {
		t.Fatalf("calls=%d waits=%v attempts=%v", f.Calls(1), w.d, w.at)
	}
}

func TestFinalErrorsAreNotRetried(t *testing.T) {
	for _, err := range []error{
		&generate.RefusedError{Provider: "x"},
		errors.New("400 bad request"),
	} {
		f := &fakeprov.Provider{Fail: func(int, int) error { return err }}
		_, got := New(f, Policy{Attempts: 6, Base: time.Millisecond}, Hooks{}).Generate(context.Background(), generate.Request{Item: 2})
		if !errors.Is(got, err) || f.Calls(2) != 1 {
			t.Errorf("%v: got %v after %d calls", err, got, f.Calls(2))
		}
	}
}

func TestGivesUpKeepingTheCause(t *testing.T) {
	f := &fakeprov.Provider{Fail: func(int, int) error { return temp(500, 0) }}
	_, err := New(f, Policy{Attempts: 3, Base: time.Millisecond}, Hooks{}).Generate(context.Background(), generate.Request{Item: 1})
	if f.Calls(1) != 3 || !strings.Contains(err.Error(), "gave up after 3 tries") || !generate.IsTemporary(err) {
		t.Fatalf("calls=%d err=%v", f.Calls(1), err)
	}
}

type deferred struct{ got []time.Duration }

func (d *deferred) Defer(x time.Duration) { d.got = append(d.got, x) }

func TestHonoursRetryAfter(t *testing.T) {
	f := &fakeprov.Provider{Fail: func(_, call int) error {
		if call == 1 {
			return temp(429, 40*time.Millisecond)
		}
		return nil
	}}
	var w waits
	bp := &deferred{}
	start := time.Now()
	r := New(f, Policy{Attempts: 2, Base: time.Millisecond, Max: time.Millisecond}, Hooks{OnRetry: w.on, Backpressure: bp})
	if _, err := r.Generate(context.Background(), generate.Request{Item: 1}); err != nil {
		t.Fatal(err)
	}
	if w.d[0] < 40*time.Millisecond || w.d[0] > 44*time.Millisecond {
		t.Errorf("wait = %v, want Retry-After (40ms) plus at most 10%% jitter", w.d[0])
	}
	if elapsed := time.Since(start); elapsed < 40*time.Millisecond {
		t.Errorf("retried after %v, before the Retry-After", elapsed)
	}
	if len(bp.got) != 1 || bp.got[0] != 40*time.Millisecond {
		t.Errorf("backpressure told %v", bp.got)
	}
}

func TestRetryAfterTooLongStops(t *testing.T) {
	f := &fakeprov.Provider{Fail: func(int, int) error { return temp(429, time.Hour) }}
	_, err := New(f, Policy{Attempts: 4, MaxRetryAfter: time.Minute}, Hooks{}).Generate(context.Background(), generate.Request{Item: 1})
	if f.Calls(1) != 1 || err == nil || !strings.Contains(err.Error(), "re-run after") {
		t.Fatalf("calls=%d err=%v", f.Calls(1), err)
	}
}

func TestCancelDuringWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fakeprov.Provider{Fail: func(int, int) error { return temp(503, 0) }}
	r := New(f, Policy{Attempts: 4, Base: time.Hour, Max: time.Hour}, Hooks{OnRetry: func(generate.Request, int, time.Duration, error) { cancel() }})
	_, err := r.Generate(ctx, generate.Request{Item: 1})
	if !errors.Is(err, context.Canceled) || f.Calls(1) != 1 {
		t.Fatalf("calls=%d err=%v", f.Calls(1), err)
	}
}

type attempts struct {
	mu  sync.Mutex
	got []int
}

func (a *attempts) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	a.mu.Lock()
	a.got = append(a.got, Attempt(ctx))
	n := len(a.got)
	a.mu.Unlock()
	if n < 2 {
		return nil, temp(502, 0)
	}
	return &generate.Result{}, nil
}

func TestAttemptNumberInContext(t *testing.T) {
	a := &attempts{}
	if _, err := New(a, Policy{Attempts: 2, Base: time.Millisecond}, Hooks{}).Generate(context.Background(), generate.Request{}); err != nil {
		t.Fatal(err)
	}
	if len(a.got) != 2 || a.got[0] != 1 || a.got[1] != 2 {
		t.Fatalf("attempts = %v", a.got)
	}
	if Attempt(context.Background()) != 0 {
		t.Fatal("Attempt outside Retry must be 0")
	}
}

func TestBackoffIsExponentialWithJitter(t *testing.T) {
	for _, rnd := range []float64{0, 0.5, 0.999} {
		r := New(nil, Policy{Base: time.Second, Max: 8 * time.Second, Rand: func() float64 { return rnd }}, Hooks{})
		for n, d := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
			got := r.p.Backoff(n, r.p.Rand())
			if got < d/2 || got > d {
				t.Errorf("rand %v: backoff(%d) = %v, want within [%v, %v]", rnd, n, got, d/2, d)
			}
		}
	}
}
