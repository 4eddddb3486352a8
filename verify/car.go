package verify

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/blockstore"
)

// CAR reads content from a CAR file (v1 or v2), such as the one
// `genmint pin --car FILE` writes, with go-car's read-only blockstore and
// boxo's UnixFS readers: verification needs no node and no network.
type CAR struct {
	path string
	bs   *blockstore.ReadOnly
	dag  *blockDAG
}

var _ Content = (*CAR)(nil)

// OpenCAR opens the CAR file at path, indexing a CARv1 in memory.
func OpenCAR(path string) (*CAR, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	bs, err := blockstore.OpenReadOnly(abs, carv2.ZeroLengthSectionAsEOF(true))
	if err != nil {
		return nil, unavailable(err, "cannot read the CAR file %s: %v: give the file 'genmint pin --car' wrote", abs, err)
	}
	c := &CAR{path: abs, bs: bs}
	c.dag = newBlockDAG(c)
	return c, nil
}

// Source implements Content.
func (c *CAR) Source() string { return "car " + c.path }

// Roots are the roots the file's header names.
func (c *CAR) Roots() ([]cid.Cid, error) { return c.bs.Roots() }

// Block implements Content.
func (c *CAR) Block(ctx context.Context, k cid.Cid) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := c.bs.Get(ctx, k)
	if ipld.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s has no block %s", ErrNotFound, c.path, k)
	}
	if err != nil {
		return nil, unavailable(err, "cannot read the CAR file %s: %v", c.path, err)
	}
	return b.RawData(), nil
}

// Cat implements Content, resolving the path through the file's directory
// blocks and reading the file's DAG.
func (c *CAR) Cat(ctx context.Context, root cid.Cid, path string, limit int64) ([]byte, error) {
	return catBlocks(ctx, c.dag, root, path, limit)
}

// Close releases the file.
func (c *CAR) Close() error { return c.bs.Close() }
