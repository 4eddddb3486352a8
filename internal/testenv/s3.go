package testenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	carv2 "github.com/ipld/go-car/v2"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// The fake S3 service's bucket and credentials.
const (
	S3Bucket    = "collection"
	S3AccessKey = "AKIDGENMINTTEST"
	S3SecretKey = "genmint-test-secret-key-5e1f"
)

// S3Server is a real S3 implementation (gofakes3, in memory) behind a
// wrapper that behaves the way Filebase documents its CAR import: an
// object stored with x-amz-meta-import: car is imported into IPFS, and
// HeadObject/GetObject answer the root CID in x-amz-meta-cid. The CID is
// computed by importing the stored bytes into a real Kubo (dag/import),
// never taken from the client: an x-amz-meta-cid genmint sends is dropped.
// Every request's SigV4 signature is checked (checkSigV4) against
// S3AccessKey and S3SecretKey, so a wrong secret is refused as S3 does.
type S3Server struct {
	*httptest.Server
	t       testing.TB
	kubo    *KuboDaemon
	hashing bool // no kubo: the CID is the CAR's root once every block re-hashes (StartS3HashingCARs)
	backend *s3mem.Backend

	mu        sync.Mutex
	wrongCID  string           // when set, reported instead of the real CID
	parts     map[string][]int // part numbers received per key
	puts      map[string]int   // single PUTs per key
	bytes     int64            // object bytes received (PUT bodies)
	cids      map[string]string
	onPart    func(key string, num int) bool // called before a part is stored; may block; false drops the part
	resets    map[string]int                 // "key#part": cut the connection this many more times mid-part
	reset     int                            // connections cut mid-part so far
	throttled int                            // answer this many requests with 429 + Retry-After first
	tokens    map[string]int                 // X-Amz-Security-Token values received, per value
	secret    string                         // the secret signatures are checked with (S3SecretKey)
}

