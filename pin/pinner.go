package pin

import (
	"context"
	"io"
	"time"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/retry"
	"github.com/genmint/genmint/pin/unixfs"
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
	Dir  *unixfs.Dir
	File func() (io.ReadCloser, error)
	// Profile is the import profile CID was computed with.
	Profile unixfs.Profile
	// PinName labels the pin where a destination supports names.
	PinName string
	// Size is the root's cumulative DAG size as the local import computed
	// it (ipfs's Tsize): about the bytes of its CAR, for progress.
	Size uint64
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
//     (Run pins a run's independent roots side by side), except Pin on a
//     Committer, which Run drives one root at a time (it asks a
//     Committer's Pinned for every root at once).
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

// Streamer is a Committer that can take a run's blocks while Run computes
// the CIDs, so that the files are read once (a remote Kubo: one dag/import
// request whose first CAR section carries the blocks as they are made).
//
// Contract:
//   - Run calls StartStream with the run's context and an estimate of the
//     bytes to stream (for progress) before computing; the stream lives
//     until Commit or Abort.
//   - Run asks Pinned, before computing, about the roots its last
//     completed run and its newest recorded run name (and, for a remote
//     Kubo, those uploads/kubo.json records there); a root the
//     destination already holds is not streamed.
//   - Between blocks (Run computing roots the destination holds) the
//     stream may stay open with nothing to send: that is not a stall.
//   - PutBlock takes every block of each root to stream, in the order the
//     importer makes them (children before parents), from one goroutine,
//     and may not keep b's bytes once it returns (the importer reads the
//     next chunks into them). Nothing is pinned by it. It returns an error only when the stream
//     cannot succeed (a refused Authorization); a fault worth retrying is
//     kept for Commit, which then sends the roots again in a second pass.
//   - Streamed says every block of root c was given to PutBlock: a Pin of
//     c that follows need not read its files again. Carried reports it
//     while the stream is alive (nothing failed since): Run then asks
//     Pinned about c before Commit only when the state records the
//     destination holding c (a root streamed anyway is pinned by the
//     import whether the node had it or not, and confirmed after it).
//   - Pin queues roots as for any Committer; Commit pins them (sending the
//     blocks of roots not streamed), Abort ends the stream with nothing
//     pinned and is safe to call at any time, more than once.
type Streamer interface {
	Pinner
	Committer
	StartStream(ctx context.Context, estimate int64)
	PutBlock(ctx context.Context, b blocks.Block) error
	Streamed(c cid.Cid)
	Carried(c cid.Cid) bool
}

// asStreamer finds a Streamer below the retry wrapper, or returns nil.
func asStreamer(p Pinner) Streamer {
	for {
		if s, ok := p.(Streamer); ok {
			return s
		}
		w, ok := p.(interface{ Unwrap() Pinner })
		if !ok {
			return nil
		}
		p = w.Unwrap()
	}
}

// TemporaryError is a fault worth retrying: HTTP 429 or 5xx, a connection
// reset mid-request. RetryAfter is the server's Retry-After, or 0.
type TemporaryError = retry.TemporaryError

// IsTemporary reports whether err is worth retrying.
func IsTemporary(err error) bool { return retry.IsTemporary(err) }

// RetryPolicy bounds WithRetry (attempts, back-off, Retry-After ceiling):
// the one retry.Policy.
type RetryPolicy = retry.Policy

// DefaultRetry is what the pin command uses: five tries over about a minute.
var DefaultRetry = RetryPolicy{Attempts: 5, Base: 2 * time.Second, Max: 30 * time.Second}

// WithRetry wraps p so that Pin and Pinned are retried on *TemporaryError,
// waiting the server's Retry-After when it gave one and an exponential,
// jittered back-off when it did not (a 429 without Retry-After is common).
// Pin is idempotent, so retrying it whole is safe. A fault still temporary
// after the last try comes back as a *retry.ExhaustedError ("… (gave up
// after N tries)").
func WithRetry(p Pinner, pol RetryPolicy) Pinner {
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

// Unwrap is the wrapped destination (asStreamer looks below the retries).
func (r *retryingCommitter) Unwrap() Pinner { return r.p }

type retrying struct {
	p   Pinner
	pol RetryPolicy
}

var _ Pinner = (*retrying)(nil)

func (r *retrying) Destination() string { return r.p.Destination() }

func (r *retrying) Pinned(ctx context.Context, c cid.Cid) (bool, error) {
	var ok bool
	err := retry.Do(ctx, r.pol, func(int) (err error) { ok, err = r.p.Pinned(ctx, c); return err })
	return ok, err
}

func (r *retrying) Pin(ctx context.Context, root Root) (cid.Cid, error) {
	var got cid.Cid
	err := retry.Do(ctx, r.pol, func(int) (err error) { got, err = r.p.Pin(ctx, root); return err })
	return got, err
}
