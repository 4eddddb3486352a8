package pin

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/state"
)

// askStreamer is a Streamer whose Pinned answers from a table, after a
// delay, and counts the questions; its stream carried the roots in
// carried.
type askStreamer struct {
	pinned  map[cid.Cid]bool
	fail    map[cid.Cid]error
	delay   map[cid.Cid]time.Duration
	carried map[cid.Cid]bool

	mu    sync.Mutex
	asked map[cid.Cid]int
}

func (s *askStreamer) Destination() string { return "kubo https://node.example" }

func (s *askStreamer) Pinned(ctx context.Context, c cid.Cid) (bool, error) {
	s.mu.Lock()
	s.asked[c]++
	s.mu.Unlock()
	time.Sleep(s.delay[c])
	return s.pinned[c], s.fail[c]
}

func (s *askStreamer) Pin(ctx context.Context, r Root) (cid.Cid, error) { return r.CID, nil }
func (s *askStreamer) Commit(context.Context) error                     { return nil }
func (s *askStreamer) Abort()                                           {}
func (s *askStreamer) StartStream(context.Context, int64)               {}
func (s *askStreamer) PutBlock(context.Context, blocks.Block) error     { return nil }
func (s *askStreamer) Streamed(cid.Cid)                                 {}
func (s *askStreamer) Carried(c cid.Cid) bool                           { return s.carried[c] }
func (s *askStreamer) questions(c cid.Cid) int                          { s.mu.Lock(); defer s.mu.Unlock(); return s.asked[c] }
func newAskStreamer() *askStreamer {
	return &askStreamer{pinned: map[cid.Cid]bool{}, fail: map[cid.Cid]error{}, delay: map[cid.Cid]time.Duration{},
		carried: map[cid.Cid]bool{}, asked: map[cid.Cid]int{}}
}

func askRoots(t *testing.T, n int) []Root {
	roots := make([]Root, n)
	for i := range roots {
		roots[i] = Root{Name: fmt.Sprintf("root%d", i), CID: testCID(t, fmt.Sprintf("root %d", i))}
	}
	return roots
}

func askDB(t *testing.T) *state.DB {
	t.Helper()
	db, err := state.Open(context.Background(), t.TempDir(), state.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

// Every root is asked, each to its end, and the error returned is the
// first in the roots' order, not the first in time.
func TestAskPinnedFirstErrorInRootsOrder(t *testing.T) {
	roots := askRoots(t, 4)
	s := newAskStreamer()
	first, later := errors.New("root1 refused"), errors.New("root3 refused")
	s.fail[roots[1].CID], s.delay[roots[1].CID] = first, 50*time.Millisecond
	s.fail[roots[3].CID] = later // fails first in time
	s.pinned[roots[2].CID] = true
	have, err := askPinned(context.Background(), askDB(t), s, roots, 4).wait()
	if !errors.Is(err, first) {
		t.Fatalf("error %v, want root1's (%v)", err, first)
	}
	for i, r := range roots {
		if s.questions(r.CID) != 1 {
			t.Fatalf("root %d asked %d times, want once", i, s.questions(r.CID))
		}
	}
	if !have[2] || have[0] {
		t.Fatalf("answers %v: root2 is pinned, root0 is not", have)
	}
}

// A root the stream carried is asked about only when the state records the
// destination holding it: then the node's answer counts (already there, or
// gone); otherwise it is not pinned yet, without a question.
func TestAskPinnedCarriedRoots(t *testing.T) {
	ctx := context.Background()
	db := askDB(t)
	roots := askRoots(t, 3)
	s := newAskStreamer()
	for _, r := range roots {
		s.carried[r.CID] = true
		s.pinned[r.CID] = true // the node has them all
	}
	rec := &Record{Roots: Roots{Metadata: "bafyask"}}
	runID, err := saveRun(ctx, db, rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := savePinned(ctx, db, runID, s.Destination(), roots[1].Name, roots[1].CID.String()); err != nil {
		t.Fatal(err)
	}
	have, err := askPinned(ctx, db, s, roots, 2).wait()
	if err != nil {
		t.Fatal(err)
	}
	if have[0] || !have[1] || have[2] {
		t.Fatalf("answers %v, want [false true false]: only root1 is recorded there", have)
	}
	if s.questions(roots[0].CID) != 0 || s.questions(roots[1].CID) != 1 || s.questions(roots[2].CID) != 0 {
		t.Fatalf("questions %d, %d, %d, want 0, 1, 0", s.questions(roots[0].CID), s.questions(roots[1].CID), s.questions(roots[2].CID))
	}
}
