// Package httpc is the small HTTP client the provider packages share: it
// sends requests through an httpsafe client, adds credentials only to the
// provider's own hosts, and downloads outputs. It holds no retry logic for
// billable requests (that is the retry wrapper's job); it only repeats free
// downloads of outputs that were already paid for.
package httpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/httpsafe"
	"github.com/genmint/genmint/internal/redact"
)

// ErrGone is wrapped by Download's error when the output no longer exists
// (404 or 410): delivery URLs expire.
var ErrGone = errors.New("output no longer available")

// Client talks to one provider.
type Client struct {
	Provider string
	Base     *url.URL
	Policy   httpsafe.Policy
	HTTP     *http.Client
	secrets  []string
	auth     func(http.Header)
}

// New parses baseURL (the spec's provider.base_url) and builds a client
// whose fetch policy allows it and fetchHosts. auth, if set, adds the
// credential to a request's headers; secret is the credential, removed from
// any text a response puts into an error, as are the other forms of it in
// more (such as its base64 encoding in a Basic Authorization header).
func New(provider, baseURL string, fetchHosts []string, base *http.Client, secret string, auth func(http.Header), more ...string) (*Client, error) {
	if strings.TrimSpace(baseURL) == "" {
		return nil, fmt.Errorf("provider.base_url: %s needs the address of its server, e.g. http://127.0.0.1:PORT", provider)
	}
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("provider.base_url: %q is not an http(s) URL like https://host/path", baseURL)
	}
	if u.User != nil {
		return nil, fmt.Errorf("provider.base_url: do not put credentials in the URL; use provider.api_key_env")
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimRight(u.Path, "/")
	p := httpsafe.Policy{Base: u, FetchHosts: fetchHosts}
	secrets := append([]string{secret}, more...)
	return &Client{Provider: provider, Base: u, Policy: p, HTTP: httpsafe.NewClient(p, base), secrets: secrets, auth: auth}, nil
}

// URL is the base URL joined with path (which starts with "/").
func (c *Client) URL(path string) string { return c.Base.String() + path }

// Snippet makes response text safe for an error message.
func (c *Client) Snippet(b []byte) string { return httpsafe.Snippet(b, c.secrets...) }

// Redact removes the credential from s.
func (c *Client) Redact(s string) string { return redact.Secrets(s, c.secrets...) }

// Do sends a request after checking its URL against the policy. The
// credential is added only when withAuth is set (API calls; and downloads
// from hosts whose documentation asks for it) — never to a host the policy
// refuses, since the check comes first, and never across a redirect to
// another domain (net/http drops it). Transport failures are classified by
// httpsafe.Transport; cancellation passes through.
func (c *Client) Do(ctx context.Context, method, rawURL string, body io.Reader, header http.Header, withAuth bool) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%s: bad URL: %w", c.Provider, err)
	}
	if err := c.Policy.CheckURL(u); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Provider, err)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "genmint")
	}
	if c.auth != nil && withAuth {
		c.auth(req.Header)
	}
	// Whether the request reached the service decides what a failure
	// costs: a connection that was never made cannot be billed.
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaders: func() {
			wrote.Store(true)
			generate.MarkReached(ctx)
		},
	}))
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s: %w", method, httpsafe.Redacted(u), ctx.Err())
		}
		err = httpsafe.Transport(fmt.Errorf("%s %s %s: %w", c.Provider, method, httpsafe.Redacted(u), err))
		if !wrote.Load() && generate.Unreached(ctx) {
			err = &generate.NotSentError{Err: err}
		}
		return nil, err
	}
	return resp, nil
}

// Download fetches an output the service already produced (and billed), so
// it is free to repeat: temporary faults are tried up to three times here,
// and the error returned at the end is never a *generate.TemporaryError
// (retrying the billable request would pay again). 404 and 410 wrap ErrGone.
// The body must be an image (checked by content type and size cap); its
// bytes are returned exactly as received with their media type.
func (c *Client) Download(ctx context.Context, rawURL string, withAuth bool) ([]byte, string, error) {
	var last error
	shown := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		shown = httpsafe.Redacted(u)
	}
	for try := 0; try < 3; try++ {
		if try > 0 {
			t := time.NewTimer(time.Duration(try) * 500 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, "", fmt.Errorf("download %s: %w", shown, ctx.Err())
			case <-t.C:
			}
		}
		data, mt, err := c.download(ctx, rawURL, withAuth)
		if err == nil {
			return data, mt, nil
		}
		if ctx.Err() != nil {
			return nil, "", fmt.Errorf("download %s: %w", shown, ctx.Err())
		}
		if !generate.IsTemporary(err) {
			return nil, "", fmt.Errorf("download the output: %w", err)
		}
		last = err
	}
	return nil, "", fmt.Errorf("download the output %s: failed 3 times, last: %v", shown, last)
}

func (c *Client) download(ctx context.Context, rawURL string, withAuth bool) ([]byte, string, error) {
	resp, err := c.Do(ctx, http.MethodGet, rawURL, nil, http.Header{"Accept": {"image/*"}}, withAuth)
	if err != nil {
		return nil, "", err
	}
	u := resp.Request.URL
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		httpsafe.Discard(resp)
		return nil, "", fmt.Errorf("%s answered %d for %s: %w", c.Provider, resp.StatusCode, httpsafe.Redacted(u), ErrGone)
	case httpsafe.Retryable(resp.StatusCode):
		httpsafe.Discard(resp)
		return nil, "", httpsafe.Temporary(c.Provider, resp, "")
	case resp.StatusCode != http.StatusOK:
		b, _ := httpsafe.ReadBody(resp, httpsafe.MaxSmallBody)
		return nil, "", &httpsafe.StatusError{Provider: c.Provider, Code: resp.StatusCode, Message: c.Snippet(b)}
	}
	mt, err := httpsafe.ExpectImage(resp)
	if err != nil {
		httpsafe.Discard(resp)
		return nil, "", fmt.Errorf("%s output %s: %w", c.Provider, httpsafe.Redacted(u), err)
	}
	data, err := httpsafe.ReadBody(resp, httpsafe.MaxImageBody)
	if err != nil {
		return nil, "", err
	}
	return data, mt, nil
}

// ReadJSON decodes the JSON answer resp carries into v, reading at most
// limit bytes, and closes the body. An answer that is not JSON by its
// content type wraps httpsafe.ErrContentType; one that does not parse wraps
// httpsafe.ErrMalformed and quotes its start, without the credential; a
// body over limit wraps httpsafe.ErrTooLarge, and one cut short is a
// *generate.TemporaryError (httpsafe.ReadBody).
func (c *Client) ReadJSON(resp *http.Response, limit int64, v any) error {
	if err := httpsafe.ExpectJSON(resp); err != nil {
		httpsafe.Discard(resp)
		return err
	}
	raw, err := httpsafe.ReadBody(resp, limit)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: JSON does not parse (%v): %s", httpsafe.ErrMalformed, err, c.Snippet(raw))
	}
	return nil
}

// Bearer returns the auth func for services taking "Authorization: Bearer
// <key>"; with no key it sends nothing.
func Bearer(key string) func(http.Header) {
	return func(h http.Header) {
		if key != "" {
			h.Set("Authorization", "Bearer "+key)
		}
	}
}
