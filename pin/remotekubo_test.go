package pin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/internal/usage"
	"github.com/genmint/genmint/state"
)

const remoteToken = "s3cr3t-remote-kubo-token-7f1c"

// rpcPost calls the remote node's RPC API with the given Authorization
// header ("" for none) and returns the status and body.
func rpcPost(t *testing.T, api, auth, cmd string, args url.Values) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, api+"/api/v0/"+cmd+"?"+args.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// A second, real Kubo behind API.Authorizations (bearer) on its own port:
// pin goes to it as one CAR through dag/import, every file reads back
// through that node alone with the token and matches the local bytes, a
// request without the token is refused by Kubo itself, a wrong token is a
// usage error naming the variable, and the token is in no output, error,
// state or file.
func TestRemoteKuboCARImportWithBearerToken(t *testing.T) {
	remote := testenv.StartKubo(t, testenv.WithKuboAPIAuth("bearer:"+remoteToken))
	header := "Bearer " + remoteToken
	if remote.Auth != header {
		t.Fatalf("test node auth %q", remote.Auth)
	}
	ctx := context.Background()

	// Kubo itself refuses a request without the header.
	if code, _ := rpcPost(t, remote.API, "", "id", nil); code != http.StatusForbidden && code != http.StatusUnauthorized {
		t.Fatalf("unauthenticated /api/v0/id answered %d, want 401 or 403", code)
	}

	// A wrong token: a usage error naming the variable, not the value.
	_, err := OpenDestinations(ctx, DestinationOptions{IPFSAPI: remote.API, IPFSAuth: KuboAuth{Header: "Bearer wrong-" + remoteToken, Env: "REMOTE_KUBO_AUTH"}, Retry: testRetry})
	if !errors.Is(err, ErrAuthRefused) || !errors.Is(err, usage.Err) || !strings.Contains(err.Error(), "REMOTE_KUBO_AUTH") || strings.Contains(err.Error(), remoteToken) {
		t.Fatalf("wrong token: %v", err)
	}
	// No header at all: the error says which flag is missing.
	_, err = OpenDestinations(ctx, DestinationOptions{IPFSAPI: remote.API, Retry: testRetry})
	if !errors.Is(err, usage.Err) || !strings.Contains(err.Error(), "--ipfs-api-auth-env") {
		t.Fatalf("no token: %v", err)
	}

	dir, db := newCollection(t, 6, 64)
	d, err := OpenDestinations(ctx, DestinationOptions{IPFSAPI: remote.API, IPFSAuth: KuboAuth{Header: header, Env: "REMOTE_KUBO_AUTH"}, Retry: testRetry})
	if err != nil {
		t.Fatal(err)
	}
	if d.Remote == nil || len(d.Pinners) != 1 {
		t.Fatalf("destinations %+v: want the remote CAR importer", d)
	}
	var out bytes.Buffer
	var sent, estimate int64
	d.Remote.Sent = func(_ string, n, total int64) { sent, estimate = n, total }
	localCAR := filepath.Join(t.TempDir(), "local.car")
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: d.Pinners, CAR: localCAR,
		Progress: func(e Event) { json.NewEncoder(&out).Encode(e) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.NewlyPinned != 6 || statusCounts(t, db)[state.Pinned] != 6 || sent == 0 {
		t.Fatalf("pinned %d, statuses %v, CAR bytes sent %d", res.NewlyPinned, statusCounts(t, db), sent)
	}
	if len(res.Destinations) != 2 || len(res.Destinations[0].Pinned) != 5 {
		t.Fatalf("destinations %+v", res.Destinations)
	}
	// The blocks went while the CIDs were computed, in a first CAR section
	// whose header names no roots, then a second CAR naming the roots: the
	// bytes sent are the local CAR's plus that empty header. The progress
	// total is the roots' cumulative size: within a few percent of the
	// bytes sent (headers and block prefixes aside).
	var emptyHeader bytes.Buffer
	if _, err := storage.NewWritable(&emptyHeader, []cid.Cid{}, carv2.WriteAsCarV1(true)); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(localCAR); err != nil || sent != fi.Size()+int64(emptyHeader.Len()) || estimate > sent || float64(estimate) < 0.9*float64(sent) {
		t.Fatalf("CAR bytes sent %d (the same CAR on disk: %v, plus a %d-byte header), estimated total %d", sent, fi, emptyHeader.Len(), estimate)
	}

	// Every root is pinned on the remote node (asked with the token).
	code, body := rpcPost(t, remote.API, header, "pin/ls", url.Values{"type": {"recursive"}})
	if code != http.StatusOK {
		t.Fatalf("pin/ls: %d %s", code, body)
	}
	for _, c := range []string{res.Roots.Images, res.Roots.Originals, res.Roots.Provenance, res.Roots.Metadata, res.Roots.Contract} {
		if !strings.Contains(string(body), c) {
			t.Fatalf("%s not pinned on the remote node: %s", c, body)
		}
	}
	// Every file reads back through the remote node and matches the bytes
	// genmint has locally: the images on disk, and every other file as the
	// local CAR holds it.
	local := readCARFiles(t, localCAR, res)
	lay := layoutFor(t, dir, db, testCollection)
	onDisk := map[string]string{}
	for _, li := range lay.items {
		onDisk[RootImages+"/"+li.imageName] = li.finalPath
	}
	checked := 0
	for key, want := range local {
		p := "/ipfs/" + res.Roots.Contract
		if name, file, ok := strings.Cut(key, "/"); ok {
			p = "/ipfs/" + map[string]string{RootImages: res.Roots.Images, RootOriginals: res.Roots.Originals, RootProvenance: res.Roots.Provenance, RootMetadata: res.Roots.Metadata}[name] + "/" + file
		}
		code, got := rpcPost(t, remote.API, header, "cat", url.Values{"arg": {p}})
		if code != http.StatusOK || !bytes.Equal(got, want) {
			t.Fatalf("%s through the remote node: %d, %d bytes, want %d bytes", p, code, len(got), len(want))
		}
		if f, ok := onDisk[key]; ok {
			b, err := os.ReadFile(f)
			if err != nil || !bytes.Equal(b, got) {
				t.Fatalf("%s differs from %s", key, f)
			}
		}
		checked++
	}
	if checked != 6*4+1 {
		t.Fatalf("checked %d files, want %d", checked, 6*4+1)
	}

	// A re-run finds every root there and sends nothing.
	sent = 0
	res2, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: d.Pinners,
		Progress: func(e Event) { json.NewEncoder(&out).Encode(e) }})
	if err != nil {
		t.Fatal(err)
	}
	if sent != 0 || len(res2.Destinations[0].Already) != 5 {
		t.Fatalf("re-run sent %d bytes: %+v", sent, res2.Destinations)
	}

	// The token is nowhere: not in the events, the results, the state
	// database or any file in the collection.
	resJSON, _ := json.Marshal([]any{res, res2})
	for what, b := range map[string][]byte{"progress": out.Bytes(), "result": resJSON} {
		if bytes.Contains(b, []byte(remoteToken)) {
			t.Fatalf("the token is in the %s", what)
		}
	}
	db.Close()
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(remoteToken)) {
			t.Errorf("the token is in %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// countingProxy puts a reverse proxy in front of a Kubo RPC API that counts
// dag/import requests and answers the first refuse of them with 503.
func countingProxy(t *testing.T, api string, refuse int) (string, *atomic.Int32) {
	t.Helper()
	target, err := url.Parse(api)
	if err != nil {
		t.Fatal(err)
	}
	var imports atomic.Int32
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/dag/import") {
			if int(imports.Add(1)) <= refuse {
				w.Header().Set("Retry-After", "0")
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &imports
}

// remotePins lists the recursive pins on the remote node.
func remotePins(t *testing.T, api, header string) string {
	t.Helper()
	code, body := rpcPost(t, api, header, "pin/ls", url.Values{"type": {"recursive"}})
	if code != http.StatusOK {
		t.Fatalf("pin/ls: %d %s", code, body)
	}
	return string(body)
}

// The streamed import answered 503: pin sends the collection again, whole,
// in a second dag/import, and every root ends up pinned.
func TestRemoteKuboStreamRetriedWholeAfter503(t *testing.T) {
	remote := testenv.StartKubo(t, testenv.WithKuboAPIAuth("bearer:"+remoteToken))
	header := "Bearer " + remoteToken
	api, imports := countingProxy(t, remote.API, 1)
	ctx := context.Background()
	dir, db := newCollection(t, 4, 64)
	d, err := OpenDestinations(ctx, DestinationOptions{IPFSAPI: api, IPFSAuth: KuboAuth{Header: header, Env: "REMOTE_KUBO_AUTH"}, Retry: testRetry})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: d.Pinners})
	if err != nil {
		t.Fatal(err)
	}
	if n := imports.Load(); n != 2 || len(res.Destinations[0].Pinned) != 5 {
		t.Fatalf("%d dag/import requests (want the refused stream and one whole CAR), %+v", n, res.Destinations)
	}
	pins := remotePins(t, remote.API, header)
	for _, c := range []string{res.Roots.Images, res.Roots.Originals, res.Roots.Provenance, res.Roots.Metadata, res.Roots.Contract} {
		if !strings.Contains(pins, c) {
			t.Fatalf("%s not pinned on the remote node: %s", c, pins)
		}
	}
}

// A file that changed on disk fails the run while the blocks are being
// streamed: the request is cancelled and the node pins nothing.
func TestRemoteKuboStreamAbortedPinsNothing(t *testing.T) {
	remote := testenv.StartKubo(t, testenv.WithKuboAPIAuth("bearer:"+remoteToken))
	header := "Bearer " + remoteToken
	api, imports := countingProxy(t, remote.API, 0)
	ctx := context.Background()
	dir, db := newCollection(t, 4, 64)
	d, err := OpenDestinations(ctx, DestinationOptions{IPFSAPI: api, IPFSAuth: KuboAuth{Header: header, Env: "REMOTE_KUBO_AUTH"}, Retry: testRetry})
	if err != nil {
		t.Fatal(err)
	}
	// The originals are computed after the images. Once the images are
	// computed and their blocks have reached the node in the open stream, an
	// original changes: the run must stop, and the node must pin nothing.
	changeOriginal := func(e Event) {
		if e.Kind != EventComputed || e.Root != RootImages {
			return
		}
		for deadline := time.Now().Add(time.Minute); imports.Load() == 0; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Error("the images' blocks never opened a dag/import stream")
				break
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "items", "0003", "original.png"), []byte("not the recorded bytes"), 0o644); err != nil {
			t.Error(err)
		}
	}
	_, err = Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: d.Pinners, Progress: changeOriginal})
	if !errors.Is(err, ErrFileChanged) {
		t.Fatalf("run with a changed original: %v", err)
	}
	if n := imports.Load(); n != 1 {
		t.Fatalf("%d dag/import requests, want the one stream, cancelled", n)
	}
	if pins := remotePins(t, remote.API, header); strings.Contains(pins, "bafy") {
		t.Fatalf("the node pins something after an aborted run: %s", pins)
	}
	if statusCounts(t, db)[state.Pinned] != 0 {
		t.Fatalf("statuses %v", statusCounts(t, db))
	}
}
