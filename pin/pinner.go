package pin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/ipfs/go-cid"
)

// Root is one thing genmint puts on IPFS — the images directory, the
// originals, the provenance records, the metadata folder, the contract
// metadata file — together with the CID genmint computed for it locally.
type Root struct {
	// Name is the root's role: "images", "originals", "provenance",
	// "metadata" or "contract". It also names the top directory in an
	// upload and the pin.
	Name string
	// CID is the locally computed CID under Profile. A destination that
	// ends up with anything else has failed.
	CID cid.Cid
	// Exactly one of Dir and File is set.
	Dir  *Dir
	File func() (io.ReadCloser, error)
	// Profile is the import profile CID was computed with.
	Profile Profile
	// PinName labels the pin where a destination supports names.
	PinName string
	// Known, when set, answers the CID and cumulative size genmint
	// computed for each file below a directory root, so a destination that
	// must re-import under other directory settings need not read files.
	Known func(path string) (cid.Cid, uint64, bool)
	// Entry, when set, is told the CID the destination computed for each
	// file below a directory root (path relative to the root), as the
	// destination learns them. A non-nil error aborts the Pin: Run uses it
	// to stop at the first file whose CID differs from the local one.
	Entry func(path string, c cid.Cid) error
}

// Pinner makes roots durable at one destination: a Kubo node, a CAR file, a
// remote Pinning Service. It is the seam between genmint's pipeline and
// IPFS storage.
//
// Contract:
//   - Pin stores the root's blocks (or, for a destination that fetches
//     blocks itself, asks for the root's CID) and keeps them pinned, then
//     returns the root CID the destination computed or holds. It never
//     decides CIDs: the caller compares the returned CID with Root.CID.
//   - Pin and Pinned are safe to call concurrently for different roots
//     (Run pins a run's independent roots side by side), except on a
//     Committer, which Run drives one root at a time.
//   - Pin and Pinned are idempotent: pinning a root that is already pinned
//     changes nothing and is cheap; a Pin cut short (kill -9, Ctrl-C, a
//     dropped connection) leaves nothing that a later Pin of the same root
//     cannot complete.
//   - When ctx ends, Pin and Pinned return promptly with an error wrapping
//     ctx.Err(); the HTTP request in flight is aborted.
//   - A fault worth retrying (429, 5xx, a reset connection) comes back as a
//     *TemporaryError. Retrying is the WithRetry wrapper's job, never the
//     adapter's. An unreachable destination is not temporary: it is reported
//     at once, in one line naming the fix.
//   - Errors never contain credentials.
type Pinner interface {
	// Destination names where blocks go, for the state and for messages,
	// e.g. "kubo http://127.0.0.1:5001", "car /abs/collection.car",
	// "pinning-service https://api.example.com/psa".
	Destination() string
	// Pinned reports whether c is already pinned (with everything below
	// it) at this destination.
	Pinned(ctx context.Context, c cid.Cid) (bool, error)
	// Pin makes r durable here and returns the root CID the destination has.
	Pin(ctx context.Context, r Root) (cid.Cid, error)
}

// Committer is implemented by a Pinner that only makes its work durable at
// the end (a CAR file is renamed into place once complete). Run calls
// Commit after the last Pin of a run, and Abort when the run fails.
type Committer interface {
	Commit(ctx context.Context) error
	Abort()
}

// TemporaryError is a fault worth retrying: HTTP 429 or 5xx, a connection
// reset mid-request. RetryAfter is the server's Retry-After, or 0.
type TemporaryError struct {
	Err        error
	StatusCode int
	RetryAfter time.Duration
}

func (e *TemporaryError) Error() string { return e.Err.Error() }
func (e *TemporaryError) Unwrap() error { return e.Err }

// IsTemporary reports whether err is worth retrying.
func IsTemporary(err error) bool {
	var t *TemporaryError
	return errors.As(err, &t)
}

// RetryPolicy bounds WithRetry.
type RetryPolicy struct {
	Attempts int           // total tries, at least 1
	Base     time.Duration // first back-off; doubles each time
	Max      time.Duration // back-off ceiling, and the most a Retry-After is honoured for
	// Sleep waits d or until ctx ends (tests replace it).
	Sleep func(ctx context.Context, d time.Duration) error
	// Notify, when set, hears about each retry (progress output).
	Notify func(err error, wait time.Duration)
}

// DefaultRetry is what the pin command uses: five tries over about a minute.
var DefaultRetry = RetryPolicy{Attempts: 5, Base: 2 * time.Second, Max: 30 * time.Second}

// WithRetry wraps p so that Pin and Pinned are retried on *TemporaryError,
// waiting the server's Retry-After when it gave one and an exponential,
// jittered back-off when it did not (a 429 without Retry-After is common).
// Pin is idempotent, so retrying it whole is safe.
func WithRetry(p Pinner, pol RetryPolicy) Pinner {
	if pol.Attempts < 1 {
		pol.Attempts = 1
	}
	if pol.Sleep == nil {
		pol.Sleep = sleepCtx
	}
	if pol.Max <= 0 {
		pol.Max = time.Minute
	}
	r := &retrying{p: p, pol: pol}
	if c, ok := p.(Committer); ok {
		return &retryingCommitter{retrying: r, c: c}
	}
	return r
}

// retryingCommitter keeps a wrapped Committer visible as one.
type retryingCommitter struct {
	*retrying
	c Committer
}

var _ Committer = (*retryingCommitter)(nil)

func (r *retryingCommitter) Commit(ctx context.Context) error { return r.c.Commit(ctx) }
func (r *retryingCommitter) Abort()                           { r.c.Abort() }

type retrying struct {
	p   Pinner
	pol RetryPolicy
}

var _ Pinner = (*retrying)(nil)

func (r *retrying) Destination() string { return r.p.Destination() }

func (r *retrying) Pinned(ctx context.Context, c cid.Cid) (bool, error) {
	var ok bool
	err := r.do(ctx, func() (err error) { ok, err = r.p.Pinned(ctx, c); return err })
	return ok, err
}

func (r *retrying) Pin(ctx context.Context, root Root) (cid.Cid, error) {
	var got cid.Cid
	err := r.do(ctx, func() (err error) { got, err = r.p.Pin(ctx, root); return err })
	return got, err
}

func (r *retrying) do(ctx context.Context, f func() error) error {
	var err error
	for i := 0; i < r.pol.Attempts; i++ {
		err = f()
		var te *TemporaryError
		if err == nil || !errors.As(err, &te) || ctx.Err() != nil {
			return err
		}
		if i == r.pol.Attempts-1 {
			break
		}
		wait := te.RetryAfter
		if wait <= 0 {
			wait = r.pol.Base << i
			wait += time.Duration(rand.Int64N(int64(wait)/2 + 1)) // jitter up to +50%
		}
		wait = min(wait, r.pol.Max)
		if r.pol.Notify != nil {
			r.pol.Notify(err, wait)
		}
		if serr := r.pol.Sleep(ctx, wait); serr != nil {
			return serr
		}
	}
	return fmt.Errorf("%w (gave up after %d tries)", err, r.pol.Attempts)
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
