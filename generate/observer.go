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
