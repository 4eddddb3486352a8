package pin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

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

// rpcTransport adds the Authorization header to every request to a Kubo
// RPC API and turns the answers go-ipfs-api cannot tell apart (its errors
// lose the status code) into typed errors: 401/403 into *AuthRefusedError,
// 429/502/503/504 into *TemporaryError with the server's Retry-After.
type rpcTransport struct {
	base http.RoundTripper
	addr string
	auth KuboAuth
}

func (t *rpcTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.auth.Header != "" {
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", t.auth.Header)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
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
//
// It is a Committer: Pin only queues a root (and returns the CID genmint
// computed, not yet confirmed); Commit sends the CAR and confirms each root,
// so Run records nothing as pinned until the node says so. The import is
// idempotent, so Commit retries it whole under the one retry policy.
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
	// Stall ends an import that sent nothing for this long (default 2 min):
	// a per-request limit that a large collection never hits while it
	// makes progress, unlike a global timeout.
	Stall time.Duration
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
		err := retry.Do(ctx, r.pol, func(int) error { return r.importCAR(ctx, roots) })
		if err != nil {
			return fmt.Errorf("dag import to %s: %w", r.k.Addr(), err)
		}
	}
	for _, root := range roots {
		var ok bool
		err := retry.Do(ctx, r.pol, func(int) (err error) { ok, err = r.k.Pinned(ctx, root.CID); return err })
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: kubo at %s imported the CAR but does not list %s (%s) as pinned: nothing was marked pinned",
				ErrCIDMismatch, r.k.Addr(), root.CID, root.Name)
		}
	}
	return nil
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
