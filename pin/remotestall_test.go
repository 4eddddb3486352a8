package pin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/pin/unixfs"
)

// fakeClock is the remote import's time, moved only by Advance: a test
// says "the node held its answer for ten minutes" without waiting.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c      *fakeClock
	at     time.Time
	f      func()
	active bool
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_800_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f, active: true}
	c.timers = append(c.timers, t)
	return t
}

// Advance moves the clock by d and runs, in order, every timer due by then
// (one a callback re-arms within d too).
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		var next *fakeTimer
		for _, t := range c.timers {
			if t.active && !t.at.After(end) && (next == nil || t.at.Before(next.at)) {
				next = t
			}
		}
		if next == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		next.active = false
		if next.at.After(c.now) {
			c.now = next.at
		}
		c.mu.Unlock()
		next.f()
	}
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.active = false
	return was
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.at, t.active = t.c.now.Add(d), true
	return was
}

// importProxy is a reverse proxy in front of a Kubo RPC API that counts
// the dag/import requests and the body bytes they bring, and hands each to
// handle (nil: forward it as it comes). forward sends a body handle has
// read on to the node.
type importProxy struct {
	URL      string
	requests atomic.Int32
	bytes    atomic.Int64
	rp       *httputil.ReverseProxy
}

func newImportProxy(t *testing.T, api string, handle func(p *importProxy, w http.ResponseWriter, r *http.Request)) *importProxy {
	t.Helper()
	target, err := url.Parse(api)
	if err != nil {
		t.Fatal(err)
	}
	p := &importProxy{rp: httputil.NewSingleHostReverseProxy(target)}
	p.rp.FlushInterval = -1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/dag/import") {
			p.rp.ServeHTTP(w, r)
			return
		}
		p.requests.Add(1)
		r.Body = countedBody{r.Body, &p.bytes}
		if handle == nil {
			p.rp.ServeHTTP(w, r)
			return
		}
		handle(p, w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// readAll reads the whole request body (the last byte genmint sends).
func (p *importProxy) readAll(t *testing.T, r *http.Request) []byte {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("reading the dag/import body: %v", err)
	}
	return b
}

// forward sends body, read before, on to the node and its answer back.
func (p *importProxy) forward(w http.ResponseWriter, r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.TransferEncoding = nil
	p.rp.ServeHTTP(w, r)
}

type countedBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countedBody) Read(b []byte) (int, error) {
	n, err := c.ReadCloser.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// remoteKuboVia is a RemoteKubo (no Authorization) through the proxy at
// api, on clk, with stall and an answer limit of an hour.
func remoteKuboVia(t *testing.T, api string, pol RetryPolicy, clk *fakeClock) *RemoteKubo {
	t.Helper()
	kc, err := NewKuboAuth(api, KuboAuth{})
	if err != nil {
		t.Fatal(err)
	}
	rk := NewRemoteKubo(kc, pol)
	rk.clk = clk
	rk.Stall = time.Minute
	rk.Answer = func(int64) time.Duration { return time.Hour }
	return rk
}

// The node takes the whole body at once and then holds its answer far
// longer than the stall window (it pins a large collection): nothing is
// cancelled and nothing is sent twice.
func TestRemoteKuboSlowAnswerIsNotAStall(t *testing.T) {
	k := testenv.StartKubo(t)
	clk := newFakeClock()
	p := newImportProxy(t, k.API, func(p *importProxy, w http.ResponseWriter, r *http.Request) {
		body := p.readAll(t, r)
		clk.Advance(30 * time.Minute) // 30 stall windows, within the hour Answer gives
		p.forward(w, r, body)
	})
	rk := remoteKuboVia(t, p.URL, testRetry, clk)
	var sent int64
	rk.Sent = func(_ string, n, _ int64) { sent = n }
	dir, db := newCollection(t, 3, 64)
	res, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection, Pinners: []Pinner{rk}})
	if err != nil {
		t.Fatalf("an import the node answers after 30 stall windows: %v", err)
	}
	if n, b := p.requests.Load(), p.bytes.Load(); n != 1 || b == 0 || b < sent || len(res.Destinations[0].Pinned) != 5 {
		t.Fatalf("%d dag/import requests bringing %d bytes (genmint wrote %d), want the one stream; %+v", n, b, sent, res.Destinations)
	}
}

