package pin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/internal/retry"
	"github.com/genmint/genmint/internal/usage"
)

// KuboAuth is how genmint authenticates to a Kubo RPC API behind
// API.Authorizations (or a hosted Kubo-compatible RPC): Header is the whole
// Authorization header value ("Bearer …" or "Basic …"), read by the caller
// from the environment variable Env names. Header is sent only in that
// header: it never appears in a message, an error, the state or a file.
type KuboAuth struct {
	Header string
	Env    string
}

// ErrAuthRefused matches a Kubo RPC API refusing genmint's Authorization
// header (or demanding one it was not given). It is a usage error (exit 2).
var ErrAuthRefused = errors.New("refused the Authorization header")

// AuthRefusedError is a Kubo RPC API answering 401 or 403.
type AuthRefusedError struct {
	Addr   string
	Env    string // the variable the header came from, or ""
	Status int
}

func (e *AuthRefusedError) Error() string {
	if e.Env == "" {
		return fmt.Sprintf("kubo at %s refused the request (HTTP %d): it demands an Authorization header: put the whole value ('Bearer …' or 'Basic …') in an environment variable and name it with --ipfs-api-auth-env", e.Addr, e.Status)
	}
	return fmt.Sprintf("kubo at %s %s from %s (HTTP %d): put the whole, valid value ('Bearer …' or 'Basic …') in %s", e.Addr, ErrAuthRefused, e.Env, e.Status, e.Env)
}

// Unwrap makes the error both ErrAuthRefused and a usage error.
func (e *AuthRefusedError) Unwrap() []error { return []error{ErrAuthRefused, usage.Err} }

// rpcTransport adds the Authorization header to each request for the
// configured RPC API's origin (scheme, host and port) — never to another
// one, should a request get there — and turns the answers go-ipfs-api
// cannot tell apart (its errors lose the status code) into typed errors:
// 401/403 into *AuthRefusedError, 429/502/503/504 into *TemporaryError with
// the server's Retry-After.
type rpcTransport struct {
	base   http.RoundTripper
	addr   string
	origin string // scheme://host[:port] of the API, where the header goes
	auth   KuboAuth
}

// KuboAuthTransport wraps next for the Kubo RPC API at addr (as
// NormalizeKuboAPI returns it) the way genmint's own client is: auth's
// header sent to that origin alone, redirects refused (*RedirectError),
// 401/403 as *AuthRefusedError naming auth.Env, 429/502/503/504 as
// *TemporaryError, and answers no Kubo gives as *NotKuboError. Its errors
// name the API by its label (redact.URL), never by its path.
func KuboAuthTransport(next http.RoundTripper, addr string, auth KuboAuth) http.RoundTripper {
	rt := &rpcTransport{base: next, addr: redact.URL(addr), auth: auth}
	if u, err := url.Parse(addr); err == nil {
		rt.origin = origin(u)
	}
	return kuboOnly{rt}
}

func (t *rpcTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.auth.Header != "" || req.Header.Get("Authorization") != "" {
		req = req.Clone(req.Context())
		req.Header.Del("Authorization")
		if t.auth.Header != "" && origin(req.URL) == t.origin {
			req.Header.Set("Authorization", t.auth.Header)
		}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		// Refused here, whatever the client's CheckRedirect says (go-ipfs-api
		// refuses redirects too, in a message that names no fix).
		to := "another address"
		if loc, err := resp.Location(); err == nil {
			to = redact.URL(loc.String())
		}
		drain(resp)
		return nil, &RedirectError{Addr: t.addr, Status: resp.StatusCode, To: to}
	case http.StatusUnauthorized, http.StatusForbidden:
		drain(resp)
		return nil, &AuthRefusedError{Addr: t.addr, Env: t.auth.Env, Status: resp.StatusCode}
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		after := retry.After(resp.Header, time.Now())
		drain(resp)
		return nil, &TemporaryError{StatusCode: resp.StatusCode, RetryAfter: after,
			Err: fmt.Errorf("kubo at %s answered %s", t.addr, resp.Status)}
	}
	return resp, nil
}

