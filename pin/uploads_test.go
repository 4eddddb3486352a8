package pin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/state"
)

// countWrites wraps a test server's handler (*h): it counts every request
// that could store something (anything but GET and HEAD).
func countWrites(h *http.Handler) *atomic.Int64 {
	n := &atomic.Int64{}
	inner := *h
	*h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			n.Add(1)
		}
		inner.ServeHTTP(w, r)
	})
	return n
}

// loseState deletes the collection's state database and rebuilds the
// items as genmint repair does from items/, and opens the new database.
func loseState(t *testing.T, dir string, db *state.DB, n, size int) *state.DB {
	t.Helper()
	db.Close()
	for _, f := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(state.Path(dir) + f); err != nil && f == "" {
			t.Fatal(err)
		}
	}
	makeCollection(t, dir, n, size)
	return openDB(t, dir)
}

// After an S3 and a Pinata upload the state database is lost: pin again
// sends no upload request to either service, puts the upload records back
// in the new database (each confirmed by its service first), and the pin
// record passes mint's check that a destination confirmed every root. An
// uploads file edited to name another CID is an error naming both, and
// repair restores the records too.
func TestUploadsRestoredAfterLostState(t *testing.T) {
	kubo := testenv.StartKubo(t)
	s3srv := testenv.StartS3(t, kubo)
	psrv := testenv.StartPinata(t)
	s3writes, pwrites := countWrites(&s3srv.Config.Handler), countWrites(&psrv.Config.Handler)
	const n, size = 3, 64
	dir, db := newCollection(t, n, size)
	ctx := context.Background()
	services := func() []CARService {
		return []CARService{testS3(t, s3srv.URL, 16<<10), testPinata(t, psrv, pinataJWT, 16<<10)}
	}
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: services()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Uploads) != 10 || s3writes.Load() == 0 || pwrites.Load() == 0 {
		t.Fatalf("first run: %d uploads confirmed, %d S3 and %d Pinata writes", len(res.Uploads), s3writes.Load(), pwrites.Load())
	}
	before, err := Uploads(ctx, db)
	if err != nil || len(before) != 10 {
		t.Fatalf("pin_uploads: %v %+v", err, before)
	}

	db = loseState(t, dir, db, n, size)
	s3writes.Store(0)
	pwrites.Store(0)
	res2, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: services()})
	if err != nil {
		t.Fatal(err)
	}
	if w, p := s3writes.Load(), pwrites.Load(); w != 0 || p != 0 {
		t.Fatalf("after a lost state.db: %d S3 and %d Pinata upload requests, want none", w, p)
	}
	if res2.Roots != res.Roots || len(res2.Restored) != 10 {
		t.Fatalf("roots %+v (were %+v), %d restored", res2.Roots, res.Roots, len(res2.Restored))
	}
	after, err := Uploads(ctx, db)
	if err != nil || len(after) != 10 {
		t.Fatalf("pin_uploads after the loss: %v %+v", err, after)
	}
	key := func(u Upload) string { return u.Destination + " " + u.Key + " " + u.CID + " " + u.Root }
	for _, u := range before {
		if !slices.ContainsFunc(after, func(a Upload) bool { return key(a) == key(u) }) {
			t.Fatalf("upload %+v not restored: %+v", u, after)
		}
	}
	// Mint's check: every root confirmed by a destination, here both.
	rec, err := Latest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	dests, carOnly, err := rec.Publication()
	if err != nil || carOnly || len(dests) != 2 {
		t.Fatalf("publication after the loss: %v %v %v", dests, carOnly, err)
	}

	// repair (Rebuild) with the services uploads/ names: the records and
	// the pin run come back, with no upload request either.
	db = loseState(t, dir, db, n, size)
	getenv := func(k string) string {
		return map[string]string{"AWS_ACCESS_KEY_ID": testenv.S3AccessKey, "AWS_SECRET_ACCESS_KEY": testenv.S3SecretKey, "PINATA_JWT": pinataJWT}[k]
	}
	svcs, missing, err := RecordedServices(dir, getenv)
	if err != nil || len(svcs) != 2 || len(missing) != 0 {
		t.Fatalf("recorded services: %v %v %v", svcs, missing, err)
	}
	if _, missing, _ := RecordedServices(dir, func(string) string { return "" }); len(missing) != 2 || !strings.Contains(strings.Join(missing, " "), "PINATA_JWT") {
		t.Fatalf("without credentials: missing %v", missing)
	}
	rep, err := Rebuild(ctx, RebuildOptions{Dir: dir, DB: db, Collection: testCollection, Services: svcs})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rebuilt == nil || rep.Rebuilt.Roots != res.Roots || len(rep.Restored) != 10 || s3writes.Load() != 0 || pwrites.Load() != 0 {
		t.Fatalf("repair: %+v (%d S3, %d Pinata writes)", rep, s3writes.Load(), pwrites.Load())
	}
	if got, _ := Uploads(ctx, db); len(got) != 10 {
		t.Fatalf("pin_uploads after repair: %+v", got)
	}
	if _, _, err := rep.Rebuilt.Publication(); err != nil {
		t.Fatal(err)
	}

	// An uploads file edited to name another CID for the images CAR: the
	// service, asked at the recorded key, holds genmint's; an error naming
	// both, nothing sent, nothing recorded.
	const fake = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
	b, err := os.ReadFile(UploadsFile(dir, "s3"))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), `"cid": "`+res.Roots.Images+`"`, `"cid": "`+fake+`"`, 1)
	if edited == string(b) {
		t.Fatalf("no images entry in %s", b)
	}
	if err := os.WriteFile(UploadsFile(dir, "s3"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	db = loseState(t, dir, db, n, size)
	_, err = Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: services()})
	if !errors.Is(err, ErrCIDMismatch) || !strings.Contains(err.Error(), fake) || !strings.Contains(err.Error(), res.Roots.Images) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("edited uploads file: %v", err)
	}
	if s3writes.Load() != 0 || pwrites.Load() != 0 {
		t.Fatalf("sent %d S3 and %d Pinata requests despite the edited file", s3writes.Load(), pwrites.Load())
	}
	if got, _ := Uploads(ctx, db); slices.ContainsFunc(got, func(u Upload) bool { return u.CID == fake }) {
		t.Fatalf("recorded the edited entry: %+v", got)
	}
}

