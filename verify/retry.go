package verify

import (
	"context"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/retry"
)

// TemporaryError is a fault worth retrying: HTTP 429 or 5xx, a connection
// dropped mid-answer. RetryAfter is the server's Retry-After, or 0.
type TemporaryError = retry.TemporaryError

// RetryPolicy bounds WithRetry: the one retry.Policy.
type RetryPolicy = retry.Policy

// DefaultRetry is what the verify command uses: four tries over about 15 s.
var DefaultRetry = RetryPolicy{Attempts: 4, Base: time.Second, Max: 20 * time.Second}

// WithRetry wraps c so that Cat and Block are retried on *TemporaryError,
// waiting the server's Retry-After when it gave one and a jittered,
// doubling back-off when not. Reads are idempotent, so retrying is safe.
// A fault still temporary after the last try means the source is not
// usable now: it comes back as ErrUnavailable, which stops verification
// (a token is never failed because a gateway was busy).
func WithRetry(c Content, pol RetryPolicy) Content {
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
	err := retry.Do(ctx, r.pol, func(int) error { return f() })
	if retry.IsTemporary(err) { // the tries ran out ("… (gave up after N tries)")
		return unavailable(err, "%s: try again later, or read from another source", err)
	}
	return err
}
