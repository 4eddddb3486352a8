package pin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/neterr"
	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/internal/retry"
	"github.com/genmint/genmint/internal/termtext"
)

// ErrRemotePinFailed matches a pin the remote service reports as failed.
var ErrRemotePinFailed = errors.New("pinning service failed to pin")

// ErrRemoteAuth matches a pinning service refusing the access token.
var ErrRemoteAuth = errors.New("pinning service refused the access token")

// PinningService asks a remote service speaking the IPFS Pinning Service
// API (https://ipfs.github.io/pinning-services-api-spec/: POST /pins, then
// GET /pins/{requestid} until the status is pinned or failed) to keep roots
// whose blocks it fetches itself — from the origins given (the Kubo node
// genmint just added them to) or from the network. Pinata, Filebase and
// others implement the API.
//
// It is written on net/http rather than boxo's generated client so that
// every HTTP status, Retry-After header and error body reaches the caller
// typed: 429 and 5xx become *TemporaryError for WithRetry.
//
// Pin is idempotent: it first looks for a queued, pinning or pinned request
// for the same CID and follows that one, so retries and re-runs never
// create duplicate pin requests.
type PinningService struct {
	// base is where requests go; label is how messages, the pin record
	// and --json name the service: scheme and host only (redact.URL), as
	// a key may sit in the path.
	base    string
	label   string
	token   string
	origins []string
	poll    time.Duration
	client  *http.Client
	meta    map[string]string
	status  func(root, status string)
}

var _ Pinner = (*PinningService)(nil)

// PinningServiceOptions tune NewPinningService.
type PinningServiceOptions struct {
	// Origins are multiaddrs the service may fetch blocks from.
	Origins []string
	// Poll is the wait between status checks (default 2 s).
	Poll time.Duration
	// Client overrides the HTTP client (default: 60 s per request).
	Client *http.Client
	// Meta is attached to each pin request.
	Meta map[string]string
	// Status, when set, hears each status the service reports (progress).
	Status func(root, status string)
}

// NewPinningService returns a Pinner for the service at endpoint (the URL
// that /pins is under). token is the bearer token; it is sent only in the
// Authorization header and never appears in errors.
func NewPinningService(endpoint, token string, o PinningServiceOptions) (*PinningService, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("pinning service URL %s: want https://host/path", redact.URL(endpoint))
	}
	if token == "" {
		return nil, errors.New("pinning service: empty access token")
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 60 * time.Second}
	}
	u.User = nil
	base := strings.TrimRight(u.String(), "/")
	return &PinningService{
		base: base, label: redact.URL(base), token: token, origins: o.Origins,
		poll: o.Poll, client: o.Client, meta: o.Meta, status: o.Status,
	}, nil
}

// Destination implements Pinner.
func (s *PinningService) Destination() string { return "pinning-service " + s.label }

// PinStatus is the API's PinStatus object.
type PinStatus struct {
	RequestID string            `json:"requestid"`
	Status    string            `json:"status"` // queued, pinning, pinned, failed
	Created   time.Time         `json:"created"`
	Pin       PinRequest        `json:"pin"`
	Delegates []string          `json:"delegates"`
	Info      map[string]string `json:"info,omitempty"`
}

// PinRequest is the API's Pin object.
type PinRequest struct {
	CID     string            `json:"cid"`
	Name    string            `json:"name,omitempty"`
	Origins []string          `json:"origins,omitempty"`
	Meta    map[string]string `json:"meta,omitempty"`
}

type pinResults struct {
	Count   int         `json:"count"`
	Results []PinStatus `json:"results"`
}

// Pinned implements Pinner.
func (s *PinningService) Pinned(ctx context.Context, c cid.Cid) (bool, error) {
	st, err := s.find(ctx, c, "pinned")
	return st != nil, err
}