// Pinata's JWT appears in no error, progress event, --json result, state
// database byte or file of the collection, through a refused JWT (401), a
// failed import, 429s until the retries run out, and a successful upload.
// (The command-level canary test, cmd/genmint, covers remote Kubo and S3.)
func TestPinataJWTAppearsNowhere(t *testing.T) {
	srv := testenv.StartPinata(t)
	dir, db := newCollection(t, 2, 64)
	ctx := context.Background()
	var seen strings.Builder
	opts := func(jwt string) Options {
		p, err := NewPinata(PinataOptions{JWT: jwt, Uploads: srv.URL + "/v3", API: srv.URL + "/v3", SingleLimit: 16 << 10,
			ChunkSize: 8 << 10, Poll: time.Millisecond, Retry: testRetry, StateDir: filepath.Join(dir, state.Dir, "uploads"),
			Sent: func(what string, n, total int64) { fmt.Fprintln(&seen, what, n, total) }})
		if err != nil {
			t.Fatal(err)
		}
		return Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{p},
			Progress: func(e Event) { fmt.Fprintf(&seen, "%+v\n", e) }}
	}
	fail := func(o Options) {
		t.Helper()
		res, err := Run(ctx, o)
		if err == nil {
			t.Fatalf("succeeded: %+v", res)
		}
		fmt.Fprintln(&seen, err)
	}
	fail(opts("wrong-" + pinataJWT))
	srv.FailImports(true)
	fail(opts(pinataJWT))
	srv.FailImports(false)
	srv.Throttle(100)
	fail(opts(pinataJWT))
	srv.Throttle(0)
	res, err := Run(ctx, opts(pinataJWT))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	seen.Write(b)
	db.Close()
	if strings.Contains(seen.String(), pinataJWT) {
		t.Errorf("the JWT is in the run's output:\n%s", seen.String())
	}
	files := 0
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files++
		if bytes.Contains(b, []byte(pinataJWT)) {
			t.Errorf("the JWT is in %s", p)
		}
		return err
	})
	if err != nil || files < 5 || len(res.Uploads) != 5 {
		t.Fatalf("%v; %d files read; %d uploads", err, files, len(res.Uploads))
	}
}
