package pin

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/internal/usage"
	"github.com/genmint/genmint/state"
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

// A Kubo RPC API that accepts the small calls (version, id, pin/ls) and
// never answers: each ends with a temporary error naming the command (the
// retry policy then tries again), under a per-request timeout, here made
// small; the test's own deadline is far longer.
func TestKuboSmallCallsTimeOut(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer hang.Close()
	k, err := NewKuboAuth(hang.URL, KuboAuth{Header: "Bearer " + remoteToken, Env: "REMOTE_KUBO_AUTH"})
	if err != nil {
		t.Fatal(err)
	}
	k.timeout = 50 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := cid.MustParse("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")
	calls := map[string]func() error{
		"version": func() error { _, err := k.Version(ctx); return err },
		"id":      func() error { _, err := k.Origins(ctx); return err },
		"pin/ls":  func() error { _, err := k.Pinned(ctx, c); return err },
	}
	for cmd, call := range calls {
		err := call()
		if !IsTemporary(err) || !strings.Contains(err.Error(), cmd+": no answer within") || ctx.Err() != nil {
			t.Fatalf("%s on a node that never answers: %v", cmd, err)
		}
	}
	// Through the retry wrapper, the remote Kubo gives up after its tries.
	tries := 0
	pol := testRetry
	pol.Sleep = func(context.Context, time.Duration) error { tries++; return nil }
	_, err = WithRetry(NewRemoteKubo(k, pol), pol).Pinned(ctx, c)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("pin/ls: no answer within 50ms (gave up after %d tries)", pol.Attempts)) || tries != pol.Attempts-1 {
		t.Fatalf("pin/ls through the retries: %v after %d waits", err, tries)
	}
}

// An https:// RPC API whose TLS handshake never ends: the transport's
// handshake timeout (here made small) ends the call, even with a long
// per-request timeout.
func TestKuboTLSHandshakeTimesOut(t *testing.T) {
	k, err := NewKuboAuth("https://"+testenv.SilentListener(t), KuboAuth{Header: "Bearer " + remoteToken, Env: "REMOTE_KUBO_AUTH"})
	if err != nil {
		t.Fatal(err)
	}
	k.timeout = time.Hour
	k.base.TLSHandshakeTimeout = 50 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = k.Version(ctx)
	if !IsTemporary(err) || !strings.Contains(err.Error(), "TLS handshake timeout") || ctx.Err() != nil {
		t.Fatalf("version over a handshake that never ends: %v", err)
	}
}

// A real Kubo behind API.Authorizations with a basic secret: the whole
// "Basic …" header value from the variable is accepted, a wrong password
// is a usage error naming the variable (neither the password nor the
// header in it), and the run pins every root there.
func TestRemoteKuboBasicAuth(t *testing.T) {
	const password = "b4sic-pa55-remote-kubo-31d9"
	remote := testenv.StartKubo(t, testenv.WithKuboAPIAuth("basic:genmint:"+password))
	header := remote.Auth
	if !strings.HasPrefix(header, "Basic ") {
		t.Fatalf("test node auth %q", header)
	}
	ctx := context.Background()
	wrong := "Basic " + base64.StdEncoding.EncodeToString([]byte("genmint:not-"+password))
	_, err := OpenDestinations(ctx, DestinationOptions{IPFSAPI: remote.API, IPFSAuth: KuboAuth{Header: wrong, Env: "REMOTE_KUBO_AUTH"}, Retry: testRetry})
	if !errors.Is(err, ErrAuthRefused) || !errors.Is(err, usage.Err) || !strings.Contains(err.Error(), "REMOTE_KUBO_AUTH") ||
		strings.Contains(err.Error(), password) || strings.Contains(err.Error(), strings.TrimPrefix(wrong, "Basic ")) {
		t.Fatalf("wrong password: %v", err)
	}

	dir, db := newCollection(t, 3, 64)
	d, err := OpenDestinations(ctx, DestinationOptions{IPFSAPI: remote.API, IPFSAuth: KuboAuth{Header: header, Env: "REMOTE_KUBO_AUTH"}, Retry: testRetry})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: d.Pinners})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Destinations) != 1 || len(res.Destinations[0].Pinned) != 5 || statusCounts(t, db)[state.Pinned] != 3 {
		t.Fatalf("destinations %+v, statuses %v", res.Destinations, statusCounts(t, db))
	}
	pins := remotePins(t, remote.API, header)
	for _, c := range []string{res.Roots.Images, res.Roots.Originals, res.Roots.Provenance, res.Roots.Metadata, res.Roots.Contract} {
		if !strings.Contains(pins, c) {
			t.Fatalf("%s not pinned on the remote node: %s", c, pins)
		}
	}
}
