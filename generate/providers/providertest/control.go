// Package providertest is the conformance suite every genmint provider
// passes, and the kit its fake services are built from.
//
// A provider's test supplies a Harness: an http.Handler that answers exactly
// as the service's documentation shows (status codes, headers, JSON shapes)
// and acts out each Fault the suite asks for through a *Control. Run then
// drives the provider through the same wrapper stack genmint uses
// (providers.Open) and checks, for every fault, that the outcome is right
// (retried, refused, or failed with a clear message), that no item is lost,
// that no billable request is repeated for an item that already succeeded,
// that Ctrl-C cancels in-flight work (and the service's job, where it has
// one), and that the API key never appears in errors, results or logs.
package providertest

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// Fault is one way a service misbehaves, or refuses, on a billable request.
type Fault string

// Faults the suite knows. A fake acts out those listed in its Harness.
const (
	None             Fault = ""
	RateLimited      Fault = "429 with Retry-After in seconds"
	RateLimitedDate  Fault = "429 with Retry-After as an HTTP date"
	ServerError      Fault = "500"
	Unavailable      Fault = "503"
	Slow             Fault = "slow answer past the timeout"
	MalformedJSON    Fault = "malformed JSON"
	TruncatedPNG     Fault = "truncated PNG"
	HugePNG          Fault = "PNG declaring 50000x50000 pixels"
	WrongContentType Fault = "wrong content type"
	URLLoopback      Fault = "output URL on another 127.0.0.1 port"
	URLMetadata      Fault = "output URL on 169.254.169.254"
	URLRedirect      Fault = "output URL redirecting to 127.0.0.1"
	Expired          Fault = "expired output (404)"
	Refusal          Fault = "content-filter refusal"
	RefusalBilled    Fault = "content-filter refusal on a 200 (billed)"
	EchoKey          Fault = "error body echoing the API key"
	Hang             Fault = "job that never finishes (for cancellation)"
)

// Common faults every HTTP provider must handle.
var Common = []Fault{RateLimited, RateLimitedDate, ServerError, Unavailable, Slow, MalformedJSON, TruncatedPNG, HugePNG, WrongContentType}

// URLFaults apply to providers that download outputs from URLs in answers.
var URLFaults = []Fault{URLLoopback, URLMetadata, URLRedirect}

// Control is shared between the suite and a fake service: the suite
// scripts faults per item; the fake asks which fault to act out and reports
// what it saw.
type Control struct {
	// Key is the canary API key the suite configures. A fake that checks
	// credentials answers its documented 401 to anything else.
	Key string
	// URL is the fake server's own base URL (scheme://host:port), for
	// output URLs on the provider's own host.
	URL string
	// Other is another server on 127.0.0.1 that the provider was not
	// configured with: output URLs pointing there must never be fetched.
	Other string
	// RetryAfter is the wait a RateLimited fault asks for.
	RetryAfter time.Duration

	mu       sync.Mutex
	script   map[int][]Fault
	billable map[int]int
	events   []string
	inflight chan int
	seenKeys map[string]bool
}

// NewControl returns a Control with no faults scripted.
func NewControl(key string) *Control {
	return &Control{Key: key, RetryAfter: time.Second, script: map[int][]Fault{}, billable: map[int]int{}, inflight: make(chan int, 64), seenKeys: map[string]bool{}}
}

// Script makes item's successive billable requests act out faults, then
// succeed.
func (c *Control) Script(item int, faults ...Fault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.script[item] = append([]Fault(nil), faults...)
}

var itemRE = regexp.MustCompile(`conformance item (\d+)`)

// Prompt is the prompt the suite sends for item; ItemOf reads it back.
func Prompt(item int) string {
	return fmt.Sprintf("a lighthouse on a cliff at dusk, oil on canvas, conformance item %d", item)
}

// ItemOf finds the item number in a prompt the suite wrote, or 0.
func ItemOf(prompt string) int {
	m := itemRE.FindStringSubmatch(prompt)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// Billable records one billable request (the one that makes and bills an
// image) for the item named in prompt, and returns the item and the fault to
// act out for it.
func (c *Control) Billable(prompt string) (int, Fault) {
	item := ItemOf(prompt)
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.billable[item]
	c.billable[item] = n + 1
	if s := c.script[item]; n < len(s) {
		return item, s[n]
	}
	return item, None
}

// FaultFor returns the fault scripted for item's latest billable request,
// for fakes that act faults out in a later phase (polling, download).
func (c *Control) FaultFor(item int) Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.billable[item] - 1
	if s := c.script[item]; n >= 0 && n < len(s) {
		return s[n]
	}
	return None
}

// BillableCount is how many billable requests item got.
func (c *Control) BillableCount(item int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.billable[item]
}

// Event records something the fake saw that the suite checks, such as
// "cancel p123" or "interrupt".
func (c *Control) Event(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, fmt.Sprintf(format, args...))
}

// Events lists what was recorded.
func (c *Control) Events() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.events...)
}

// InFlight tells the suite that item's job is running at the service (a
// Hang fault): the suite cancels after this.
func (c *Control) InFlight(item int) {
	select {
	case c.inflight <- item:
	default:
	}
}

// Hold blocks until the client goes away (Hang, Slow) or d passes.
func Hold(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.Context().Done():
	case <-t.C:
	}
}

// Bearer checks an "Authorization: Bearer <key>" header, recording any
// credential presented.
func (c *Control) Bearer(r *http.Request) bool {
	return c.authorized(r, "Bearer ")
}

// Basic checks an "Authorization: Basic <base64(Key)>" header (Key is
// user:password).
func (c *Control) Basic(r *http.Request) bool {
	return c.authorized(r, "Basic ")
}

func (c *Control) authorized(r *http.Request, scheme string) bool {
	h := r.Header.Get("Authorization")
	c.mu.Lock()
	if h != "" {
		c.seenKeys[h] = true
	}
	c.mu.Unlock()
	if scheme == "Basic " {
		return h == scheme+base64.StdEncoding.EncodeToString([]byte(c.Key))
	}
	return h == scheme+c.Key
}

// RetryAfterHeader is the Retry-After value a fake sends for f.
func (c *Control) RetryAfterHeader(f Fault) string {
	if f == RateLimitedDate {
		// An HTTP date has one-second resolution: ask for at least one
		// whole second from now.
		return time.Now().Add(c.RetryAfter + time.Second).UTC().Format(http.TimeFormat)
	}
	return strconv.Itoa(int(c.RetryAfter / time.Second))
}

// waitInFlight waits for a Hang fault to reach the service.
func (c *Control) waitInFlight(ctx context.Context) (int, error) {
	select {
	case item := <-c.inflight:
		return item, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
