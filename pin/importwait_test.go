package pin

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Pinata still importing a CAR: genmint keeps asking for ImportWait of the
// CAR's size — the waits the policy's Sleep is asked for add up to it, and
// stop there — so a large CAR is waited for minutes or hours, not the
// retry policy's few tries. Nothing here is timed: the waits are counted.
func TestPinataWaitIsSizedToTheCAR(t *testing.T) {
	srv := newPinataServer(t)
	inner := srv.Config.Handler
	var mu sync.Mutex
	polls := 0
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v3/files/public/") {
			mu.Lock()
			polls++
			mu.Unlock()
			writeJSON(w, map[string]any{"data": map[string]any{"id": r.PathValue("id"), "name": "x.car", "cid": "pending"}})
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