// The node takes the whole body and never answers: the request ends at
// its answer limit, sized to the bytes sent, and is retried under the one
// policy; nothing is recorded pinned.
func TestRemoteKuboUnansweredImportFails(t *testing.T) {
	k := testenv.StartKubo(t)
	clk := newFakeClock()
	p := newImportProxy(t, k.API, func(p *importProxy, w http.ResponseWriter, r *http.Request) {
		p.readAll(t, r)
		clk.Advance(2 * time.Hour)
		<-r.Context().Done()
	})
	var slept waits
	rk := remoteKuboVia(t, p.URL, slept.policy(2), clk)
	var mu sync.Mutex
	var sized []int64
	rk.Answer = func(n int64) time.Duration {
		mu.Lock()
		defer mu.Unlock()
		sized = append(sized, n)
		return time.Hour
	}
	dir, db := newCollection(t, 2, 64)
	_, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection, Pinners: []Pinner{rk}})
	if err == nil || !strings.Contains(err.Error(), "no answer 1h0m0s after the last of") || !strings.Contains(err.Error(), "gave up after 2 tries") {
		t.Fatalf("an import never answered: %v", err)
	}
	// One streamed import (blocks sent while the CIDs are computed), then the
	// whole CAR through the retry policy: 2 tries, each given a limit sized
	// to its body.
	mu.Lock()
	defer mu.Unlock()
	if n := p.requests.Load(); n != 3 || len(sized) != 3 || sized[0] == 0 || sized[1] == 0 || sized[1] != sized[2] {
		t.Fatalf("%d dag/import requests, answer limits sized for %v bytes; want 3 (1 streamed + 2 tries)", n, sized)
	}
	if _, lerr := Latest(context.Background(), db); !errors.Is(lerr, ErrNoPinRun) {
		t.Fatalf("a pin run counts as complete after an unanswered import: %v", lerr)
	}
}

// The node stops reading the body: once genmint's write has waited a
// whole stall window with no byte taken, the request ends with an error
// saying so, retried under the one policy.
func TestRemoteKuboStalledSendFails(t *testing.T) {
	k := testenv.StartKubo(t)
	clk := newFakeClock()
	release := make(chan struct{})
	p := newImportProxy(t, k.API, func(p *importProxy, w http.ResponseWriter, r *http.Request) {
		select { // reads nothing (the server sees no cancel before the body is read)
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // before the proxy's Close, which waits for the handlers
	var slept waits
	rk := remoteKuboVia(t, p.URL, slept.policy(2), clk)
	// More than the connection's buffers hold (about 4 MiB on loopback),
	// so a write waits.
	big := make([]byte, 12<<20)
	_, _ = rand.NewChaCha8([32]byte{7}).Read(big)
	root := Root{Name: RootContract, Profile: unixfs.DefaultProfile, File: bytesOpener(big), Size: uint64(len(big))}
	var err error
	if root.CID, _, err = unixfs.ImportFile(context.Background(), root.File, root.Profile, unixfs.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rk.Pin(context.Background(), root); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- rk.Commit(context.Background()) }()
	for running := true; running; {
		select {
		case err = <-done:
			running = false
		case <-time.After(time.Millisecond):
			// Once the node holds this try's request (each try but the
			// first follows the policy's wait), a minute passes.
			if int(p.requests.Load()) > len(slept.list()) {
				clk.Advance(time.Minute)
			}
		}
	}
	if err == nil || !strings.Contains(err.Error(), "the connection took no bytes for 1m0s") || !strings.Contains(err.Error(), "gave up after 2 tries") {
		t.Fatalf("a stalled send: %v", err)
	}
	if n := p.requests.Load(); n != 2 {
		t.Fatalf("%d dag/import requests, want 2 tries", n)
	}
}

// The stream is open (the images went first) while genmint computes roots
// the node already pins, with nothing to send for far longer than the
// stall window: that is not a stall; the one request pins the images.
func TestRemoteKuboIdleStreamIsNotAStall(t *testing.T) {
	k := testenv.StartKubo(t)
	clk := newFakeClock()
	p := newImportProxy(t, k.API, nil)
	rk := remoteKuboVia(t, p.URL, testRetry, clk)
	ctx := context.Background()
	dir, db := newCollection(t, 3, 64)
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: []Pinner{rk}})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := rpcPost(t, k.API, "", "pin/rm", url.Values{"arg": {res.Roots.Images}}); code != http.StatusOK {
		t.Fatalf("pin/rm: %d %s", code, body)
	}
	before := p.requests.Load()
	idle := 0
	var gone goneNotes
	res, err = Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: []Pinner{rk},
		Progress: func(e Event) {
			if e.Kind == EventComputed && e.Root != RootImages {
				clk.Advance(30 * time.Minute) // each root the node has takes half an hour to read
				idle++
			}
			gone.progress(e)
		}})
	if err != nil {
		t.Fatalf("a stream idle while genmint computes what the node has: %v", err)
	}
	if n := p.requests.Load() - before; n != 1 || idle != 4 || !slices.Equal(res.Destinations[0].Pinned, []string{RootImages}) {
		t.Fatalf("%d dag/import requests (want the one stream), %d idle roots, %+v", n, idle, res.Destinations)
	}
	// The node no longer pinned the images it was recorded holding: said once.
	if notes := gone.take(); len(notes) != 1 || !strings.HasPrefix(notes[0], rk.Destination()+" was recorded holding images ("+res.Roots.Images+")") {
		t.Fatalf("said %q", notes)
	}
}

