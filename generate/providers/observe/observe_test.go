package observe

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

func TestEveryAttemptIsReported(t *testing.T) {
	f := &fakeprov.Provider{Fail: func(_, call int) error {
		if call == 1 {
			return &generate.TemporaryError{Err: errors.New("503"), StatusCode: 503}
		}
		return nil
	}}
	var mu sync.Mutex
	var log []string
	o := Func(func(ctx context.Context, req generate.Request, attempt int) (func(*generate.Result, error), error) {
		mu.Lock()
		log = append(log, "begin")
		mu.Unlock()
		return func(res *generate.Result, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				log = append(log, "failed")
			} else {
				log = append(log, "ok "+res.RequestID)
			}
		}, nil
	})
	p := retry.New(New(f, o), retry.Policy{Attempts: 3, Base: time.Millisecond}, retry.Hooks{})
	if _, err := p.Generate(context.Background(), generate.Request{Item: 5}); err != nil {
		t.Fatal(err)
	}
	want := []string{"begin", "failed", "begin", "ok fake-5-2"}
	if len(log) != len(want) {
		t.Fatalf("log = %v", log)
	}
	for i := range want {
		if log[i] != want[i] {
			t.Fatalf("log = %v, want %v", log, want)
		}
	}
}

func TestBeginErrorStopsTheAttempt(t *testing.T) {
	f := &fakeprov.Provider{}
	boom := errors.New("journal is read-only")
	o := Func(func(context.Context, generate.Request, int) (func(*generate.Result, error), error) { return nil, boom })
	if _, err := New(f, o).Generate(context.Background(), generate.Request{Item: 1}); !errors.Is(err, boom) || f.Total() != 0 {
		t.Fatalf("err=%v calls=%d", err, f.Total())
	}
}
