package httpc

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/genmint/genmint/generate"
)

// closedAddr is a loopback address nobody listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func client(t *testing.T, base string) *Client {
	t.Helper()
	c, err := New("openai", base, nil, nil, "sk-secretkey", Bearer("sk-secretkey"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDoMarksWhetherTheServiceWasReached: a request that never left this
// machine (refused connection, failed TLS handshake) is a NotSentError;
// one the server read and dropped is not; and once any request of the
// attempt reached the service, a later failure is not either.
func TestDoMarksWhetherTheServiceWasReached(t *testing.T) {
	dead := "http://" + closedAddr(t) + "/v1"
	ctx, reach := generate.WithReach(context.Background())
	_, err := client(t, dead).Do(ctx, http.MethodPost, dead+"/images", nil, nil, true)
	if err == nil || !generate.NotSent(err) || !generate.IsTemporary(err) {
		t.Fatalf("refused connection: %v (not sent %v)", err, generate.NotSent(err))
	}
	if reach.Reached() {
		t.Fatal("a refused connection marked the attempt reached")
	}

	// Without a Reach nothing is known: never NotSent.
	if _, err := client(t, dead).Do(context.Background(), http.MethodPost, dead+"/images", nil, nil, true); generate.NotSent(err) {
		t.Fatalf("without a Reach: %v", err)
	}

	// TLS to a server whose certificate is not trusted: the handshake
	// fails before the request is written.
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the request reached the TLS server")
	}))
	defer tlsSrv.Close()
	ctx, _ = generate.WithReach(context.Background())
	if _, err := client(t, tlsSrv.URL+"/v1").Do(ctx, http.MethodPost, tlsSrv.URL+"/v1/images", nil, nil, true); err == nil || !generate.NotSent(err) {
		t.Fatalf("TLS handshake failure: %v", err)
	}

	// A server that reads the request and hangs up: it was sent.
	drop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer drop.Close()
	ctx, reach = generate.WithReach(context.Background())
	_, err = client(t, drop.URL+"/v1").Do(ctx, http.MethodPost, drop.URL+"/v1/images", nil, nil, true)
	if err == nil || generate.NotSent(err) {
		t.Fatalf("dropped after reading: %v (not sent %v)", err, generate.NotSent(err))
	}
	if !reach.Reached() {
		t.Fatal("a request the server read did not mark the attempt reached")
	}
	// Later in the same attempt, a dead address is no longer "never sent":
	// the job the first request started may be billed.
	if _, err := client(t, dead).Do(ctx, http.MethodGet, dead+"/poll", nil, nil, true); generate.NotSent(err) {
		t.Fatalf("after the service was reached: %v", err)
	}
}