// The remote node took every root, then the run failed at a later
// destination: the re-run, with everything pinned there, opens no
// dag/import request and sends no byte.
func TestRemoteKuboReRunWithEverythingPinnedSendsNothing(t *testing.T) {
	k := testenv.StartKubo(t)
	p := newImportProxy(t, k.API, nil)
	rk := remoteKuboVia(t, p.URL, testRetry, newFakeClock())
	ctx := context.Background()
	dir, db := newCollection(t, 3, 64)
	_, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: []Pinner{rk, &fakePinner{lie: RootMetadata}}})
	if !errors.Is(err, ErrCIDMismatch) {
		t.Fatalf("a later destination reporting another CID: %v", err)
	}
	if n := p.requests.Load(); n != 1 || p.bytes.Load() == 0 {
		t.Fatalf("first run: %d dag/import requests, %d bytes", n, p.bytes.Load())
	}
	for _, name := range []string{"after a failed run", "after a complete run"} {
		before, bytesBefore := p.requests.Load(), p.bytes.Load()
		res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: []Pinner{rk}})
		if err != nil {
			t.Fatal(err)
		}
		if n, b := p.requests.Load()-before, p.bytes.Load()-bytesBefore; n != 0 || b != 0 || len(res.Destinations[0].Already) != 5 {
			t.Fatalf("re-run %s: %d dag/import requests, %d bytes; %+v", name, n, b, res.Destinations)
		}
	}
}

// ctxReader gives nothing until ctx ends, then ctx's error.
type ctxReader struct{ ctx context.Context }

func (r ctxReader) Read([]byte) (int, error) {
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

// The run is cancelled (Ctrl-C) while the transport waits for the next
// bytes of the body and genmint waits on a file: Commit returns the
// cancellation instead of waiting for a request that waits for it. (A hang
// here ends at go test's -timeout, with the goroutines.)
func TestRemoteKuboImportCancelledMidBodyEnds(t *testing.T) {
	k := testenv.StartKubo(t)
	p := newImportProxy(t, k.API, nil)
	rk := remoteKuboVia(t, p.URL, testRetry, newFakeClock())
	first := make([]byte, 3<<20)
	_, _ = rand.NewChaCha8([32]byte{9}).Read(first)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The file gives 3 MiB, then nothing until the run is cancelled.
	root := Root{Name: RootContract, Profile: unixfs.DefaultProfile, Size: uint64(len(first)),
		File: func() (io.ReadCloser, error) {
			return io.NopCloser(io.MultiReader(bytes.NewReader(first), ctxReader{ctx})), nil
		}}
	var err error
	if root.CID, _, err = unixfs.ImportFile(ctx, bytesOpener(first), root.Profile, unixfs.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rk.Pin(ctx, root); err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	rk.Sent = func(_ string, n, _ int64) { sent.Store(n) }
	done := make(chan error, 1)
	go func() { done <- rk.Commit(ctx) }()
	// The 3 MiB went through the pipe (the rest waits in genmint's buffer)
	// and reached the node: the transport waits to read more.
	for sent.Load() < 3<<20 || p.bytes.Load() < sent.Load() {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled import: %v", err)
	}
}
