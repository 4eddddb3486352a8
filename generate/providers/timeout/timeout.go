// Package timeout is the wrapper that bounds each provider call.
//
// Contract: each call gets its own deadline d. When the deadline (not the
// caller's context) ends the call, the error is a *generate.TemporaryError
// wrapping ErrTimeout, so the retry wrapper above tries again; the inner
// provider has already been told through its context, and cancels the job
// where the service allows it (Replicate, ComfyUI). When the caller's
// context ends the call, the inner error (wrapping ctx.Err()) is returned
// unchanged.
package timeout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/genmint/genmint/generate"
)

// ErrTimeout is wrapped by the error of a call that ran out of time.
var ErrTimeout = errors.New("per-request timeout")

// Timeout gives every call a deadline.
type Timeout struct {
	next generate.Provider
	name string
	d    time.Duration
}

var _ generate.Provider = (*Timeout)(nil)

// New wraps next; d <= 0 means no deadline. name is the provider's name, for
// messages.
func New(next generate.Provider, name string, d time.Duration) *Timeout {
	return &Timeout{next: next, name: name, d: d}
}

// Generate calls the inner provider with a deadline.
func (t *Timeout) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	if t.d <= 0 {
		return t.next.Generate(ctx, req)
	}
	cctx, cancel := context.WithTimeout(ctx, t.d)
	defer cancel()
	res, err := t.next.Generate(cctx, req)
	if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return nil, &generate.TemporaryError{Err: fmt.Errorf("%s gave no answer for item %d within %s (%w; raise it in genmint.yaml if the service is just slow)", t.name, req.Item, t.d, ErrTimeout)}
	}
	return res, err
}
