package pin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"
)

// This file is the remote Kubo's dag/import request: a body of one or more
// CAR sections (multipart files), each written through a pipe (bufPipe) as
// it is made.
//
// Kubo (core/commands/dag/import.go, v0.42) reads the files of one request
// in order, collects the roots named in every CAR header, and pins them
// only after the last file, holding its pin lock (which is also the GC
// lock) for the whole request. So a run is sent as two sections: the blocks
// under a header with no roots, streamed while Run computes the CIDs (the
// files are read once), then a small CAR whose header names the roots. Until
// the second section ends, nothing is pinned; an aborted request leaves only
// unpinned blocks, which a later import completes.

// errImportEnded closes the pipes once the request is over: a writer that
// meets it should report the request's own error.
var errImportEnded = errors.New("kubo ended the dag/import request")

// The pipe of each section holds up to importPieces pieces of importPiece
// bytes: room for genmint to work ahead of the transport by a few MiB.
const (
	importPiece  = 1 << 20
	importPieces = 8
)

// dagImport is one dag/import request in flight.
//
// Two limits end it, both per request (a large collection meets neither
// while the node keeps up):
//   - while genmint has bytes to send, the connection must take some at
//     least every Stall (watch); time genmint spends computing between
//     blocks, with nothing to send, never counts;
//   - once the last byte is written, the node must answer within
//     Answer(bytes sent): Kubo then pins, walking every block it just
//     stored, so that time grows with the body too.
type dagImport struct {
	r      *RemoteKubo
	ctx    context.Context
	cancel context.CancelCauseFunc
	pipes  []*bufPipe
	watch  *stallWatch
	answer timer // armed by the last section's close, under watch.mu
	over   bool  // the request ended, under watch.mu

	// Written by the one goroutine writing the sections.
	sent, total int64

	done  chan struct{}
	err   error // the request's outcome, set before done closes
	lines []importedRoot
}

// importedRoot is one root line of Kubo's answer.
type importedRoot struct {
	CID, PinError string
}

// startImport sends a dag/import request (roots pinned) whose body is one
// CAR section per name, in order; write them with writer and close each
// with closeSection, then wait.
func (r *RemoteKubo) startImport(ctx context.Context, names []string, total int64) *dagImport {
	ctx, cancel := context.WithCancelCause(ctx)
	stall := r.Stall
	if stall <= 0 {
		stall = DefaultStall
	}
	d := &dagImport{r: r, ctx: ctx, cancel: cancel, total: total, done: make(chan struct{})}
	d.watch = &stallWatch{clk: r.clock(), stall: stall, onStall: func() {
		cancel(fmt.Errorf("the connection took no bytes for %s: check the network and the node, then re-run", stall))
	}}
	for range names {
		d.pipes = append(d.pipes, newBufPipe(importPieces, importPiece))
	}
	body := newImportBody(names, d.pipes, d.watch)
	// A request ended early (a stall, the answer limit, the run's end)
	// closes the pipes: the HTTP transport may be waiting to read a section
	// the writer will never write, and it ends the request only once that
	// read returns.
	stopClosing := context.AfterFunc(ctx, func() {
		for _, p := range d.pipes {
			p.CloseWithError(context.Cause(ctx))
		}
	})
	go func() {
		defer close(d.done)
		d.err = d.send(body)
		stopClosing()
		d.watch.stop()
		d.stopAnswer()
		// No writer may wait on a pipe nobody reads any more.
		for _, p := range d.pipes {
			p.CloseWithError(errImportEnded)
		}
	}()
	return d
}

func (d *dagImport) send(body *importBody) error {
	k := d.r.k
	resp, err := k.sh.Request("dag/import").
		Option("pin-roots", true).
		Option("stats", true).
		Option("allow-big-block", false).
		Header("Content-Type", body.contentType).
		Body(body).Send(d.ctx)
	if err != nil {
		return d.classify(err)
	}
	defer resp.Close()
	if resp.Error != nil {
		return k.wrap("dag/import", resp.Error)
	}
	dec := json.NewDecoder(resp.Output)
	for {
		var line struct {
			Root *struct {
				Cid struct {
					Root string `json:"/"`
				}
				PinErrorMsg string
			}
		}
		if err := dec.Decode(&line); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return d.classify(err)
		}
		if line.Root != nil {
			d.lines = append(d.lines, importedRoot{CID: line.Root.Cid.Root, PinError: line.Root.PinErrorMsg})
		}
	}
}

