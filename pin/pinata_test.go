package pin

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/internal/usage"
	"github.com/genmint/genmint/state"
)

// pinataJWT is the token the Pinata stand-in (testenv.StartPinata) accepts.
const pinataJWT = testenv.PinataJWT

// testPinata is the Pinata destination for the stand-in srv, with small
// chunks, a fast poll and the tests' retry policy; set changes the options
// before they are used.
func testPinata(t *testing.T, srv *testenv.PinataServer, jwt string, singleLimit int64, set ...func(*PinataOptions)) *Pinata {
	o := PinataOptions{JWT: jwt, Uploads: srv.URL + "/v3", API: srv.URL + "/v3", SingleLimit: singleLimit,
		ChunkSize: 8 << 10, Poll: time.Millisecond, Retry: testRetry, StateDir: t.TempDir()}
	for _, f := range set {
		f(&o)
	}
	p, err := NewPinata(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Pinata: small roots in one request, large ones through TUS, through 429s
// with Retry-After and an asynchronous CID; every CID is genmint's; a
// re-run sends nothing; a wrong JWT and a failed import are refused with
// nothing recorded.
func TestPinataUpload(t *testing.T) {
	srv := testenv.StartPinata(t)
	srv.Throttle(2)
	dir, db := newCollection(t, 3, 64)
	ctx := context.Background()

	// A refused JWT: a usage error naming the variable, never the value.
	_, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testPinata(t, srv, "wrong-"+pinataJWT, 16<<10)}})
	if !errors.Is(err, usage.Err) || !strings.Contains(err.Error(), "PINATA_JWT") || strings.Contains(err.Error(), pinataJWT) {
		t.Fatalf("wrong JWT: %v", err)
	}
	// A failed import: nothing recorded, nothing pinned.
	srv.FailImports(true)
	_, err = Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testPinata(t, srv, pinataJWT, 16<<10)}})
	if !errors.Is(err, ErrPinataImportFailed) {
		t.Fatalf("failed import: %v", err)
	}
	if ups, _ := ReadUploads(dir, "pinata"); len(ups) != 0 || statusCounts(t, db)[state.Kept] != 3 {
		t.Fatalf("after a failed import: %+v %v", ups, statusCounts(t, db))
	}
	srv.FailImports(false)
	srv.Throttle(2)

	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testPinata(t, srv, pinataJWT, 16<<10)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Uploads) != 5 || res.NewlyPinned != 3 {
		t.Fatalf("uploads %+v, newly pinned %d", res.Uploads, res.NewlyPinned)
	}
	for _, u := range res.Uploads {
		if !strings.HasPrefix(u.Key, "0195a5c4-") || !strings.Contains(strings.Join(rootList(res.Roots), " "), u.CID) {
			t.Fatalf("upload %+v", u)
		}
	}
	if form := srv.LastForm(); form["network"] != "public" || form["car"] != "true" {
		t.Fatalf("last multipart form %v", form)
	}
	if meta := srv.LastTUSMetadata(); !strings.Contains(meta, "network "+base64.StdEncoding.EncodeToString([]byte("public"))) {
		t.Fatalf("no TUS upload was made (metadata %q): make a root larger than the single limit", meta)
	}
	ledger, err := ReadUploads(dir, "pinata")
	if err != nil || len(ledger) != 5 {
		t.Fatalf("uploads/pinata.json: %v %+v", err, ledger)
	}

	// Re-run: Pinata lists every root by CID; nothing is sent.
	srv.Reset()
	res2, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testPinata(t, srv, pinataJWT, 16<<10)}})
	if err != nil {
		t.Fatal(err)
	}
	if ups, n := srv.Counts(); ups != 0 || n != 0 || len(res2.Destinations[0].Already) != 5 {
		t.Fatalf("re-run: %d uploads, %d bytes, %+v", ups, n, res2.Destinations)
	}
}

