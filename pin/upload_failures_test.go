package pin

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/state"
)

// waits is a retry policy whose Sleep records each wait instead of
// sleeping: what a test asserts is the wait the policy asked for, never
// how long anything took.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) policy(attempts int) RetryPolicy {
	return RetryPolicy{Attempts: attempts, Base: 10 * time.Millisecond, Max: time.Minute,
		Sleep: func(ctx context.Context, d time.Duration) error {
			w.mu.Lock()
			w.d = append(w.d, d)
			w.mu.Unlock()
			return ctx.Err()
		}}
}

func (w *waits) list() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.d)
}

// s3Front is a proxy in front of the S3 server that lets a test answer
// some requests itself (intercept returns true when it did).
func s3Front(t *testing.T, srv *testenv.S3Server, intercept func(w http.ResponseWriter, r *http.Request) bool) *httptest.Server {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !intercept(w, r) {
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(front.Close)
	return front
}

// randomCAR writes size random bytes (the server stores them as they are).
func randomCAR(t *testing.T, size int) *os.File {
	t.Helper()
	data := make([]byte, size)
	rand.NewChaCha8([32]byte{9}).Read(data)
	path := filepath.Join(t.TempDir(), "x.car")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// A multipart upload that fails for good (a part refused with 400) is
// aborted: AbortMultipartUpload reaches the server, retried through the one
// policy after the 503 + Retry-After it first gets, and the service then
// lists no unfinished upload of the key, so nothing is left billing. A 503
// with Retry-After on a part is retried after exactly the wait the server
// asked for.
func TestS3PermanentFailureAbortsMultipart(t *testing.T) {
	srv := testenv.StartS3(t, nil)
	const key, partSize, size = "abort.car", 64 << 10, 3*64<<10 + 99
	var mu sync.Mutex
	seen := map[string]int{} // requests that reached the proxy: "part N", "abort"
	front := s3Front(t, srv, func(w http.ResponseWriter, r *http.Request) bool {
		q := r.URL.Query()
		what := ""
		switch {
		case r.Method == http.MethodPut && q.Get("partNumber") != "":
			what = "part " + q.Get("partNumber")
		case r.Method == http.MethodDelete && q.Get("uploadId") != "":
			what = "abort"
		}
		mu.Lock()
		seen[what]++
		n := seen[what]
		mu.Unlock()
		switch {
		case what == "part 1" && n == 1, what == "abort" && n == 1:
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Retry-After", map[string]string{"part 1": "3", "abort": "2"}[what])
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		case what == "part 2":
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidPart</Code><Message>refused by the test</Message></Error>`)
			return true
		}
		return false
	})
	var slept waits
	s, err := NewS3(S3Options{Endpoint: front.URL, Bucket: testenv.S3Bucket, AccessKey: testenv.S3AccessKey, SecretKey: testenv.S3SecretKey,
		PartSize: partSize, Retry: slept.policy(3)})
	if err != nil {
		t.Fatal(err)
	}
	err = s.multipart(context.Background(), key, randomCAR(t, size), size, minio.PutObjectOptions{})
	if err == nil || !strings.Contains(err.Error(), "part 2 of "+key) || strings.Contains(err.Error(), "re-run to resume") ||
		strings.Contains(err.Error(), "aborting the multipart upload") {
		t.Fatalf("a part refused for good: %v", err)
	}
	mu.Lock()
	aborts, part1, part3 := seen["abort"], seen["part 1"], seen["part 3"]
	mu.Unlock()
	if aborts != 2 || part1 != 2 || part3 != 0 {
		t.Fatalf("requests: %v; want part 1 twice (after a 503), no part 3, the abort twice (after a 503)", seen)
	}
	if got := slept.list(); !slices.Equal(got, []time.Duration{3 * time.Second, 2 * time.Second}) {
		t.Fatalf("the retry policy waited %v; want the servers' Retry-After, 3s then 2s", got)
	}
	// Asked of the server itself, not through the proxy.
	direct := testS3(t, srv.URL, partSize)
	res, err := direct.core.ListMultipartUploads(context.Background(), testenv.S3Bucket, key, "", "", "", 1000)
	var er minio.ErrorResponse
	if err != nil && !(errors.As(err, &er) && er.Code == "NoSuchUpload") {
		t.Fatal(err)
	}
	for _, u := range res.Uploads {
		if u.Key == key {
			t.Fatalf("the multipart upload %s of %s is still listed after the abort", u.UploadID, key)
		}
	}
}

// A part the server never answers ends at its request's timeout (sized to
// the body; a tiny one here) with a clear error, retried under the one
// policy; the completed parts stay on the service and the error says that
// re-running resumes. Only the last part stalls, and only its size gets the
// tiny timeout: the healthy parts keep the real one, so a loaded machine
// cannot time them out.
func TestS3StalledPartTimesOut(t *testing.T) {
	srv := testenv.StartS3(t, nil)
	const key, partSize, lastPart, size = "stall.car", 64 << 10, 777, 2*64<<10 + 777
	release := make(chan struct{})
	var mu sync.Mutex
	stalled := 0
	front := s3Front(t, srv, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPut || r.URL.Query().Get("partNumber") != "3" {
			return false
		}
		mu.Lock()
		stalled++
		mu.Unlock()
		select { // read nothing, answer nothing
		case <-r.Context().Done():
		case <-release:
		}
		return true
	})
	t.Cleanup(func() { close(release) }) // before front.Close, which waits for the handlers
	var slept waits
	var sized []int64
	s, err := NewS3(S3Options{Endpoint: front.URL, Bucket: testenv.S3Bucket, AccessKey: testenv.S3AccessKey, SecretKey: testenv.S3SecretKey,
		PartSize: partSize, Retry: slept.policy(2), Timeout: func(n int64) time.Duration {
			mu.Lock()
			sized = append(sized, n)
			mu.Unlock()
			if n == lastPart {
				return 200 * time.Millisecond // the stalled part only
			}
			return BodyTimeout(n)
		}})
	if err != nil {
		t.Fatal(err)
	}
	err = s.multipart(context.Background(), key, randomCAR(t, size), size, minio.PutObjectOptions{})
	if err == nil || !strings.Contains(err.Error(), "part 3 of "+key+": timed out") || !strings.Contains(err.Error(), "gave up after 2 tries") ||
		!strings.Contains(err.Error(), "re-run to resume") {
		t.Fatalf("a stalled part: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if stalled != 2 || !slices.Contains(sized, int64(lastPart)) {
		t.Fatalf("stalled tries %d, timeouts sized for %v", stalled, sized)
	}
}

// Pinata's 429 and 503 are retried after exactly the Retry-After they
// carry (the policy's Sleep is the test's: it records the wait).
func TestPinataHonoursRetryAfter(t *testing.T) {
	srv := testenv.StartPinata(t)
	inner := srv.Config.Handler
	var mu sync.Mutex
	answered := 0
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		answered++
		n := answered
		mu.Unlock()
		switch n {
		case 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			inner.ServeHTTP(w, r)
		}
	})
	dir, db := newCollection(t, 2, 64)
	var slept waits
	p := testPinata(t, srv, pinataJWT, 16<<10)
	p.o.Retry = slept.policy(4)
	res, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{p}})
	if err != nil {
		t.Fatal(err)
	}
	// Requests run in parallel: the two answers may be waited in either
	// order; every other wait is the short back-off of a pending CID.
	got := slept.list()
	long := slices.DeleteFunc(slices.Clone(got), func(d time.Duration) bool { return d < time.Second })
	slices.Sort(long)
	if !slices.Equal(long, []time.Duration{3 * time.Second, 7 * time.Second}) || len(res.Uploads) != 5 {
		t.Fatalf("waits %v (want the 7s and the 3s asked for), uploads %d", got, len(res.Uploads))
	}
}

// Pinata reporting another CID than the local root: an error naming both,
// nothing recorded in the state or in uploads/pinata.json.
func TestPinataWrongCIDRecordsNothing(t *testing.T) {
	srv := testenv.StartPinata(t)
	const other = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
	srv.ReportWrongCID(other)
	dir, db := newCollection(t, 2, 64)
	ctx := context.Background()
	_, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testPinata(t, srv, pinataJWT, 16<<10)}})
	if !errors.Is(err, ErrCIDMismatch) || !strings.Contains(err.Error(), other) {
		t.Fatalf("a wrong CID: %v", err)
	}
	dry, derr := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true})
	if derr != nil {
		t.Fatal(derr)
	}
	if !slices.ContainsFunc(rootList(dry.Roots), func(c string) bool { return strings.Contains(err.Error(), c) }) {
		t.Fatalf("the error names no local root: %v", err)
	}
	if ups, _ := ReadUploads(dir, "pinata"); len(ups) != 0 {
		t.Fatalf("uploads/pinata.json after a wrong CID: %+v", ups)
	}
	if counts := statusCounts(t, db); counts[state.Kept] != 2 {
		t.Fatalf("items after a wrong CID: %v", counts)
	}
	if _, lerr := Latest(ctx, db); !errors.Is(lerr, ErrNoPinRun) {
		t.Fatalf("a pin run counts as complete after a wrong CID: %v", lerr)
	}
}
