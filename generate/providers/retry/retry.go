// Package retry is the wrapper that retries a generate.Provider's
// temporary faults.
//
// Contract:
//   - Only errors that are a *generate.TemporaryError (429, 5xx, a timeout, a
//     connection lost) are retried. Refusals, 4xx answers, policy refusals and
//     unusable images are final and returned at once, so a refused prompt is
//     never sent twice and a broken answer is never paid for twice.
//   - The wait before retry n (0-based) is exponential with jitter:
//     uniformly random in [d/2, d] for d = min(Max, Base·2ⁿ). When the
//     service sent Retry-After (seconds or an HTTP date), the wait is at
//     least that; a Retry-After longer than MaxRetryAfter ends the retries
//     with a message saying when to come back.
//   - Cancelling ctx stops at once, during an attempt or a wait, with an
//     error wrapping ctx.Err().
//   - The attempt number (1-based) is in the context each attempt sees, so an
//     inner wrapper can journal attempts: Attempt(ctx).
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/genmint/genmint/generate"
)

// Policy configures Retry. Zero fields take the defaults below.
type Policy struct {
	MaxRetries    int           // retries after the first attempt (default 0: none)
	Base          time.Duration // first backoff (default 1s)
	Max           time.Duration // backoff cap (default 60s)
	MaxRetryAfter time.Duration // longest Retry-After honoured (default 5m)

	// Backpressure, when set, is told about every Retry-After so that other
	// requests to the same service wait too (limit.Rate implements it).
	Backpressure interface{ Defer(time.Duration) }
	// OnRetry, when set, is called before each wait (for logging). err is
	// already free of credentials.
	OnRetry func(req generate.Request, attempt int, wait time.Duration, err error)
	// Rand returns a float in [0, 1) for jitter; nil uses math/rand/v2.
	Rand func() float64
}

// Retry retries its inner provider's temporary faults.
type Retry struct {
	next generate.Provider
	p    Policy
}

var _ generate.Provider = (*Retry)(nil)

// New wraps next.
func New(next generate.Provider, p Policy) *Retry {
	if p.Base <= 0 {
		p.Base = time.Second
	}
	if p.Max <= 0 {
		p.Max = time.Minute
	}
	if p.Max < p.Base {
		p.Max = p.Base
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 5 * time.Minute
	}
	if p.Rand == nil {
		p.Rand = rand.Float64
	}
	return &Retry{next: next, p: p}
}

type attemptKey struct{}

// Attempt is the 1-based attempt number of the call ctx belongs to, or 0
// outside a Retry.
func Attempt(ctx context.Context) int {
	n, _ := ctx.Value(attemptKey{}).(int)
	return n
}

// WithAttempt marks ctx as belonging to attempt n (1-based), as Retry does
// for each attempt.
func WithAttempt(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, attemptKey{}, n)
}

// Generate calls the inner provider until it succeeds, fails finally, or
// the retries are spent.
func (r *Retry) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	for n := 0; ; n++ {
		res, err := r.next.Generate(WithAttempt(ctx, n+1), req)
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			if !errors.Is(err, ctx.Err()) {
				err = fmt.Errorf("%w (%v)", ctx.Err(), err)
			}
			return nil, err
		}
		var t *generate.TemporaryError
		if !errors.As(err, &t) {
			return nil, err
		}
		if n >= r.p.MaxRetries {
			if n == 0 {
				return nil, err
			}
			return nil, fmt.Errorf("gave up after %d attempts: %w", n+1, err)
		}
		wait := r.backoff(n)
		if t.RetryAfter > 0 {
			if t.RetryAfter > r.p.MaxRetryAfter {
				return nil, fmt.Errorf("the service asked to wait %s before retrying, longer than genmint waits (%s); re-run after %s: %w",
					t.RetryAfter.Round(time.Second), r.p.MaxRetryAfter, time.Now().Add(t.RetryAfter).Format("15:04:05"), err)
			}
			if r.p.Backpressure != nil {
				r.p.Backpressure.Defer(t.RetryAfter)
			}
			// Honour it exactly, plus a little jitter so that waiting
			// requests do not all return in the same instant.
			j := t.RetryAfter / 10
			if j > time.Second {
				j = time.Second
			}
			wait = t.RetryAfter + time.Duration(r.p.Rand()*float64(j))
		}
		if r.p.OnRetry != nil {
			r.p.OnRetry(req, n+1, wait, err)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("interrupted while waiting to retry (%v): %w", err, ctx.Err())
		case <-timer.C:
		}
	}
}

// backoff is the jittered exponential wait before retry n (0-based).
func (r *Retry) backoff(n int) time.Duration {
	d := r.p.Base
	for i := 0; i < n && d < r.p.Max; i++ {
		d *= 2
	}
	if d > r.p.Max {
		d = r.p.Max
	}
	return d/2 + time.Duration(r.p.Rand()*float64(d/2))
}
