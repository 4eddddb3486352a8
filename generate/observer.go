package generate

import "context"

// Observer is told about every attempt a provider sends to its service. The
// provider stack calls it from inside its retry wrapper (see
// generate/providers/observe), so an attempt the wrapper repeats is seen —
// and paid for — again.
//
// Begin runs just before the attempt is sent; an error from it means the
// attempt is not sent. finish runs once with the attempt's outcome.
type Observer interface {
	Begin(ctx context.Context, req Request, attempt int) (finish func(res *Result, err error), err error)
}

type acceptedKey struct{}

// WithAccepted returns a context whose provider calls report, through f, the
// id of each job the service has accepted (see Accepted).
func WithAccepted(ctx context.Context, f func(serviceID string)) context.Context {
	return context.WithValue(ctx, acceptedKey{}, f)
}

// Accepted is called by a provider as soon as its service has taken a job it
// can be asked about later (a Replicate prediction), before waiting for it,
// so that a run killed while the job runs can resume it (Request.Resume)
// rather than pay for it again.
func Accepted(ctx context.Context, serviceID string) {
	if f, ok := ctx.Value(acceptedKey{}).(func(string)); ok && serviceID != "" {
		f(serviceID)
	}
}
