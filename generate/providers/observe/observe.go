// Package observe is the wrapper that reports every attempt sent to a
// service, so that the pipeline can journal paid work even when the retry
// wrapper repeats a request inside one Generate call.
//
// Contract: Observe sits inside the retry, concurrency, rate and timeout
// wrappers, right around the provider (and its image guard). Begin is called
// once per attempt, immediately before it is sent; if Begin fails, nothing
// is sent and its error is returned (final). The finish function it returns
// is called exactly once with the attempt's outcome, also when ctx was
// cancelled.
package observe

import (
	"context"
	"fmt"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/retry"
)

// Observer is told about every attempt; the pipeline declares it
// (generate.Observer), since it is the pipeline's journal that listens.
type Observer = generate.Observer

// Observe reports the attempts of its inner provider.
type Observe struct {
	next generate.Provider
	o    Observer
}

var _ generate.Provider = (*Observe)(nil)

// New wraps next.
func New(next generate.Provider, o Observer) *Observe { return &Observe{next: next, o: o} }

// Generate reports the attempt, makes it, and reports its outcome.
func (w *Observe) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	attempt := retry.Attempt(ctx)
	if attempt == 0 {
		attempt = 1
	}
	finish, err := w.o.Begin(ctx, req, attempt)
	if err != nil {
		return nil, fmt.Errorf("item %d not sent: %w", req.Item, err)
	}
	// The attempt's requests mark whether they reached the service, so a
	// failure that never left this machine is settled at 0.
	ctx, _ = generate.WithReach(ctx)
	res, err := w.next.Generate(ctx, req)
	if finish != nil {
		finish(res, err)
	}
	return res, err
}

// Func adapts a function to Observer.
type Func func(ctx context.Context, req generate.Request, attempt int) (func(*generate.Result, error), error)

// Begin calls f.
func (f Func) Begin(ctx context.Context, req generate.Request, attempt int) (func(*generate.Result, error), error) {
	return f(ctx, req, attempt)
}
