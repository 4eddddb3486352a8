package testenv

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	carv2 "github.com/ipld/go-car/v2"
)

// PinataJWT is the one token the Pinata stand-in accepts.
const PinataJWT = "eyJhbGciOiJIUzI1NiJ9.genmint-cli-test-pinata-jwt-7c3e"

// PinataServer is a stand-in for Pinata's v3 Files API (docs.pinata.cloud,
// "Upload a file", "Get File by ID", "List Files"), for end-to-end tests of
// `genmint pin --upload pinata --pinata-api URL`: single-request uploads
// (multipart form: file, network, car, name) to POST /v3/files, a CAR
// imported asynchronously (its CID "pending" until the file has been read
// once), GET /v3/files/public/{id}, and GET /v3/files/public with cid,
// name and cidPending. The CID is the CAR's root, after every block is
// re-hashed. Any other token is answered 401. (pin's own tests have a
// fuller stand-in: TUS, failed imports, throttling.)
type PinataServer struct {
	*httptest.Server
	mu      sync.Mutex
	files   map[string]*pinataFile
	uploads int
	bytes   int64
}

type pinataFile struct {
	id, name, cid string
	size          int64
	reads         int
}

// StartPinata serves the stand-in at URL+"/v3"; it stops in t.Cleanup.
func StartPinata(t testing.TB) *PinataServer {
	t.Helper()
	s := &PinataServer{files: map[string]*pinataFile{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/files", s.create)
	mux.HandleFunc("GET /v3/files/public", s.list)
	mux.HandleFunc("GET /v3/files/public/{id}", s.get)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+PinataJWT {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":{"reason":"INVALID_CREDENTIALS","details":"Invalid/expired credentials"}}`)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// Counts are the uploads received and their bytes.
func (s *PinataServer) Counts() (uploads int, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uploads, s.bytes
}

// CIDs are the CIDs of the files stored.
func (s *PinataServer) CIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, f := range s.files {
		out = append(out, f.cid)
	}
	return out
}

func (s *PinataServer) create(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	file, _, err := r.FormFile("file")
	if err != nil || r.FormValue("network") != "public" || r.FormValue("car") != "true" {
		http.Error(w, `{"error":"a file, network=public and car=true are required"}`, http.StatusBadRequest)
		return
	}
	var data bytes.Buffer
	n, _ := io.Copy(&data, file)
	c, err := carRoot(data.Bytes())
	if err != nil {
		http.Error(w, fmt.Sprintf(`{"error":%q}`, err.Error()), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploads++
	s.bytes += n
	f := &pinataFile{id: fmt.Sprintf("0195a5c4-242f-7c01-bee8-%012d", len(s.files)+1), name: r.FormValue("name"), cid: c, size: n}
	s.files[f.id] = f
	pinataJSON(w, map[string]any{"data": f.view(true)})
}

func (s *PinataServer) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[r.PathValue("id")]
	if !ok {
		http.Error(w, `{"error":"file not found"}`, http.StatusNotFound)
		return
	}
	f.reads++
	pinataJSON(w, map[string]any{"data": f.view(f.reads < 2)})
}

func (s *PinataServer) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	files := []any{}
	for _, f := range s.files {
		pending := f.reads < 2
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
	return map[string]any{"id": f.id, "name": f.name, "cid": c, "size": f.size, "number_of_files": 1,
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
