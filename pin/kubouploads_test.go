package pin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/state"
)

// importBytesProxy puts a reverse proxy in front of a Kubo RPC API that
// counts the request body bytes of every dag/import.
func importBytesProxy(t *testing.T, api string) (string, *atomic.Int64) {
	t.Helper()
	target, err := url.Parse(api)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/dag/import") {
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.TeeReader(r.Body, writerFunc(func(p []byte) (int, error) { n.Add(int64(len(p))); return len(p), nil })), r.Body}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// Pin to a remote Kubo, lose state.db (a fresh CI runner has none), pin
// again: uploads/kubo.json names the roots, the node's pin/ls confirms
// them, and not one dag/import byte is sent; the records come back in the
// new database and mint's check passes. A recorded root the node no longer
// pins is sent again, alone. repair puts the records back too.
func TestRemoteKuboLostStateSendsNothing(t *testing.T) {
	remote := testenv.StartKubo(t, testenv.WithKuboAPIAuth("bearer:"+remoteToken))
	header := "Bearer " + remoteToken
	api, sent := importBytesProxy(t, remote.API)
	ctx := context.Background()
	const n, size = 4, 64
	dir, db := newCollection(t, n, size)
	open := func() []Pinner {
		d, err := OpenDestinations(ctx, DestinationOptions{IPFSAPI: api, IPFSAuth: KuboAuth{Header: header, Env: "REMOTE_KUBO_AUTH"}, Retry: testRetry})
		if err != nil {
			t.Fatal(err)
		}
		return d.Pinners
	}
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: open()})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Load() == 0 || len(res.Destinations[0].Pinned) != 5 || len(res.Uploads) != 5 {
		t.Fatalf("first run: %d dag/import bytes, %+v, %d uploads", sent.Load(), res.Destinations, len(res.Uploads))
	}
	ups, err := ReadUploads(dir, KuboService)
	if err != nil || len(ups) != 5 {
		t.Fatalf("uploads/kubo.json: %v %+v", err, ups)
	}
	host := strings.TrimPrefix(api, "http://")
	for _, u := range ups {
		if u.Destination != "kubo http://"+host || u.Service != KuboService || u.Root == "" || u.CID != u.Key {
			t.Fatalf("uploads/kubo.json entry %+v", u)
		}
	}
	if b, _ := os.ReadFile(UploadsFile(dir, KuboService)); bytes.Contains(b, []byte(remoteToken)) {
		t.Fatal("the token is in uploads/kubo.json")
	}

	db = loseState(t, dir, db, n, size)
	sent.Store(0)
	res2, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: open()})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Load() != 0 || len(res2.Destinations[0].Already) != 5 || res2.Roots != res.Roots || len(res2.Restored) != 5 {
		t.Fatalf("after a lost state.db: %d dag/import bytes sent, %+v, %d restored", sent.Load(), res2.Destinations, len(res2.Restored))
	}
	if got, _ := Uploads(ctx, db); len(got) != 5 {
		t.Fatalf("pin_uploads after the loss: %+v", got)
	}
	rec, err := Latest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := rec.Publication(); err != nil {
		t.Fatal(err)
	}
	if statusCounts(t, db)[state.Pinned] != n {
		t.Fatalf("statuses %v", statusCounts(t, db))
	}

	// The node no longer pins the images: recorded, but not confirmed, so
	// they are sent again (and only they), and pinned.
	if code, body := rpcPost(t, remote.API, header, "pin/rm", url.Values{"arg": {res.Roots.Images}}); code != http.StatusOK {
		t.Fatalf("pin/rm: %d %s", code, body)
	}
	db = loseState(t, dir, db, n, size)
	sent.Store(0)
	res3, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: open()})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Load() == 0 || len(res3.Destinations[0].Pinned) != 1 || res3.Destinations[0].Pinned[0] != RootImages {
		t.Fatalf("images unpinned: %d bytes sent, %+v", sent.Load(), res3.Destinations)
	}
	if pins := remotePins(t, remote.API, header); !strings.Contains(pins, res.Roots.Images) {
		t.Fatalf("images not pinned again: %s", pins)
	}

	// repair (Rebuild) asking the node: the pin run and the records in
	// uploads/kubo.json come back, each confirmed by pin/ls.
	db = loseState(t, dir, db, n, size)
	sent.Store(0)
	rep, err := Rebuild(ctx, RebuildOptions{Dir: dir, DB: db, Collection: testCollection, Pinners: open()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rebuilt == nil || rep.Rebuilt.Roots != res.Roots || len(rep.Restored) != 5 || sent.Load() != 0 {
		t.Fatalf("repair: %+v, %d bytes sent", rep, sent.Load())
	}
	if got, _ := Uploads(ctx, db); len(got) != 5 {
		t.Fatalf("pin_uploads after repair: %+v", got)
	}
}

// rewritingProxy puts a reverse proxy in front of a Kubo RPC API that
// passes each answer's body through rewrite, with the command's name
// ("dag/import", "pin/ls", …).
func rewritingProxy(t *testing.T, api string, rewrite func(cmd string, body []byte) []byte) string {
	t.Helper()
	target, err := url.Parse(api)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1
	rp.ModifyResponse = func(resp *http.Response) error {
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		b = rewrite(strings.TrimPrefix(resp.Request.URL.Path, "/api/v0/"), b)
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
		resp.Header.Del("Content-Length")
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// A remote Kubo that reports a root differently from genmint, in
// dag/import's answer or in pin/ls after it: an error naming both CIDs,
// and nothing is marked pinned.
func TestRemoteKuboMismatchNamesBothCIDs(t *testing.T) {
	remote := testenv.StartKubo(t, testenv.WithKuboAPIAuth("bearer:"+remoteToken))
	header := "Bearer " + remoteToken
	ctx := context.Background()
	const other = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
	for _, tc := range []struct {
		cmd string
		n   int // items: each case its own roots, none yet on the node
	}{{"dag/import", 3}, {"pin/ls", 4}} {
		t.Run(strings.ReplaceAll(tc.cmd, "/", "-"), func(t *testing.T) {
			dir, db := newCollection(t, tc.n, 64)
			dry, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true})
			if err != nil {
				t.Fatal(err)
			}
			// pin/ls is rewritten only once the import went through.
			var imported atomic.Bool
			api := rewritingProxy(t, remote.API, func(cmd string, b []byte) []byte {
				if cmd == "dag/import" {
					imported.Store(true)
				}
				if cmd == tc.cmd && imported.Load() {
					return bytes.ReplaceAll(b, []byte(dry.Roots.Images), []byte(other))
				}
				return b
			})
			d, err := OpenDestinations(ctx, DestinationOptions{IPFSAPI: api, IPFSAuth: KuboAuth{Header: header, Env: "REMOTE_KUBO_AUTH"}, Retry: testRetry})
			if err != nil {
				t.Fatal(err)
			}
			_, err = Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: d.Pinners})
			if !errors.Is(err, ErrCIDMismatch) || !strings.Contains(err.Error(), other) || !strings.Contains(err.Error(), dry.Roots.Images) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%s reporting another images root: %v", tc.cmd, err)
			}
			if statusCounts(t, db)[state.Pinned] != 0 {
				t.Fatalf("statuses %v", statusCounts(t, db))
			}
			if ups, _ := ReadUploads(dir, KuboService); len(ups) != 0 {
				t.Fatalf("recorded %+v", ups)
			}
		})
	}
}
