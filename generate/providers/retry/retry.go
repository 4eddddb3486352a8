// Package retry is the wrapper that retries a generate.Provider's
// temporary faults. It runs on internal/retry's Do with the one retry
// Policy, set up for paid requests under a shared rate limit.
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
	"time"

	"github.com/genmint/genmint/generate"
	shared "github.com/genmint/genmint/internal/retry"
)

// Policy is the one retry policy (internal/retry.Policy). New gives its zero
// fields the providers' defaults: Base 1 s, Max 60 s (never below Base),
// MaxRetryAfter 5 min, and JitterDown.
type Policy = shared.Policy

// Hooks are what the wrapper tells the rest of the provider stack.
type Hooks struct {
	// Backpressure, when set, is told about every Retry-After so that other
	// requests to the same service wait too (limit.Rate implements it).
	Backpressure interface{ Defer(time.Duration) }
	// OnRetry, when set, is called before each wait (for logging). err is
	// already free of credentials.
	OnRetry func(req generate.Request, attempt int, wait time.Duration, err error)
}

// Retry retries its inner provider's temporary faults.
type Retry struct {
	next generate.Provider
	p    Policy
	h    Hooks
}

var _ generate.Provider = (*Retry)(nil)

// New wraps next.
func New(next generate.Provider, p Policy, h Hooks) *Retry {
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
	p.Jitter = shared.JitterDown
	return &Retry{next: next, p: p, h: h}
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
	pol := r.p
	pol.Notify = func(try int, err error, wait time.Duration) {
		var t *generate.TemporaryError
		if r.h.Backpressure != nil && errors.As(err, &t) && t.RetryAfter > 0 {
			r.h.Backpressure.Defer(t.RetryAfter)
		}
		if r.h.OnRetry != nil {
			r.h.OnRetry(req, try, wait, err)
		}
		if r.p.Notify != nil {
			r.p.Notify(try, err, wait)
		}
	}
	var res *generate.Result
	err := shared.Do(ctx, pol, func(try int) (err error) {
		res, err = r.next.Generate(WithAttempt(ctx, try), req)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
