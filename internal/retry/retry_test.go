package retry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDo(t *testing.T) {
	var waits []time.Duration
	pol := Policy{Attempts: 4, Base: 10 * time.Millisecond, Max: time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	calls := 0
	err := Do(context.Background(), pol, func(try int) error {
		calls++
		if try != calls {
			t.Errorf("try %d on call %d", try, calls)
		}
		if calls == 1 {
			return &TemporaryError{Err: errors.New("429"), RetryAfter: 300 * time.Millisecond}
		}
		if calls < 3 {
			return &TemporaryError{Err: errors.New("503")}
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("err %v, calls %d", err, calls)
	}
	// The server's Retry-After, then a jittered 20 ms (base << 1, +0–50%).
	if len(waits) != 2 || waits[0] != 300*time.Millisecond || waits[1] < 20*time.Millisecond || waits[1] > 30*time.Millisecond {
		t.Fatalf("waits %v", waits)
	}

	// A final error is returned at once; a temporary one exhausts the attempts.
	final := errors.New("400")
	if err := Do(context.Background(), pol, func(int) error { return final }); err != final {
		t.Fatalf("final: %v", err)
	}
	calls = 0
	last := &TemporaryError{Err: errors.New("503")}
	err = Do(context.Background(), pol, func(int) error { calls++; return last })
	var ex *ExhaustedError
	if !errors.As(err, &ex) || ex.Tries != 4 || calls != 4 || !errors.Is(err, last) || !IsTemporary(err) ||
		err.Error() != "503 (gave up after 4 tries)" {
		t.Fatalf("exhausted: %v after %d calls", err, calls)
	}
	// A cancelled wait ends it with the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = Do(ctx, Policy{Attempts: 3, Base: time.Hour}, func(int) error { return &TemporaryError{Err: errors.New("503")} })
	if err == nil {
		t.Fatal("no error after cancel")
	}
}

func TestTemporaryError(t *testing.T) {
	cause := errors.New("connection reset")
	var err error = &TemporaryError{Err: cause, StatusCode: 503, RetryAfter: time.Second}
	wrapped := fmt.Errorf("pin item 3: %w", err)
	if err.Error() != "connection reset" || !errors.Is(wrapped, cause) || !IsTemporary(wrapped) {
		t.Fatalf("%v: Is %v, IsTemporary %v", wrapped, errors.Is(wrapped, cause), IsTemporary(wrapped))
	}
	var te *TemporaryError
	if !errors.As(wrapped, &te) || te.StatusCode != 503 || te.RetryAfter != time.Second {
		t.Fatalf("As: %+v", te)
	}
	if IsTemporary(cause) || IsTemporary(nil) {
		t.Fatal("a plain error is not temporary")
	}
}

// The two back-off shapes: JitterUp (pinning, verification) never waits
// less than the back-off, JitterDown (image providers) never more.
func TestBackoff(t *testing.T) {
	for _, rnd := range []float64{0, 0.5, 0.999} {
		down := Policy{Base: time.Second, Max: 8 * time.Second, Jitter: JitterDown}
		up := Policy{Base: time.Second, Max: 8 * time.Second}
		for n, d := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
			if got := down.Backoff(n, rnd); got < d/2 || got > d {
				t.Errorf("down, rand %v: Backoff(%d) = %v, want within [%v, %v]", rnd, n, got, d/2, d)
			}
			if got := up.Backoff(n, rnd); got < d || got > min(d+d/2, up.Max) {
				t.Errorf("up, rand %v: Backoff(%d) = %v, want within [%v, %v]", rnd, n, got, d, min(d+d/2, up.Max))
			}
		}
	}
	// Defaults: 1 s doubling up to a minute; a huge n neither overflows nor
	// passes Max.
	if got := (Policy{}).Backoff(0, 0); got != time.Second {
		t.Errorf("default base: %v", got)
	}
	if got := (Policy{}).Backoff(200, 0.999); got != time.Minute {
		t.Errorf("default max: %v", got)
	}
	if got := (Policy{Base: time.Second, Max: 8 * time.Second, Jitter: JitterDown}).Backoff(200, 0); got != 4*time.Second {
		t.Errorf("down at the cap: %v", got)
	}
}

// waitsFor runs Do over faults (one per try, nil for success) and returns
// the waits, the tries and the error.
func waitsFor(pol Policy, faults ...error) (waits []time.Duration, tries []int, calls int, err error) {
	pol.Sleep = func(context.Context, time.Duration) error { return nil }
	pol.Notify = func(try int, _ error, d time.Duration) { tries = append(tries, try); waits = append(waits, d) }
	err = Do(context.Background(), pol, func(int) error { calls++; return faults[calls-1] })
	return waits, tries, calls, err
}

func TestRetryAfter(t *testing.T) {
	after := func(d time.Duration) error {
		return &TemporaryError{Err: errors.New("429"), StatusCode: 429, RetryAfter: d}
	}

	// Without MaxRetryAfter, a Retry-After is waited exactly, up to Max.
	waits, tries, _, err := waitsFor(Policy{Attempts: 4, Base: time.Millisecond, Max: 5 * time.Second},
		after(2*time.Second), after(time.Minute), nil)
	if err != nil || len(waits) != 2 || waits[0] != 2*time.Second || waits[1] != 5*time.Second || tries[0] != 1 || tries[1] != 2 {
		t.Fatalf("capped: waits %v, tries %v, err %v", waits, tries, err)
	}

	// With it, past Max, plus up to a tenth (JitterDown) ...
	pol := Policy{Attempts: 3, Base: time.Millisecond, Max: time.Millisecond, MaxRetryAfter: time.Minute, Jitter: JitterDown, Rand: func() float64 { return 0.999 }}
	waits, _, _, err = waitsFor(pol, after(40*time.Millisecond), after(30*time.Second), nil)
	if err != nil || len(waits) != 2 || waits[0] < 40*time.Millisecond || waits[0] > 44*time.Millisecond ||
		waits[1] < 30*time.Second || waits[1] > 31*time.Second {
		t.Fatalf("honoured: waits %v, err %v", waits, err)
	}
	// ... and a longer one ends the retries at once, saying when to come back.
	long := after(time.Hour)
	waits, _, calls, err := waitsFor(pol, long, nil)
	if calls != 1 || len(waits) != 0 || !errors.Is(err, long) || !strings.Contains(err.Error(), "re-run after") ||
		!strings.Contains(err.Error(), "longer than genmint waits (1m0s)") {
		t.Fatalf("too long: calls %d, waits %v, err %v", calls, waits, err)
	}
}

func TestOneTryReturnsTheErrorAsItIs(t *testing.T) {
	busy := &TemporaryError{Err: errors.New("503")}
	for _, attempts := range []int{-1, 0, 1} {
		if _, _, calls, err := waitsFor(Policy{Attempts: attempts}, busy); err != busy || calls != 1 {
			t.Errorf("attempts %d: %v after %d calls", attempts, err, calls)
		}
	}
}

func TestCancel(t *testing.T) {
	// During a wait: the context's error, naming the fault it waited on.
	ctx, cancel := context.WithCancel(context.Background())
	pol := Policy{Attempts: 3, Base: time.Hour, Notify: func(int, error, time.Duration) { cancel() }}
	err := Do(ctx, pol, func(int) error { return &TemporaryError{Err: errors.New("HTTP 503")} })
	if !errors.Is(err, context.Canceled) || err.Error() != "interrupted while waiting to retry (HTTP 503): context canceled" {
		t.Fatalf("cancelled wait: %v", err)
	}
	// During a try: the try's error, made to wrap the context's.
	ctx, cancel = context.WithCancel(context.Background())
	calls := 0
	err = Do(ctx, Policy{Attempts: 3}, func(int) error { calls++; cancel(); return &TemporaryError{Err: errors.New("reset")} })
	if !errors.Is(err, context.Canceled) || calls != 1 || !strings.Contains(err.Error(), "reset") {
		t.Fatalf("cancelled try: %v after %d calls", err, calls)
	}
	// An error that already wraps it is left alone.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	inner := fmt.Errorf("pin: %w", context.Canceled)
	if err := Do(ctx, Policy{Attempts: 3}, func(int) error { return inner }); err != inner {
		t.Fatalf("already wrapped: %v", err)
	}
}

// A Do inside a Do: when the inner loop runs out of tries, the outer one
// stops too, rather than running the inner one again (4×4 tries of one
// fault). An inner fault that is temporary but not exhausted (one try) is
// still retried by the outer loop.
func TestExhaustedInnerLoopIsFinal(t *testing.T) {
	nosleep := func(context.Context, time.Duration) error { return nil }
	pol := Policy{Attempts: 4, Sleep: nosleep}
	calls, outer := 0, 0
	err := Do(context.Background(), pol, func(int) error {
		outer++
		return Do(context.Background(), pol, func(int) error {
			calls++
			return &TemporaryError{Err: errors.New("503")}
		})
	})
	var ex *ExhaustedError
	if !errors.As(err, &ex) || ex.Tries != 4 || calls != 4 || outer != 1 || !IsTemporary(err) {
		t.Fatalf("nested: %d requests in %d outer tries, err %v; want 4 requests in 1", calls, outer, err)
	}
	calls, outer = 0, 0
	err = Do(context.Background(), pol, func(int) error {
		outer++
		return Do(context.Background(), Policy{Attempts: 1}, func(int) error {
			calls++
			return &TemporaryError{Err: errors.New("503")}
		})
	})
	if !errors.As(err, &ex) || calls != 4 || outer != 4 {
		t.Fatalf("one try inside: %d requests in %d outer tries, err %v; want 4 in 4", calls, outer, err)
	}
}
