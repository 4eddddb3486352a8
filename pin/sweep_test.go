package pin

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/minio/minio-go/v7"

	"github.com/genmint/genmint/internal/testenv"
)

// Unfinished multipart uploads genmint started (PREFIX/<cid>.car) for a
// root not among the current ones — an interrupted run whose item was
// regenerated since — are aborted; the current root's (to be resumed) and
// keys genmint does not name that way, or under another prefix, are left.
func TestS3SweepAbortsStaleMultipartUploads(t *testing.T) {
	srv := testenv.StartS3(t, nil)
	s := testS3(t, srv.URL, 1<<20) // prefix drop1
	ctx := context.Background()
	const stale = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
	current, _ := carRoot("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi.car")
	keys := []string{"drop1/" + stale + ".car", "drop1/" + current.String() + ".car", "drop1/notes.car", "drop1/sub/" + stale + ".car", "other/" + stale + ".car"}
	for _, k := range keys {
		id, err := s.core.NewMultipartUpload(ctx, testenv.S3Bucket, k, minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.core.PutObjectPart(ctx, testenv.S3Bucket, k, id, 1, strings.NewReader("part"), 4, minio.PutObjectPartOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ended, err := s.Sweep(ctx, []cid.Cid{current})
	if err != nil {
		t.Fatal(err)
	}
	if len(ended) != 1 || !strings.Contains(ended[0], keys[0]) {
		t.Fatalf("ended %q, want the multipart upload of %s only", ended, keys[0])
	}
	res, err := s.core.ListMultipartUploads(ctx, testenv.S3Bucket, "", "", "", "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, u := range res.Uploads {
		left = append(left, u.Key)
	}
	slices.Sort(left)
	want := slices.Clone(keys[1:])
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Fatalf("multipart uploads left %v, want %v", left, want)
	}
}

// A TUS mark left for a root the collection no longer has is terminated
// (DELETE reaches Pinata) and removed, and the run says so; the current
// roots upload as usual.
func TestPinataSweepTerminatesStaleTUSUploads(t *testing.T) {
	srv := testenv.StartPinata(t)
	stateDir := t.TempDir()
	p, err := NewPinata(PinataOptions{JWT: pinataJWT, Uploads: srv.URL + "/v3", API: srv.URL + "/v3", SingleLimit: 1 << 10,
		ChunkSize: 8 << 10, Poll: time.Millisecond, Retry: testRetry, StateDir: stateDir})
	if err != nil {
		t.Fatal(err)
	}
	// The stale upload: created, never finished, its mark left behind.
	const stale = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v3/files", nil)
	req.Header.Set("Authorization", "Bearer "+pinataJWT)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", "100000")
	req.Header.Set("Upload-Metadata", "network cHVibGlj")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	mark := filepath.Join(stateDir, stale+".tus")
	writeFile(t, mark, []byte(srv.URL+loc+"\n"))
	dir, db := newCollection(t, 2, 64)
	res, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{p}})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Terminated(); len(got) != 1 || "/v3/files/"+got[0] != loc {
		t.Fatalf("terminated %v, want the stale upload %s", got, loc)
	}
	if _, err := os.Stat(mark); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the stale mark is still there: %v", err)
	}
	if len(res.Aborted) != 1 || !strings.Contains(res.Aborted[0], stale) || len(res.Uploads) != 5 {
		t.Fatalf("aborted %q, %d uploads", res.Aborted, len(res.Uploads))
	}
}

// A TUS upload refused for good (a PATCH answered 400) is terminated and
// its mark removed: nothing half-stored is left, and the error says so.
func TestPinataTUSRefusedIsTerminated(t *testing.T) {
	srv := testenv.StartPinata(t)
	inner := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			http.Error(w, `{"error":"refused by the test"}`, http.StatusBadRequest)
			return
		}
		inner.ServeHTTP(w, r)
	})
	stateDir := t.TempDir()
	p, err := NewPinata(PinataOptions{JWT: pinataJWT, Uploads: srv.URL + "/v3", API: srv.URL + "/v3", SingleLimit: 1 << 10,
		ChunkSize: 8 << 10, Poll: time.Millisecond, Retry: testRetry, StateDir: stateDir})
	if err != nil {
		t.Fatal(err)
	}
	car := randomCAR(t, 4000)
	_, err = p.Upload(context.Background(), dummyCID(t), "images", CAROnDisk{Path: car.Name(), Size: 4000})
	if err == nil || !strings.Contains(err.Error(), "terminated") || strings.Contains(err.Error(), "resume") {
		t.Fatalf("a refused PATCH: %v", err)
	}
	if got := srv.Terminated(); len(got) != 1 {
		t.Fatalf("terminated %v, want the refused upload", got)
	}
	if marks, _ := filepath.Glob(filepath.Join(stateDir, "*.tus")); len(marks) != 0 {
		t.Fatalf("marks left: %v", marks)
	}
}

// A TUS upload whose mark cannot be written is not begun: without the mark
// a killed run could not resume it. The created upload is terminated.
func TestPinataTUSMarkWriteFailureStops(t *testing.T) {
	srv := testenv.StartPinata(t)
	notDir := filepath.Join(t.TempDir(), "file")
	writeFile(t, notDir, []byte("a file where the state folder should be"))
	p, err := NewPinata(PinataOptions{JWT: pinataJWT, Uploads: srv.URL + "/v3", API: srv.URL + "/v3", SingleLimit: 1 << 10,
		ChunkSize: 8 << 10, Poll: time.Millisecond, Retry: testRetry, StateDir: filepath.Join(notDir, "uploads")})
	if err != nil {
		t.Fatal(err)
	}
	car := randomCAR(t, 4000)
	_, err = p.Upload(context.Background(), dummyCID(t), "images", CAROnDisk{Path: car.Name(), Size: 4000})
	if err == nil || !strings.Contains(err.Error(), "record the TUS upload") {
		t.Fatalf("an unwritable mark: %v", err)
	}
	patched, _ := srv.Counts()
	if got := srv.Terminated(); len(got) != 1 || patched != 0 {
		t.Fatalf("terminated %v, %d PATCHes: want the created upload terminated, no byte sent", got, patched)
	}
}
