package pin

import (
	"bytes"
	"context"
	"encoding/base64"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/state"
)

// Pinata stores an upload and the answer is lost — the connection reset
// after the whole body arrived, or a 502 — so the client cannot know it was
// accepted. The retry asks Pinata for the file by its name first and waits
// for it: each root reaches Pinata exactly once, and the run succeeds.
func TestPinataLostAnswerIsNotUploadedTwice(t *testing.T) {
	for _, tc := range []struct {
		name string
		lose func(w http.ResponseWriter)
	}{
		{"connection reset", func(w http.ResponseWriter) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(err)
			}
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}},
		{"502", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testenv.StartPinata(t)
			inner := srv.Config.Handler
			var mu sync.Mutex
			lost := 0
			srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost && r.Header.Get("Tus-Resumable") == "" {
					mu.Lock()
					lost++
					first := lost == 1
					mu.Unlock()
					if first {
						inner.ServeHTTP(httptest.NewRecorder(), r) // stored, the answer thrown away
						tc.lose(w)
						return
					}
				}
				inner.ServeHTTP(w, r)
			})
			dir, db := newCollection(t, 2, 64)
			res, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection,
				Services: []CARService{testPinata(t, srv, pinataJWT, 1<<20)}})
			if err != nil {
				t.Fatal(err)
			}
			uploads, _ := srv.Counts()
			if lost < 1 || uploads != 5 || len(res.Uploads) != 5 {
				t.Fatalf("%d uploads reached Pinata for 5 roots (%d confirmed): want each exactly once", uploads, len(res.Uploads))
			}
		})
	}
}

// A TUS creation answered 502 is tried again only once Pinata has been
// asked for the file by its name: here the stand-in holds the whole CAR
// under that name when it answers 502 (as when an earlier try's answers
// were lost), and the retry takes that file instead of creating a second
// upload.
func TestPinataTUSCreationRetryAsksFirst(t *testing.T) {
	srv := testenv.StartPinata(t)
	dir, db := newCollection(t, 2, 64)
	inner := srv.Config.Handler
	var mu sync.Mutex
	created := map[string]int{} // TUS creations per file name
	patches := 0
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		switch {
		case r.Method == http.MethodPost && r.Header.Get("Tus-Resumable") != "":
			name := ""
			for _, kv := range strings.Split(r.Header.Get("Upload-Metadata"), ",") {
				if k, v, _ := strings.Cut(kv, " "); k == "filename" {
					b, _ := base64.StdEncoding.DecodeString(v)
					name = string(b)
				}
			}
			created[name]++
			if len(created) == 1 && created[name] == 1 {
				mu.Unlock()
				b, err := os.ReadFile(filepath.Join(dir, state.Dir, "uploads", name))
				if err != nil {
					t.Errorf("the CAR being uploaded: %v", err)
				}
				// The whole CAR, sent through the stand-in's own upload.
				var body bytes.Buffer
				mw := multipart.NewWriter(&body)
				for k, v := range map[string]string{"network": "public", "name": name, "car": "true"} {
					mw.WriteField(k, v)
				}
				fw, _ := mw.CreateFormFile("file", name)
				fw.Write(b)
				mw.Close()
				up := httptest.NewRequest(http.MethodPost, "/v3/files", &body)
				up.Header.Set("Authorization", r.Header.Get("Authorization"))
				up.Header.Set("Content-Type", mw.FormDataContentType())
				rec := httptest.NewRecorder()
				inner.ServeHTTP(rec, up)
				if rec.Code != http.StatusOK {
					t.Errorf("the stand-in refused the upload: %d %s", rec.Code, rec.Body)
				}
				w.WriteHeader(http.StatusBadGateway)
				return
			}
		case r.Method == http.MethodPatch:
			patches++
		}
		mu.Unlock()
		inner.ServeHTTP(w, r)
	})
	res, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection,
		Services: []CARService{testPinata(t, srv, pinataJWT, 1<<10)}, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	// The first root is found after its lost creation; the others are
	// created once each.
	for name, n := range created {
		if n != 1 {
			t.Fatalf("TUS creations per file %v: %s created %d times, want once", created, name, n)
		}
	}
	if len(res.Uploads) != 5 || patches == 0 {
		t.Fatalf("%d uploads confirmed, %d TUS PATCHes: want 5, and the roots above the single limit", len(res.Uploads), patches)
	}
	if len(created) < 2 {
		t.Fatal("no TUS PATCH: the roots must be above the single limit")
	}
}
