// Package retry calls an idempotent operation again when it fails with a
// fault worth retrying (*TemporaryError): after the server's Retry-After when
// it gave one, else after a doubling, jittered back-off. Pinning and
// verification use it around their IPFS and pinning-service clients; the
// image providers have their own wrapper with rate-limit backpressure.
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

// Policy bounds Do.
type Policy struct {
	Attempts int           // total tries, at least 1
	Base     time.Duration // first back-off; doubles each time
	Max      time.Duration // back-off ceiling, and the most a Retry-After is honoured for (default a minute)
	// Sleep waits d or until ctx ends (default Sleep; tests replace it).
	Sleep func(ctx context.Context, d time.Duration) error
	// Notify, when set, hears about each retry (progress output).
	Notify func(err error, wait time.Duration)
}

// Do calls f until it succeeds, fails with an error that is not a
// *TemporaryError, ctx ends, or the attempts run out. It returns f's last
// error, and exhausted when the attempts ran out on a fault still temporary.
func Do(ctx context.Context, pol Policy, f func() error) (err error, exhausted bool) {
	attempts := max(pol.Attempts, 1)
	maxWait := pol.Max
	if maxWait <= 0 {
		maxWait = time.Minute
	}
	sleep := pol.Sleep
	if sleep == nil {
		sleep = Sleep
	}
	for i := 0; ; i++ {
		err = f()
		var te *TemporaryError
		if err == nil || !errors.As(err, &te) || ctx.Err() != nil {
			return err, false
		}
		if i == attempts-1 {
			return err, true
		}
		wait := te.RetryAfter
		if wait <= 0 {
			wait = pol.Base << i
			wait += time.Duration(rand.Int64N(int64(wait)/2 + 1)) // jitter up to +50%
		}
		wait = min(wait, maxWait)
		if pol.Notify != nil {
			pol.Notify(err, wait)
		}
		if serr := sleep(ctx, wait); serr != nil {
			return fmt.Errorf("%w (while waiting to retry: %v)", serr, err), false
		}
	}
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
