package pin

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/testenv"
)

// Pinata still importing a CAR: genmint keeps asking for ImportWait of the
// CAR's size — the waits the policy's Sleep is asked for add up to it, and
// stop there — so a large CAR is waited for minutes or hours, not the
// retry policy's few tries. Nothing here is timed: the waits are counted.
func TestPinataWaitIsSizedToTheCAR(t *testing.T) {
	srv := testenv.StartPinata(t)
	inner := srv.Config.Handler
	var mu sync.Mutex
	polls := 0
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v3/files/public/") {
			mu.Lock()
			polls++
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"data":{"id":"0195a5c4-242f-7c01-bee8-000000000001","name":"x.car","cid":"pending"}}`)
			return
		}
		inner.ServeHTTP(w, r)
	})
	var prev time.Duration
	for _, n := range []int64{10 << 10, 100 << 20, 10 << 30} {
		var slept waits
		p := testPinata(t, srv, pinataJWT, 1<<20)
		p.o.Retry = slept.policy(3)
		mu.Lock()
		polls = 0
		mu.Unlock()
		_, err := p.wait(context.Background(), pinataFile{ID: "0195a5c4-242f-7c01-bee8-000000000001", Name: "x.car", CID: "pending"}, n)
		if err == nil || !strings.Contains(err.Error(), "still pending after "+ImportWait(n).Round(time.Second).String()) || !IsTemporary(err) {
			t.Fatalf("%d bytes: %v", n, err)
		}
		var sum time.Duration
		ws := slept.list()
		for _, d := range ws {
			if d > maxImportPoll {
				t.Fatalf("%d bytes: a wait of %v between checks, more than %v", n, d, maxImportPoll)
			}
			sum += d
		}
		mu.Lock()
		got := polls
		mu.Unlock()
		if sum != ImportWait(n) || got != len(ws)+1 || sum <= prev {
			t.Fatalf("%d bytes: %d checks, waits adding up to %v; want %v (ImportWait), one check after each wait, more than for a smaller CAR (%v)",
				n, got, sum, ImportWait(n), prev)
		}
		prev = sum
	}
	if want := 2*time.Minute + 10240*time.Second; prev != want {
		t.Fatalf("ImportWait(10 GiB) = %v, want %v (two minutes and a second per MiB)", prev, want)
	}
}

// An S3 object stored but not imported yet — a run killed while Filebase
// was still importing it, or a bucket that never imports — is waited for
// (HeadObject until x-amz-meta-cid, for ImportWait of its size) instead of
// failing at once. A bucket that never reports a CID ends with one line
// naming the fix (an IPFS bucket), not "delete and re-run": that would pay
// for the upload again. Once the CID appears the next run records the
// object without sending it again.
func TestS3ObjectStillImportingIsWaitedFor(t *testing.T) {
	kubo := testenv.StartKubo(t)
	srv := testenv.StartS3(t, kubo)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	heads := map[string]int{}
	hideFor := -1 // HeadObject answers without the CID this many times per key (-1: always)
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method != http.MethodHead || resp.Header.Get("X-Amz-Meta-Cid") == "" {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		heads[resp.Request.URL.Path]++
		if hideFor < 0 || heads[resp.Request.URL.Path] <= hideFor {
			resp.Header.Del("X-Amz-Meta-Cid") // still importing
		}
		return nil
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	dir, db := newCollection(t, 2, 32)
	var slept waits
	mk := func() *S3 {
		s, err := NewS3(S3Options{Endpoint: front.URL, Bucket: testenv.S3Bucket, Prefix: "drop1", AccessKey: testenv.S3AccessKey,
			SecretKey: testenv.S3SecretKey, PartSize: 1 << 20, Retry: slept.policy(3), Poll: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ctx := context.Background()
	_, err = Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{mk()}, Concurrency: 1})
	if err == nil || !strings.Contains(err.Error(), "IPFS bucket") || strings.Contains(err.Error(), "delete") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("a bucket that never reports a CID: %v", err)
	}
	_, puts1, _ := srv.Counts()
	if len(puts1) != 1 {
		t.Fatalf("first run: puts %v, want the one root it waited for", puts1)
	}
	var sum time.Duration
	for _, d := range slept.list() {
		sum += d
	}
	if sum < ImportWait(0) {
		t.Fatalf("waited %v for the CID, want at least %v", sum, ImportWait(0))
	}

	// The import finishes while the next run asks: it waits, then records
	// the object it already holds; only the other roots are sent.
	mu.Lock()
	hideFor, heads = 2, map[string]int{}
	mu.Unlock()
	srv.Reset()
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{mk()}, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, puts2, _ := srv.Counts()
	for key := range puts1 {
		if puts2[key] != 0 {
			t.Fatalf("%s sent again after the import finished: puts %v", key, puts2)
		}
	}
	if len(res.Uploads) != 5 || len(puts2) != 4 {
		t.Fatalf("re-run: %d uploads confirmed, puts %v: want 5, the 4 others sent", len(res.Uploads), puts2)
	}
}