// A TUS upload cut off mid-way resumes from the offset Pinata reports.
func TestPinataTUSResumes(t *testing.T) {
	srv := testenv.StartPinata(t)
	dir, db := newCollection(t, 4, 96)
	ctx := context.Background()
	stateDir := t.TempDir()
	mk := func() *Pinata {
		return testPinata(t, srv, pinataJWT, 1<<10, func(o *PinataOptions) { o.ChunkSize, o.StateDir = 4<<10, stateDir })
	}
	// Cut the first run off after 3 chunks.
	cctx, cancel := context.WithCancel(ctx)
	var patches int
	whole := srv.Config.Handler
	srv.Config.Handler = cutAfter(whole, &patches, 3, cancel)
	if _, err := Run(cctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{mk()}, Concurrency: 1}); err == nil {
		t.Fatal("the cut-off run succeeded")
	}
	srv.Config.Handler = whole
	_, first := srv.Counts()
	srv.Reset()
	srv.NameCIDOnTUS() // the last PATCH names the CID (Pinata's SDK reads it)
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{mk()}, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, u := range res.Uploads {
		total += u.Bytes
	}
	if _, after := srv.Counts(); first == 0 || first+after != total {
		t.Fatalf("bytes before the cut %d + after %d, want exactly the CARs' %d (no byte sent twice)", first, after, total)
	}
}

// cutAfter cancels the client after n PATCH requests were served.
func cutAfter(h http.Handler, count *int, n int, cancel func()) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			mu.Lock()
			*count++
			c := *count
			mu.Unlock()
			if c > n {
				cancel()
				http.Error(w, "gone", http.StatusServiceUnavailable)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// An upload whose import Pinata had not finished when the run gave up
// (here: the file could not be read back) is found again by its name among
// the pending files and waited for: the re-run sends only what the first
// run had not sent.
func TestPinataWaitsForAPendingUploadInsteadOfSendingAgain(t *testing.T) {
	srv := testenv.StartPinata(t)
	dir, db := newCollection(t, 2, 64)
	ctx := context.Background()
	whole := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v3/files/public/") {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		whole.ServeHTTP(w, r)
	})
	if _, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testPinata(t, srv, pinataJWT, 1<<20)}}); err == nil {
		t.Fatal("the run succeeded without reading the files back")
	}
	if ups, _ := ReadUploads(dir, "pinata"); len(ups) != 0 {
		t.Fatalf("recorded before Pinata reported a CID: %+v", ups)
	}
	srv.Config.Handler = whole
	first, _ := srv.Counts()
	srv.Reset()
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testPinata(t, srv, pinataJWT, 1<<20)}})
	if err != nil {
		t.Fatal(err)
	}
	// Each of the 5 roots was sent exactly once over both runs.
	if again, _ := srv.Counts(); first == 0 || first+again != 5 || len(res.Uploads) != 5 {
		t.Fatalf("first run %d uploads; re-run %d uploads; %d confirmed: want 5 in all, none twice", first, again, len(res.Uploads))
	}
}

// A connection reset in the middle of a TUS chunk: the next try asks the
// server where the upload stands (HEAD Upload-Offset) and goes on from
// there, so no byte is sent twice; the progress rolls back from what the
// cut try had counted to the server's offset, inside the chunk.
func TestPinataTUSConnectionResetResumesFromServerOffset(t *testing.T) {
	srv := testenv.StartPinata(t)
	dir, db := newCollection(t, 3, 96)
	ctx := context.Background()
	const chunk = 4 << 10
	var mu sync.Mutex
	reports := map[string][]int64{}
	p := testPinata(t, srv, pinataJWT, 1<<10, func(o *PinataOptions) {
		o.ChunkSize = chunk
		o.Sent = func(what string, n, _ int64) { mu.Lock(); reports[what] = append(reports[what], n); mu.Unlock() }
	})
	srv.ResetPatch(2)
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{p}, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, u := range res.Uploads {
		total += u.Bytes
	}
	if _, got := srv.Counts(); got != total {
		t.Fatalf("the service received %d bytes, want exactly the CARs' %d (no byte sent twice)", got, total)
	}
	rollbacks := 0
	for what, ns := range reports {
		for i := 1; i < len(ns); i++ {
			if ns[i] < ns[i-1] {
				rollbacks++
				if ns[i]%chunk == 0 {
					t.Fatalf("%s: rolled back to %d, a chunk boundary: want the server's offset inside the chunk", what, ns[i])
				}
			}
		}
	}
	if rollbacks != 1 {
		t.Fatalf("%d rollbacks in the progress, want 1: %v", rollbacks, reports)
	}
}

