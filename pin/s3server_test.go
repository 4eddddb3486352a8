package pin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/genmint/genmint/internal/testenv"
)

const (
	testBucket    = "collection"
	testAccessKey = "AKIDGENMINTTEST"
	testSecretKey = "genmint-test-secret-key-5e1f"
)

// s3Server is a real S3 implementation (gofakes3, in memory) behind a
// wrapper that behaves the way Filebase documents its CAR import: an
// object stored with x-amz-meta-import: car is imported into IPFS, and
// HeadObject/GetObject answer the root CID in x-amz-meta-cid. The CID is
// computed by importing the stored bytes into a real Kubo (dag/import),
// never taken from the client: an x-amz-meta-cid genmint sends is dropped.
type s3Server struct {
	*httptest.Server
	t       *testing.T
	kubo    *testenv.KuboDaemon
	backend *s3mem.Backend

	mu        sync.Mutex
	wrongCID  string           // when set, reported instead of the real CID
	parts     map[string][]int // part numbers received per key
	puts      map[string]int   // single PUTs per key
	bytes     int64            // object bytes received (PUT bodies)
	cids      map[string]string
	onPart    func(key string, num int) // called before a part is stored; may block
	throttled int                       // answer this many requests with 429 + Retry-After first
}

func newS3Server(t *testing.T, kubo *testenv.KuboDaemon) *s3Server {
	t.Helper()
	be := s3mem.New()
	if err := be.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(be)
	s := &s3Server{t: t, kubo: kubo, backend: be, parts: map[string][]int{}, puts: map[string]int{}, cids: map[string]string{}}
	inner := fake.Server()
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("X-Amz-Meta-Cid") // never trust what the client says the CID is
		bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		s.mu.Lock()
		if s.throttled > 0 {
			s.throttled--
			s.mu.Unlock()
			w.Header().Set("Retry-After", "0.01")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		s.mu.Unlock()
		q := r.URL.Query()
		if r.Method == http.MethodPut && key != "" {
			if q.Get("uploadId") != "" {
				var num int
				fmt.Sscan(q.Get("partNumber"), &num)
				s.mu.Lock()
				hook := s.onPart
				s.mu.Unlock()
				if hook != nil {
					hook(key, num)
				}
				s.mu.Lock()
				s.parts[key] = append(s.parts[key], num)
				s.bytes += r.ContentLength
				s.mu.Unlock()
			} else if r.Header.Get("X-Amz-Copy-Source") == "" {
				s.mu.Lock()
				s.puts[key]++
				s.bytes += r.ContentLength
				s.mu.Unlock()
			}
		}
		if (r.Method == http.MethodHead || r.Method == http.MethodGet) && bucket == testBucket && key != "" && len(q) == 0 {
			if c := s.cidOf(key); c != "" {
				w.Header().Set("X-Amz-Meta-Cid", c)
			}
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// cidOf imports a stored CAR object into the Kubo node and returns the
// root CID Kubo reports ("" when the object is absent or not a CAR import).
func (s *s3Server) cidOf(key string) string {
	obj, err := s.backend.GetObject(testBucket, key, nil)
	if err != nil {
		return ""
	}
	defer obj.Contents.Close()
	if obj.Metadata["X-Amz-Meta-Import"] != "car" {
		return ""
	}
	etag := fmt.Sprintf("%x", obj.Hash)
	s.mu.Lock()
	c, ok := s.cids[key+etag]
	wrong := s.wrongCID
	s.mu.Unlock()
	if !ok {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "object.car")
		if _, err := io.Copy(fw, obj.Contents); err != nil {
			s.t.Errorf("read object %s: %v", key, err)
			return ""
		}
		mw.Close()
		resp, err := http.Post(s.kubo.API+"/api/v0/dag/import?pin-roots=true", mw.FormDataContentType(), &body)
		if err != nil {
			s.t.Errorf("dag import of %s: %v", key, err)
			return ""
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			msg, _ := io.ReadAll(resp.Body)
			s.t.Logf("dag import of %s (%d bytes stored): %s: %s", key, obj.Size, resp.Status, msg)
			return ""
		}
		dec := json.NewDecoder(resp.Body)
		for {
			var line struct {
				Root *struct {
					Cid struct {
						Root string `json:"/"`
					}
					PinErrorMsg string
				}
			}
			if err := dec.Decode(&line); err != nil {
				break
			}
			if line.Root != nil && line.Root.PinErrorMsg == "" && c == "" {
				c = line.Root.Cid.Root
			}
		}
		if resp.StatusCode != http.StatusOK || c == "" {
			s.t.Logf("dag import of %s: %s: no root", key, resp.Status)
			return ""
		}
		s.mu.Lock()
		s.cids[key+etag] = c
		s.mu.Unlock()
	}
	if wrong != "" {
		return wrong
	}
	return c
}

func (s *s3Server) counts() (parts map[string][]int, puts map[string]int, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	parts = map[string][]int{}
	for k, v := range s.parts {
		parts[k] = append([]int(nil), v...)
	}
	puts = map[string]int{}
	for k, v := range s.puts {
		puts[k] = v
	}
	return parts, puts, s.bytes
}

func (s *s3Server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.parts, s.puts, s.bytes = map[string][]int{}, map[string]int{}, 0
}
