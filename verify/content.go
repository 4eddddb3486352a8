package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	mdag "github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs"
	"github.com/ipfs/boxo/ipld/unixfs/hamt"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// Content reads a published collection's bytes from IPFS. It is the seam
// between the verifier and wherever the bytes live: a Kubo node (Kubo), an
// HTTP gateway (Gateway), a CAR file (CAR).
//
// Contract:
//   - Cat returns the bytes of the UnixFS file at root/path (path is
//     slash-separated, without a leading slash; "" is root itself). A file
//     larger than limit fails with ErrTooLarge after reading at most
//     limit+1 bytes.
//   - Block returns one block's bytes as stored. Nothing returned is trusted:
//     the verifier hashes every block against its CID and re-derives every
//     file's CID from the bytes Cat returns, so a lying source is caught,
//     never believed.
//   - What the source does not have (an unknown CID, no such name in a
//     directory) fails with ErrNotFound (wrapped): a failure of the token
//     that needed it. The verifier bounds each call with a timeout and
//     counts running out of it as not found.
//   - A source that cannot be used at all (connection refused, no such
//     host, an unreadable CAR file) fails with ErrUnavailable (wrapped), in
//     one line naming the fix: verification stops there.
//   - When ctx ends, calls return promptly with an error wrapping ctx.Err();
//     an HTTP request in flight is aborted.
//   - Nothing is retried inside an adapter: a fault worth retrying (HTTP 429
//     or 5xx) comes back as *TemporaryError, and WithRetry retries it.
//   - Safe for concurrent use: the verifier checks several tokens at once.
type Content interface {
	// Source names the source for messages and the report, e.g.
	// "kubo http://127.0.0.1:5001", "gateway https://ipfs.io",
	// "car /abs/collection.car".
	Source() string
	Cat(ctx context.Context, root cid.Cid, path string, limit int64) ([]byte, error)
	Block(ctx context.Context, c cid.Cid) ([]byte, error)
}

// Sentinels for what a Content reports; match with errors.Is.
var (
	// ErrNotFound: the source does not have the content (or a directory
	// has no such name).
	ErrNotFound = errors.New("not found")
	// ErrTooLarge: the file is larger than the verifier accepts.
	ErrTooLarge = errors.New("file too large")
	// ErrUnavailable: the source cannot be used at all; verification stops.
	ErrUnavailable = errors.New("source unavailable")
	// ErrNotDirectory: a CID that must be a UnixFS directory is not one.
	ErrNotDirectory = errors.New("not a UnixFS directory")
	// ErrBadBlock: a block's bytes do not hash to its CID.
	ErrBadBlock = errors.New("block does not match its CID")
)

// unavailableError is an ErrUnavailable whose text is a complete one-line
// message; it also matches its cause (e.g. pin.ErrKuboUnreachable).
type unavailableError struct {
	msg   string
	cause error
}

func (e *unavailableError) Error() string   { return e.msg }
func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.cause} }

func unavailable(cause error, format string, args ...any) error {
	return &unavailableError{msg: fmt.Sprintf(format, args...), cause: cause}
}

// maxBlock bounds one block: the profile's chunks are at most 1 MiB, and a
// dag-pb node of 1024 links or a directory shard stays far below 2 MiB
// (Kubo refuses blocks above that).
const maxBlock = 2 << 20

// blockDAG is a read-only ipld.DAGService over a Content's blocks. Every
// block is hashed against its CID before use. Directory blocks are cached:
// every token walks the same few directory roots.
type blockDAG struct {
	c     Content
	cache *blockCache
}

func newBlockDAG(c Content) *blockDAG { return &blockDAG{c: c, cache: newBlockCache(4096)} }

var _ ipld.DAGService = (*blockDAG)(nil)

// Get fetches, checks and decodes one block (dag-pb or raw).
func (d *blockDAG) Get(ctx context.Context, k cid.Cid) (ipld.Node, error) {
	if raw, ok := d.cache.get(k); ok {
		return decodeBlock(k, raw)
	}
	raw, err := d.c.Block(ctx, k)
	if err != nil {
		return nil, err
	}
	nd, err := decodeBlock(k, raw)
	if err != nil {
		return nil, err
	}
	if k.Type() == cid.DagProtobuf {
		d.cache.put(k, raw)
	}
	return nd, nil
}

// GetMany implements ipld.NodeGetter, one block at a time.
func (d *blockDAG) GetMany(ctx context.Context, ks []cid.Cid) <-chan *ipld.NodeOption {
	ch := make(chan *ipld.NodeOption, len(ks))
	go func() {
		defer close(ch)
		for _, k := range ks {
			nd, err := d.Get(ctx, k)
			ch <- &ipld.NodeOption{Node: nd, Err: err}
		}
	}()
	return ch
}

