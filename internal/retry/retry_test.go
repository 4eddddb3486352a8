package retry

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestDo(t *testing.T) {
	var waits []time.Duration
	pol := Policy{Attempts: 4, Base: 10 * time.Millisecond, Max: time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	calls := 0
	err, exhausted := Do(context.Background(), pol, func() error {
		calls++
		if calls == 1 {
			return &TemporaryError{Err: errors.New("429"), RetryAfter: 300 * time.Millisecond}
		}
		if calls < 3 {
			return &TemporaryError{Err: errors.New("503")}
		}
		return nil
	})
	if err != nil || exhausted || calls != 3 {
		t.Fatalf("err %v, exhausted %v, calls %d", err, exhausted, calls)
	}
	// The server's Retry-After, then a jittered 20 ms (base << 1, +0–50%).
	if len(waits) != 2 || waits[0] != 300*time.Millisecond || waits[1] < 20*time.Millisecond || waits[1] > 30*time.Millisecond {
		t.Fatalf("waits %v", waits)
	}

	// A final error is returned at once; a temporary one exhausts the attempts.
	final := errors.New("400")
	if err, ex := Do(context.Background(), pol, func() error { return final }); err != final || ex {
		t.Fatalf("final: %v %v", err, ex)
	}
	calls = 0
	if _, ex := Do(context.Background(), pol, func() error { calls++; return &TemporaryError{Err: errors.New("503")} }); !ex || calls != 4 {
		t.Fatalf("exhausted %v after %d calls", ex, calls)
	}
	// A cancelled wait ends it with the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err, _ = Do(ctx, Policy{Attempts: 3, Base: time.Hour}, func() error { return &TemporaryError{Err: errors.New("503")} })
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
