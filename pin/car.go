package pin

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"

	"github.com/genmint/genmint/pin/unixfs"
)

// CARFile writes every block of a run's roots into one CARv1 file whose
// header names exactly those roots, so that `ipfs dag import FILE` (or a
// pinning service's CAR upload) yields the same CIDs genmint computed. No
// node is needed: the file is the embedded default destination.
//
// The file is written beside its final name and renamed into place by
// Commit, after an fsync: a crash never leaves a truncated CAR under the
// name the user asked for. Blocks appear once each, children before their
// parents, in the deterministic order the importer makes them, so the same
// collection always gives a byte-identical file.
type CARFile struct {
	path  string
	roots []cid.Cid

	mu       sync.Mutex       // Pinned may be called for several roots at once
	existing map[cid.Cid]bool // blocks of a complete file already at path with the same roots
	checked  bool

	tmp *os.File
	buf *bufio.Writer
	car storage.WritableCar
}

var (
	_ Pinner    = (*CARFile)(nil)
	_ Committer = (*CARFile)(nil)
)

// NewCAR returns a CAR destination at path whose header lists roots in
// order. Every root pinned into it must be one of them.
func NewCAR(path string, roots []cid.Cid) (*CARFile, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if len(roots) == 0 {
		return nil, errors.New("car: no roots")
	}
	return &CARFile{path: abs, roots: slices.Clone(roots)}, nil
}

// Path is the CAR file's absolute path.
func (c *CARFile) Path() string { return c.path }

// Destination implements Pinner.
func (c *CARFile) Destination() string { return "car " + c.path }

// Pinned implements Pinner: a complete CAR with the same roots is already
// at the path and holds c. (A file with other roots is replaced on Commit.)
func (c *CARFile) Pinned(ctx context.Context, k cid.Cid) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.checked {
		c.checked = true
		c.existing = readCompleteCAR(c.path, c.roots)
	}
	return c.existing[k], nil
}

// readCompleteCAR returns the block set of the CAR at path when its header
// lists exactly roots and every block in it is intact; nil otherwise.
func readCompleteCAR(path string, roots []cid.Cid) map[cid.Cid]bool {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	br, err := carv2.NewBlockReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil || !slices.EqualFunc(br.Roots, roots, cid.Cid.Equals) {
		return nil
	}
	have := map[cid.Cid]bool{}
	for {
		b, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil
		}
		// Re-hash: a damaged file must not count as pinned.
		if chk, err := b.Cid().Prefix().Sum(b.RawData()); err != nil || !chk.Equals(b.Cid()) {
			return nil
		}
		have[b.Cid()] = true
	}
	for _, r := range roots {
		if !have[r] {
			return nil
		}
	}
	return have
}

// Pin implements Pinner: import the root locally and append its blocks.
func (c *CARFile) Pin(ctx context.Context, r Root) (cid.Cid, error) {
	if !slices.ContainsFunc(c.roots, r.CID.Equals) {
		return cid.Undef, fmt.Errorf("car %s: %s is not one of the roots in its header", c.path, r.CID)
	}
	if err := c.open(); err != nil {
		return cid.Undef, err
	}
	put := func(ctx context.Context, b blocks.Block) error {
		return c.car.Put(ctx, b.Cid().KeyString(), b.RawData())
	}
	opts := unixfs.ImportOptions{Put: put}
	var got cid.Cid
	var err error
	if r.Dir != nil {
		got, _, err = unixfs.ImportDir(ctx, r.Dir, r.Profile, opts)
	} else {
		got, _, err = unixfs.ImportFile(ctx, r.File, r.Profile, opts)
	}
	if err != nil {
		return cid.Undef, fmt.Errorf("car %s: %s: %w", c.path, r.Name, err)
	}
	return got, nil
}

func (c *CARFile) open() error {
	if c.car != nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return fmt.Errorf("car: %w", err)
	}
	// A run killed mid-write leaves its temporary file; the collection
	// lock means no other genmint is writing one now.
	if stale, _ := filepath.Glob(filepath.Join(filepath.Dir(c.path), "."+filepath.Base(c.path)+".tmp-*")); len(stale) > 0 {
		for _, f := range stale {
			os.Remove(f)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), "."+filepath.Base(c.path)+".tmp-"+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return fmt.Errorf("car: %w", err)
	}
	c.tmp = tmp
	c.buf = bufio.NewWriterSize(tmp, 1<<20)
	// CARv1 streams; go-car's index drops repeated blocks.
	c.car, err = storage.NewWritable(c.buf, c.roots, carv2.WriteAsCarV1(true))
	if err != nil {
		c.Abort()
		return fmt.Errorf("car: %w", err)
	}
	return nil
}

// Commit implements Committer: flush, fsync, rename into place. Without a
// Pin since the last Commit (everything was already there) it does nothing.
func (c *CARFile) Commit(ctx context.Context) error {
	if c.car == nil {
		return nil
	}
	defer c.Abort()
	if err := c.car.Finalize(); err != nil {
		return fmt.Errorf("car %s: %w", c.path, err)
	}
	if err := c.buf.Flush(); err != nil {
		return fmt.Errorf("car %s: %w", c.path, err)
	}
	if err := c.tmp.Sync(); err != nil {
		return fmt.Errorf("car %s: %w", c.path, err)
	}
	if err := c.tmp.Close(); err != nil {
		return fmt.Errorf("car %s: %w", c.path, err)
	}
	if err := os.Rename(c.tmp.Name(), c.path); err != nil {
		return fmt.Errorf("car %s: %w", c.path, err)
	}
	c.tmp = nil
	if d, err := os.Open(filepath.Dir(c.path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	c.mu.Lock()
	c.checked = false
	c.mu.Unlock()
	return nil
}

// Abort implements Committer: drop the unfinished file.
func (c *CARFile) Abort() {
	if c.tmp != nil {
		name := c.tmp.Name()
		c.tmp.Close()
		os.Remove(name)
		c.tmp = nil
	}
	c.car, c.buf = nil, nil
}
