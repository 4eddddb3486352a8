package pin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/testenv"
)

// goneNotes collects the lines Run says about uploads a service no longer
// holds.
type goneNotes struct {
	mu    sync.Mutex
	notes []string
}

func (g *goneNotes) progress(e Event) {
	if e.Kind == EventGone {
		g.mu.Lock()
		g.notes = append(g.notes, e.Note)
		g.mu.Unlock()
	}
}

func (g *goneNotes) take() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := g.notes
	g.notes = nil
	return n
}

// readLedger reads a service's whole uploads file.
func readLedger(t *testing.T, dir, service string) uploadsFile {
	t.Helper()
	f, err := readUploadsFile(dir, service)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func entryFor(ups []Upload, root string) *Upload {
	for i := range ups {
		if ups[i].Root == root {
			return &ups[i]
		}
	}
	return nil
}

// The object of a confirmed S3 upload is deleted at the service. The next
// run says so in one line, takes the entry out of the file's uploads (into
// its gone list) and out of the pin record, so that while the upload fails
// mint refuses the baseURI; once it succeeds, exactly one upload of that
// root was sent, the file lists the new one, and a re-run sends nothing and
// says nothing.
func TestS3DeletedObjectIsUploadedAgain(t *testing.T) {
	kubo := testenv.StartKubo(t)
	srv := testenv.StartS3(t, kubo)
	var refusePut atomic.Bool
	front := s3Front(t, srv, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut && refusePut.Load() {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidRequest</Code><Message>refused by the test</Message></Error>`))
			return true
		}
		return false
	})
	s3 := testS3(t, front.URL, 16<<10)
	dir, db := newCollection(t, 3, 64)
	ctx := context.Background()
	var gone goneNotes
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{s3}, Progress: gone.progress})
	if err != nil {
		t.Fatal(err)
	}
	old := entryFor(readLedger(t, dir, "s3").Uploads, RootMetadata)
	if old == nil || len(gone.take()) != 0 {
		t.Fatalf("no metadata upload recorded: %+v", readLedger(t, dir, "s3"))
	}
	srv.Delete(old.Key)

	// The upload again fails: nothing confirms the metadata root any more.
	refusePut.Store(true)
	srv.Reset()
	_, err = Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{s3}, Progress: gone.progress})
	if err == nil || !strings.Contains(err.Error(), "refused by the test") {
		t.Fatalf("an upload the service refuses: %v", err)
	}
	notes := gone.take()
	want := "uploads/s3.json records metadata at " + old.Key + ", uploaded " + old.At.UTC().Format("2006-01-02T15:04:05Z07:00") + ", but " + s3.Destination() + " no longer has it: uploading again"
	if len(notes) != 1 || notes[0] != want {
		t.Fatalf("said %q, want once %q", notes, want)
	}
	f := readLedger(t, dir, "s3")
	if entryFor(f.Uploads, RootMetadata) != nil || len(f.Uploads) != 4 || len(f.Gone) != 1 || f.Gone[0].Upload != *old || f.Gone[0].GoneAt.IsZero() {
		t.Fatalf("uploads/s3.json after the object was deleted: %+v", f)
	}
	rec, err := Latest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := rec.Publication(); !errors.Is(err, ErrNotPublished) || !strings.Contains(err.Error(), res.Roots.Metadata) {
		t.Fatalf("mint's check with the metadata object deleted: %v", err)
	}

	// The upload goes through: one PUT of the metadata CAR, nothing else.
	refusePut.Store(false)
	srv.Reset()
	res2, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{s3}, Progress: gone.progress})
	if err != nil {
		t.Fatal(err)
	}
	parts, puts, _ := srv.Counts()
	if len(parts) != 0 || len(puts) != 1 || puts[old.Key] != 1 || len(gone.take()) != 0 || !slicesEq(res2.Destinations[0].Pinned, RootMetadata) {
		t.Fatalf("uploading the deleted object again: parts %v puts %v, %+v", parts, puts, res2.Destinations)
	}
	f = readLedger(t, dir, "s3")
	if e := entryFor(f.Uploads, RootMetadata); e == nil || e.CID != res.Roots.Metadata || len(f.Uploads) != 5 || len(f.Gone) != 1 {
		t.Fatalf("uploads/s3.json after the upload again: %+v", f)
	}
	if rec, err = Latest(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, _, err := rec.Publication(); err != nil {
		t.Fatal(err)
	}

	// Resolved: a re-run asks, finds, sends and says nothing.
	srv.Reset()
	if _, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{s3}, Progress: gone.progress}); err != nil {
		t.Fatal(err)
	}
	if parts, puts, n := srv.Counts(); len(parts)+len(puts) != 0 || n != 0 || len(gone.take()) != 0 {
		t.Fatalf("re-run: parts %v puts %v bytes %d", parts, puts, n)
	}
}

func slicesEq(got []string, want ...string) bool {
	return strings.Join(got, ",") == strings.Join(want, ",")
}

// A Pinata file of a confirmed upload is deleted at Pinata: the next run
// says so, uploads that root once (a new file id), moves the old entry to
// the gone list, and a re-run sends nothing.
func TestPinataDeletedFileIsUploadedAgain(t *testing.T) {
	psrv := testenv.StartPinata(t)
	p := testPinata(t, psrv, testenv.PinataJWT, 16<<10)
	dir, db := newCollection(t, 3, 64)
	ctx := context.Background()
	var gone goneNotes
	run := func() (*Result, int) {
		t.Helper()
		psrv.Reset()
		res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{p}, Progress: gone.progress})
		if err != nil {
			t.Fatal(err)
		}
		uploads, _ := psrv.Counts()
		return res, uploads
	}
	res, _ := run()
	old := entryFor(readLedger(t, dir, "pinata").Uploads, RootMetadata)
	if old == nil {
		t.Fatalf("no metadata upload recorded: %+v", readLedger(t, dir, "pinata"))
	}
	psrv.Delete(old.Key)

	res2, uploads := run()
	notes := gone.take()
	if uploads != 1 || len(notes) != 1 || !strings.HasPrefix(notes[0], "uploads/pinata.json records metadata at "+old.Key+", uploaded ") ||
		!strings.HasSuffix(notes[0], "but "+p.Destination()+" no longer has it: uploading again") || !slicesEq(res2.Destinations[0].Pinned, RootMetadata) {
		t.Fatalf("%d upload requests, said %q; %+v", uploads, notes, res2.Destinations)
	}
	if len(res2.Gone) != 1 || res2.Gone[0] != *old {
		t.Fatalf("result's gone uploads %+v", res2.Gone)
	}
	f := readLedger(t, dir, "pinata")
	e := entryFor(f.Uploads, RootMetadata)
	if e == nil || e.CID != res.Roots.Metadata || e.Key == old.Key || len(f.Uploads) != 5 || len(f.Gone) != 1 || f.Gone[0].Key != old.Key {
		t.Fatalf("uploads/pinata.json after the upload again: %+v", f)
	}
	if _, uploads := run(); uploads != 0 || len(gone.take()) != 0 {
		t.Fatalf("re-run: %d upload requests", uploads)
	}
}

// A service that fails to answer where a confirmed upload is (HEAD, GET
// answering 500 through every try of the retry policy) is an error: the
// upload is not taken for gone, nothing is sent, the ledger is unchanged.
// Failing fewer times than the policy allows, it is found, nothing sent.
func TestUploadLookupFailureIsNotGone(t *testing.T) {
	kubo := testenv.StartKubo(t)
	srv := testenv.StartS3(t, kubo)
	psrv := testenv.StartPinata(t)
	var failS3, failPinata atomic.Int32 // requests left to fail
	var s3Key, pinataID atomic.Value
	s3Key.Store("")
	pinataID.Store("")
	front := s3Front(t, srv, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodHead && strings.HasSuffix(r.URL.Path, "/"+s3Key.Load().(string)) && failS3.Add(-1) >= 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}
		return false
	})
	inner := psrv.Config.Handler
	psrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/files/public/"+pinataID.Load().(string)) && failPinata.Add(-1) >= 0 {
			http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
			return
		}
		inner.ServeHTTP(w, r)
	})
	s3, p := testS3(t, front.URL, 16<<10), testPinata(t, psrv, testenv.PinataJWT, 16<<10)
	dir, db := newCollection(t, 3, 64)
	ctx := context.Background()
	if _, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{s3, p}}); err != nil {
		t.Fatal(err)
	}
	s3Key.Store(entryFor(readLedger(t, dir, "s3").Uploads, RootMetadata).Key)
	pinataID.Store(entryFor(readLedger(t, dir, "pinata").Uploads, RootMetadata).Key)
	wrote := func() (int64, int) {
		_, _, n := srv.Counts()
		uploads, _ := psrv.Counts()
		return n, uploads
	}

	for _, svc := range []CARService{s3, p} {
		failS3.Store(int32(testRetry.Attempts))
		failPinata.Store(int32(testRetry.Attempts))
		srv.Reset()
		psrv.Reset()
		var gone goneNotes
		_, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{svc}, Progress: gone.progress})
		if err == nil || !strings.Contains(err.Error(), "gave up after 3 tries") {
			t.Fatalf("%s: a lookup failing on every try: %v", svc.Service(), err)
		}
		if n, u := wrote(); n != 0 || u != 0 || len(gone.take()) != 0 {
			t.Fatalf("%s: sent %d S3 bytes, %d Pinata uploads after a failed lookup", svc.Service(), n, u)
		}
		if f := readLedger(t, dir, svc.Service()); len(f.Uploads) != 5 || len(f.Gone) != 0 {
			t.Fatalf("%s: the ledger after a failed lookup: %+v", svc.Service(), f)
		}

		failS3.Store(int32(testRetry.Attempts - 1))
		failPinata.Store(int32(testRetry.Attempts - 1))
		res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{svc}, Progress: gone.progress})
		if err != nil {
			t.Fatalf("%s: a lookup failing fewer times than the policy allows: %v", svc.Service(), err)
		}
		if n, u := wrote(); n != 0 || u != 0 || len(gone.take()) != 0 || len(res.Destinations[0].Already) != 5 {
			t.Fatalf("%s: sent %d S3 bytes, %d Pinata uploads; %+v", svc.Service(), n, u, res.Destinations)
		}
	}
}

// After a lost state.db, an upload the file records of an earlier run
// (not a root any more) that the service no longer holds is said once and
// moved to the gone list: nothing is uploaded, and later runs do not ask
// the service about it again.
func TestGoneUploadOfAnEarlierRunIsAskedOnce(t *testing.T) {
	kubo := testenv.StartKubo(t)
	srv := testenv.StartS3(t, kubo)
	var mu sync.Mutex
	heads := map[string]int{}
	front := s3Front(t, srv, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodHead {
			mu.Lock()
			heads[strings.TrimPrefix(r.URL.Path, "/"+testenv.S3Bucket+"/")]++
			mu.Unlock()
		}
		return false
	})
	s3 := testS3(t, front.URL, 16<<10)
	const n, size = 3, 64
	dir, db := newCollection(t, n, size)
	ctx := context.Background()
	if _, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{s3}}); err != nil {
		t.Fatal(err)
	}
	old := *entryFor(readLedger(t, dir, "s3").Uploads, RootMetadata)
	// A new description: new metadata and contract roots, uploaded beside.
	coll := testCollection
	coll.Description = "Glyphs the tide left."
	if _, err := Run(ctx, Options{Dir: dir, DB: db, Collection: coll, Services: []CARService{s3}}); err != nil {
		t.Fatal(err)
	}
	if len(readLedger(t, dir, "s3").Uploads) != 7 {
		t.Fatalf("ledger after the second run: %+v", readLedger(t, dir, "s3"))
	}
	srv.Delete(old.Key)

	var gone goneNotes
	for i := range 2 {
		db = loseState(t, dir, db, n, size)
		srv.Reset()
		mu.Lock()
		clear(heads)
		mu.Unlock()
		res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: coll, Services: []CARService{s3}, Progress: gone.progress})
		if err != nil {
			t.Fatal(err)
		}
		parts, puts, sent := srv.Counts()
		mu.Lock()
		asked := heads[old.Key]
		mu.Unlock()
		notes := gone.take()
		switch {
		case len(parts)+len(puts) != 0 || sent != 0:
			t.Fatalf("run %d after a lost state.db sent parts %v puts %v", i+1, parts, puts)
		case i == 0 && (asked != 1 || len(notes) != 1 || !strings.HasSuffix(notes[0], `no longer has it: moved to the file's "gone" list`) || len(res.Restored) != 6):
			t.Fatalf("first run: asked about %s %d times, said %q, restored %d", old.Key, asked, notes, len(res.Restored))
		case i == 1 && (asked != 0 || len(notes) != 0):
			t.Fatalf("second run: asked about %s %d times again, said %q", old.Key, asked, notes)
		}
	}
	if f := readLedger(t, dir, "s3"); len(f.Uploads) != 6 || len(f.Gone) != 1 || f.Gone[0].Upload != old {
		t.Fatalf("uploads/s3.json: %+v", f)
	}
}

// A node recorded holding a root says it no longer does (unpinned): the
// record goes, with one line; while pinning it again fails, mint's check
// refuses the baseURI; once pinned again, it passes.
func TestDestinationThatLostARootIsNotCounted(t *testing.T) {
	dir, db := newCollection(t, 3, 16)
	ctx := context.Background()
	f := &fakePinner{}
	var gone goneNotes
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: []Pinner{f}, Progress: gone.progress})
	if err != nil {
		t.Fatal(err)
	}
	meta, err := cid.Decode(res.Roots.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	delete(f.pinned, meta)
	f.lie = RootMetadata // pinning it again fails
	f.mu.Unlock()
	if _, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: []Pinner{f}, Progress: gone.progress}); !errors.Is(err, ErrCIDMismatch) {
		t.Fatalf("pinning again fails: %v", err)
	}
	notes := gone.take()
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "fake was recorded holding metadata ("+res.Roots.Metadata+") since ") || !strings.HasSuffix(notes[0], "no longer has it: sending it again") {
		t.Fatalf("said %q", notes)
	}
	rec, err := Latest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := rec.Publication(); !errors.Is(err, ErrNotPublished) || !strings.Contains(err.Error(), res.Roots.Metadata) {
		t.Fatalf("mint's check with the metadata root unpinned: %v", err)
	}
	f.mu.Lock()
	f.lie = ""
	f.mu.Unlock()
	if _, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: []Pinner{f}, Progress: gone.progress}); err != nil {
		t.Fatal(err)
	}
	if rec, err = Latest(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, _, err := rec.Publication(); err != nil || len(gone.take()) != 0 {
		t.Fatalf("after pinning again: %v", err)
	}
}