// StartS3 serves a fresh in-memory S3 with the bucket S3Bucket, whose CAR
// imports are computed by kubo (nil: no import, no x-amz-meta-cid); it
// stops in t.Cleanup.
func StartS3(t testing.TB, kubo *KuboDaemon) *S3Server {
	t.Helper()
	be := s3mem.New()
	if err := be.CreateBucket(S3Bucket); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(be)
	s := &S3Server{t: t, kubo: kubo, backend: be, parts: map[string][]int{}, puts: map[string]int{}, cids: map[string]string{}, resets: map[string]int{}, tokens: map[string]int{}, secret: S3SecretKey}
	inner := fake.Server()
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("X-Amz-Meta-Cid") // never trust what the client says the CID is
		// gofakes3 checks no signature: the wrapper checks SigV4 itself,
		// as S3 does (403 InvalidAccessKeyId, SignatureDoesNotMatch).
		s.mu.Lock()
		secret := s.secret
		s.mu.Unlock()
		if code, msg := checkSigV4(r, S3AccessKey, secret); code != "" {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, msg)
			return
		}
		bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		s.mu.Lock()
		if tok := r.Header.Get("X-Amz-Security-Token"); tok != "" {
			s.tokens[tok]++
		}
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
				cut := s.resets[fmt.Sprintf("%s#%d", key, num)] > 0
				if cut {
					s.resets[fmt.Sprintf("%s#%d", key, num)]--
					s.reset++
				}
				s.mu.Unlock()
				if cut {
					s.cutMidBody(w, r)
					return
				}
				if hook != nil && !hook(key, num) {
					http.Error(w, "dropped", http.StatusInternalServerError)
					return
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
		if (r.Method == http.MethodHead || r.Method == http.MethodGet) && bucket == S3Bucket && key != "" && len(q) == 0 {
			if c := s.CIDOf(key); c != "" {
				w.Header().Set("X-Amz-Meta-Cid", c)
			}
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// StartS3HashingCARs is StartS3 without a Kubo node, for benchmarks whose
// CARs (gigabytes) a Kubo would take too long to import: a CAR import's
// x-amz-meta-cid is the CAR's single header root, answered only once the
// stored object reads as a CARv1 whose every block re-hashes to its CID and
// holds that root (the check streams the object: constant memory).
// Everything else is StartS3's.
func StartS3HashingCARs(t testing.TB) *S3Server {
	t.Helper()
	s := StartS3(t, nil)
	s.hashing = true
	return s
}

// CIDOf imports a stored CAR object into the Kubo node and returns the
// root CID Kubo reports ("" when the object is absent or not a CAR import).
// A server from StartS3HashingCARs checks the CAR itself instead.
func (s *S3Server) CIDOf(key string) string {
	if s.kubo == nil && !s.hashing {
		return "" // started without a node: no CAR import
	}
	obj, err := s.backend.GetObject(S3Bucket, key, nil)
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
	if !ok && s.hashing {
		var err error
		if c, err = hashedCARRoot(obj.Contents); err != nil {
			s.t.Logf("CAR import of %s (%d bytes stored): %v", key, obj.Size, err)
			return ""
		}
		s.mu.Lock()
		s.cids[key+etag] = c
		s.mu.Unlock()
	} else if !ok {
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

// hashedCARRoot reads r as a CARv1 with one root and returns the root once
// every block has re-hashed to its CID and the root was among them.
func hashedCARRoot(r io.Reader) (string, error) {
	// Not trusted: Next re-hashes every block and fails on a mismatch.
	br, err := carv2.NewBlockReader(r, carv2.WithTrustedCAR(false))
	if err != nil {
		return "", err
	}
	if br.Version != 1 || len(br.Roots) != 1 {
		return "", fmt.Errorf("want a CARv1 with one root, got version %d with %d roots", br.Version, len(br.Roots))
	}
	root, seen := br.Roots[0], false
	for {
		blk, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		seen = seen || blk.Cid().Equals(root)
	}
	if !seen {
		return "", fmt.Errorf("the root %s is not among the blocks", root)
	}
	return root.String(), nil
}

// Counts are the part numbers received per key (multipart), the single
// PUTs per key, and the object bytes received, since the last Reset.
func (s *S3Server) Counts() (parts map[string][]int, puts map[string]int, n int64) {
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

// Reset zeroes the counts.
func (s *S3Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.parts, s.puts, s.bytes = map[string][]int{}, map[string]int{}, 0
}

// SecurityTokens counts the requests that carried each
// X-Amz-Security-Token value (temporary credentials' session token).
func (s *S3Server) SecurityTokens() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.tokens {
		out[k] = v
	}
	return out
}

// UseSecret makes the server check signatures with secret instead of
// S3SecretKey (a test that must not know the secret's value in advance).
func (s *S3Server) UseSecret(secret string) {
	s.mu.Lock()
	s.secret = secret
	s.mu.Unlock()
}

// Delete removes the object at key, as a user deleting it at the service
// (in its web console) would.
func (s *S3Server) Delete(key string) {
	s.t.Helper()
	if _, err := s.backend.DeleteObject(S3Bucket, key); err != nil {
		s.t.Fatal(err)
	}
}

// ReportWrongCID makes the server report c as every CAR's root CID.
func (s *S3Server) ReportWrongCID(c string) {
	s.mu.Lock()
	s.wrongCID = c
	s.mu.Unlock()
}

// Throttle answers the next n requests with 429 and a short Retry-After.
func (s *S3Server) Throttle(n int) {
	s.mu.Lock()
	s.throttled = n
	s.mu.Unlock()
}

// OnPart calls f (which may block) before each multipart part is stored;
// when f returns false the part is dropped (answered 500, neither stored
// nor counted). nil removes it.
func (s *S3Server) OnPart(f func(key string, num int) bool) {
	s.mu.Lock()
	s.onPart = f
	s.mu.Unlock()
}

// ResetPart cuts the connection (a TCP reset) in the middle of part num of
// key, times times: half the part's body is read, then the connection is
// closed with no answer. The part is neither stored nor counted.
func (s *S3Server) ResetPart(key string, num, times int) {
	s.mu.Lock()
	s.resets[fmt.Sprintf("%s#%d", key, num)] = times
	s.mu.Unlock()
}

// Resets is how many connections were cut mid-part.
func (s *S3Server) Resets() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reset
}

func (s *S3Server) cutMidBody(w http.ResponseWriter, r *http.Request) {
	io.CopyN(io.Discard, r.Body, r.ContentLength/2)
	resetConn(s.t, w)
}

// resetConn closes a request's connection with a TCP reset, answering
// nothing: a connection cut in the middle of a request.
func resetConn(t testing.TB, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("cut the connection: %v", err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) // close with a reset, not a clean FIN
	}
	conn.Close()
}
