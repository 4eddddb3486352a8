package pin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/minio/minio-go/v7"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/state"
)

func testS3(t testing.TB, endpoint string, partSize int64) *S3 {
	t.Helper()
	s, err := NewS3(S3Options{Endpoint: endpoint, Bucket: testenv.S3Bucket, Prefix: "drop1",
		AccessKey: testenv.S3AccessKey, SecretKey: testenv.S3SecretKey, PartSize: partSize, Retry: testRetry})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rootList(r Roots) []string {
	return []string{r.Images, r.Originals, r.Provenance, r.Metadata, r.Contract}
}

// Each root goes up as its own CAR with x-amz-meta-import: car (multipart
// above the part size, through 429s with Retry-After), counts only when the
// CID the server computed with a real Kubo equals genmint's, and is recorded
// in the state and in uploads/s3.json. A re-run, and a run after the state
// database is lost, upload zero bytes.
func TestS3CARImportExactlyOnce(t *testing.T) {
	kubo := testenv.StartKubo(t)
	srv := testenv.StartS3(t, kubo)
	srv.Throttle(2)
	dir, db := newCollection(t, 4, 96)
	ctx := context.Background()
	s3 := testS3(t, srv.URL, 16<<10)
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{s3}})
	if err != nil {
		t.Fatal(err)
	}
	parts, puts, sent := srv.Counts()
	if sent == 0 || len(parts)+len(puts) != 5 || res.NewlyPinned != 4 {
		t.Fatalf("parts %v puts %v bytes %d newly pinned %d", parts, puts, sent, res.NewlyPinned)
	}
	if len(res.Uploads) != 5 {
		t.Fatalf("result's confirmed uploads: %+v", res.Uploads)
	}
	if len(parts) == 0 {
		t.Fatal("no root went up as a multipart upload: make the images larger than the part size")
	}
	// The server's own CIDs (Kubo's import of the stored bytes) are genmint's.
	for _, c := range rootList(res.Roots) {
		if got := srv.CIDOf("drop1/" + c + ".car"); got != c {
			t.Fatalf("object for %s imports as %q", c, got)
		}
	}
	ledger, err := ReadUploads(dir, "s3")
	if err != nil || len(ledger) != 5 {
		t.Fatalf("uploads/s3.json: %v %+v", err, ledger)
	}
	inDB, err := Uploads(ctx, db)
	if err != nil || len(inDB) != 5 {
		t.Fatalf("pin_uploads: %v %+v", err, inDB)
	}
	for _, u := range ledger {
		if !slices.Contains(rootList(res.Roots), u.CID) || u.Key != "drop1/"+u.CID+".car" || u.Bytes == 0 || u.Root == "" {
			t.Fatalf("ledger entry %+v", u)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, state.Dir, "uploads", "*")); len(left) != 0 {
		t.Fatalf("CARs left after confirmed uploads: %v", left)
	}

	// Re-run: everything is there; nothing is sent.
	srv.Reset()
	res2, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{s3}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, n := srv.Counts(); n != 0 || len(res2.Destinations[0].Already) != 5 {
		t.Fatalf("re-run sent %d bytes: %+v", n, res2.Destinations)
	}

	// The state database is lost; the items are rebuilt (as genmint repair
	// does from items/); pin again: zero bytes, and the ledger is back in
	// the new database.
	db.Close()
	for _, f := range []string{"", "-wal", "-shm"} {
		os.Remove(state.Path(dir) + f)
	}
	makeCollection(t, dir, 4, 96)
	db = openDB(t, dir)
	srv.Reset()
	res3, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{s3}})
	if err != nil {
		t.Fatal(err)
	}
	if parts, puts, n := srv.Counts(); n != 0 || len(parts) != 0 || len(puts) != 0 || res3.Roots != res.Roots {
		t.Fatalf("after a lost state.db: %d bytes, parts %v, puts %v", n, parts, puts)
	}
	if inDB, err := Uploads(ctx, db); err != nil || len(inDB) != 5 || len(res3.Restored) != 5 {
		t.Fatalf("pin_uploads after the loss: %v %+v", err, inDB)
	}
}