// TestPinataLabelHidesTheAPIPath: an API URL with a key in its path is
// where requests go, but the label (printed, in pin records and in
// uploads/pinata.json) shows scheme://host/… only. An uploads file written
// before, naming the full URL, still matches: a re-run uploads nothing and
// keeps one entry per root, rewritten without the path.
func TestPinataLabelHidesTheAPIPath(t *testing.T) {
	const key = "pinata-path-key-0123456789"
	srv := testenv.StartPinata(t)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var paths []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		http.StripPrefix("/k/"+key, httputil.NewSingleHostReverseProxy(target)).ServeHTTP(w, r)
	}))
	defer proxy.Close()
	api := proxy.URL + "/k/" + key + "/v3"
	mk := func() *Pinata {
		return testPinata(t, srv, pinataJWT, 16<<10, func(o *PinataOptions) { o.API, o.Uploads = api, api })
	}
	if d := mk().Destination(); d != "pinata "+proxy.URL+"/…" {
		t.Fatalf("Destination = %q", d)
	}
	if d := PinataLabel(DefaultPinataAPI); d != "pinata "+DefaultPinataAPI {
		t.Fatalf("the default API's label changed: %q (existing uploads files would not match)", d)
	}
	dir, db := newCollection(t, 2, 64)
	ctx := context.Background()
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{mk()}})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(paths) == 0 || !strings.HasPrefix(paths[0], "/k/"+key+"/v3/") {
		t.Fatalf("requests went to %q, want under /k/%s/v3", paths, key)
	}
	mu.Unlock()
	file := UploadsFile(dir, "pinata")
	b, err := os.ReadFile(file)
	if err != nil || strings.Contains(string(b), key) || len(res.Uploads) == 0 {
		t.Fatalf("uploads/pinata.json holds the path's key or nothing (%v):\n%s", err, b)
	}
	if out := fmt.Sprintf("%+v", res); strings.Contains(out, key) {
		t.Fatalf("the result shows the key: %s", out)
	}

	// The file as an older genmint wrote it: labelled with the full URL.
	old := strings.ReplaceAll(string(b), `"pinata `+proxy.URL+`/…"`, `"pinata `+api+`"`)
	if old == string(b) {
		t.Fatalf("no entry labelled %q in\n%s", "pinata "+proxy.URL+"/…", b)
	}
	if err := os.WriteFile(file, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"pin_uploads", "pin_roots"} {
		if _, err := db.SQL().Exec(`UPDATE `+table+` SET destination = ? WHERE destination = ?`, "pinata "+api, "pinata "+proxy.URL+"/…"); err != nil {
			t.Fatal(err)
		}
	}
	srv.Reset()
	if _, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{mk()}}); err != nil {
		t.Fatal(err)
	}
	if ups, n := srv.Counts(); ups != 0 || n != 0 {
		t.Fatalf("re-run over the old file uploaded %d CARs (%d bytes)", ups, n)
	}
	ups, err := ReadUploads(dir, "pinata")
	if err != nil || len(ups) != len(res.Uploads) {
		t.Fatalf("entries after the re-run: %v %+v, want the %d there were", err, ups, len(res.Uploads))
	}
	for _, u := range ups {
		if u.Destination != "pinata "+proxy.URL+"/…" {
			t.Errorf("entry %+v: destination not today's label", u)
		}
	}
	if b, _ := os.ReadFile(file); strings.Contains(string(b), key) {
		t.Errorf("uploads/pinata.json still names the old label:\n%s", b)
	}
	for _, table := range []string{"pin_uploads", "pin_roots"} {
		var n int
		if err := db.SQL().QueryRow(`SELECT count(*) FROM `+table+` WHERE destination LIKE ?`, "%"+key+"%").Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows still name the old label (%v)", table, n, err)
		}
	}
}
