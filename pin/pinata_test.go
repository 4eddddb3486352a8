package pin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	carv2 "github.com/ipld/go-car/v2"

	"github.com/genmint/genmint/internal/usage"
	"github.com/genmint/genmint/state"
)

const pinataJWT = "pinata-test-jwt-eyJhbGciOi"

// pinataServer is an httptest stand-in for Pinata's v3 Files API as its
// documentation and SDK describe it (the sources are cited in pinata.go):
// a multipart upload or a TUS upload to /v3/files, files read back with
// GET /v3/files/public/{id} and listed with ?cid=, ?name= and
// ?cidPending=true. It imports an upload with car=true as a CAR — reading
// the header's root and re-hashing every block — asynchronously, as
// documented: the upload answers the file with cid "pending", which stays
// so until the file has been read once. A failed import (failCAR, a broken
// CAR, no car=true) is accepted first and then dropped: the file answers
// 404 (the documentation reports failures only by webhook; see pinata.go).
// The last TUS PATCH answers 204, with Upload-Cid only when tusUploadCID
// (the SDK reads it; for an asynchronous CAR import it is undocumented).
// It answers 401 to any other JWT, and 429 (with Retry-After) when
// throttled.
type pinataServer struct {
	*httptest.Server
	mu           sync.Mutex
	files        map[string]*pinataStored
	tus          map[string]*pinataStored
	throttled    int
	failCAR      bool   // imports fail: the file is dropped after the upload
	wrongCID     string // when set, every import reports this CID
	tusUploadCID bool   // the last TUS PATCH names the imported CID
	uploads      int    // upload requests that carried bytes (POST multipart, PATCH)
	bytes        int64
	lastMeta     string
	lastForm     map[string]string
	nextID       int
}

type pinataStored struct {
	id, name, cid string
	data          bytes.Buffer
	length        int64
	car           bool
	reads         int
	failed        bool // the import failed: dropped on the next read
}

func newPinataServer(t *testing.T) *pinataServer {
	s := &pinataServer{files: map[string]*pinataStored{}, tus: map[string]*pinataStored{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/files", s.create)
	mux.HandleFunc("/v3/files/{id}", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodHead:
			s.tusHead(w, r)
		case r.Method == http.MethodPatch:
			s.tusPatch(w, r)
		case r.Method == http.MethodGet && r.PathValue("id") == "public":
			s.list(w, r)
		default:
			http.Error(w, "method", http.StatusMethodNotAllowed)
		}
	})
	mux.HandleFunc("GET /v3/files/public/{id}", s.get)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+pinataJWT {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":{"reason":"INVALID_CREDENTIALS","details":"Invalid/expired credentials"}}`)
			return
		}
		s.mu.Lock()
		if s.throttled > 0 {
			s.throttled--
			s.mu.Unlock()
			w.Header().Set("Retry-After", "0.01")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *pinataServer) newID() string {
	s.nextID++
	return fmt.Sprintf("0195a5c4-242f-7c01-bee8-%012d", s.nextID)
}

// importCAR reads a stored CAR like an importer: the root from the header,
// every block re-hashed.
func importCAR(b []byte) (string, error) {
	br, err := carv2.NewBlockReader(bufio.NewReader(bytes.NewReader(b)))
	if err != nil {
		return "", err
	}
	if len(br.Roots) != 1 {
		return "", fmt.Errorf("want one root, got %d", len(br.Roots))
	}
	for {
		blk, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		if c, err := blk.Cid().Prefix().Sum(blk.RawData()); err != nil || !c.Equals(blk.Cid()) {
			return "", fmt.Errorf("block %s does not hash to its CID", blk.Cid())
		}
	}
	return br.Roots[0].String(), nil
}

func (s *pinataServer) create(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("Tus-Resumable") != "" {
		n, err := strconv.ParseInt(r.Header.Get("Upload-Length"), 10, 64)
		if err != nil {
			http.Error(w, "Upload-Length", http.StatusBadRequest)
			return
		}
		meta := map[string]string{}
		for _, kv := range strings.Split(r.Header.Get("Upload-Metadata"), ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), " ")
			d, _ := base64.StdEncoding.DecodeString(v)
			meta[k] = string(d)
		}
		s.lastMeta = r.Header.Get("Upload-Metadata")
		if meta["network"] != "public" {
			http.Error(w, "network", http.StatusBadRequest)
			return
		}
		f := &pinataStored{id: s.newID(), name: meta["filename"], length: n, car: meta["car"] == "true"}
		s.tus[f.id] = f
		w.Header().Set("Tus-Resumable", "1.0.0")
		w.Header().Set("Location", "/v3/files/"+f.id)
		w.WriteHeader(http.StatusCreated)
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.lastForm = map[string]string{}
	for k, v := range r.MultipartForm.Value {
		s.lastForm[k] = v[0]
	}
	file, _, err := r.FormFile("file")
	if err != nil || r.FormValue("network") == "" {
		http.Error(w, `{"error":"file and network are required"}`, http.StatusBadRequest)
		return
	}
	f := &pinataStored{id: s.newID(), name: r.FormValue("name"), car: r.FormValue("car") == "true"}
	n, _ := io.Copy(&f.data, file)
	s.uploads++
	s.bytes += n
	f.length = n
	s.finish(w, f, http.StatusOK)
}

