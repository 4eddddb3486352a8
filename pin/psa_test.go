package pin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/usage"
	"github.com/genmint/genmint/pin/unixfs"
)

const psaToken = "s3cret-psa-token"

// psaServer answers as the IPFS Pinning Service API spec shows: bearer
// auth, GET /pins filtered by cid and status, POST /pins answering 202 with
// a queued PinStatus, GET /pins/{requestid}; errors as Failure objects. A
// pin moves queued → pinning → pinned (or failed) one step per status read.
type psaServer struct {
	*httptest.Server
	mu       sync.Mutex
	pins     map[string]*PinStatus // by request id
	order    []string
	posts    int
	requests int
	fail     map[string]bool // CIDs that end up failed
	// throttle answers the next N requests with 429 (with retryAfter, if set).
	throttle   int
	retryAfter string
	// serverErrors answers the next N requests with 500.
	serverErrors int
	lastPost     PinRequest
}

func newPSAServer(t *testing.T) *psaServer {
	s := &psaServer{pins: map[string]*PinStatus{}, fail: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *psaServer) failure(w http.ResponseWriter, code int, reason, details string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"reason": reason, "details": details}})
}

func (s *psaServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if r.Header.Get("Authorization") != "Bearer "+psaToken {
		s.failure(w, http.StatusUnauthorized, "UNAUTHORIZED", "Access token is missing or invalid")
		return
	}
	if s.throttle > 0 {
		s.throttle--
		if s.retryAfter != "" {
			w.Header().Set("Retry-After", s.retryAfter)
		}
		s.failure(w, http.StatusTooManyRequests, "RATE_LIMIT", "Too many requests")
		return
	}
	if s.serverErrors > 0 {
		s.serverErrors--
		s.failure(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "try again")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/pins":
		q := r.URL.Query()
		statuses := map[string]bool{"pinned": true} // the spec's default
		if v := q.Get("status"); v != "" {
			statuses = map[string]bool{}
			for _, st := range strings.Split(v, ",") {
				statuses[st] = true
			}
		}
		cids := map[string]bool{}
		for _, c := range strings.Split(q.Get("cid"), ",") {
			if c != "" {
				cids[c] = true
			}
		}
		limit := 10
		if v := q.Get("limit"); v != "" {
			limit, _ = strconv.Atoi(v)
		}
		res := pinResults{Results: []PinStatus{}}
		for i := len(s.order) - 1; i >= 0; i-- { // newest first
			p := s.pins[s.order[i]]
			if (len(cids) == 0 || cids[p.Pin.CID]) && statuses[p.Status] {
				res.Count++
				if len(res.Results) < limit {
					res.Results = append(res.Results, *p)
				}
			}
		}
		json.NewEncoder(w).Encode(res)
	case r.Method == http.MethodPost && r.URL.Path == "/pins":
		var p PinRequest
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil || p.CID == "" {
			s.failure(w, http.StatusBadRequest, "BAD_REQUEST", "bad pin object")
			return
		}
		if _, err := cid.Decode(p.CID); err != nil {
			s.failure(w, http.StatusBadRequest, "BAD_REQUEST", "invalid cid")
			return
		}
		s.posts++
		s.lastPost = p
		id := fmt.Sprintf("req-%d", s.posts)
		st := &PinStatus{RequestID: id, Status: "queued", Created: time.Now().UTC(), Pin: p, Delegates: []string{"/ip4/203.0.113.1/tcp/4001/p2p/12D3KooWDelegate"}}
		s.pins[id] = st
		s.order = append(s.order, id)
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(st)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/pins/"):
		st, ok := s.pins[strings.TrimPrefix(r.URL.Path, "/pins/")]
		if !ok {
			s.failure(w, http.StatusNotFound, "NOT_FOUND", "no such pin request")
			return
		}
		switch st.Status {
		case "queued":
			st.Status = "pinning"
		case "pinning":
			if s.fail[st.Pin.CID] {
				st.Status = "failed"
				st.Info = map[string]string{"status_details": "could not find the content"}
			} else {
				st.Status = "pinned"
			}
		}
		json.NewEncoder(w).Encode(st)
	default:
		s.failure(w, http.StatusBadRequest, "BAD_REQUEST", "unsupported")
	}
}