// Pin implements Pinner: find or create the pin request, then poll it until
// the service reports pinned (the root's CID) or failed (an error).
func (s *PinningService) Pin(ctx context.Context, r Root) (cid.Cid, error) {
	st, err := s.find(ctx, r.CID, "queued,pinning,pinned")
	if err != nil {
		return cid.Undef, err
	}
	if st == nil {
		body, _ := json.Marshal(PinRequest{CID: r.CID.String(), Name: r.PinName, Origins: s.origins, Meta: s.meta})
		st = new(PinStatus)
		if err := s.do(ctx, http.MethodPost, "/pins", body, http.StatusAccepted, st); err != nil {
			return cid.Undef, err
		}
	}
	for {
		if s.status != nil {
			s.status(r.Name, st.Status)
		}
		switch st.Status {
		case "pinned":
			got, err := cid.Decode(st.Pin.CID)
			if err != nil {
				return cid.Undef, fmt.Errorf("pinning service %s: pinned %q: %w", s.label, st.Pin.CID, err)
			}
			return got, nil
		case "failed":
			detail := ""
			if len(st.Info) > 0 {
				b, _ := json.Marshal(st.Info)
				detail = " " + string(b)
			}
			return cid.Undef, fmt.Errorf("%w %s (%s, request %s)%s: check that its blocks are reachable (a public Kubo node, or upload the CAR file to the service) and re-run",
				ErrRemotePinFailed, r.CID, r.Name, st.RequestID, detail)
		case "queued", "pinning":
		default:
			return cid.Undef, fmt.Errorf("pinning service %s: unknown status %q for request %s", s.label, st.Status, st.RequestID)
		}
		if st.RequestID == "" {
			return cid.Undef, fmt.Errorf("pinning service %s: status %s without a request id", s.label, st.Status)
		}
		if err := retry.Sleep(ctx, s.poll); err != nil {
			return cid.Undef, err
		}
		next := new(PinStatus)
		if err := s.do(ctx, http.MethodGet, "/pins/"+url.PathEscape(st.RequestID), nil, http.StatusOK, next); err != nil {
			return cid.Undef, err
		}
		st = next
	}
}

// find returns the newest pin request for c in one of statuses, or nil.
func (s *PinningService) find(ctx context.Context, c cid.Cid, statuses string) (*PinStatus, error) {
	q := url.Values{"cid": {c.String()}, "status": {statuses}, "limit": {"1"}}
	var res pinResults
	if err := s.do(ctx, http.MethodGet, "/pins?"+q.Encode(), nil, http.StatusOK, &res); err != nil {
		return nil, err
	}
	for i := range res.Results {
		if res.Results[i].Pin.CID == c.String() || sameCID(res.Results[i].Pin.CID, c) {
			return &res.Results[i], nil
		}
	}
	return nil, nil
}

func sameCID(s string, c cid.Cid) bool {
	d, err := cid.Decode(s)
	return err == nil && d.Equals(c)
}

// do sends one request and decodes a JSON answer with the wanted status.
func (s *PinningService) do(ctx context.Context, method, path string, body []byte, want int, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	op := method + " " + strings.SplitN(path, "?", 2)[0]
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("pinning service %s: %s: %w", s.label, op, ctx.Err())
		}
		if ce, ok := neterr.Cert("pinning service", req.URL.Host, err); ok {
			return ce // not temporary: no try will trust it
		}
		if reason, ok := neterr.Unreachable(err); ok {
			return fmt.Errorf("cannot reach pinning service %s (%s): check --pinning-service", s.label, reason)
		}
		// Resets and timeouts mid-request are worth another try.
		return &TemporaryError{Err: fmt.Errorf("pinning service %s: %s: %w", s.label, op, redact.URLIn(scrub(err, s.token), s.base))}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return &TemporaryError{Err: fmt.Errorf("pinning service %s: %s: reading answer: %w", s.label, op, err), StatusCode: resp.StatusCode}
	}
	if resp.StatusCode == want || (resp.StatusCode/100 == 2 && want/100 == 2) {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("pinning service %s: %s: answer is not the API's JSON (%v): is --pinning-service the API endpoint?", s.label, op, err)
		}
		return nil
	}
	reason := failureReason(raw)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w (%s %d%s): check the token in the variable named by --pinning-service-token-env", ErrRemoteAuth, s.label, resp.StatusCode, reason)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return &TemporaryError{
			Err:        fmt.Errorf("pinning service %s: %s: HTTP %d%s", s.label, op, resp.StatusCode, reason),
			StatusCode: resp.StatusCode,
			RetryAfter: retry.After(resp.Header, time.Now()),
		}
	}
	return fmt.Errorf("pinning service %s: %s: HTTP %d%s", s.label, op, resp.StatusCode, reason)
}

// serverTextMax is how many characters of a service's error text go into
// an error message.
const serverTextMax = 200

// failureReason formats the API's Failure body ({"error":{"reason","details"}}).
func failureReason(raw []byte) string {
	var f struct {
		Error struct {
			Reason  string `json:"reason"`
			Details string `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &f) != nil || f.Error.Reason == "" {
		return ""
	}
	if f.Error.Details != "" {
		return fmt.Sprintf(" %s: %s", f.Error.Reason, termtext.Collapse(f.Error.Details, serverTextMax))
	}
	return " " + f.Error.Reason
}

// scrub removes the token from an error's text, in case a transport ever
// echoes a header.
func scrub(err error, token string) error {
	if msg := redact.Secrets(err.Error(), token); msg != err.Error() {
		return errors.New(msg)
	}
	return err
}
