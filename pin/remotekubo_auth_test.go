package pin

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/genmint/genmint/internal/usage"
)

// headerRecorder is an HTTP server that records every request's headers
// and answers like a Kubo RPC API would to `version`.
type headerRecorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []http.Header
}

func newHeaderRecorder(t *testing.T) *headerRecorder {
	t.Helper()
	h := &headerRecorder{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.seen = append(h.seen, r.Header.Clone())
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"Version":"0.42.0"}`))
	}))
	t.Cleanup(h.Close)
	return h
}

// sawSecret reports whether any recorded header value holds secret.
func (h *headerRecorder) sawSecret(secret string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, hd := range h.seen {
		for _, vs := range hd {
			for _, v := range vs {
				if strings.Contains(v, secret) {
					return true
				}
			}
		}
	}
	return false
}

// A remote RPC API answering 307 to another host: the other host never
// sees the token, and the error says the redirect was not followed, naming
// what to pass instead, as a usage error without the token.
func TestRemoteKuboRedirectNeverCarriesTheToken(t *testing.T) {
	other := newHeaderRecorder(t)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	defer front.Close()

	k, err := NewKuboAuth(front.URL, KuboAuth{Header: "Bearer " + remoteToken, Env: "REMOTE_KUBO_AUTH"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = k.Version(context.Background())
	if other.sawSecret(remoteToken) {
		t.Fatal("the redirect target received the Authorization header")
	}
	if !errors.Is(err, ErrRedirected) || !errors.Is(err, usage.Err) || !strings.Contains(err.Error(), "--ipfs-api") || strings.Contains(err.Error(), remoteToken) {
		t.Fatalf("redirected version: %v", err)
	}

	// Below the client, the transport itself sends the header only to the
	// configured origin.
	rec := newHeaderRecorder(t)
	rt := &rpcTransport{base: http.DefaultTransport, addr: front.URL, origin: strings.ToLower(front.URL), auth: KuboAuth{Header: "Bearer " + remoteToken}}
	req, err := http.NewRequest(http.MethodPost, rec.URL+"/api/v0/version", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+remoteToken) // as a redirect could carry it
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if rec.sawSecret(remoteToken) {
		t.Fatal("the transport sent the Authorization header to another origin")
	}
}