// finish imports a complete upload and answers its file (CID pending).
func (s *pinataServer) finish(w http.ResponseWriter, f *pinataStored, status int) {
	c, err := importCAR(f.data.Bytes())
	if s.wrongCID != "" {
		c = s.wrongCID
	}
	f.cid, f.failed = c, err != nil || s.failCAR || !f.car
	s.files[f.id] = f
	if status == http.StatusNoContent {
		if s.tusUploadCID && !f.failed {
			f.reads = 2 // imported at once
			w.Header().Set("Upload-Cid", f.cid)
		}
		w.WriteHeader(status)
		return
	}
	writeJSON(w, map[string]any{"data": s.view(f, true)})
}

func (s *pinataServer) view(f *pinataStored, pending bool) map[string]any {
	c := f.cid
	if pending {
		c = "pending"
	}
	return map[string]any{"id": f.id, "name": f.name, "cid": c, "size": f.length, "number_of_files": 1,
		"mime_type": "application/vnd.ipld.car", "network": "public", "created_at": "2026-12-05T07:00:00Z"}
}

func (s *pinataServer) tusHead(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.tus[r.PathValue("id")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Upload-Offset", strconv.Itoa(f.data.Len()))
	w.Header().Set("Upload-Length", strconv.FormatInt(f.length, 10))
	w.WriteHeader(http.StatusOK)
}

func (s *pinataServer) tusPatch(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.tus[r.PathValue("id")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Content-Type") != "application/offset+octet-stream" || r.Header.Get("Upload-Offset") != strconv.Itoa(f.data.Len()) {
		http.Error(w, "offset", http.StatusConflict)
		return
	}
	n, _ := io.Copy(&f.data, r.Body)
	s.uploads++
	s.bytes += n
	w.Header().Set("Upload-Offset", strconv.Itoa(f.data.Len()))
	if int64(f.data.Len()) == f.length {
		delete(s.tus, f.id)
		s.finish(w, f, http.StatusNoContent)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *pinataServer) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[r.PathValue("id")]
	if ok && f.failed {
		delete(s.files, f.id)
		ok = false
	}
	if !ok {
		http.Error(w, `{"error":"file not found"}`, http.StatusNotFound)
		return
	}
	f.reads++
	writeJSON(w, map[string]any{"data": s.view(f, f.reads < 2)}) // pending on the first read: asynchronous
}

func (s *pinataServer) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	files := []any{}
	for _, f := range s.files {
		pending := f.failed || f.reads < 2
		switch {
		case q.Get("cid") != "" && (pending || f.cid != q.Get("cid")):
		case q.Get("name") != "" && f.name != q.Get("name"):
		case q.Get("cidPending") == "true" && !pending:
		default:
			files = append(files, s.view(f, pending))
		}
	}
	writeJSON(w, map[string]any{"data": map[string]any{"files": files, "next_page_token": ""}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func testPinata(t *testing.T, srv *pinataServer, jwt string, singleLimit int64) *Pinata {
	p, err := NewPinata(PinataOptions{JWT: jwt, Uploads: srv.URL + "/v3", API: srv.URL + "/v3", SingleLimit: singleLimit,
		ChunkSize: 8 << 10, Poll: time.Millisecond, Retry: testRetry, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Pinata: small roots in one request, large ones through TUS, through 429s
// with Retry-After and an asynchronous CID; every CID is genmint's; a
// re-run sends nothing; a wrong JWT and a failed import are refused with
// nothing recorded.
func TestPinataUpload(t *testing.T) {
	srv := newPinataServer(t)
	srv.throttled = 2
	dir, db := newCollection(t, 3, 64)
	ctx := context.Background()

	// A refused JWT: a usage error naming the variable, never the value.
	_, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testPinata(t, srv, "wrong-"+pinataJWT, 16<<10)}})
	if !errors.Is(err, usage.Err) || !strings.Contains(err.Error(), "PINATA_JWT") || strings.Contains(err.Error(), pinataJWT) {
		t.Fatalf("wrong JWT: %v", err)
	}
	// A failed import: nothing recorded, nothing pinned.
	srv.failCAR = true
	_, err = Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testPinata(t, srv, pinataJWT, 16<<10)}})
	if !errors.Is(err, ErrPinataImportFailed) {
		t.Fatalf("failed import: %v", err)
	}
	if ups, _ := ReadUploads(dir, "pinata"); len(ups) != 0 || statusCounts(t, db)[state.Kept] != 3 {
		t.Fatalf("after a failed import: %+v %v", ups, statusCounts(t, db))
	}
	srv.failCAR = false
	srv.throttled = 2

	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testPinata(t, srv, pinataJWT, 16<<10)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Uploads) != 5 || res.NewlyPinned != 3 {
		t.Fatalf("uploads %+v, newly pinned %d", res.Uploads, res.NewlyPinned)
	}
	for _, u := range res.Uploads {
		if !strings.HasPrefix(u.Key, "0195a5c4-") || !strings.Contains(strings.Join(rootList(res.Roots), " "), u.CID) {
			t.Fatalf("upload %+v", u)
		}
	}
	if srv.lastForm["network"] != "public" || srv.lastForm["car"] != "true" {
		t.Fatalf("last multipart form %v", srv.lastForm)
	}
	if !strings.Contains(srv.lastMeta, "network "+base64.StdEncoding.EncodeToString([]byte("public"))) {
		t.Fatalf("no TUS upload was made (metadata %q): make a root larger than the single limit", srv.lastMeta)
	}
	ledger, err := ReadUploads(dir, "pinata")
	if err != nil || len(ledger) != 5 {
		t.Fatalf("uploads/pinata.json: %v %+v", err, ledger)
	}

	// Re-run: Pinata lists every root by CID; nothing is sent.
	srv.mu.Lock()
	srv.uploads, srv.bytes = 0, 0
	srv.mu.Unlock()
	res2, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testPinata(t, srv, pinataJWT, 16<<10)}})
	if err != nil {
		t.Fatal(err)
	}
	if srv.uploads != 0 || srv.bytes != 0 || len(res2.Destinations[0].Already) != 5 {
		t.Fatalf("re-run: %d uploads, %d bytes, %+v", srv.uploads, srv.bytes, res2.Destinations)
	}
}

