package verify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/ipfs/go-cid"
)

// TemporaryError is a fault worth retrying: HTTP 429 or 5xx, a connection
// dropped mid-answer. RetryAfter is the server's Retry-After, or 0.
type TemporaryError struct {
	Err        error
	StatusCode int
	RetryAfter time.Duration
}

func (e *TemporaryError) Error() string { return e.Err.Error() }
func (e *TemporaryError) Unwrap() error { return e.Err }

// RetryPolicy bounds WithRetry.
type RetryPolicy struct {
	Attempts int           // total tries, at least 1
	Base     time.Duration // first back-off; doubles each time
	Max      time.Duration // back-off ceiling, and the most a Retry-After is honoured for
	// Sleep waits d or until ctx ends (tests replace it).
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultRetry is what the verify command uses: four tries over about 15 s.
var DefaultRetry = RetryPolicy{Attempts: 4, Base: time.Second, Max: 20 * time.Second}

// WithRetry wraps c so that Cat and Block are retried on *TemporaryError,
// waiting the server's Retry-After when it gave one and a jittered,
// doubling back-off when not. Reads are idempotent, so retrying is safe.
// A fault still temporary after the last try means the source is not
// usable now: it comes back as ErrUnavailable, which stops verification
// (a token is never failed because a gateway was busy).
func WithRetry(c Content, pol RetryPolicy) Content {
	if pol.Attempts < 1 {
		pol.Attempts = 1
	}
	if pol.Max <= 0 {
		pol.Max = time.Minute
	}
	if pol.Sleep == nil {
		pol.Sleep = sleepCtx
	}
	return &retrying{c: c, pol: pol}
}

type retrying struct {
	c   Content
	pol RetryPolicy
}

var _ Content = (*retrying)(nil)

func (r *retrying) Source() string { return r.c.Source() }

func (r *retrying) Cat(ctx context.Context, root cid.Cid, path string, limit int64) ([]byte, error) {
	var b []byte
	err := r.do(ctx, func() (err error) { b, err = r.c.Cat(ctx, root, path, limit); return err })
	return b, err
}

func (r *retrying) Block(ctx context.Context, k cid.Cid) ([]byte, error) {
	var b []byte
	err := r.do(ctx, func() (err error) { b, err = r.c.Block(ctx, k); return err })
	return b, err
}

// Close closes the wrapped source when it has a Close.
func (r *retrying) Close() error {
	if c, ok := r.c.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

func (r *retrying) do(ctx context.Context, f func() error) error {
	for i := 0; ; i++ {
		err := f()
		var te *TemporaryError
		if err == nil || !errors.As(err, &te) || ctx.Err() != nil {
			return err
		}
		if i == r.pol.Attempts-1 {
			return unavailable(err, "%s (gave up after %d tries): try again later, or read from another source", err, r.pol.Attempts)
		}
		wait := te.RetryAfter
		if wait <= 0 {
			wait = r.pol.Base << i
			wait += time.Duration(rand.Int64N(int64(wait)/2 + 1))
		}
		if err := r.pol.Sleep(ctx, min(wait, r.pol.Max)); err != nil {
			return fmt.Errorf("%w (while waiting to retry: %v)", err, te)
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