// The write half of ipld.DAGService, which boxo's HAMT reader asks for but
// never uses when only reading.
func (d *blockDAG) Add(context.Context, ipld.Node) error        { return errReadOnly }
func (d *blockDAG) AddMany(context.Context, []ipld.Node) error  { return errReadOnly }
func (d *blockDAG) Remove(context.Context, cid.Cid) error       { return errReadOnly }
func (d *blockDAG) RemoveMany(context.Context, []cid.Cid) error { return errReadOnly }

var errReadOnly = errors.New("verify: read-only DAG")

// decodeBlock checks raw against k and decodes it.
func decodeBlock(k cid.Cid, raw []byte) (ipld.Node, error) {
	if len(raw) > maxBlock {
		return nil, fmt.Errorf("%w: block %s is %d bytes", ErrBadBlock, k, len(raw))
	}
	sum, err := k.Prefix().Sum(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadBlock, k, err)
	}
	if !sum.Equals(k) {
		return nil, fmt.Errorf("%w: the bytes served for %s hash to %s", ErrBadBlock, k, sum)
	}
	blk, err := blocks.NewBlockWithCid(raw, k)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadBlock, k, err)
	}
	switch k.Type() {
	case cid.DagProtobuf:
		nd, err := mdag.DecodeProtobufBlock(blk)
		if err != nil {
			return nil, fmt.Errorf("%w: %s is not a dag-pb node: %v", ErrBadBlock, k, err)
		}
		return nd, nil
	case cid.Raw:
		return mdag.DecodeRawBlock(blk)
	}
	return nil, fmt.Errorf("%w: %s has codec 0x%x, not dag-pb or raw", ErrBadBlock, k, k.Type())
}

// entry returns the CID the UnixFS directory root (basic or sharded) links
// name to, reading only the directory's own blocks.
func entry(ctx context.Context, d *blockDAG, root cid.Cid, name string) (cid.Cid, error) {
	nd, err := d.Get(ctx, root)
	if err != nil {
		return cid.Undef, err
	}
	pn, ok := nd.(*mdag.ProtoNode)
	if !ok {
		return cid.Undef, fmt.Errorf("%w: %s is a raw block", ErrNotDirectory, root)
	}
	fs, err := unixfs.FSNodeFromBytes(pn.Data())
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %s: %v", ErrNotDirectory, root, err)
	}
	switch fs.Type() {
	case unixfs.TDirectory:
		for _, l := range pn.Links() {
			if l.Name == name {
				return l.Cid, nil
			}
		}
		return cid.Undef, fmt.Errorf("%w: directory %s has no entry %q", ErrNotFound, root, name)
	case unixfs.THAMTShard:
		shard, err := hamt.NewHamtFromDag(d, pn)
		if err != nil {
			return cid.Undef, fmt.Errorf("%w: sharded directory %s: %v", ErrNotDirectory, root, err)
		}
		l, err := shard.Find(ctx, name)
		if errors.Is(err, os.ErrNotExist) {
			return cid.Undef, fmt.Errorf("%w: directory %s has no entry %q", ErrNotFound, root, name)
		}
		if err != nil {
			return cid.Undef, err
		}
		return l.Cid, nil
	}
	return cid.Undef, fmt.Errorf("%w: %s is a UnixFS %s", ErrNotDirectory, root, fs.Type())
}

// catBlocks reads the UnixFS file at root/path from blocks alone: each
// path element is resolved in its directory, then the file DAG is read.
func catBlocks(ctx context.Context, d *blockDAG, root cid.Cid, path string, limit int64) ([]byte, error) {
	k := root
	if path != "" {
		for _, name := range strings.Split(path, "/") {
			next, err := entry(ctx, d, k, name)
			if err != nil {
				return nil, err
			}
			k = next
		}
	}
	nd, err := d.Get(ctx, k)
	if err != nil {
		return nil, err
	}
	r, err := uio.NewDagReader(ctx, nd, d)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", k, err)
	}
	defer r.Close()
	if r.Size() > uint64(limit) {
		return nil, fmt.Errorf("%w: %s is %d bytes, the limit is %d", ErrTooLarge, k, r.Size(), limit)
	}
	return readLimited(r, limit)
}

// readLimited reads r to the end, failing with ErrTooLarge beyond limit.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return b, nil
}

// blockCache keeps the verified bytes of directory blocks (nodes are
// decoded again for each use, so no goroutine shares one). It is bounded by
// count and simply starts over when full: a collection has a handful of
// directories.
type blockCache struct {
	mu  sync.Mutex
	max int
	m   map[cid.Cid][]byte
}

func newBlockCache(max int) *blockCache { return &blockCache{max: max, m: map[cid.Cid][]byte{}} }

func (c *blockCache) get(k cid.Cid) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[k]
	return b, ok
}

func (c *blockCache) put(k cid.Cid, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		c.m = map[cid.Cid][]byte{}
	}
	c.m[k] = b
}