// classify makes a stalled request a TemporaryError (Commit sends again).
func (d *dagImport) classify(err error) error {
	if c := context.Cause(d.ctx); c != nil && d.ctx.Err() != nil && !errors.Is(c, context.Canceled) {
		return &TemporaryError{Err: fmt.Errorf("kubo at %s: dag/import: %w", d.r.k.Addr(), c)}
	}
	return d.r.k.wrap("dag/import", err)
}

// writer writes section i, counting the bytes for Sent and the watchdog.
func (d *dagImport) writer(i int) io.Writer { return sectionWriter{d: d, i: i} }

type sectionWriter struct {
	d *dagImport
	i int
}

func (w sectionWriter) Write(p []byte) (int, error) {
	d := w.d
	d.watch.begin()
	n, err := d.pipes[w.i].Write(p)
	d.watch.end()
	if n > 0 {
		d.sent += int64(n)
		if d.r.Sent != nil {
			d.r.Sent("collection.car", d.sent, d.total)
		}
	}
	return n, err
}

// closeSection ends section i: the next one, or the end of the body. After
// the last one, the node has Answer(bytes sent) to answer; the limit is
// armed before the close, so it runs from before the node can see the end.
func (d *dagImport) closeSection(i int) error {
	if i == len(d.pipes)-1 {
		limit := d.r.answerTimeout(d.sent)
		sent := d.sent
		d.watch.mu.Lock()
		if !d.over {
			d.answer = d.watch.clk.AfterFunc(limit, func() {
				d.cancel(fmt.Errorf("no answer %s after the last of %s was sent: the node may still be pinning; re-run later (what it pinned is not sent again)",
					limit, humanize.IBytes(uint64(sent))))
			})
		}
		d.watch.mu.Unlock()
	}
	return d.pipes[i].Close()
}

// stopAnswer ends the answer limit once the request is over.
func (d *dagImport) stopAnswer() {
	d.watch.mu.Lock()
	defer d.watch.mu.Unlock()
	d.over = true
	if d.answer != nil {
		d.answer.Stop()
	}
}

// writeFailed turns a writer's error into the run's: the request's own
// error when the request ended (it explains the writer's), or err itself,
// after aborting the request.
func (d *dagImport) writeFailed(err error) error {
	if errors.Is(err, errImportEnded) || d.ctx.Err() != nil {
		<-d.done
		if d.err != nil {
			return d.err
		}
		if errors.Is(err, errImportEnded) {
			return &TemporaryError{Err: fmt.Errorf("kubo at %s answered dag/import before the CAR was sent", d.r.k.Addr())}
		}
	}
	d.abort()
	return err
}

// abort ends the request with nothing pinned; safe to call again.
func (d *dagImport) abort() {
	d.cancel(nil)
	for _, p := range d.pipes {
		p.CloseWithError(context.Canceled)
	}
	<-d.done
}

// wait waits for Kubo's answer and checks that it pinned exactly roots.
func (d *dagImport) wait(roots []Root) error {
	<-d.done
	if d.err != nil {
		return d.err
	}
	addr := d.r.k.Addr()
	want := map[string]string{} // CID → root name, until reported
	for _, root := range roots {
		want[root.CID.String()] = root.Name
	}
	var other []string // reported roots genmint did not compute
	for _, line := range d.lines {
		if _, ok := want[line.CID]; !ok {
			other = append(other, line.CID)
			continue
		}
		if line.PinError != "" {
			return fmt.Errorf("kubo at %s could not pin %s: %s", addr, line.CID, line.PinError)
		}
		delete(want, line.CID)
	}
	if len(other) == 0 && len(want) == 0 {
		return nil
	}
	// The computed roots it did not report, in the run's order.
	var missing []string
	for _, root := range roots {
		if name, ok := want[root.CID.String()]; ok {
			missing = append(missing, fmt.Sprintf("%s (%s)", root.CID, name))
		}
	}
	if len(other) > 0 {
		return fmt.Errorf("%w: kubo at %s reported root %s after the import where genmint computed %s: nothing was marked pinned",
			ErrCIDMismatch, addr, strings.Join(other, ", "), strings.Join(missing, ", "))
	}
	return fmt.Errorf("%w: kubo at %s did not report root(s) %s after the import: nothing was marked pinned", ErrCIDMismatch, addr, strings.Join(missing, ", "))
}