func testCID(t *testing.T, s string) cid.Cid {
	t.Helper()
	c, _, err := unixfs.ImportFile(context.Background(), func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }, unixfs.DefaultProfile, unixfs.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newPSA(t *testing.T, srv *psaServer, statuses *[]string) *PinningService {
	t.Helper()
	p, err := NewPinningService(srv.URL, psaToken, PinningServiceOptions{
		Poll:    time.Millisecond,
		Origins: []string{"/ip4/198.51.100.7/tcp/4001/p2p/12D3KooWOrigin"},
		Meta:    map[string]string{"app": "genmint"},
		Status: func(root, st string) {
			if statuses != nil {
				*statuses = append(*statuses, st)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPinningServiceQueuedPinningPinned(t *testing.T) {
	srv := newPSAServer(t)
	var statuses []string
	p := newPSA(t, srv, &statuses)
	c := testCID(t, "metadata root")
	got, err := p.Pin(context.Background(), Root{Name: RootMetadata, CID: c, PinName: "genmint Tidal metadata"})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equals(c) || strings.Join(statuses, ",") != "queued,pinning,pinned" {
		t.Fatalf("got %s, statuses %v", got, statuses)
	}
	if srv.lastPost.Name != "genmint Tidal metadata" || len(srv.lastPost.Origins) != 1 || srv.lastPost.Meta["app"] != "genmint" {
		t.Fatalf("pin request sent: %+v", srv.lastPost)
	}
	if ok, err := p.Pinned(context.Background(), c); err != nil || !ok {
		t.Fatalf("Pinned = %v, %v", ok, err)
	}
	// Idempotent: pinning again finds the pinned request, posts nothing.
	if _, err := p.Pin(context.Background(), Root{Name: RootMetadata, CID: c}); err != nil || srv.posts != 1 {
		t.Fatalf("second pin: %v, %d posts", err, srv.posts)
	}
}

func TestPinningServiceFailedPin(t *testing.T) {
	srv := newPSAServer(t)
	p := newPSA(t, srv, nil)
	c := testCID(t, "unreachable content")
	srv.fail[c.String()] = true
	_, err := p.Pin(context.Background(), Root{Name: RootImages, CID: c})
	if !errors.Is(err, ErrRemotePinFailed) || !strings.Contains(err.Error(), "req-1") || !strings.Contains(err.Error(), "could not find the content") {
		t.Fatalf("err = %v", err)
	}
	// A failed request is not followed again: a re-run asks anew.
	delete(srv.fail, c.String())
	if _, err := p.Pin(context.Background(), Root{Name: RootImages, CID: c}); err != nil || srv.posts != 2 {
		t.Fatalf("re-pin after failure: %v, %d posts", err, srv.posts)
	}
}

// A run killed while the service was still pinning follows the same
// request on the next run instead of creating another.
func TestPinningServiceResumesQueuedRequest(t *testing.T) {
	srv := newPSAServer(t)
	p := newPSA(t, srv, nil)
	c := testCID(t, "slow content")
	ctx, cancel := context.WithCancel(context.Background())
	p.status = func(root, st string) {
		if st == "queued" {
			cancel() // "Ctrl-C" right after the request was accepted
		}
	}
	if _, err := p.Pin(ctx, Root{Name: RootImages, CID: c}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled pin: %v", err)
	}
	p.status = nil
	got, err := p.Pin(context.Background(), Root{Name: RootImages, CID: c})
	if err != nil || !got.Equals(c) || srv.posts != 1 {
		t.Fatalf("resume: %s %v, %d posts", got, err, srv.posts)
	}
}

type sleepRecorder struct {
	mu     sync.Mutex
	sleeps []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.sleeps = append(s.sleeps, d)
	s.mu.Unlock()
	return ctx.Err()
}

// 429 without Retry-After (what Pinata and others send) backs off
// exponentially, with jitter; with Retry-After it waits exactly that.
func TestPinningService429BacksOff(t *testing.T) {
	srv := newPSAServer(t)
	srv.throttle = 3
	rec := &sleepRecorder{}
	base := 100 * time.Millisecond
	p := WithRetry(newPSA(t, srv, nil), RetryPolicy{Attempts: 5, Base: base, Max: time.Second, Sleep: rec.sleep})
	c := testCID(t, "throttled")
	if _, err := p.Pin(context.Background(), Root{Name: RootImages, CID: c}); err != nil {
		t.Fatal(err)
	}
	if len(rec.sleeps) != 3 {
		t.Fatalf("sleeps %v, want 3", rec.sleeps)
	}
	for i, d := range rec.sleeps {
		lo := base << i
		if d < lo || d > lo+lo/2 {
			t.Fatalf("sleep %d = %v, want within [%v, %v]", i, d, lo, lo+lo/2)
		}
	}

	srv.throttle, srv.retryAfter = 1, "7"
	rec.sleeps = nil
	p = WithRetry(newPSA(t, srv, nil), RetryPolicy{Attempts: 5, Base: base, Max: time.Minute, Sleep: rec.sleep})
	if _, err := p.Pin(context.Background(), Root{Name: RootImages, CID: testCID(t, "other")}); err != nil {
		t.Fatal(err)
	}
	if len(rec.sleeps) != 1 || rec.sleeps[0] != 7*time.Second {
		t.Fatalf("sleeps %v, want [7s]", rec.sleeps)
	}

	// Persistent throttling gives up with the server's reason.
	srv.throttle, srv.retryAfter = 100, ""
	rec.sleeps = nil
	p = WithRetry(newPSA(t, srv, nil), RetryPolicy{Attempts: 3, Base: base, Max: time.Second, Sleep: rec.sleep})
	_, err := p.Pin(context.Background(), Root{Name: RootImages, CID: testCID(t, "never")})
	if err == nil || !strings.Contains(err.Error(), "HTTP 429 RATE_LIMIT") || !strings.Contains(err.Error(), "gave up after 3 tries") {
		t.Fatalf("err = %v", err)
	}
}

func TestPinningService500IsRetried(t *testing.T) {
	srv := newPSAServer(t)
	srv.serverErrors = 2
	rec := &sleepRecorder{}
	p := WithRetry(newPSA(t, srv, nil), RetryPolicy{Attempts: 4, Base: time.Millisecond, Sleep: rec.sleep})
	if _, err := p.Pin(context.Background(), Root{Name: RootImages, CID: testCID(t, "x")}); err != nil || len(rec.sleeps) != 2 {
		t.Fatalf("err %v, sleeps %v", err, rec.sleeps)
	}
}

func TestPinningServiceBadTokenIsOneLineWithoutTheToken(t *testing.T) {
	srv := newPSAServer(t)
	p, err := NewPinningService(srv.URL, "wrong-"+psaToken, PinningServiceOptions{Poll: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rec := &sleepRecorder{}
	_, err = WithRetry(p, RetryPolicy{Attempts: 5, Base: time.Millisecond, Sleep: rec.sleep}).Pin(context.Background(), Root{Name: RootImages, CID: testCID(t, "x")})
	if !errors.Is(err, ErrRemoteAuth) || strings.Contains(err.Error(), psaToken) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "401 UNAUTHORIZED") || len(rec.sleeps) != 0 {
		t.Fatalf("err = %v, retried %d times", err, len(rec.sleeps))
	}
}

func TestPinningServiceGarbageAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>hello</html>"))
	}))
	defer srv.Close()
	p, _ := NewPinningService(srv.URL, psaToken, PinningServiceOptions{})
	_, err := p.Pin(context.Background(), Root{Name: RootImages, CID: testCID(t, "x")})
	if err == nil || !strings.Contains(err.Error(), "is --pinning-service the API endpoint?") {
		t.Fatalf("err = %v", err)
	}
}

func TestNewPinningServiceChecksInputs(t *testing.T) {
	if _, err := NewPinningService("ftp://x", psaToken, PinningServiceOptions{}); err == nil {
		t.Error("accepted ftp URL")
	}
	if _, err := NewPinningService("https://api.example.com/psa", "", PinningServiceOptions{}); err == nil {
		t.Error("accepted empty token")
	}
	p, err := NewPinningService("https://user:pw@api.example.com/psa/", psaToken, PinningServiceOptions{})
	if err != nil || p.Destination() != "pinning-service https://api.example.com/…" {
		t.Fatalf("%v %v", p, err)
	}
	if _, err := NewPinningService("ftp://host/psa/KEY-IN-PATH", psaToken, PinningServiceOptions{}); err == nil || strings.Contains(err.Error(), "KEY-IN-PATH") {
		t.Errorf("refusal quotes the path: %v", err)
	}
}

// TestPinningServiceLabelHidesThePath: a key in the endpoint's path is
// where requests go, but not in the destination label (printed, stored)
// nor in an error the HTTP client wrote quoting the request's URL.
func TestPinningServiceLabelHidesThePath(t *testing.T) {
	const key = "psa-path-key-0123456789"
	var got []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.Path)
		mu.Unlock()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close() // the client sees EOF and quotes the URL
		}
	}))
	defer srv.Close()
	p, err := NewPinningService(srv.URL+"/k/"+key, psaToken, PinningServiceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Destination(); d != "pinning-service "+srv.URL+"/…" {
		t.Errorf("Destination = %q", d)
	}
	_, err = p.Pinned(context.Background(), testCID(t, "root"))
	if err == nil || strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), srv.URL+"/…") {
		t.Errorf("err = %v, want it without the path's key, naming %s/…", err, srv.URL)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 || got[0] != "/k/"+key+"/pins" {
		t.Errorf("requests went to %q, want /k/%s/pins", got, key)
	}
}