// A TUS upload cut off mid-way resumes from the offset Pinata reports.
func TestPinataTUSResumes(t *testing.T) {
	srv := newPinataServer(t)
	dir, db := newCollection(t, 4, 96)
	ctx := context.Background()
	stateDir := t.TempDir()
	mk := func() *Pinata {
		p, err := NewPinata(PinataOptions{JWT: pinataJWT, Uploads: srv.URL + "/v3", API: srv.URL + "/v3", SingleLimit: 1 << 10,
			ChunkSize: 4 << 10, Poll: time.Millisecond, Retry: testRetry, StateDir: stateDir})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Cut the first run off after 3 chunks.
	cctx, cancel := context.WithCancel(ctx)
	var patches int
	whole := srv.Config.Handler
	srv.Config.Handler = cutAfter(whole, &patches, 3, cancel)
	if _, err := Run(cctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{mk()}, Concurrency: 1}); err == nil {
		t.Fatal("the cut-off run succeeded")
	}
	srv.Config.Handler = whole
	srv.mu.Lock()
	first := srv.bytes
	srv.bytes = 0
	srv.mu.Unlock()
	srv.tusUploadCID = true // the last PATCH names the CID (Pinata's SDK reads it)
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{mk()}, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, u := range res.Uploads {
		total += u.Bytes
	}
	if first == 0 || first+srv.bytes != total {
		t.Fatalf("bytes before the cut %d + after %d, want exactly the CARs' %d (no byte sent twice)", first, srv.bytes, total)
	}
}