// kuboStream is a run's blocks going to the node while Run computes them:
// the first section of a two-section dag/import.
type kuboStream struct {
	ctx      context.Context // the run's, from StartStream
	estimate int64           // bytes, for progress
	imp      *dagImport      // nil until the first block
	car      storage.WritableCar
	streamed map[cid.Cid]bool
	// err is the first failure; the stream is then dead, and Commit sends
	// the roots again (or fails, when err is not temporary).
	err error
}

// StartStream implements Streamer: the request opens with the first
// block, under ctx (the run's context); Sent hears estimate as the total
// until the roots, and so the CAR's size, are known.
func (r *RemoteKubo) StartStream(ctx context.Context, estimate int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stream != nil && r.stream.imp != nil {
		r.stream.imp.abort()
	}
	r.stream = &kuboStream{ctx: ctx, estimate: estimate, streamed: map[cid.Cid]bool{}}
}

// PutBlock implements Streamer: append b to the first section (each block
// once), opening the request on the first call. A fault worth retrying
// is kept for Commit; anything else (a refused token, an unreachable node,
// ctx ended) is returned and ends the run.
func (r *RemoteKubo) PutBlock(ctx context.Context, b blocks.Block) error {
	r.mu.Lock()
	s := r.stream
	r.mu.Unlock()
	if s == nil {
		return errors.New("remote kubo: PutBlock before StartStream")
	}
	if s.err == nil && s.imp == nil {
		s.imp = r.startImport(s.ctx, []string{"blocks.car", "roots.car"}, s.estimate)
		// An empty root list is written as [] (go-car writes nil as null).
		s.car, s.err = storage.NewWritable(s.imp.writer(0), []cid.Cid{}, carv2.WriteAsCarV1(true))
		if s.err != nil {
			s.imp.abort()
		}
	}
	if s.err == nil {
		if err := s.car.Put(ctx, b.Cid().KeyString(), b.RawData()); err != nil {
			s.err = s.imp.writeFailed(err)
		}
	}
	if s.err != nil && !IsTemporary(s.err) {
		return s.err
	}
	return nil
}

// Carried implements Streamer.
func (r *RemoteKubo) Carried(c cid.Cid) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stream
	return s != nil && s.err == nil && s.imp != nil && s.streamed[c]
}

// Streamed implements Streamer.
func (r *RemoteKubo) Streamed(c cid.Cid) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.stream; s != nil && s.err == nil && s.imp != nil {
		s.streamed[c] = true
	}
}

// finish ends the first section and sends the second: a CAR naming every
// root (the blocks of those not streamed follow its header), then waits
// for Kubo to pin them.
func (s *kuboStream) finish(roots []Root) error {
	d := s.imp
	err := s.car.Finalize()
	if err == nil {
		err = d.closeSection(0)
	}
	if err != nil {
		return d.writeFailed(err)
	}
	header := make([]cid.Cid, len(roots))
	var rest []Root
	d.total = 0
	for i, r := range roots {
		header[i] = r.CID
		d.total += int64(r.Size)
		if !s.streamed[r.CID] {
			rest = append(rest, r)
		}
	}
	err = writeCAR(d.ctx, d.writer(1), header, rest)
	if err == nil {
		err = d.closeSection(1)
	}
	if err != nil {
		return d.writeFailed(err)
	}
	return d.wait(roots)
}

// DefaultStall is how long a dag/import request may wait, with bytes to
// send, for the connection to take any (RemoteKubo.Stall).
const DefaultStall = 2 * time.Minute