// A server reporting a CID other than genmint's: the run fails naming both
// CIDs, nothing is recorded as uploaded or pinned.
func TestS3WrongCIDIsRefused(t *testing.T) {
	kubo := testenv.StartKubo(t)
	srv := testenv.StartS3(t, kubo)
	const wrong = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
	srv.ReportWrongCID(wrong)
	dir, db := newCollection(t, 2, 32)
	ctx := context.Background()
	_, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testS3(t, srv.URL, 64<<10)}, Concurrency: 1})
	if !errors.Is(err, ErrCIDMismatch) || !strings.Contains(err.Error(), wrong) || !strings.Contains(err.Error(), ".car there, run pin again") {
		t.Fatalf("wrong CID: %v", err)
	}
	dry, derr := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true})
	if derr != nil || !strings.Contains(err.Error(), dry.Roots.Images) {
		t.Fatalf("the error does not name genmint's CID %s: %v", dry.Roots.Images, err)
	}
	if ups, _ := ReadUploads(dir, "s3"); len(ups) != 0 {
		t.Fatalf("recorded %+v", ups)
	}
	if statusCounts(t, db)[state.Kept] != 2 {
		t.Fatalf("statuses %v", statusCounts(t, db))
	}
}

// killPartSize keeps the kill test's CARs many parts long.
const killPartSize = 16 << 10

// The child of TestS3KilledMidMultipartResumes: pin the collection in
// GENMINT_S3_CHILD_DIR to the server at GENMINT_S3_CHILD_URL, one root at a
// time. Run only as that test's child process.
func TestS3ChildProcess(t *testing.T) {
	dir := os.Getenv("GENMINT_S3_CHILD_DIR")
	if dir == "" {
		return // not a test by itself: the helper process of the test below
	}
	db := openDB(t, dir)
	_, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection,
		Services: []CARService{testS3(t, os.Getenv("GENMINT_S3_CHILD_URL"), killPartSize)}, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
}

// SIGKILL in the middle of a multipart upload, then re-run: only the parts
// the service did not store are sent, and the object is complete (its
// imported CID is genmint's).
func TestS3KilledMidMultipartResumes(t *testing.T) {
	kubo := testenv.StartKubo(t)
	srv := testenv.StartS3(t, kubo)
	dir, db := newCollection(t, 6, 128)
	ctx := context.Background()
	dry, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	imagesKey := "drop1/" + dry.Roots.Images + ".car"
	const stored = 3 // parts of the images CAR stored before the kill
	blocked := make(chan struct{})
	release := make(chan struct{})
	srv.OnPart(func(key string, num int) bool {
		if key == imagesKey && num == stored+1 {
			close(blocked)
			<-release
			return false // its client is dead: the part never arrived whole
		}
		return true
	})
	child := exec.Command(os.Args[0], "-test.run=^TestS3ChildProcess$", "-test.count=1")
	child.Env = append(os.Environ(), "GENMINT_S3_CHILD_DIR="+dir, "GENMINT_S3_CHILD_URL="+srv.URL)
	out := &strings.Builder{}
	child.Stdout, child.Stderr = out, out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		select {
		case <-blocked:
		case <-time.After(30 * time.Second):
			child.Process.Kill()
		}
		close(exited)
	}()
	<-exited
	select {
	case <-blocked:
	default:
		child.Wait()
		p, pu, n := srv.Counts()
		t.Fatalf("the child never reached part %d of %s (parts %v, puts %v, %d bytes):\n%s", stored+1, imagesKey, p, pu, n, out)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	werr := child.Wait()
	srv.OnPart(nil)
	close(release)
	if ws, ok := child.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("child was not killed: %v\n%s", werr, out)
	}
	first, _, _ := srv.Counts()
	if got := first[imagesKey]; !slices.Equal(got, []int{1, 2, 3}) { // part 4 was cut off in flight
		t.Fatalf("first run's parts of the images CAR: %v", got)
	}
	car, err := os.Stat(filepath.Join(dir, state.Dir, "uploads", dry.Roots.Images+".car"))
	if err != nil {
		t.Fatalf("the killed run's CAR: %v", err)
	}
	total := int((car.Size() + (killPartSize - 1)) / killPartSize)

	srv.Reset()
	db = openDB(t, dir)
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testS3(t, srv.URL, killPartSize)}})
	if err != nil {
		t.Fatal(err)
	}
	second, _, _ := srv.Counts()
	want := []int{}
	for n := stored + 1; n <= total; n++ {
		want = append(want, n)
	}
	got := slices.Clone(second[imagesKey])
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("resumed run sent parts %v of the images CAR, want only the missing %v (of %d)", got, want, total)
	}
	if c := srv.CIDOf(imagesKey); c != res.Roots.Images {
		t.Fatalf("the resumed object imports as %s, want %s", c, res.Roots.Images)
	}
	t.Logf("resumed: %d of %d parts sent again", len(got), total)
}

// sentLog records an upload's progress reports.
type sentLog struct {
	mu sync.Mutex
	n  []int64
}

func (l *sentLog) sent(_ string, n, total int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n = append(l.n, n)
}

