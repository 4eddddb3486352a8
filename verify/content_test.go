package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	mdag "github.com/ipfs/boxo/ipld/merkledag"
	bunixfs "github.com/ipfs/boxo/ipld/unixfs"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/internal/usage"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/pin/unixfs"
)

// conformanceDir is what every Content implementation must serve.
type conformanceDir struct {
	root  cid.Cid
	files map[string][]byte
}

func newConformanceDir(t testing.TB) (*unixfs.Dir, conformanceDir) {
	big := make([]byte, 5<<19) // 2.5 MiB: three chunks, a dag-pb file root
	for i := range big {
		big[i] = byte(i*7 + i>>11)
	}
	files := map[string][]byte{"a.txt": []byte("hello, verify\n"), "1": []byte(`{"name":"x #1"}`), "big.bin": big}
	d := &unixfs.Dir{}
	for name, b := range files {
		d.AddBytes(name, b)
	}
	root, _, err := unixfs.ImportDir(context.Background(), d, unixfs.DefaultProfile, unixfs.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d, conformanceDir{root: root, files: files}
}

// unknownCID is a CID no source holds.
func unknownCID(t testing.TB) cid.Cid {
	h, err := mh.Sum([]byte("nobody pinned this "+t.Name()), mh.SHA2_256, -1)
	if err != nil {
		t.Fatal(err)
	}
	return cid.NewCidV1(cid.Raw, h)
}

// testContent is the suite every Content passes.
func testContent(t *testing.T, c Content, fx conformanceDir) {
	ctx := context.Background()
	t.Run("cat", func(t *testing.T) {
		for name, want := range fx.files {
			got, err := c.Cat(ctx, fx.root, name, 4<<20)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("cat %s: %d bytes, %v", name, len(got), err)
			}
		}
	})
	t.Run("too large", func(t *testing.T) {
		if _, err := c.Cat(ctx, fx.root, "big.bin", 1<<20); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no such name", func(t *testing.T) {
		if _, err := c.Cat(ctx, fx.root, "nope", 1<<20); !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unknown CID", func(t *testing.T) {
		u := unknownCID(t)
		if _, err := c.Cat(ctx, u, "", 1<<20); !errors.Is(err, ErrNotFound) {
			t.Fatalf("cat: err = %v", err)
		}
		if _, err := c.Block(ctx, u); !errors.Is(err, ErrNotFound) {
			t.Fatalf("block: err = %v", err)
		}
	})
	t.Run("blocks hash to their CIDs", func(t *testing.T) {
		d := newBlockDAG(c)
		for name, want := range fx.files {
			k, err := entry(ctx, d, fx.root, name)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := catBlocks(ctx, d, fx.root, name, 4<<20); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s (%s) from blocks: %d bytes, %v", name, k, len(got), err)
			}
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := c.Cat(cctx, fx.root, "big.bin", 4<<20); !errors.Is(err, context.Canceled) {
			t.Fatalf("cat: err = %v", err)
		}
		if _, err := c.Block(cctx, fx.root); !errors.Is(err, context.Canceled) {
			t.Fatalf("block: err = %v", err)
		}
	})
}

func TestContentMemory(t *testing.T) {
	d, fx := newConformanceDir(t)
	m := newMem()
	if _, _, err := unixfs.ImportDir(context.Background(), d, unixfs.DefaultProfile, unixfs.ImportOptions{Put: m.put}); err != nil {
		t.Fatal(err)
	}
	testContent(t, &ctxContent{m}, fx)
}

// ctxContent makes the in-memory source honour cancellation like a real one.
type ctxContent struct{ *memContent }

func (c *ctxContent) Cat(ctx context.Context, root cid.Cid, path string, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.memContent.Cat(ctx, root, path, limit)
}

func (c *ctxContent) Block(ctx context.Context, k cid.Cid) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.memContent.Block(ctx, k)
}

func TestContentCAR(t *testing.T) {
	d, fx := newConformanceDir(t)
	path := filepath.Join(t.TempDir(), "c.car")
	car, err := pin.NewCAR(path, []cid.Cid{fx.root})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := car.Pin(ctx, pin.Root{Name: "c", CID: fx.root, Dir: d, Profile: unixfs.DefaultProfile}); err != nil {
		t.Fatal(err)
	}
	if err := car.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := OpenCAR(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if roots, err := c.Roots(); err != nil || len(roots) != 1 || !roots[0].Equals(fx.root) {
		t.Fatalf("roots %v %v", roots, err)
	}
	testContent(t, c, fx)

	if _, err := OpenCAR(filepath.Join(t.TempDir(), "missing.car")); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "cannot read the CAR file") {
		t.Fatalf("missing CAR: %v", err)
	}
}