// cutAfter cancels the client after n PATCH requests were served.
func cutAfter(h http.Handler, count *int, n int, cancel func()) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			mu.Lock()
			*count++
			c := *count
			mu.Unlock()
			if c > n {
				cancel()
				http.Error(w, "gone", http.StatusServiceUnavailable)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// An upload whose import Pinata had not finished when the run gave up
// (here: the file could not be read back) is found again by its name among
// the pending files and waited for: the re-run sends only what the first
// run had not sent.
func TestPinataWaitsForAPendingUploadInsteadOfSendingAgain(t *testing.T) {
	srv := newPinataServer(t)
	dir, db := newCollection(t, 2, 64)
	ctx := context.Background()
	whole := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v3/files/public/") {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		whole.ServeHTTP(w, r)
	})
	if _, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testPinata(t, srv, pinataJWT, 1<<20)}}); err == nil {
		t.Fatal("the run succeeded without reading the files back")
	}
	if ups, _ := ReadUploads(dir, "pinata"); len(ups) != 0 {
		t.Fatalf("recorded before Pinata reported a CID: %+v", ups)
	}
	srv.Config.Handler = whole
	srv.mu.Lock()
	first := srv.uploads
	srv.uploads, srv.bytes = 0, 0
	srv.mu.Unlock()
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{testPinata(t, srv, pinataJWT, 1<<20)}})
	if err != nil {
		t.Fatal(err)
	}
	// Each of the 5 roots was sent exactly once over both runs.
	if first == 0 || first+srv.uploads != 5 || len(res.Uploads) != 5 {
		t.Fatalf("first run %d uploads; re-run %d uploads; %d confirmed: want 5 in all, none twice", first, srv.uploads, len(res.Uploads))
	}
}

// cutMidPatch cuts the connection in the middle of the nth TUS PATCH: the
// stand-in keeps the half of the chunk that arrived, as a TUS server does,
// and closes the connection with a reset, answering nothing.
func (s *pinataServer) cutMidPatch(h http.Handler, nth int) http.Handler {
	var mu sync.Mutex
	count := 0
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			mu.Lock()
			count++
			c := count
			mu.Unlock()
			if c == nth {
				s.mu.Lock()
				f, ok := s.tus[r.PathValue("id")]
				if !ok {
					f = s.tus[strings.TrimPrefix(r.URL.Path, "/v3/files/")]
				}
				n, _ := io.CopyN(&f.data, r.Body, r.ContentLength/2)
				s.bytes += n
				s.mu.Unlock()
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					panic(err)
				}
				conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// A connection reset in the middle of a TUS chunk: the next try asks the
// server where the upload stands (HEAD Upload-Offset) and goes on from
// there, so no byte is sent twice; the progress rolls back from what the
// cut try had counted to the server's offset, inside the chunk.
func TestPinataTUSConnectionResetResumesFromServerOffset(t *testing.T) {
	srv := newPinataServer(t)
	dir, db := newCollection(t, 3, 96)
	ctx := context.Background()
	const chunk = 4 << 10
	var mu sync.Mutex
	reports := map[string][]int64{}
	p, err := NewPinata(PinataOptions{JWT: pinataJWT, Uploads: srv.URL + "/v3", API: srv.URL + "/v3", SingleLimit: 1 << 10,
		ChunkSize: chunk, Poll: time.Millisecond, Retry: testRetry, StateDir: t.TempDir(),
		Sent: func(what string, n, _ int64) { mu.Lock(); reports[what] = append(reports[what], n); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = srv.cutMidPatch(srv.Config.Handler, 2)
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Services: []CARService{p}, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, u := range res.Uploads {
		total += u.Bytes
	}
	srv.mu.Lock()
	got := srv.bytes
	srv.mu.Unlock()
	if got != total {
		t.Fatalf("the service received %d bytes, want exactly the CARs' %d (no byte sent twice)", got, total)
	}
	rollbacks := 0
	for what, ns := range reports {
		for i := 1; i < len(ns); i++ {
			if ns[i] < ns[i-1] {
				rollbacks++
				if ns[i]%chunk == 0 {
					t.Fatalf("%s: rolled back to %d, a chunk boundary: want the server's offset inside the chunk", what, ns[i])
				}
			}
		}
	}
	if rollbacks != 1 {
		t.Fatalf("%d rollbacks in the progress, want 1: %v", rollbacks, reports)
	}
}
