package pin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	shell "github.com/ipfs/go-ipfs-api"
)

// Timeouts of a Kubo RPC API's requests. The small calls (version, id,
// pin/ls, config/show) carry no body: each has BodyTimeout(0), a minute,
// so a node that stops answering fails the call, which the retry policy
// tries again, instead of hanging the run. add and dag/import carry the
// collection: add is bounded by the node's pace, dag/import by its stall
// watchdog (RemoteKubo.Stall), never by a cap that large collections hit.
const kuboTLSHandshakeTimeout = 10 * time.Second

// NewKuboHTTPTransport is the HTTP transport under every Kubo RPC client
// genmint makes (pin's, verify's; wrap it with KuboAuthTransport): the
// dial and the TLS handshake are bounded (10 s each), so an https:// RPC
// API that accepts the connection and never finishes the handshake fails
// the request instead of hanging it; the proxy comes from the environment
// (never used for loopback). Callers may tune the idle pool and buffers.
func NewKuboHTTPTransport() *http.Transport {
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: kuboTLSHandshakeTimeout,
	}
}

// errNoAnswer is the cause of a small call's context when its timeout ends it.
var errNoAnswer = errors.New("no answer")

// callTimeout is the per-request timeout of the small calls.
func (k *Kubo) callTimeout() time.Duration {
	if k.timeout > 0 {
		return k.timeout
	}
	return BodyTimeout(0)
}

// exec runs one small call (no request body) under callTimeout. A call
// the timeout ended, or whose connection timed out (the TLS handshake, a
// dial), is a *TemporaryError naming the command; other errors come back as
// they are, for k.wrap.
func (k *Kubo) exec(ctx context.Context, cmd string, req *shell.RequestBuilder, out any) error {
	d := k.callTimeout()
	cctx, cancel := context.WithTimeoutCause(ctx, d, errNoAnswer)
	defer cancel()
	err := req.Exec(cctx, out)
	if err == nil || ctx.Err() != nil {
		return err
	}
	if errors.Is(context.Cause(cctx), errNoAnswer) {
		return &TemporaryError{Err: fmt.Errorf("kubo at %s: %s: no answer within %s", k.addr, cmd, d)}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &TemporaryError{Err: fmt.Errorf("kubo at %s: %s: %v", k.addr, cmd, ne)}
	}
	return err
}
