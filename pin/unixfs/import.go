package unixfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	chunker "github.com/ipfs/boxo/chunker"
	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	ihelper "github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// Dir is a UnixFS directory to import: named entries, each a file or a
// directory. It holds no file contents, only ways to open them, so a
// collection of any size costs a few hundred bytes per entry.
type Dir struct {
	entries []Entry
	sorted  bool
}

// Entry is one name in a Dir: a file (Open set) or a directory (Dir set).
type Entry struct {
	Name string
	// Open returns the file's bytes from the start. It is called once per
	// pass over the tree (local computation, upload, CAR writing), so it
	// must return the same bytes every time.
	Open func() (io.ReadCloser, error)
	Dir  *Dir
}

// AddFile adds a file whose bytes come from open.
func (d *Dir) AddFile(name string, open func() (io.ReadCloser, error)) {
	d.entries = append(d.entries, Entry{Name: name, Open: open})
	d.sorted = false
}

// AddPath adds the file at path on disk.
func (d *Dir) AddPath(name, file string) {
	d.AddFile(name, func() (io.ReadCloser, error) { return os.Open(file) })
}

// AddBytes adds a file with the given contents.
func (d *Dir) AddBytes(name string, b []byte) {
	d.AddFile(name, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
}

// AddDir adds and returns a new sub-directory.
func (d *Dir) AddDir(name string) *Dir {
	sub := &Dir{}
	d.entries = append(d.entries, Entry{Name: name, Dir: sub})
	d.sorted = false
	return sub
}

// Entries returns the entries in name order (the order dag-pb links are
// stored in, and the order genmint uploads them in).
func (d *Dir) Entries() []Entry {
	if !d.sorted {
		slices.SortFunc(d.entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
		d.sorted = true
	}
	return d.entries
}

// Len is the number of entries.
func (d *Dir) Len() int { return len(d.entries) }

// Check rejects names UnixFS cannot hold and duplicates.
func (d *Dir) Check() error {
	prev := ""
	for i, e := range d.Entries() {
		if e.Name == "" || e.Name == "." || e.Name == ".." || strings.ContainsAny(e.Name, "/\x00") {
			return fmt.Errorf("invalid file name %q", e.Name)
		}
		if i > 0 && e.Name == prev {
			return fmt.Errorf("duplicate file name %q", e.Name)
		}
		prev = e.Name
		if e.Dir != nil {
			if err := e.Dir.Check(); err != nil {
				return fmt.Errorf("%s/%w", e.Name, err)
			}
		} else if e.Open == nil {
			return fmt.Errorf("%s: neither file nor directory", e.Name)
		}
	}
	return nil
}

// Imported is what a local import learned about one entry.
type Imported struct {
	Path string  // slash-separated, relative to the imported directory
	CID  cid.Cid // the entry's root CID
	Size uint64  // cumulative DAG size (the Tsize its parent links with)
	Dir  bool
}

// ImportOptions tune a local import.
type ImportOptions struct {
	// Put receives every block in the order the importer makes them
	// (children before parents). Nil discards them: a dry run only hashes.
	// Put must not keep a block's bytes (b.RawData()) after it returns:
	// the importer reads the next chunks of the files into them.
	Put func(ctx context.Context, b blocks.Block) error
	// Entry, when set, is told about every file and directory below the
	// root, children before their directory.
	Entry func(Imported) error
	// Wrap wraps each file's reader (hash checks, byte counters).
	Wrap func(path string, r io.Reader) io.Reader
	// Parallel > 1 imports that many files of a directory at once; the
	// result is identical, and Put still receives the blocks in the order
	// a sequential import makes them (a file's blocks wait, a few at a
	// time, until the files before it are done), so a CAR written from
	// them does not depend on scheduling.
	Parallel int
	// Known, when set, may answer a file's CID and cumulative size from an
	// earlier import under the same file parameters; such a file is not
	// read again. Only directories are rebuilt, which is how a Kubo node's
	// own directory settings are checked cheaply. Blocks of known files are
	// not passed to Put.
	Known func(path string) (cid.Cid, uint64, bool)
}

// ImportDir computes the UnixFS DAG of d under profile p the way Kubo's
// `ipfs add -r` does, and returns the root. It reads each file once and
// keeps no file data: memory stays flat however large the files are.
func ImportDir(ctx context.Context, d *Dir, p Profile, opts ImportOptions) (cid.Cid, uint64, error) {
	b, err := newImporter(p, opts)
	if err != nil {
		return cid.Undef, 0, err
	}
	nd, err := b.dir(ctx, "", d)
	if err != nil {
		return cid.Undef, 0, err
	}
	size, err := nd.Size()
	return nd.Cid(), size, err
}

// ImportFile computes the UnixFS DAG of one file, like `ipfs add FILE`.
func ImportFile(ctx context.Context, open func() (io.ReadCloser, error), p Profile, opts ImportOptions) (cid.Cid, uint64, error) {
	b, err := newImporter(p, opts)
	if err != nil {
		return cid.Undef, 0, err
	}
	nd, err := b.file(ctx, "", open)
	if err != nil {
		return cid.Undef, 0, err
	}
	size, err := nd.Size()
	return nd.Cid(), size, err
}

type importer struct {
	p     Profile
	dserv *sinkDAG
	opts  ImportOptions
	bufs  *chunkBufs // nil: chunks are not recycled
}

func newImporter(p Profile, opts ImportOptions) (*importer, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if _, err := p.cidBuilder(); err != nil {
		return nil, err
	}
	b := &importer{p: p, opts: opts}
	if p.RawLeaves {
		// A raw leaf's bytes are its chunk: once the leaf has been put,
		// the chunk's buffer can take the next one.
		b.bufs = newChunkBufs(int(p.ChunkSize), max(opts.Parallel, 1))
	}
	b.dserv = &sinkDAG{put: opts.Put, bufs: b.bufs}
	return b, nil
}

func (b *importer) file(ctx context.Context, p string, open func() (io.ReadCloser, error)) (ipld.Node, error) {
	rc, err := open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	size := int64(-1)
	if f, ok := rc.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	var r io.Reader = &ctxReader{ctx: ctx, r: rc}
	if b.opts.Wrap != nil {
		r = b.opts.Wrap(p, r)
	}
	var spl chunker.Splitter
	if size >= 0 {
		spl = &sizedSplitter{r: r, chunk: b.p.ChunkSize, left: size, bufs: b.bufs}
	} else if spl, err = chunker.FromString(r, b.p.Chunker()); err != nil {
		return nil, err
	}
	cb, _ := b.p.cidBuilder()
	params := ihelper.DagBuilderParams{
		Dagserv:    b.dserv,
		RawLeaves:  b.p.RawLeaves,
		Maxlinks:   b.p.FileMaxLinks,
		CidBuilder: cb,
	}
	db, err := params.New(spl)
	if err != nil {
		return nil, err
	}
	nd, err := balanced.Layout(db)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", p, err)
	}
	return nd, nil
}

func (b *importer) dir(ctx context.Context, p string, d *Dir) (ipld.Node, error) {
	cb, _ := b.p.cidBuilder()
	ud, err := uio.NewDirectory(b.dserv,
		uio.WithCidBuilder(cb),
		uio.WithMaxLinks(b.p.DirectoryMaxLinks),
		uio.WithMaxHAMTFanout(b.p.HAMTFanout),
		uio.WithSizeEstimationMode(b.p.estimation()),
	)
	if err != nil {
		return nil, err
	}
	// The threshold is per directory here; Kubo sets boxo's global from
	// its configuration at start-up. Same number, no shared state.
	ud.SetHAMTShardingSize(b.p.HAMTThreshold)
	entries := d.Entries()
	ahead := b.readAhead(ctx, p, entries)
	defer ahead.stop()
	for i, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cp := path.Join(p, e.Name)
		var child ipld.Node
		switch {
		case e.Dir != nil:
			child, err = b.dir(ctx, cp, e.Dir)
		case ahead != nil:
			child, err = ahead.take(ctx, i)
		default:
			if c, size, ok := b.known(cp); ok {
				child = &knownNode{c: c, size: size}
			} else {
				child, err = b.file(ctx, cp, e.Open)
			}
		}
		if err != nil {
			return nil, err
		}
		if b.opts.Entry != nil && e.Dir == nil {
			size, err := child.Size()
			if err != nil {
				return nil, err
			}
			if err := b.opts.Entry(Imported{Path: cp, CID: child.Cid(), Size: size}); err != nil {
				return nil, err
			}
		}
		if err := ud.AddChild(ctx, e.Name, child); err != nil {
			return nil, fmt.Errorf("import %s: %w", cp, err)
		}
	}
	nd, err := ud.GetNode()
	if err != nil {
		return nil, err
	}
	// A HAMT root was stored by GetNode; a basic directory was not. The
	// sink drops repeats, so storing it again is harmless.
	if err := b.dserv.Add(ctx, nd); err != nil {
		return nil, err
	}
	if b.opts.Entry != nil && p != "" {
		size, err := nd.Size()
		if err != nil {
			return nil, err
		}
		if err := b.opts.Entry(Imported{Path: p, CID: nd.Cid(), Size: size, Dir: true}); err != nil {
			return nil, err
		}
	}
	return nd, nil
}

