package testenv

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	carv2 "github.com/ipld/go-car/v2"
)

// PinataJWT is the one token the Pinata stand-in accepts.
const PinataJWT = "eyJhbGciOiJIUzI1NiJ9.genmint-cli-test-pinata-jwt-7c3e"

// PinataServer is an httptest stand-in for Pinata's v3 Files API, written
// from Pinata's documentation (the sources, and what they leave open, are
// cited in pin/pinata.go):
//
//   - Upload a File, https://docs.pinata.cloud/api-reference/endpoint/upload-a-file:
//     POST /v3/files, multipart form with `file`, `network` (public here),
//     `name` and `car`; the answer is {"data": file}.
//   - Uploading Files, https://docs.pinata.cloud/files/uploading-files:
//     the same endpoint is TUS compatible (POST with Upload-Length and
//     Upload-Metadata, then HEAD for Upload-Offset and PATCH with
//     application/offset+octet-stream); a CAR (car=true) is imported
//     asynchronously and its outcome is reported by webhook only.
//   - Get File by ID and List Files, https://docs.pinata.cloud/api-reference/endpoint/get-file-by-id:
//     GET /v3/files/public/{id}, and GET /v3/files/public with cid, name
//     and cidPending.
//   - List & Query Files, https://docs.pinata.cloud/files/listing-files:
//     a file's cid is "pending" until Pinata has one.
//
// An upload with car=true is imported like an importer reads a CAR: the
// header's one root, every block re-hashed; the upload answers the file with
// cid "pending", which stays so until the file has been read once. A failed
// import (FailImports, a broken CAR, no car=true) is accepted first and then
// dropped: the file answers 404 on the next read. The last TUS PATCH
// answers 204, with Upload-Cid only after NameCIDOnTUS (Pinata's SDK reads
// it; for an asynchronous CAR import it is undocumented). DELETE on an
// unfinished TUS upload ends it (204; the TUS protocol's termination
// extension, which Pinata does not document either way). Any other token
// is answered 401; Throttle answers 429 with Retry-After.
type PinataServer struct {
	*httptest.Server
	t testing.TB

	mu           sync.Mutex
	files        map[string]*pinataFile // imported (or failing) uploads, by id
	tus          map[string]*pinataFile // TUS uploads not complete yet, by id
	throttled    int                    // answer this many requests with 429 + Retry-After first
	failCAR      bool                   // imports fail: the file is dropped after the upload
	wrongCID     string                 // when set, every import reports this CID
	tusUploadCID bool                   // the last TUS PATCH names the imported CID
	resetPatch   int                    // cut the connection in the middle of this PATCH from now (1: the next)
	uploads      int                    // upload requests that carried bytes (POST multipart, PATCH)
	bytes        int64                  // bytes received in them
	lastMeta     string                 // the last TUS Upload-Metadata header
	lastForm     map[string]string      // the last multipart form's values
	nextID       int
	terminated   []string // TUS uploads ended with DELETE, by id
}

type pinataFile struct {
	id, name, cid string
	data          bytes.Buffer
	length        int64
	car           bool
	reads         int
	failed        bool // the import failed: dropped on the next read
}

// StartPinata serves the stand-in at URL+"/v3"; it stops in t.Cleanup.
func StartPinata(t testing.TB) *PinataServer {
	t.Helper()
	s := &PinataServer{t: t, files: map[string]*pinataFile{}, tus: map[string]*pinataFile{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/files", s.create)
	mux.HandleFunc("/v3/files/{id}", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodHead:
			s.tusHead(w, r)
		case r.Method == http.MethodPatch:
			s.tusPatch(w, r)
		case r.Method == http.MethodDelete:
			s.tusDelete(w, r)
		case r.Method == http.MethodGet && r.PathValue("id") == "public":
			s.list(w, r)
		default:
			http.Error(w, "method", http.StatusMethodNotAllowed)
		}
	})
	mux.HandleFunc("GET /v3/files/public/{id}", s.get)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+PinataJWT {
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

// Counts are the upload requests that carried bytes (multipart POSTs and
// TUS PATCHes) and the bytes they carried, since the last Reset.
func (s *PinataServer) Counts() (uploads int, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uploads, s.bytes
}

// Reset zeroes the counts.
func (s *PinataServer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploads, s.bytes = 0, 0
}

// Delete removes the file with id, as a user deleting it in Pinata's app:
// it answers 404 from then on.
func (s *PinataServer) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.files, id)
}

// DeleteCID removes every file Pinata reports as c, as a user deleting
// them in Pinata's app, and says how many there were.
func (s *PinataServer) DeleteCID(c string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, f := range s.files {
		if f.cid == c {
			delete(s.files, id)
			n++
		}
	}
	return n
}

// CIDs are the CIDs of the files imported (failed imports left out).
func (s *PinataServer) CIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, f := range s.files {
		if !f.failed {
			out = append(out, f.cid)
		}
	}
	return out
}