// A connection reset in the middle of a part is retried under the one
// retry policy: the part is sent again whole, no other part is, and the
// object is complete. The progress moves within each part (not only
// between parts), and the retried part rolls it back to the bytes of the
// parts before it.
func TestS3ConnectionResetMidPartIsRetried(t *testing.T) {
	srv := testenv.StartS3(t, nil)
	const partSize, size = 64 << 10, 5*64<<10 + 1234
	data := make([]byte, size)
	rand.NewChaCha8([32]byte{7}).Read(data)
	path := filepath.Join(t.TempDir(), "x.car")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var log sentLog
	var retried []error
	pol := testRetry
	pol.Notify = func(_ int, err error, _ time.Duration) { retried = append(retried, err) }
	s, err := NewS3(S3Options{Endpoint: srv.URL, Bucket: testenv.S3Bucket, AccessKey: testenv.S3AccessKey, SecretKey: testenv.S3SecretKey,
		PartSize: partSize, Retry: pol, Sent: log.sent})
	if err != nil {
		t.Fatal(err)
	}
	const key = "reset.car"
	srv.ResetPart(key, 3, 1)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := s.multipart(context.Background(), key, f, size, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if srv.Resets() != 1 || len(retried) != 1 || !strings.Contains(retried[0].Error(), "part 3 of "+key) {
		t.Fatalf("resets %d, retries %v", srv.Resets(), retried)
	}
	parts, _, _ := srv.Counts()
	if got := parts[key]; !slices.Equal(got, []int{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("parts stored: %v (each once)", got)
	}
	obj, err := s.core.Client.GetObject(context.Background(), testenv.S3Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored object: %d bytes, %v; want the %d bytes sent", len(got), err, size)
	}

	// Progress: within parts, rolled back once to the start of part 3,
	// never past the total, ending at it.
	within, rollbacks := 0, 0
	for i, n := range log.n {
		if n > size {
			t.Fatalf("progress %d past the total %d", n, size)
		}
		if n%partSize != 0 && n != size {
			within++
		}
		if i > 0 && n < log.n[i-1] {
			rollbacks++
			if n != 2*partSize {
				t.Fatalf("rolled back to %d, want the start of part 3 (%d)", n, 2*partSize)
			}
		}
	}
	if within == 0 || rollbacks != 1 || log.n[len(log.n)-1] != size {
		t.Fatalf("progress reports within parts %d, rollbacks %d, last %d of %d", within, rollbacks, log.n[len(log.n)-1], size)
	}
}

// Temporary credentials: the session token, from AWS_SESSION_TOKEN beside
// the key pair or from a profile's aws_session_token in the shared
// credentials file (AWS_PROFILE), reaches every request as
// X-Amz-Security-Token.
func TestS3SessionTokenIsSent(t *testing.T) {
	srv := testenv.StartS3(t, nil)
	path := filepath.Join(t.TempDir(), "x.car")
	if err := os.WriteFile(path, []byte("not imported, only stored"), 0o644); err != nil {
		t.Fatal(err)
	}
	credsFile := filepath.Join(t.TempDir(), "credentials")
	writeFile(t, credsFile, []byte("[default]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = other\n\n[temp]\naws_access_key_id = "+
		testenv.S3AccessKey+"\naws_secret_access_key = "+testenv.S3SecretKey+"\naws_session_token = token-from-profile-8d2e\n"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credsFile)
	for _, tc := range []struct {
		name, token string
		env         map[string]string
	}{
		{"env", "token-from-env-4c1a", map[string]string{"AWS_ACCESS_KEY_ID": testenv.S3AccessKey, "AWS_SECRET_ACCESS_KEY": testenv.S3SecretKey, "AWS_SESSION_TOKEN": "token-from-env-4c1a"}},
		{"profile", "token-from-profile-8d2e", map[string]string{"AWS_PROFILE": "temp"}},
	} {
		o := S3Options{Endpoint: srv.URL, Bucket: testenv.S3Bucket, Prefix: tc.name, Retry: testRetry}
		o.CredentialsFromEnv(func(k string) string { return tc.env[k] })
		s, err := NewS3(o)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		err = s.do(context.Background(), 0, "put", func(ctx context.Context) error {
			_, err := s.core.PutObject(ctx, testenv.S3Bucket, tc.name+"/x.car", f, 25, "", "", minio.PutObjectOptions{})
			return err
		})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if _, err := s.Find(context.Background(), dummyCID(t), nil); err != nil {
			t.Fatalf("%s: head: %v", tc.name, err)
		}
		if got := srv.SecurityTokens()[tc.token]; got < 2 {
			t.Fatalf("%s: X-Amz-Security-Token %q on %d requests, want the PUT and the HEAD: %v", tc.name, tc.token, got, srv.SecurityTokens())
		}
	}
}

func dummyCID(t *testing.T) cid.Cid {
	c, err := cid.Decode("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")
	if err != nil {
		t.Fatal(err)
	}
	return c
}
