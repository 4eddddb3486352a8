package generate

import (
	"context"
	"errors"
	"sync/atomic"
)

// Reach records, for one attempt, whether any of its requests reached the
// service: an HTTP provider's client marks it as soon as a request's
// headers are written. An attempt that ends in an error with nothing
// written (a refused connection, an unknown host, a failed TLS handshake)
// cannot have been billed.
type Reach struct{ reached atomic.Bool }

type reachKey struct{}

// WithReach returns a context whose requests mark the returned Reach.
func WithReach(ctx context.Context) (context.Context, *Reach) {
	r := &Reach{}
	return context.WithValue(ctx, reachKey{}, r), r
}

// Reached reports whether a request of the attempt was written.
func (r *Reach) Reached() bool { return r != nil && r.reached.Load() }

// MarkReached records that a request of ctx's attempt was written to the
// service (its headers at least).
func MarkReached(ctx context.Context) {
	if r, ok := ctx.Value(reachKey{}).(*Reach); ok {
		r.reached.Store(true)
	}
}

// Unreached reports whether ctx carries a Reach that no request has marked
// yet: an error now means the attempt never reached the service. Without a
// Reach nothing is known, and it reports false.
func Unreached(ctx context.Context) bool {
	r, ok := ctx.Value(reachKey{}).(*Reach)
	return ok && !r.Reached()
}

// NotSentError wraps the error of an attempt none of whose requests reached
// the service, so spend accounting settles it at 0.
type NotSentError struct{ Err error }

func (e *NotSentError) Error() string { return e.Err.Error() }

// Unwrap returns the transport's error.
func (e *NotSentError) Unwrap() error { return e.Err }

// NotSent reports whether err says the attempt never reached the service.
func NotSent(err error) bool {
	var ns *NotSentError
	return errors.As(err, &ns)
}