// Throttle answers the next n requests with 429 and a short Retry-After.
func (s *PinataServer) Throttle(n int) {
	s.mu.Lock()
	s.throttled = n
	s.mu.Unlock()
}

// FailImports makes every CAR import from now on fail (or succeed again).
func (s *PinataServer) FailImports(fail bool) {
	s.mu.Lock()
	s.failCAR = fail
	s.mu.Unlock()
}

// ReportWrongCID makes the server report c as every import's root CID.
func (s *PinataServer) ReportWrongCID(c string) {
	s.mu.Lock()
	s.wrongCID = c
	s.mu.Unlock()
}

// NameCIDOnTUS makes the last PATCH of a TUS upload answer Upload-Cid with
// the imported CID, the import then done at once.
func (s *PinataServer) NameCIDOnTUS() {
	s.mu.Lock()
	s.tusUploadCID = true
	s.mu.Unlock()
}

// ResetPatch cuts the connection (a TCP reset) in the middle of the nth
// TUS PATCH from now: the half of the chunk that arrived is kept and
// counted, as a TUS server keeps it, and nothing is answered.
func (s *PinataServer) ResetPatch(nth int) {
	s.mu.Lock()
	s.resetPatch = nth
	s.mu.Unlock()
}

// LastForm is the last multipart upload's form values.
func (s *PinataServer) LastForm() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.lastForm {
		out[k] = v
	}
	return out
}

// LastTUSMetadata is the last TUS creation's Upload-Metadata header.
func (s *PinataServer) LastTUSMetadata() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastMeta
}

// Terminated are the ids of the TUS uploads ended with DELETE.
func (s *PinataServer) Terminated() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.terminated...)
}

// tusDelete ends an unfinished TUS upload (TUS termination).
func (s *PinataServer) tusDelete(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	if _, ok := s.tus[id]; !ok {
		http.NotFound(w, r)
		return
	}
	delete(s.tus, id)
	s.terminated = append(s.terminated, id)
	w.Header().Set("Tus-Resumable", "1.0.0")
	w.WriteHeader(http.StatusNoContent)
}

func (s *PinataServer) newID() string {
	s.nextID++
	return fmt.Sprintf("0195a5c4-242f-7c01-bee8-%012d", s.nextID)
}

func (s *PinataServer) create(w http.ResponseWriter, r *http.Request) {
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
			http.Error(w, `{"error":"network=public is required"}`, http.StatusBadRequest)
			return
		}
		f := &pinataFile{id: s.newID(), name: meta["filename"], length: n, car: meta["car"] == "true"}
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
	if err != nil || r.FormValue("network") != "public" {
		http.Error(w, `{"error":"a file and network=public are required"}`, http.StatusBadRequest)
		return
	}
	f := &pinataFile{id: s.newID(), name: r.FormValue("name"), car: r.FormValue("car") == "true"}
	n, _ := io.Copy(&f.data, file)
	s.uploads++
	s.bytes += n
	f.length = n
	s.finish(w, f, http.StatusOK)
}

// finish imports a complete upload and answers its file (CID pending).
func (s *PinataServer) finish(w http.ResponseWriter, f *pinataFile, status int) {
	c, err := carRoot(f.data.Bytes())
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
	pinataJSON(w, map[string]any{"data": f.view(true)})
}

func (s *PinataServer) tusHead(w http.ResponseWriter, r *http.Request) {
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

func (s *PinataServer) tusPatch(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.tus[r.PathValue("id")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if s.resetPatch > 0 {
		if s.resetPatch--; s.resetPatch == 0 {
			n, _ := io.CopyN(&f.data, r.Body, r.ContentLength/2)
			s.bytes += n
			resetConn(s.t, w)
			return
		}
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

func (s *PinataServer) get(w http.ResponseWriter, r *http.Request) {
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
	pinataJSON(w, map[string]any{"data": f.view(f.reads < 2)}) // pending on the first read: asynchronous
}

func (s *PinataServer) list(w http.ResponseWriter, r *http.Request) {
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
			files = append(files, f.view(pending))
		}
	}
	pinataJSON(w, map[string]any{"data": map[string]any{"files": files, "next_page_token": ""}})
}

func (f *pinataFile) view(pending bool) map[string]any {
	c := f.cid
	if pending {
		c = "pending"
	}
	return map[string]any{"id": f.id, "name": f.name, "cid": c, "size": f.length, "number_of_files": 1,
		"mime_type": "application/vnd.ipld.car", "network": "public", "created_at": "2026-12-05T07:00:00Z"}
}

func pinataJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// carRoot reads a CAR like an importer: its one root, every block re-hashed.
func carRoot(b []byte) (string, error) {
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
			return br.Roots[0].String(), nil
		}
		if err != nil {
			return "", err
		}
		if c, err := blk.Cid().Prefix().Sum(blk.RawData()); err != nil || !c.Equals(blk.Cid()) {
			return "", fmt.Errorf("block %s does not hash to its CID", blk.Cid())
		}
	}
}
