package pin

import (
	"context"
	"fmt"
	"io"
	"runtime"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"

	"github.com/genmint/genmint/pin/unixfs"
)

// WriteCAR streams every block of roots into w as one CARv1 whose header
// lists the roots' CIDs in order, importing each root locally (nothing is
// buffered beyond go-car's index of block CIDs). Each root must import to
// the CID genmint computed for it, or WriteCAR fails naming both. The output
// is deterministic: the same roots always give the same bytes, which lets an
// interrupted upload be regenerated and resumed.
func WriteCAR(ctx context.Context, w io.Writer, roots []Root) error {
	list := make([]cid.Cid, len(roots))
	for i, r := range roots {
		list[i] = r.CID
	}
	return writeCAR(ctx, w, list, roots)
}

// writeCAR is WriteCAR with the header's roots given apart from the roots
// whose blocks it writes: a CAR section that names roots whose blocks went
// earlier in the same import (header is never empty here; an empty header
// is written as [], not null).
func writeCAR(ctx context.Context, w io.Writer, header []cid.Cid, roots []Root) error {
	car, err := storage.NewWritable(w, header, carv2.WriteAsCarV1(true))
	if err != nil {
		return fmt.Errorf("car: %w", err)
	}
	put := func(ctx context.Context, b blocks.Block) error {
		return car.Put(ctx, b.Cid().KeyString(), b.RawData())
	}
	for _, r := range roots {
		// Files are hashed on every core; Put still gets the blocks in
		// sequential order, so the bytes do not depend on scheduling.
		opts := unixfs.ImportOptions{Put: put, Parallel: runtime.GOMAXPROCS(0)}
		var got cid.Cid
		if r.Dir != nil {
			got, _, err = unixfs.ImportDir(ctx, r.Dir, r.Profile, opts)
		} else {
			got, _, err = unixfs.ImportFile(ctx, r.File, r.Profile, opts)
		}
		if err != nil {
			return fmt.Errorf("car: %s: %w", r.Name, err)
		}
		if !got.Equals(r.CID) {
			return fmt.Errorf("%w: %s imports as %s now, genmint recorded %s: a file changed during the run; re-run",
				ErrCIDMismatch, r.Name, got, r.CID)
		}
	}
	return car.Finalize()
}

// countingWriter counts the bytes written through it and reports them.
type countingWriter struct {
	w      io.Writer
	n      int64
	report func(n int64)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if c.report != nil && n > 0 {
		c.report(c.n)
	}
	return n, err
}
