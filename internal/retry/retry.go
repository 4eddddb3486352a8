// Package retry calls an idempotent operation again when it fails with a
// fault worth retrying (*TemporaryError): after the server's Retry-After
// when it gave one (After parses it), else after a doubling, jittered
// back-off. Policy is the one retry policy and Do the one retry loop:
// pinning and verification wrap their IPFS and pinning-service clients with
// them, and so does the image providers' wrapper (generate/providers/retry),
// with JitterDown and MaxRetryAfter set for paid, rate-limited requests.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// TemporaryError is a fault worth retrying: HTTP 429 or 5xx, a timeout, a
// connection dropped mid-answer. It is the one such type: generate, pin and
// verify name it under their own names (type aliases).
type TemporaryError struct {
	Err        error
	StatusCode int           // HTTP status, or 0
	RetryAfter time.Duration // the wait the server asked for (After), or 0
}

func (e *TemporaryError) Error() string { return e.Err.Error() }
func (e *TemporaryError) Unwrap() error { return e.Err }

// IsTemporary reports whether err is worth retrying.
func IsTemporary(err error) bool {
	var t *TemporaryError
	return errors.As(err, &t)
}

// Jitter is how a back-off wait spreads around d = min(Base·2ⁿ, Max), so
// that clients that failed together do not come back together.
type Jitter int

const (
	// JitterUp waits between d and 1.5·d (never more than Max): never
	// sooner than the back-off. A Retry-After is waited exactly.
	JitterUp Jitter = iota
	// JitterDown waits between d/2 and d: never longer than the back-off.
	// A Retry-After is waited plus up to a tenth of it (at most a second),
	// so that the requests one answer held back do not all return in the
	// same instant.
	JitterDown
)

// Policy says how Do retries. The zero Policy tries once.
type Policy struct {
	Attempts int           // tries in all, at least 1
	Base     time.Duration // the first back-off (default 1 s); it doubles with each retry
	// Max caps the back-off (default a minute). Unless MaxRetryAfter is
	// set, it caps a Retry-After too: the wait is never longer than Max.
	Max time.Duration
	// MaxRetryAfter, when set, is the longest Retry-After honoured, however
	// long Max is; a longer one ends the retries at once with an error that
	// says when to re-run.
	MaxRetryAfter time.Duration
	Jitter        Jitter

	// Sleep waits d or until ctx ends (default Sleep; tests replace it).
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a float in [0, 1) for the jitter (default math/rand/v2).
	Rand func() float64
	// Notify, when set, hears about each retry before its wait: the try
	// that failed (1-based), its error and the wait.
	Notify func(try int, err error, wait time.Duration)
}

// ExhaustedError is what Do returns when the tries ran out on a fault still
// temporary: the last error, which it wraps, and how many tries were made.
type ExhaustedError struct {
	Err   error
	Tries int
}

func (e *ExhaustedError) Error() string {
	return fmt.Sprintf("%v (gave up after %d tries)", e.Err, e.Tries)
}
func (e *ExhaustedError) Unwrap() error { return e.Err }

// Do calls f (with the 1-based try number) until it succeeds, fails with an
// error that is not a *TemporaryError or that wraps an *ExhaustedError (an
// inner Do gave up: returned as it is, so nested loops never multiply their
// tries), ctx ends (the
// error wraps ctx.Err()), a Retry-After is longer than MaxRetryAfter, or the
// tries run out: then, when there were more than one, an *ExhaustedError
// wrapping f's last error.
func Do(ctx context.Context, pol Policy, f func(try int) error) error {
	attempts := max(pol.Attempts, 1)
	sleep := pol.Sleep
	if sleep == nil {
		sleep = Sleep
	}
	for try := 1; ; try++ {
		err := f(try)
		if err == nil {
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			if !errors.Is(err, cerr) {
				err = fmt.Errorf("%w (%v)", cerr, err)
			}
			return err
		}
		var te *TemporaryError
		if !errors.As(err, &te) {
			return err
		}
		if errors.As(err, new(*ExhaustedError)) {
			// An inner loop (a request retried inside an operation that is
			// retried too) already spent its tries: trying the whole again
			// would multiply them, minutes of tries for one fault.
			return err
		}
		if try >= attempts {
			if attempts == 1 {
				return err
			}
			return &ExhaustedError{Err: err, Tries: try}
		}
		wait, stop := pol.wait(te.RetryAfter, try, err)
		if stop != nil {
			return stop
		}
		if pol.Notify != nil {
			pol.Notify(try, err, wait)
		}
		if serr := sleep(ctx, wait); serr != nil {
			return fmt.Errorf("interrupted while waiting to retry (%v): %w", err, serr)
		}
	}
}

// wait is how long to wait after try (1-based) failed with err, which asked
// for retryAfter; or the error that ends the retries.
func (pol Policy) wait(retryAfter time.Duration, try int, err error) (time.Duration, error) {
	rnd := pol.Rand
	if rnd == nil {
		rnd = rand.Float64
	}
	maxWait := pol.Max
	if maxWait <= 0 {
		maxWait = time.Minute
	}
	if retryAfter <= 0 {
		return pol.Backoff(try-1, rnd()), nil
	}
	if pol.MaxRetryAfter > 0 {
		if retryAfter > pol.MaxRetryAfter {
			return 0, fmt.Errorf("the service asked to wait %s before retrying, longer than genmint waits (%s); re-run after %s: %w",
				retryAfter.Round(time.Second), pol.MaxRetryAfter, time.Now().Add(retryAfter).Format("15:04:05"), err)
		}
	} else {
		retryAfter = min(retryAfter, maxWait)
	}
	if pol.Jitter == JitterDown {
		retryAfter += time.Duration(rnd() * float64(min(retryAfter/10, time.Second)))
	}
	return retryAfter, nil
}

// Backoff is the wait before retry n (0-based) when the server asked for
// none, for a jitter draw r in [0, 1).
func (pol Policy) Backoff(n int, r float64) time.Duration {
	base, maxWait := pol.Base, pol.Max
	if base <= 0 {
		base = time.Second
	}
	if maxWait <= 0 {
		maxWait = time.Minute
	}
	d := base
	for i := 0; i < n && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	if pol.Jitter == JitterDown {
		return d/2 + time.Duration(r*float64(d/2))
	}
	return min(d+time.Duration(r*float64(d/2)), maxWait)
}

// Sleep waits d, or until ctx ends (returning its error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
