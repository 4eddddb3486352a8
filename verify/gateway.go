package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/neterr"
	"github.com/genmint/genmint/internal/retry"
)

// Gateway reads content from an IPFS HTTP gateway, path style:
// GET <base>/ipfs/<root>/<path> for files, and
// GET <base>/ipfs/<cid>?format=raw (Accept: application/vnd.ipld.raw, the
// trustless gateway form) for blocks. Any gateway serving both works: the
// bytes are checked by the verifier, not trusted.
type Gateway struct {
	base   string // scheme://host[/prefix], without a trailing slash or /ipfs
	client *http.Client
}

var _ Content = (*Gateway)(nil)

// NewGateway returns a Content for the gateway at rawURL
// (e.g. http://127.0.0.1:8080 or https://ipfs.io). client nil means a
// client with connection timeouts (whole requests are bounded by ctx).
func NewGateway(rawURL string, client *http.Client) (*Gateway, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("gateway %q is not an http(s) URL: give one like https://ipfs.io or http://127.0.0.1:8080", rawURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("gateway %s://%s: give the gateway's base URL, without credentials or a query", u.Scheme, u.Host)
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/ipfs")
	if client == nil {
		client = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 2 * time.Minute,
			MaxIdleConnsPerHost:   8,
			IdleConnTimeout:       90 * time.Second,
		}}
	}
	return &Gateway{base: u.Scheme + "://" + u.Host + p, client: client}, nil
}

// Source implements Content.
func (g *Gateway) Source() string { return "gateway " + g.base }

// Cat implements Content.
func (g *Gateway) Cat(ctx context.Context, root cid.Cid, path string, limit int64) ([]byte, error) {
	u := g.base + "/ipfs/" + root.String()
	if path != "" {
		parts := strings.Split(path, "/")
		for i, p := range parts {
			parts[i] = url.PathEscape(p)
		}
		u += "/" + strings.Join(parts, "/")
	}
	return g.get(ctx, u, "", limit)
}

// Block implements Content.
func (g *Gateway) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	return g.get(ctx, g.base+"/ipfs/"+c.String()+"?format=raw", "application/vnd.ipld.raw", maxBlock)
}

func (g *Gateway) get(ctx context.Context, u, accept string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("gateway GET %s: %w", u, ctx.Err())
		}
		if ce, ok := neterr.Cert("the gateway", req.URL.Host, err); ok {
			return nil, ce // not temporary: no try will trust it
		}
		if reason, ok := neterr.Unreachable(err); ok {
			return nil, unavailable(err, "cannot reach the gateway %s (%s): check --gateway, or read from --ipfs-api ADDR or --car FILE", g.base, reason)
		}
		return nil, &TemporaryError{Err: fmt.Errorf("gateway GET %s: %w", u, err)}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone ||
		resp.StatusCode == http.StatusGatewayTimeout || resp.StatusCode == http.StatusBadRequest:
		// 504: the gateway looked and could not find it in time; 400: the
		// path does not resolve (e.g. through a file).
		return nil, fmt.Errorf("%w: gateway GET %s answered %s%s", ErrNotFound, u, resp.Status, bodyHint(resp.Body))
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, &TemporaryError{Err: fmt.Errorf("gateway GET %s answered %s", u, resp.Status),
			StatusCode: resp.StatusCode, RetryAfter: retry.After(resp.Header, time.Now())}
	default:
		return nil, unavailable(errors.New(resp.Status), "the gateway %s answered %s for %s: is it an IPFS gateway? check --gateway", g.base, resp.Status, u)
	}
	if accept != "" && !strings.HasPrefix(resp.Header.Get("Content-Type"), accept) {
		return nil, unavailable(errors.New("no raw blocks"), "the gateway %s does not serve raw blocks (?format=raw answered %q): use a trustless gateway, or --ipfs-api ADDR or --car FILE",
			g.base, resp.Header.Get("Content-Type"))
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: %s is %d bytes, the limit is %d", ErrTooLarge, u, resp.ContentLength, limit)
	}
	b, err := readLimited(resp.Body, limit)
	if err != nil {
		if errors.Is(err, ErrTooLarge) || ctx.Err() != nil {
			return nil, fmt.Errorf("gateway GET %s: %w", u, err)
		}
		return nil, &TemporaryError{Err: fmt.Errorf("gateway GET %s: %w", u, err)}
	}
	return b, nil
}

// bodyHint returns the first line of a small error body, for messages.
func bodyHint(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 512))
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if line == "" || strings.HasPrefix(line, "<") {
		return ""
	}
	return " (" + line + ")"
}