// TestContentKuboAndGateway runs the suite against a real Kubo node, over
// its RPC API and over its HTTP gateway.
func TestContentKuboAndGateway(t *testing.T) {
	node := testenv.StartKubo(t)
	d, fx := newConformanceDir(t)
	ctx := context.Background()
	kp, err := pin.NewKubo(node.API)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := kp.Pin(ctx, pin.Root{Name: "c", CID: fx.root, Dir: d, Profile: unixfs.DefaultProfile}); err != nil || !got.Equals(fx.root) {
		t.Fatalf("add: %s %v", got, err)
	}
	k, err := NewKubo(node.APIAddr)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Check(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("kubo", func(t *testing.T) { testContent(t, k, fx) })
	g, err := NewGateway(node.Gateway+"/ipfs/", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("gateway", func(t *testing.T) { testContent(t, g, fx) })
}

func TestDeadSources(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	ctx := context.Background()

	k, err := NewKubo(dead)
	if err != nil {
		t.Fatal(err)
	}
	err = k.Check(ctx)
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, pin.ErrKuboUnreachable) || strings.Contains(err.Error(), "\n") ||
		!strings.Contains(err.Error(), "cannot reach Kubo at http://"+dead+" (connection refused)") || !strings.Contains(err.Error(), "--car FILE") {
		t.Fatalf("dead kubo: %v", err)
	}
	g, _ := NewGateway("http://"+dead, nil)
	_, err = g.Cat(ctx, unknownCID(t), "", 10)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "cannot reach the gateway http://"+dead) {
		t.Fatalf("dead gateway: %v", err)
	}
	for _, bad := range []string{"ftp://x", "127.0.0.1:8080", "https://ipfs.io/?x=1"} {
		if _, err := NewGateway(bad, nil); err == nil {
			t.Errorf("NewGateway(%q) accepted", bad)
		}
	}
}

// TestGatewayAnswers maps a gateway's HTTP answers as its documentation
// describes them to the Content contract, and retries what is temporary.
func TestGatewayAnswers(t *testing.T) {
	var calls atomic.Int32
	var answer func(w http.ResponseWriter, r *http.Request)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		answer(w, r)
	}))
	defer srv.Close()
	g, err := NewGateway(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	root := unknownCID(t)
	for _, tc := range []struct {
		name  string
		h     func(w http.ResponseWriter, r *http.Request)
		check func(error) bool
	}{
		{"404", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no link named \"x\"", 404) },
			func(err error) bool {
				return errors.Is(err, ErrNotFound) && strings.Contains(err.Error(), `no link named "x"`)
			}},
		{"504", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(504) },
			func(err error) bool { return errors.Is(err, ErrNotFound) }},
		{"429", func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Retry-After", "7"); w.WriteHeader(429) },
			func(err error) bool {
				var te *TemporaryError
				return errors.As(err, &te) && te.RetryAfter == 7*time.Second && te.StatusCode == 429
			}},
		{"500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) },
			func(err error) bool { var te *TemporaryError; return errors.As(err, &te) }},
		{"401", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) },
			func(err error) bool { return errors.Is(err, ErrUnavailable) }},
		{"too large by Content-Length", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 100)) },
			func(err error) bool { return errors.Is(err, ErrTooLarge) }},
	} {
		answer = tc.h
		if _, err := g.Cat(ctx, root, "x", 50); !tc.check(err) {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}

	// A gateway that answers ?format=raw with HTML cannot be verified against.
	answer = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>")
	}
	if _, err := g.Block(ctx, root); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "does not serve raw blocks") {
		t.Fatalf("html block: %v", err)
	}
	// The block request is the trustless-gateway form.
	answer = func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ipfs/"+root.String() || r.URL.Query().Get("format") != "raw" || r.Header.Get("Accept") != "application/vnd.ipld.raw" {
			t.Errorf("block request %s %v", r.URL, r.Header)
		}
		w.Header().Set("Content-Type", "application/vnd.ipld.raw")
		w.Write([]byte("x"))
	}
	if b, err := g.Block(ctx, root); err != nil || string(b) != "x" {
		t.Fatal(b, err)
	}

	// Retries: a 429 then success; four 503s give up as unavailable.
	var slept []time.Duration
	pol := RetryPolicy{Attempts: 4, Base: time.Second, Max: 5 * time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}
	rg := WithRetry(g, pol)
	calls.Store(0)
	answer = func(w http.ResponseWriter, r *http.Request) {
		if calls.Load() == 1 {
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(429)
			return
		}
		w.Write([]byte("ok"))
	}
	if b, err := rg.Cat(ctx, root, "x", 50); err != nil || string(b) != "ok" || calls.Load() != 2 || len(slept) != 1 || slept[0] != 5*time.Second {
		t.Fatalf("retry after 429: %q %v calls %d slept %v", b, err, calls.Load(), slept)
	}
	calls.Store(0)
	slept = nil
	answer = func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }
	_, err = rg.Cat(ctx, root, "x", 50)
	if !errors.Is(err, ErrUnavailable) || calls.Load() != 4 || len(slept) != 3 || !strings.Contains(err.Error(), "gave up after 4 tries") {
		t.Fatalf("503s: %v, calls %d, slept %v", err, calls.Load(), slept)
	}
}

