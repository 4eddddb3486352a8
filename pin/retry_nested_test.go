package pin

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/genmint/genmint/internal/testenv"
)

// After an S3 upload, a HeadObject that keeps answering 503 is tried as
// often as the one retry policy allows (3 here), not that many times for
// each try of the wait around it (9): an exhausted request ends the wait.
func TestS3ExhaustedHeadEndsTheWait(t *testing.T) {
	srv := testenv.StartS3(t, nil)
	var mu sync.Mutex
	heads := 0
	front := s3Front(t, srv, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodHead {
			return false
		}
		mu.Lock()
		heads++
		mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	})
	s := testS3(t, front.URL, 1<<20)
	car := randomCAR(t, 1000)
	_, err := s.Upload(context.Background(), dummyCID(t), "images", CAROnDisk{Path: car.Name(), Size: 1000})
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 tries") {
		t.Fatalf("a HeadObject answering 503: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if heads != testRetry.Attempts {
		t.Fatalf("%d HeadObject requests, want %d (the policy's tries, once)", heads, testRetry.Attempts)
	}
}

// Pinata's file answering 503 while the client waits for its CID: as many
// requests as the policy's tries, not their square.
func TestPinataExhaustedPollEndsTheWait(t *testing.T) {
	srv := testenv.StartPinata(t)
	inner := srv.Config.Handler
	var mu sync.Mutex
	polls := 0
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v3/files/public/") {
			mu.Lock()
			polls++
			mu.Unlock()
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		inner.ServeHTTP(w, r)
	})
	p := testPinata(t, srv, pinataJWT, 1<<20)
	car := randomCAR(t, 1000) // the stand-in takes it; the test is the wait
	_, err := p.Upload(context.Background(), dummyCID(t), "images", CAROnDisk{Path: car.Name(), Size: 1000})
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 tries") {
		t.Fatalf("a file answering 503: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if polls != testRetry.Attempts {
		t.Fatalf("%d reads of the file, want %d (the policy's tries, once)", polls, testRetry.Attempts)
	}
}