// stallWatch ends a request whose connection takes none of the bytes
// genmint has for it for stall. It runs only while a write waits: begin
// and end bracket each write into the pipe, took hears every read the
// HTTP transport makes from it (bytes leaving for the connection).
type stallWatch struct {
	clk     clock
	stall   time.Duration
	onStall func()

	mu      sync.Mutex
	waiting bool      // a write waits for the connection
	last    time.Time // the write's start, or the connection's last read since
	armed   bool
	t       timer
}

func (w *stallWatch) begin() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waiting = true
	w.last = w.clk.Now()
	if w.armed {
		return // its check sees last
	}
	w.armed = true
	if w.t == nil {
		w.t = w.clk.AfterFunc(w.stall, w.check)
	} else {
		w.t.Reset(w.stall)
	}
}

func (w *stallWatch) took() {
	w.mu.Lock()
	w.last = w.clk.Now()
	w.mu.Unlock()
}

func (w *stallWatch) end() {
	w.mu.Lock()
	w.waiting = false
	w.mu.Unlock()
}

// check runs when the timer fires: a stall, or the time left to wait.
func (w *stallWatch) check() {
	w.mu.Lock()
	if !w.waiting {
		w.armed = false
		w.mu.Unlock()
		return
	}
	if left := w.stall - w.clk.Now().Sub(w.last); left > 0 {
		w.t.Reset(left)
		w.mu.Unlock()
		return
	}
	w.armed = false
	w.mu.Unlock()
	w.onStall()
}

// stop ends the watch with the request.
func (w *stallWatch) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waiting = false
	if w.t != nil {
		w.t.Stop()
	}
	w.armed = false
}

// importBody is a dag/import request's body: multipart/form-data, one file
// part per section (named as given, application/octet-stream, the framing
// boxo's MultiFileReader gives `ipfs dag import`), each part's bytes
// taken from its section's pipe as they come. The HTTP transport copies it
// with WriteTo, straight from the pipe's pieces (Read serves a reader that
// does not). Every byte the transport takes from a section tells the stall
// watch.
type importBody struct {
	contentType string
	segs        []bodySegment // what is left, in order
	watch       *stallWatch
}

// bodySegment is either framing (the part headers, the closing boundary)
// or a section's pipe.
type bodySegment struct {
	b    []byte
	pipe *bufPipe
}

func newImportBody(names []string, pipes []*bufPipe, watch *stallWatch) *importBody {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	body := &importBody{contentType: mw.FormDataContentType(), watch: watch}
	for i, name := range names {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, url.QueryEscape(name)))
		h.Set("Content-Type", "application/octet-stream")
		_, _ = mw.CreatePart(h) // writes to buf: no error
		body.segs = append(body.segs, bodySegment{b: bytes.Clone(buf.Bytes())}, bodySegment{pipe: pipes[i]})
		buf.Reset()
	}
	_ = mw.Close()
	body.segs = append(body.segs, bodySegment{b: buf.Bytes()})
	return body
}

func (b *importBody) Read(p []byte) (int, error) {
	for len(b.segs) > 0 {
		s := &b.segs[0]
		if s.pipe == nil {
			if len(s.b) == 0 {
				b.segs = b.segs[1:]
				continue
			}
			n := copy(p, s.b)
			s.b = s.b[n:]
			return n, nil
		}
		n, err := s.pipe.Read(p)
		if n > 0 {
			b.watch.took()
		}
		if errors.Is(err, io.EOF) {
			b.segs = b.segs[1:]
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
	return 0, io.EOF
}

// WriteTo implements io.WriterTo.
func (b *importBody) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for len(b.segs) > 0 {
		s := &b.segs[0]
		var n int64
		var err error
		if s.pipe == nil {
			var k int
			k, err = w.Write(s.b)
			s.b = s.b[k:]
			n = int64(k)
		} else {
			n, err = s.pipe.WriteTo(w, b.watch.took)
		}
		total += n
		if err != nil {
			return total, err
		}
		b.segs = b.segs[1:]
	}
	return total, nil
}

// clock is the time the import's limits read; tests set a fake one
// (RemoteKubo.clk) and move it by hand.
type clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) timer
}

// timer is what the limits use of a *time.Timer.
type timer interface {
	Stop() bool
	Reset(d time.Duration) bool
}

type realClock struct{}

func (realClock) Now() time.Time                            { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) timer { return time.AfterFunc(d, f) }
