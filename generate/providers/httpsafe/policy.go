// Package httpsafe is the HTTP layer every genmint provider client goes
// through. It never trusts a response:
//
//   - a Policy decides which servers may be contacted at all: the provider's
//     configured endpoint (base_url, possibly a local server on loopback) and,
//     for output downloads, the provider's documented delivery hosts over
//     https. The policy is enforced twice: on the URL before a request is made
//     (and on every redirect), and again at dial time on the address the name
//     actually resolved to, so a public-looking host name that resolves to a
//     loopback, private or link-local address (169.254.169.254, the cloud
//     metadata service) is refused unless it is the configured server;
//   - response bodies are read through a size cap (ReadBody);
//   - content types are checked (MediaType, IsJSON);
//   - images are checked with image.DecodeConfig and a pixel cap before
//     anything decodes them (CheckImage);
//   - text taken from a response and put into an error is shortened and has
//     the credential removed (Snippet), in case a server echoes it.
package httpsafe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrUnsafeURL is returned (wrapped) when a URL, a redirect or a dial is
// refused by the fetch policy.
var ErrUnsafeURL = errors.New("refused by genmint's fetch policy")

// Policy says which servers a provider client may talk to.
type Policy struct {
	// Base is the provider's endpoint: the configured base_url, or the
	// public default. Requests to its scheme, host and port are always
	// allowed, whatever address the host resolves to and even over plain
	// http: the user configured it (a local Automatic1111 or ComfyUI server
	// lives on loopback).
	Base *url.URL
	// FetchHosts are further host names whose URLs may be fetched, over
	// https only and only at public addresses: an exact name
	// ("replicate.delivery") or a wildcard for its subdomains
	// ("*.replicate.delivery"). They are the delivery hosts the provider
	// documents for its outputs.
	FetchHosts []string
}

// CheckURL reports whether u may be fetched. It is applied to every request
// URL and every redirect target.
func (p Policy) CheckURL(u *url.URL) error {
	if u == nil {
		return fmt.Errorf("%w: no URL", ErrUnsafeURL)
	}
	if u.User != nil {
		return fmt.Errorf("%w: URL %s carries credentials", ErrUnsafeURL, Redacted(u))
	}
	if p.isBase(u) {
		return nil
	}
	if u.Scheme != "https" {
		return fmt.Errorf("%w: URL %s is not https", ErrUnsafeURL, Redacted(u))
	}
	host := strings.ToLower(u.Hostname())
	if ip, err := netip.ParseAddr(host); err == nil && !IsPublic(ip) {
		return fmt.Errorf("%w: URL %s points at a non-public address (%s) that is not the configured server", ErrUnsafeURL, Redacted(u), ip)
	}
	if p.Base != nil && strings.EqualFold(p.Base.Hostname(), host) && u.Port() == p.Base.Port() {
		return nil // the provider's own host over https
	}
	for _, h := range p.FetchHosts {
		h = strings.ToLower(h)
		if suffix, ok := strings.CutPrefix(h, "*."); ok {
			if strings.HasSuffix(host, "."+suffix) {
				return nil
			}
			continue
		}
		if host == h {
			return nil
		}
	}
	return fmt.Errorf("%w: URL %s is not on %s", ErrUnsafeURL, Redacted(u), p.allowedList())
}

func (p Policy) allowedList() string {
	var names []string
	if p.Base != nil {
		names = append(names, p.Base.Host)
	}
	names = append(names, p.FetchHosts...)
	if len(names) == 0 {
		return "any allowed host"
	}
	return "the provider's hosts (" + strings.Join(names, ", ") + ")"
}

// isBase reports whether u is on the configured server (same scheme, host
// and port).
func (p Policy) isBase(u *url.URL) bool {
	if p.Base == nil {
		return false
	}
	return strings.EqualFold(u.Scheme, p.Base.Scheme) && hostPort(u) == hostPort(p.Base)
}

// hostPort is u's host:port with the scheme's default port filled in.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// Redacted renders u without its query string or user info: signed delivery
// URLs carry tokens in the query.
func Redacted(u *url.URL) string {
	if u == nil {
		return "<nil>"
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = "…"
	}
	c.Fragment = ""
	return c.String()
}

// IsPublic reports whether ip is a globally routable unicast address. The
// refused ranges are loopback, RFC 1918 and RFC 4193 private, link-local
// (169.254.0.0/16 holds the cloud metadata service), unspecified, multicast,
// carrier-grade NAT, benchmarking, reserved, and IPv6 forms that embed such
// an IPv4 address.
func IsPublic(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range refused {
		if p.Contains(ip) {
			return false
		}
	}
	if ip.Is6() {
		// NAT64 (64:ff9b::/96) and 6to4 (2002::/16) embed an IPv4 address.
		b := ip.As16()
		if nat64.Contains(ip) {
			return IsPublic(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		}
		if sixToFour.Contains(ip) {
			return IsPublic(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	return true
}

var (
	refused = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),
		netip.MustParsePrefix("100.64.0.0/10"),
		netip.MustParsePrefix("192.0.0.0/24"),
		netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("198.18.0.0/15"),
		netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"),
		netip.MustParsePrefix("240.0.0.0/4"),
		netip.MustParsePrefix("2001:db8::/32"),
	}
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// NewClient returns an http.Client that enforces p. The optional base client
// supplies TLS roots and a proxy setting (tests pass httptest's client); its
// transport, if set, must be an *http.Transport. genmint's policy is always
// applied on top of it. The client has no overall timeout: callers bound
// each request with a context (the timeout wrapper does).
func NewClient(p Policy, base *http.Client) *http.Client {
	var tr *http.Transport
	if base != nil {
		if t, ok := base.Transport.(*http.Transport); ok && t != nil {
			tr = t.Clone()
		}
	}
	if tr == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	tr.MaxIdleConnsPerHost = 32
	tr.TLSHandshakeTimeout = 15 * time.Second
	proxy := tr.Proxy
	d := &dialer{policy: p, proxy: proxy}
	tr.DialContext = d.DialContext
	tr.DialTLSContext = nil
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return fmt.Errorf("stopped after %d redirects", len(via))
			}
			if err := p.CheckURL(req.URL); err != nil {
				return fmt.Errorf("redirect: %w", err)
			}
			return nil
		},
	}
}

// dialer refuses connections to non-public addresses unless the name dialled
// is the configured server or the configured proxy.
type dialer struct {
	policy Policy
	proxy  func(*http.Request) (*url.URL, error)
}

func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	nd := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if d.trusted(addr) {
		return nd.DialContext(ctx, network, addr)
	}
	nd.Control = func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: dial %s: unparsable address %q", ErrUnsafeURL, addr, address)
		}
		if !IsPublic(ap.Addr()) {
			return fmt.Errorf("%w: %s resolves to the non-public address %s, which is not the configured server", ErrUnsafeURL, addr, ap.Addr())
		}
		return nil
	}
	return nd.DialContext(ctx, network, addr)
}

// trusted reports whether addr (host:port as requested, before resolution)
// is the configured server or proxy.
func (d *dialer) trusted(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	addr = net.JoinHostPort(strings.ToLower(host), port)
	if d.policy.Base != nil && addr == hostPort(d.policy.Base) {
		return true
	}
	if d.proxy != nil && d.policy.Base != nil {
		// A proxy from the environment is configuration too.
		if pu, err := d.proxy(&http.Request{URL: d.policy.Base}); err == nil && pu != nil && addr == hostPort(pu) {
			return true
		}
	}
	return false
}
