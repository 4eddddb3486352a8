// Package limit holds the wrappers that bound how hard genmint drives a
// provider: a concurrency limit and a requests-per-minute limiter.
//
// Contract (both wrappers):
//   - They only delay calls; they never fail one except when ctx is cancelled
//     while waiting, with an error wrapping ctx.Err() — nothing was sent.
//   - Waiting is fair enough for batch work: golang.org/x/time/rate's
//     reservations are served in order, and the concurrency slots are a
//     buffered channel.
package limit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/genmint/genmint/generate"
)

// Concurrency lets at most n calls run at once.
type Concurrency struct {
	next generate.Provider
	sem  chan struct{}
}

var _ generate.Provider = (*Concurrency)(nil)

// NewConcurrency wraps next; n < 1 means 1.
func NewConcurrency(next generate.Provider, n int) *Concurrency {
	if n < 1 {
		n = 1
	}
	return &Concurrency{next: next, sem: make(chan struct{}, n)}
}

// Generate waits for a free slot, then calls the inner provider.
func (c *Concurrency) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a free request slot: %w", ctx.Err())
	}
	defer func() { <-c.sem }()
	return c.next.Generate(ctx, req)
}

// Rate lets at most rpm calls start in any minute (smoothly: one every
// minute/rpm, with a burst of up to burst calls), and holds every call while
// the service has asked everyone to back off (Defer).
type Rate struct {
	next generate.Provider
	lim  *rate.Limiter // nil: no rate limit

	mu    sync.Mutex
	until time.Time // no call starts before this
}

var _ generate.Provider = (*Rate)(nil)

// NewRate wraps next. rpm <= 0 means no rate limit (Defer still works);
// burst < 1 means 1.
func NewRate(next generate.Provider, rpm, burst int) *Rate {
	r := &Rate{next: next}
	if rpm > 0 {
		if burst < 1 {
			burst = 1
		}
		r.lim = rate.NewLimiter(rate.Limit(float64(rpm)/60), burst)
	}
	return r
}

// Defer holds every call that has not started yet for d: a service's
// Retry-After applies to the whole account, not just the request that got
// the 429.
func (r *Rate) Defer(d time.Duration) {
	t := time.Now().Add(d)
	r.mu.Lock()
	if t.After(r.until) {
		r.until = t
	}
	r.mu.Unlock()
}

// Generate waits for the back-off period and a rate token, then calls the
// inner provider.
func (r *Rate) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	for {
		r.mu.Lock()
		wait := time.Until(r.until)
		r.mu.Unlock()
		if wait <= 0 {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting out the service's Retry-After: %w", ctx.Err())
		case <-t.C:
		}
	}
	if r.lim != nil {
		if err := r.lim.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("waiting for the requests-per-minute limit: %w", ctx.Err())
			}
			return nil, fmt.Errorf("waiting for the requests-per-minute limit: %w", err)
		}
	}
	return r.next.Generate(ctx, req)
}
