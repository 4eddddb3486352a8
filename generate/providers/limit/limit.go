// Package limit holds the wrappers that bound how hard genmint drives a
// provider: a concurrency limit and a requests-per-minute limiter.
//
// Contract (both wrappers):
//   - They only delay calls; they never fail one except when ctx is cancelled
//     while waiting, with an error wrapping ctx.Err() — nothing was sent.
//   - Waiting is fair: golang.org/x/time/rate serves reservations in order,
//     and concurrency slots go first come, first served (retries first).
package limit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/retry"
)

// Concurrency lets at most n calls run at once. Waiting calls get a slot in
// the order they asked, except that a retry (retry.Attempt(ctx) > 1) goes
// before first attempts: it has waited already, and serving it first keeps
// retried items from piling up at the end of a batch.
type Concurrency struct {
	next generate.Provider

	mu      sync.Mutex
	free    int
	retries []*waiter
	firsts  []*waiter
}

type waiter struct {
	ch      chan struct{}
	granted bool
}

var _ generate.Provider = (*Concurrency)(nil)

// NewConcurrency wraps next; n < 1 means 1.
func NewConcurrency(next generate.Provider, n int) *Concurrency {
	if n < 1 {
		n = 1
	}
	return &Concurrency{next: next, free: n}
}

// Generate waits for a free slot, then calls the inner provider.
func (c *Concurrency) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	if err := c.acquire(ctx, retry.Attempt(ctx) > 1); err != nil {
		return nil, fmt.Errorf("waiting for a free request slot: %w", err)
	}
	defer c.release()
	return c.next.Generate(ctx, req)
}

func (c *Concurrency) acquire(ctx context.Context, isRetry bool) error {
	c.mu.Lock()
	if c.free > 0 && len(c.retries) == 0 && len(c.firsts) == 0 {
		c.free--
		c.mu.Unlock()
		return nil
	}
	w := &waiter{ch: make(chan struct{})}
	if isRetry {
		c.retries = append(c.retries, w)
	} else {
		c.firsts = append(c.firsts, w)
	}
	c.mu.Unlock()
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		if w.granted {
			// The slot arrived as we gave up: pass it on.
			c.mu.Unlock()
			c.release()
			return ctx.Err()
		}
		c.retries = remove(c.retries, w)
		c.firsts = remove(c.firsts, w)
		c.mu.Unlock()
		return ctx.Err()
	}
}

func (c *Concurrency) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	var w *waiter
	switch {
	case len(c.retries) > 0:
		w, c.retries = c.retries[0], c.retries[1:]
	case len(c.firsts) > 0:
		w, c.firsts = c.firsts[0], c.firsts[1:]
	default:
		c.free++
		return
	}
	w.granted = true
	close(w.ch)
}

func remove(list []*waiter, w *waiter) []*waiter {
	for i, x := range list {
		if x == w {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// waiting is the number of calls waiting for a slot (for tests).
func (c *Concurrency) waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.retries) + len(c.firsts)
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