type fileResult struct {
	nd  ipld.Node
	err error
}

// heldBlocks is how many blocks of one file a lookahead worker makes
// before the caller takes them: with 1 MiB chunks, a few MiB per file in
// flight, however large the file.
const heldBlocks = 4

// lookahead imports a directory's files on several goroutines, at most
// 2×Parallel files ahead of the caller, who takes the results in entry
// order: the directory is assembled exactly as a sequential import would.
// When blocks are kept (Put is set), each worker hands its file's blocks
// over a small channel, and the caller passes them to Put as it takes the
// file: the blocks come out in sequential order.
type lookahead struct {
	results []chan fileResult
	blocks  []chan blocks.Block // per file, when Put is set
	put     func(ctx context.Context, b blocks.Block) error
	bufs    *chunkBufs // where the chunks of put blocks go back
	slots   chan struct{}
	cancel  context.CancelFunc
}

// readAhead starts a lookahead over entries, or returns nil when the import
// is sequential.
func (b *importer) readAhead(ctx context.Context, p string, entries []Entry) *lookahead {
	if b.opts.Parallel < 2 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	la := &lookahead{results: make([]chan fileResult, len(entries)), slots: make(chan struct{}, 2*b.opts.Parallel), cancel: cancel, put: b.opts.Put, bufs: b.bufs}
	if la.put != nil {
		la.blocks = make([]chan blocks.Block, len(entries))
	}
	for i, e := range entries {
		if e.Dir == nil {
			la.results[i] = make(chan fileResult, 1)
			if la.put != nil {
				la.blocks[i] = make(chan blocks.Block, heldBlocks)
			}
		}
	}
	go func() {
		for i, e := range entries {
			if la.results[i] == nil {
				continue
			}
			select {
			case la.slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			go func(i int, e Entry) {
				cp := path.Join(p, e.Name)
				fb := b
				if la.put != nil {
					ch := la.blocks[i]
					defer close(ch)
					// The caller puts these blocks, then recycles their chunks (take).
					fb = &importer{p: b.p, opts: b.opts, bufs: b.bufs, dserv: &sinkDAG{put: func(ctx context.Context, blk blocks.Block) error {
						select {
						case ch <- blk:
							return nil
						case <-ctx.Done():
							return ctx.Err()
						}
					}}}
				}
				var r fileResult
				if c, size, ok := b.known(cp); ok {
					r.nd = &knownNode{c: c, size: size}
				} else {
					r.nd, r.err = fb.file(ctx, cp, e.Open)
				}
				la.results[i] <- r
			}(i, e)
		}
	}()
	return la
}

// take waits for entry i's file, passing its blocks to Put in the order
// they were made, and frees its slot.
func (la *lookahead) take(ctx context.Context, i int) (ipld.Node, error) {
	if la.put != nil {
		for blk := range la.blocks[i] {
			if err := la.put(ctx, blk); err != nil {
				return nil, err
			}
			la.bufs.release(blk)
		}
	}
	r := <-la.results[i]
	<-la.slots
	return r.nd, r.err
}

func (la *lookahead) stop() {
	if la != nil {
		la.cancel()
	}
}

func (b *importer) known(p string) (cid.Cid, uint64, bool) {
	if b.opts.Known == nil {
		return cid.Undef, 0, false
	}
	return b.opts.Known(p)
}

// knownNode stands for a file imported before: the directory code only
// asks a child for its CID and cumulative size (to make its link).
type knownNode struct {
	c    cid.Cid
	size uint64
}

var _ ipld.Node = (*knownNode)(nil)

func (n *knownNode) RawData() []byte          { return nil }
func (n *knownNode) Cid() cid.Cid             { return n.c }
func (n *knownNode) String() string           { return n.c.String() }
func (n *knownNode) Loggable() map[string]any { return map[string]any{"cid": n.c} }
func (n *knownNode) Resolve([]string) (any, []string, error) {
	return nil, nil, errors.New("known node: not resolvable")
}
func (n *knownNode) Tree(string, int) []string { return nil }
func (n *knownNode) ResolveLink([]string) (*ipld.Link, []string, error) {
	return nil, nil, errors.New("known node: not resolvable")
}
func (n *knownNode) Copy() ipld.Node     { c := *n; return &c }
func (n *knownNode) Links() []*ipld.Link { return nil }
func (n *knownNode) Stat() (*ipld.NodeStat, error) {
	return &ipld.NodeStat{CumulativeSize: int(n.size)}, nil
}
func (n *knownNode) Size() (uint64, error) { return n.size, nil }

// sinkDAG is a write-only DAGService: blocks go to put (or nowhere), reads
// find nothing. Building a directory or file from scratch never reads back.
// Once put returns, a raw leaf's chunk goes back to bufs (when set).
type sinkDAG struct {
	put  func(ctx context.Context, b blocks.Block) error
	bufs *chunkBufs
}

func (s *sinkDAG) Get(context.Context, cid.Cid) (ipld.Node, error) { return nil, ipld.ErrNotFound{} }

func (s *sinkDAG) GetMany(_ context.Context, cids []cid.Cid) <-chan *ipld.NodeOption {
	ch := make(chan *ipld.NodeOption, len(cids))
	for _, c := range cids {
		ch <- &ipld.NodeOption{Err: ipld.ErrNotFound{Cid: c}}
	}
	close(ch)
	return ch
}

func (s *sinkDAG) Add(ctx context.Context, n ipld.Node) error {
	if _, known := n.(*knownNode); known {
		return nil
	}
	var err error
	if s.put != nil {
		err = s.put(ctx, n)
	}
	s.bufs.release(n)
	return err
}

func (s *sinkDAG) AddMany(ctx context.Context, ns []ipld.Node) error {
	for _, n := range ns {
		if err := s.Add(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func (s *sinkDAG) Remove(context.Context, cid.Cid) error       { return nil }
func (s *sinkDAG) RemoveMany(context.Context, []cid.Cid) error { return nil }

// ctxReader stops a long read when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// chunkBufs recycles the chunk buffers of one import (raw leaves only: a
// raw leaf's bytes are its chunk, and nothing but Put reads them). A chunk
// is read into a buffer of the chunk size taken from here, becomes a raw
// leaf, and comes back once the leaf has been put (release): the import
// reads its files through a few buffers instead of allocating (and
// collecting) one per chunk, which cost about as much CPU as hashing.
// Safe for concurrent use; holds at most a few dozen buffers.
type chunkBufs struct {
	size int
	free chan []byte
}

func newChunkBufs(size, parallel int) *chunkBufs {
	// Enough for the lookahead: 2×parallel files in flight, each with up
	// to heldBlocks blocks waiting, one being made and one being read.
	return &chunkBufs{size: size, free: make(chan []byte, 2*parallel*(heldBlocks+2))}
}

// get returns a buffer of n bytes (n ≤ the chunk size).
func (c *chunkBufs) get(n int) []byte {
	if c == nil || n == 0 {
		return make([]byte, n)
	}
	select {
	case b := <-c.free:
		return b[:n]
	default:
		return make([]byte, n, c.size)
	}
}

// release takes back the chunk of a raw leaf once it has been put; other
// nodes' bytes are their own encoding, and are left alone.
func (c *chunkBufs) release(n blocks.Block) {
	if c == nil {
		return
	}
	raw, ok := n.(*merkledag.RawNode)
	if !ok {
		return
	}
	if b := raw.RawData(); cap(b) == c.size {
		select {
		case c.free <- b[:0]:
		default: // enough kept
		}
	}
}

// sizedSplitter is the fixed-size chunker for a file whose size is known:
// it reads each chunk straight into a buffer of its size (recycled through
// bufs with raw leaves), where boxo's reads every chunk into a pooled
// chunk-size buffer and copies a short last chunk out of it (for files
// smaller than a chunk, most of them, that is an extra copy and 1 MiB of
// garbage per file). The chunks are the same: full chunks, then a short
// one, read until the reader says EOF (the size is a hint: a file that grew
// or shrank since is chunked as read).
type sizedSplitter struct {
	r     io.Reader
	chunk int64
	left  int64      // bytes the file should still hold
	bufs  *chunkBufs // where chunk buffers come from (nil: allocated)
	err   error
}

func (s *sizedSplitter) Reader() io.Reader { return s.r }

func (s *sizedSplitter) NextBytes() ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	buf := s.bufs.get(int(min(s.chunk, max(s.left, 0))))
	n, err := io.ReadFull(s.r, buf)
	if err == nil && int64(n) < s.chunk {
		// The expected end of the file: make sure (the reader must say EOF).
		var one [1]byte
		if _, err = io.ReadFull(s.r, one[:]); err == nil {
			// The file grew: read on, up to a full chunk.
			grown := make([]byte, s.chunk)
			copy(grown, buf[:n])
			grown[n] = one[0]
			var m int
			m, err = io.ReadFull(s.r, grown[n+1:])
			buf, n = grown, n+1+m
		}
	}
	s.left -= int64(n)
	switch {
	case err == nil:
		return buf[:n], nil
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		s.err = io.EOF // a short last chunk, then EOF
		if n == 0 {
			return nil, io.EOF
		}
		return buf[:n], nil
	default:
		s.err = err
		return nil, err
	}
}
