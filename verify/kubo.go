package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ipfs/go-cid"
	shell "github.com/ipfs/go-ipfs-api"

	"github.com/genmint/genmint/internal/neterr"
	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/internal/usage"
	"github.com/genmint/genmint/pin"
)

// Kubo reads content through a Kubo node's RPC API with go-ipfs-api. Every
// call goes through Request(...).Send(ctx), never the Shell helpers that
// ignore contexts, so a timeout or Ctrl-C aborts the request in flight.
//
// A node answers for content it does not hold by looking for it on the
// network; the verifier's per-call timeout turns "never found" into
// ErrNotFound. An offline node says so at once.
type Kubo struct {
	// addr is how the node is shown: its URL without the path, where a
	// hosted RPC may carry a key (redact.URL); url is where requests go.
	addr, url, host string
	sh              *shell.Shell
	base            *http.Transport // under sh's client
}

var _ Content = (*Kubo)(nil)

// NewKubo returns a Content for the Kubo RPC API at addr (a multiaddr,
// host:port or URL). It does not contact the node; call Check.
func NewKubo(addr string) (*Kubo, error) {
	return NewKuboAuth(addr, pin.KuboAuth{})
}

// NewKuboAuth is NewKubo for an RPC API behind API.Authorizations: auth's
// header goes to that API alone, and a refusal names auth.Env.
func NewKuboAuth(addr string, auth pin.KuboAuth) (*Kubo, error) {
	u, err := pin.NormalizeKuboAPI(addr)
	if err != nil {
		return nil, err
	}
	// pin's transport (dial and TLS handshake bounded), with a larger idle
	// pool for verify's concurrent reads.
	base := pin.NewKuboHTTPTransport()
	base.MaxIdleConnsPerHost = 8
	client := &http.Client{Transport: pin.KuboAuthTransport(base, u, auth)}
	pu, err := url.Parse(u)
	if err != nil {
		return nil, fmt.Errorf("kubo API address %s: %w", redact.URL(u), err)
	}
	return &Kubo{addr: redact.URL(u), url: u, host: pu.Host, sh: shell.NewShellWithClient(u, client), base: base}, nil
}

// Source implements Content.
func (k *Kubo) Source() string { return "kubo " + k.addr }

// Check proves the node answers (ErrUnavailable, in one line, when not).
func (k *Kubo) Check(ctx context.Context) error {
	var out struct{ Version string }
	return k.wrap("version", k.sh.Request("version").Exec(ctx, &out))
}

// Cat implements Content with `ipfs cat /ipfs/<root>/<path>`, asking the
// node for at most limit+1 bytes.
func (k *Kubo) Cat(ctx context.Context, root cid.Cid, path string, limit int64) ([]byte, error) {
	p := "/ipfs/" + root.String()
	if path != "" {
		p += "/" + path
	}
	resp, err := k.sh.Request("cat", p).Option("length", limit+1).Send(ctx)
	if err != nil {
		return nil, k.wrap("cat "+p, err)
	}
	defer resp.Close()
	if resp.Error != nil {
		return nil, k.wrap("cat "+p, resp.Error)
	}
	b, err := readLimited(resp.Output, limit)
	if err != nil {
		return nil, k.wrap("cat "+p, err)
	}
	return b, nil
}

// Block implements Content with `ipfs block get`.
func (k *Kubo) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	resp, err := k.sh.Request("block/get", c.String()).Send(ctx)
	if err != nil {
		return nil, k.wrap("block get "+c.String(), err)
	}
	defer resp.Close()
	if resp.Error != nil {
		return nil, k.wrap("block get "+c.String(), resp.Error)
	}
	b, err := readLimited(resp.Output, maxBlock)
	if err != nil {
		return nil, k.wrap("block get "+c.String(), err)
	}
	return b, nil
}

// wrap sorts the node's failures into the Content contract's classes.
func (k *Kubo) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	err = redact.URLIn(err, k.url)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("kubo at %s: %s: %w", k.addr, what, err)
	}
	if ce, ok := neterr.Cert("kubo", k.host, err); ok {
		return ce
	}
	if reason, ok := neterr.Unreachable(err); ok {
		return unavailable(pin.ErrKuboUnreachable, "%s at %s (%s): start one with 'ipfs daemon', or pass --ipfs-api ADDR, or read from --gateway URL or --car FILE",
			pin.ErrKuboUnreachable, k.addr, reason)
	}
	var nk *pin.NotKuboError
	if errors.As(err, &nk) {
		return usage.Errorf("--ipfs-api %s %v", k.addr, nk)
	}
	var auth *pin.AuthRefusedError
	if errors.As(err, &auth) {
		return auth
	}
	var redir *pin.RedirectError
	if errors.As(err, &redir) {
		return redir
	}
	var se *shell.Error
	if errors.As(err, &se) {
		msg := strings.TrimSpace(se.Message)
		if msg == "command not found" {
			return unavailable(se, "kubo at %s answered 404: is this a Kubo RPC API? Pass --ipfs-api ADDR (a gateway URL goes to --gateway)", k.addr)
		}
		// The node answered: it does not have the content, or the path
		// does not resolve (no link named …, not a directory, …).
		return fmt.Errorf("%w: kubo at %s: %s: %s", ErrNotFound, k.addr, what, msg)
	}
	return fmt.Errorf("kubo at %s: %s: %w", k.addr, what, err)
}