// TestPinningServiceUntrustedCertificate: a pinning service behind a TLS
// certificate this machine does not trust (a private CA) is one line
// naming the host and SSL_CERT_FILE, a usage error, never retried; trusted,
// the same server pins.
func TestPinningServiceUntrustedCertificate(t *testing.T) {
	srv := &psaServer{pins: map[string]*PinStatus{}, fail: map[string]bool{}}
	srv.Server = httptest.NewUnstartedServer(http.HandlerFunc(srv.serve))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	root := Root{Name: RootImages, CID: testCID(t, "x")}

	p, err := NewPinningService(srv.URL+"/SECRET-IN-PATH/psa", psaToken, PinningServiceOptions{Poll: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rec := &sleepRecorder{}
	_, err = WithRetry(p, RetryPolicy{Attempts: 5, Base: time.Millisecond, Sleep: rec.sleep}).Pin(context.Background(), root)
	host := strings.TrimPrefix(srv.URL, "https://")
	if err == nil || !errors.Is(err, usage.Err) || len(rec.sleeps) != 0 ||
		!strings.Contains(err.Error(), "pinning service at "+host+": its TLS certificate is signed by an authority this machine does not trust") ||
		!strings.Contains(err.Error(), "point SSL_CERT_FILE at its PEM file") || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("err = %v, retried %d times", err, len(rec.sleeps))
	}

	p, err = NewPinningService(srv.URL, psaToken, PinningServiceOptions{Poll: time.Millisecond, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p.Pin(context.Background(), root); err != nil || !got.Equals(root.CID) {
		t.Fatalf("trusted: %v, %v", got, err)
	}
}