// origin is a URL's scheme://host[:port], lower case.
func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// ErrRedirected matches a Kubo RPC API answering with a redirect, which
// genmint does not follow (see RedirectError).
var ErrRedirected = errors.New("answered with a redirect")

// RedirectError is a Kubo RPC API answering a redirect (3xx with a
// Location). A Kubo RPC API never redirects, and genmint's Authorization
// header is meant for --ipfs-api alone, so nothing is sent where it points.
// It is a usage error.
type RedirectError struct {
	Addr   string // the RPC API, as configured
	Status int
	To     string // where it pointed, shown without what may be a key
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("kubo at %s %s (HTTP %d to %s), which genmint does not follow: the Authorization header is for --ipfs-api alone; pass the address of the RPC API itself as --ipfs-api", e.Addr, ErrRedirected, e.Status, e.To)
}

// Unwrap makes the error both ErrRedirected and a usage error.
func (e *RedirectError) Unwrap() []error { return []error{ErrRedirected, usage.Err} }

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// IsRemoteKubo reports whether an RPC API address (any form
// NormalizeKuboAPI accepts) is on another machine: its host is not a
// loopback address or "localhost".
func IsRemoteKubo(addr string) bool {
	u, err := url.Parse(addr)
	if err != nil {
		return true
	}
	host := u.Hostname()
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// RemoteKubo publishes to a Kubo RPC API that does not share this
// machine's disk — a node behind API.Authorizations, or a hosted
// Kubo-compatible RPC. Instead of one `add` per file, it streams the whole
// run as one CAR through `dag/import` with the roots pinned, built from the
// blocks genmint computes locally, so the node stores exactly genmint's
// CIDs; then it asks the node, with `pin/ls`, that every root is pinned.
// Run records each root it confirms in uploads/kubo.json (KuboService).
//
// It is a Committer: Pin only queues a root (and returns the CID genmint
// computed, not yet confirmed); Commit sends the CAR and confirms each root,
// so Run records nothing as pinned until the node says so. The import is
// idempotent, so Commit retries it whole under the one retry policy.
//
// Filebase's hosted RPC, the README's example, is documented at
// https://filebase.com/docs/ipfs/rpc-api: base URL https://rpc.filebase.io,
// every call a POST with "Authorization: Bearer <token>", the token made per
// bucket in its Access Keys console; version, dag/import and pin/ls are
// among its endpoints. genmint's tests use a real Kubo, not that service.
type RemoteKubo struct {
	k   *Kubo
	pol RetryPolicy

	mu      sync.Mutex
	pending []Root
	stream  *kuboStream // set by StartStream, ended by Commit or Abort
	// Sent, when set, hears the CAR bytes sent so far in this import, of
	// about total (the roots' cumulative DAG sizes: the CAR is streamed as
	// it is built, so its exact size is known only at the end).
	Sent SentFunc
	// Stall ends an import whose connection takes none of the bytes
	// genmint has to send for this long (default DefaultStall). It runs
	// only while genmint has bytes to send: not while it computes the next
	// block, nor once the last byte is sent (then Answer applies).
	Stall time.Duration
	// Answer is how long the node may take to answer once the last of n
	// bytes is sent (default BodyTimeout(n): Kubo pins after the last
	// byte, reading back every block it stored, so a large import is
	// given the time to read its body at 256 KiB/s plus a minute).
	Answer func(n int64) time.Duration

	clk clock // nil: the real one
}

func (r *RemoteKubo) clock() clock {
	if r.clk == nil {
		return realClock{}
	}
	return r.clk
}

func (r *RemoteKubo) answerTimeout(n int64) time.Duration {
	if r.Answer == nil {
		return BodyTimeout(n)
	}
	return r.Answer(n)
}

var (
	_ Pinner    = (*RemoteKubo)(nil)
	_ Committer = (*RemoteKubo)(nil)
	_ Streamer  = (*RemoteKubo)(nil)
)

// NewRemoteKubo wraps a Kubo client (made with NewKuboAuth) for CAR import.
func NewRemoteKubo(k *Kubo, pol RetryPolicy) *RemoteKubo {
	return &RemoteKubo{k: k, pol: pol}
}

// Kubo is the underlying RPC client.
func (r *RemoteKubo) Kubo() *Kubo { return r.k }

// Destination implements Pinner.
func (r *RemoteKubo) Destination() string { return r.k.Destination() }

// Pinned implements Pinner: a recursive pin of c on the node.
func (r *RemoteKubo) Pinned(ctx context.Context, c cid.Cid) (bool, error) {
	return r.k.Pinned(ctx, c)
}

// Pin implements Pinner: queue the root for Commit's CAR.
func (r *RemoteKubo) Pin(ctx context.Context, root Root) (cid.Cid, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.pending {
		if p.CID.Equals(root.CID) {
			return root.CID, nil
		}
	}
	r.pending = append(r.pending, root)
	return root.CID, nil
}

// Abort implements Committer: forget the queued roots and end any stream
// (its request is cancelled: nothing it carried is pinned).
func (r *RemoteKubo) Abort() {
	r.mu.Lock()
	r.pending = nil
	s := r.stream
	r.stream = nil
	r.mu.Unlock()
	if s != nil && s.imp != nil {
		s.imp.abort()
	}
}

// Commit implements Committer: import the queued roots as one CAR, then
// confirm each is pinned on the node.
//
// When the run's blocks were streamed (StartStream, PutBlock), the request
// is finished with a second CAR naming the roots; should the stream have
// failed with a fault worth retrying, the roots are sent again, whole, in a
// new request (a second pass over the files).
func (r *RemoteKubo) Commit(ctx context.Context) error {
	r.mu.Lock()
	roots := r.pending
	r.pending = nil
	s := r.stream
	r.stream = nil
	r.mu.Unlock()
	if len(roots) == 0 {
		if s != nil && s.imp != nil {
			s.imp.abort() // everything was there already
		}
		return nil
	}
	streamed := false
	if s != nil && s.imp != nil {
		err := s.err
		if err == nil {
			err = s.finish(roots)
		}
		if err != nil && !IsTemporary(err) {
			return fmt.Errorf("dag import to %s: %w", r.k.Addr(), err)
		}
		streamed = err == nil
	}
	if !streamed {
		// Each try sends only the roots the node does not pin yet: a node
		// that finished pinning just after a request was given up on is
		// not sent the collection again.
		err := retry.Do(ctx, r.pol, func(int) error {
			missing, err := r.unpinned(ctx, roots)
			if err != nil || len(missing) == 0 {
				return err
			}
			return r.importCAR(ctx, missing)
		})
		if err != nil {
			return fmt.Errorf("dag import to %s: %w", r.k.Addr(), err)
		}
	}
	// Every root confirmed, all asked at once.
	return forEach(len(roots), len(roots), func(i int) error {
		root := roots[i]
		var ok bool
		err := retry.Do(ctx, r.pol, func(int) (err error) { ok, err = r.k.Pinned(ctx, root.CID); return err })
		if err == nil && !ok {
			// (A pin listed under another CID is Pinned's error, naming both.)
			err = fmt.Errorf("%w: kubo at %s reported %s (%s) imported with its pin, but pin/ls does not list it as pinned: nothing was marked pinned",
				ErrCIDMismatch, r.k.Addr(), root.CID, root.Name)
		}
		return err
	})
}

// unpinned returns the roots the node does not pin.
func (r *RemoteKubo) unpinned(ctx context.Context, roots []Root) ([]Root, error) {
	var missing []Root
	for _, root := range roots {
		ok, err := r.k.Pinned(ctx, root.CID)
		if err != nil {
			return nil, err
		}
		if !ok {
			missing = append(missing, root)
		}
	}
	return missing, nil
}

// importCAR sends one CAR of roots through dag/import with pin-roots, and
// checks the node reports each root pinned without error: the second pass
// over the files, when the blocks were not streamed during the run.
func (r *RemoteKubo) importCAR(ctx context.Context, roots []Root) error {
	var total int64
	for _, root := range roots {
		total += int64(root.Size)
	}
	d := r.startImport(ctx, []string{"collection.car"}, total)
	err := WriteCAR(d.ctx, d.writer(0), roots)
	if err == nil {
		err = d.closeSection(0)
	}
	if err != nil {
		return d.writeFailed(err)
	}
	return d.wait(roots)
}
