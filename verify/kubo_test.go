package verify

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/pin"
)

// An https:// RPC API that accepts the connection and never finishes the
// TLS handshake: verify's Kubo client has pin's handshake bound (checked
// against a fresh pin transport, then shortened here), so Check fails
// naming the handshake instead of hanging until the context ends.
func TestKuboTLSHandshakeBounded(t *testing.T) {
	k, err := NewKuboAuth("https://"+testenv.SilentListener(t), pin.KuboAuth{Header: "Bearer verify-handshake", Env: "KUBO_AUTH"})
	if err != nil {
		t.Fatal(err)
	}
	want := pin.NewKuboHTTPTransport().TLSHandshakeTimeout
	if want <= 0 || k.base.TLSHandshakeTimeout != want {
		t.Fatalf("verify's TLS handshake timeout %s, want pin's %s (non-zero)", k.base.TLSHandshakeTimeout, want)
	}
	k.base.TLSHandshakeTimeout = 50 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = k.Check(ctx)
	if err == nil || !strings.Contains(err.Error(), "TLS handshake timeout") || ctx.Err() != nil {
		t.Fatalf("check over a handshake that never ends: %v", err)
	}
}
