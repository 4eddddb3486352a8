package timeout

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/internal/fakeprov"
)

func TestDeadlineIsTemporary(t *testing.T) {
	f := &fakeprov.Provider{Latency: time.Hour}
	_, err := New(f, "slowsvc", 20*time.Millisecond).Generate(context.Background(), generate.Request{Item: 4})
	if !generate.IsTemporary(err) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want a temporary timeout", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("a per-request timeout must not look like the caller's own deadline")
	}
}

func TestCallerCancelPassesThrough(t *testing.T) {
	f := &fakeprov.Provider{Latency: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	_, err := New(f, "svc", time.Hour).Generate(ctx, generate.Request{Item: 1})
	if !errors.Is(err, context.Canceled) || generate.IsTemporary(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestZeroMeansNoDeadline(t *testing.T) {
	f := &fakeprov.Provider{Latency: 5 * time.Millisecond}
	if _, err := New(f, "svc", 0).Generate(context.Background(), generate.Request{Item: 1}); err != nil {
		t.Fatal(err)
	}
}