// TestShardedDirectory resolves entries of a HAMT-sharded directory (a
// collection of thousands of tokens) from its blocks alone.
func TestShardedDirectory(t *testing.T) {
	prof := unixfs.DefaultProfile
	prof.HAMTThreshold = 1024 // shard a directory of a few dozen entries
	d := &unixfs.Dir{}
	want := map[string][]byte{}
	for i := 1; i <= 300; i++ {
		name := fmt.Sprint(i)
		want[name] = []byte("token " + name)
		d.AddBytes(name, want[name])
	}
	m := newMem()
	ctx := context.Background()
	root, _, err := unixfs.ImportDir(ctx, d, prof, unixfs.ImportOptions{Put: m.put})
	if err != nil {
		t.Fatal(err)
	}
	dag := newBlockDAG(m)
	nd, err := dag.Get(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if fs, err := bunixfs.FSNodeFromBytes(nd.(*mdag.ProtoNode).Data()); err != nil || fs.Type() != bunixfs.THAMTShard {
		t.Fatalf("the test directory is not sharded: %v %v", fs, err)
	}
	for _, name := range []string{"1", "150", "300"} {
		k, err := entry(ctx, dag, root, name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := catBlocks(ctx, dag, root, name, 100)
		if err != nil || !bytes.Equal(b, want[name]) || k.Type() != cid.Raw {
			t.Fatalf("%s: %s %q %v", name, k, b, err)
		}
	}
	if _, err := entry(ctx, dag, root, "301"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing entry: %v", err)
	}
	// A file is not a directory.
	k, _ := entry(ctx, dag, root, "1")
	if _, err := entry(ctx, dag, k, "x"); !errors.Is(err, ErrNotDirectory) {
		t.Fatalf("file as directory: %v", err)
	}
}

// TestUntrustedCertificateSources: a Kubo RPC or a gateway behind a TLS
// certificate this machine does not trust (a private CA) is one line
// naming the host and SSL_CERT_FILE, a usage error, not retried; the Kubo
// RPC's path (where a hosted RPC may keep a key) is shown as "/…".
func TestUntrustedCertificateSources(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")
	ctx := context.Background()

	k, err := NewKubo(srv.URL + "/PATHKEY/")
	if err != nil {
		t.Fatal(err)
	}
	if k.Source() != "kubo "+srv.URL+"/…" {
		t.Errorf("Source() = %q", k.Source())
	}
	err = k.Check(ctx)
	if !errors.Is(err, usage.Err) || err.Error() != "kubo at "+host+": its TLS certificate is signed by an authority this machine does not trust (x509: certificate signed by unknown authority): for a private CA, point SSL_CERT_FILE at its PEM file" {
		t.Fatalf("kubo: %v", err)
	}
	g, err := NewGateway(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Cat(ctx, unknownCID(t), "", 10)
	var temp *TemporaryError
	if !errors.Is(err, usage.Err) || errors.As(err, &temp) || !strings.Contains(err.Error(), "the gateway at "+host+": its TLS certificate is signed by an authority this machine does not trust") {
		t.Fatalf("gateway: %v", err)
	}
}
