package providertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers"
	"github.com/genmint/genmint/generate/providers/cost"
	"github.com/genmint/genmint/generate/providers/httpsafe"
	"github.com/genmint/genmint/generate/providers/internal/httpc"
	"github.com/genmint/genmint/generate/providers/observe"
)

// Canary is the API key the suite configures: it must never show up in an
// error, a Result or a log line.
const Canary = "sk-genmint-canary-6f1d2c9a4b7e8035"

// Harness describes one provider (in one mode) to the suite.
type Harness struct {
	Info   generate.ProviderInfo
	Model  string
	Params generate.Params
	// Key is the credential to configure: Canary, something containing it,
	// or "" for a server without authentication.
	Key string
	// BasePath is appended to the fake server's address to make
	// provider.base_url ("/v1" for OpenAI and Replicate).
	BasePath string
	// TLS serves the fake over https (public services); local servers use
	// plain http on loopback, as users run them.
	TLS bool
	// Fake builds the fake service. It must answer as the service's
	// documentation shows and act out every fault in Faults.
	Fake func(ctl *Control) http.Handler
	// Faults the fake acts out.
	Faults []Fault
	// CancelEvent is the prefix of the event the fake records when genmint
	// asks the service to stop a running job ("" when the service has no
	// way to; dropping the connection is then the cancellation).
	CancelEvent string
	// RequestID says the provider records a service request id.
	RequestID bool
}

// Limits are the wrapper settings the suite runs with: short timeouts and
// backoffs so that faults resolve quickly.
func suiteLimits(logger *slog.Logger, o observe.Observer) providers.Limits {
	return providers.Limits{
		Concurrency:       4,
		RequestsPerMinute: -1,
		Timeout:           1500 * time.Millisecond,
		MaxRetries:        3,
		BackoffBase:       5 * time.Millisecond,
		BackoffMax:        20 * time.Millisecond,
		MaxRetryAfter:     10 * time.Second,
		Logger:            logger,
		Observer:          o,
	}
}

// env is one fake service and the provider stack pointed at it.
type env struct {
	h         Harness
	ctl       *Control
	srv       *httptest.Server
	otherHits atomic.Int32
	prov      generate.Provider
	logs      *syncBuffer

	mu       sync.Mutex
	attempts map[int][]attempt
}

type attempt struct {
	begin, end time.Time
	err        error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T, h Harness) *env {
	t.Helper()
	e := &env{h: h, ctl: NewControl(h.Key), logs: &syncBuffer{}, attempts: map[int][]attempt{}}
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.otherHits.Add(1)
		w.Header().Set("Content-Type", "image/png")
		w.Write(ItemPNG(99))
	}))
	t.Cleanup(other.Close)
	e.ctl.Other = other.URL
	if h.TLS {
		e.srv = httptest.NewTLSServer(nil)
	} else {
		e.srv = httptest.NewServer(nil)
	}
	e.ctl.URL = e.srv.URL
	e.srv.Config.Handler = h.Fake(e.ctl)
	t.Cleanup(e.srv.Close)

	cfg := generate.ProviderConfig{
		Model:      h.Model,
		BaseURL:    e.srv.URL + h.BasePath,
		APIKey:     h.Key,
		Params:     h.Params,
		HTTPClient: e.srv.Client(),
	}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := providers.Open(h.Info, cfg, suiteLimits(logger, observe.Func(e.begin)))
	if err != nil {
		t.Fatalf("open %s: %v", h.Info.Name, err)
	}
	e.prov = p
	return e
}

func (e *env) begin(ctx context.Context, req generate.Request, n int) (func(*generate.Result, error), error) {
	a := attempt{begin: time.Now()}
	return func(res *generate.Result, err error) {
		a.end, a.err = time.Now(), err
		e.mu.Lock()
		e.attempts[req.Item] = append(e.attempts[req.Item], a)
		e.mu.Unlock()
	}, nil
}

func (e *env) attemptsOf(item int) []attempt {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]attempt(nil), e.attempts[item]...)
}

// request is what the suite asks for item.
func request(item int) generate.Request {
	return generate.Request{
		Item:           item,
		Prompt:         Prompt(item),
		NegativePrompt: "blurry, watermark",
		Seed:           uint32(1000 + item),
		Traits:         []generate.Trait{{Type: "Sky", Value: "Dusk"}},
	}
}

func (e *env) generate(ctx context.Context, t *testing.T, item int) (*generate.Result, error) {
	t.Helper()
	res, err := e.prov.Generate(ctx, request(item))
	e.noLeak(t, res, err)
	if err == nil && res == nil {
		t.Fatalf("item %d: nil result and nil error", item)
	}
	if err != nil && res != nil {
		t.Errorf("item %d: a result and an error (%v): a failed call must leave nothing behind", item, err)
	}
	return res, err
}

// noLeak checks that the key is in none of err, res and the logs.
func (e *env) noLeak(t *testing.T, res *generate.Result, err error) {
	t.Helper()
	secrets := []string{Canary, base64.StdEncoding.EncodeToString([]byte(Canary))}
	if e.h.Key != "" && e.h.Key != Canary {
		secrets = append(secrets, e.h.Key, base64.StdEncoding.EncodeToString([]byte(e.h.Key)))
	}
	var texts []string
	if err != nil {
		texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	}
	if res != nil {
		c := *res
		c.Image = nil
		b, _ := json.Marshal(c)
		texts = append(texts, string(b), fmt.Sprintf("%+v", c))
	}
	texts = append(texts, e.logs.String())
	for _, s := range texts {
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				t.Fatalf("the API key leaked into: %s", s)
			}
		}
	}
}

// checkImage checks that item got its own image, byte for byte.
func checkImage(t *testing.T, item int, res *generate.Result) {
	t.Helper()
	if !bytes.Equal(res.Image, ItemPNG(item)) {
		t.Fatalf("item %d: the image is not the bytes the service sent for it (%d bytes)", item, len(res.Image))
	}
	if res.MediaType != "image/png" {
		t.Errorf("item %d: MediaType = %q, want image/png", item, res.MediaType)
	}
}

// Run runs the conformance suite.
func Run(t *testing.T, h Harness) {
	t.Run("success", func(t *testing.T) {
		e := newEnv(t, h)
		for item := 1; item <= 2; item++ {
			res, err := e.generate(context.Background(), t, item)
			if err != nil {
				t.Fatalf("item %d: %v", item, err)
			}
			checkImage(t, item, res)
			if h.RequestID && res.RequestID == "" {
				t.Errorf("item %d: no request id recorded", item)
			}
			if res.Paid != h.Info.Paid {
				t.Errorf("item %d: Paid = %v, want %v", item, res.Paid, h.Info.Paid)
			}
			if got := e.ctl.BillableCount(item); got != 1 {
				t.Errorf("item %d: %d billable requests, want 1", item, got)
			}
		}
	})
	for _, f := range h.Faults {
		t.Run(string(f), func(t *testing.T) { runFault(t, h, f) })
	}
	t.Run("mixed faults under concurrency", func(t *testing.T) { runMixed(t, h) })
	t.Run("cancel", func(t *testing.T) { runCancel(t, h) })
}

// retried lists faults that must be retried until the item succeeds.
var retried = map[Fault]bool{RateLimited: true, RateLimitedDate: true, ServerError: true, Unavailable: true, Slow: true}

func runFault(t *testing.T, h Harness, f Fault) {
	e := newEnv(t, h)
	e.ctl.Script(2, f)
	results := map[int]*generate.Result{}
	errs := map[int]error{}
	for item := 1; item <= 3; item++ {
		res, err := e.generate(context.Background(), t, item)
		results[item], errs[item] = res, err
	}
	for _, item := range []int{1, 3} {
		if errs[item] != nil {
			t.Fatalf("item %d (no fault): %v", item, errs[item])
		}
		checkImage(t, item, results[item])
	}
	err := errs[2]
	attempts := e.attemptsOf(2)
	if retried[f] {
		if err != nil {
			t.Fatalf("item 2 (%s): want it retried to success, got %v", f, err)
		}
		checkImage(t, 2, results[2])
		if len(attempts) != 2 {
			t.Fatalf("item 2 (%s): %d attempts, want 2", f, len(attempts))
		}
		if f == RateLimited || f == RateLimitedDate {
			if gap := attempts[1].begin.Sub(attempts[0].end); gap < e.ctl.RetryAfter {
				t.Errorf("item 2: retried %v after the 429, before its Retry-After (%v)", gap, e.ctl.RetryAfter)
			}
		}
		if !strings.Contains(e.logs.String(), "retrying") {
			t.Errorf("the retry was not logged")
		}
	} else {
		if err == nil {
			t.Fatalf("item 2 (%s): succeeded, want an error", f)
		}
		if generate.IsTemporary(err) {
			t.Errorf("item 2 (%s): the error is temporary; it must be final: %v", f, err)
		}
		if len(attempts) != 1 {
			t.Errorf("item 2 (%s): %d attempts, want 1 (a final fault is not retried)", f, len(attempts))
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("item 2: the error must be one line: %q", err)
		}
		if !strings.Contains(err.Error(), "item 2") {
			t.Errorf("item 2: the error does not name the item: %v", err)
		}
		checkFinal(t, h, f, err)
	}
	if e.otherHits.Load() != 0 {
		t.Errorf("the unconfigured loopback server was contacted %d times", e.otherHits.Load())
	}
	// No hidden or repeated billable requests: the service saw exactly the
	// attempts the client made, and nothing after an item's success.
	for item := 1; item <= 3; item++ {
		if got, want := e.ctl.BillableCount(item), len(e.attemptsOf(item)); got != want {
			t.Errorf("item %d: the service got %d billable requests, the client made %d attempts", item, got, want)
		}
	}
	t.Logf("%s → %v", f, errOrOK(err))
}

func errOrOK(err error) string {
	if err == nil {
		return "retried, succeeded"
	}
	return err.Error()
}

func checkFinal(t *testing.T, h Harness, f Fault, err error) {
	t.Helper()
	want := map[Fault]error{
		MalformedJSON:    httpsafe.ErrMalformed,
		TruncatedPNG:     httpsafe.ErrBadImage,
		HugePNG:          httpsafe.ErrBadImage,
		WrongContentType: httpsafe.ErrContentType,
		URLLoopback:      httpsafe.ErrUnsafeURL,
		URLMetadata:      httpsafe.ErrUnsafeURL,
		URLRedirect:      httpsafe.ErrUnsafeURL,
		Expired:          httpc.ErrGone,
		Refusal:          generate.ErrRefused,
		RefusalBilled:    generate.ErrRefused,
	}[f]
	if want != nil && !errors.Is(err, want) {
		t.Errorf("%s: error does not wrap %q: %v", f, want, err)
	}
	switch f {
	case TruncatedPNG:
		mustContain(t, err, "truncated")
	case HugePNG:
		mustContain(t, err, "50000×50000")
	case Refusal, RefusalBilled:
		var re *generate.RefusedError
		if !errors.As(err, &re) || re.Provider != h.Info.Name || re.Code == "" {
			t.Errorf("%s: want a *generate.RefusedError from %s with the service's code, got %#v", f, h.Info.Name, re)
		}
	}
	_, charged := cost.Charged(err)
	switch f {
	case Refusal, EchoKey, URLLoopback, URLMetadata, URLRedirect:
		if f == Refusal && charged {
			t.Errorf("%s: a refusal the service does not bill is accounted as charged", f)
		}
	case TruncatedPNG, HugePNG, RefusalBilled, Expired:
		if !charged && h.Info.Paid {
			t.Errorf("%s: the service billed this request; the error must say so (cost.ChargedError)", f)
		}
	}
}

func mustContain(t *testing.T, err error, s string) {
	t.Helper()
	if !strings.Contains(err.Error(), s) {
		t.Errorf("error does not mention %q: %v", s, err)
	}
}

// runMixed runs a dozen items at once with a mix of faults: every item ends
// (none lost), the retried ones succeed, each item gets its own image, and
// nothing is requested again after it succeeded.
func runMixed(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.ctl.RetryAfter = time.Second
	plan := map[int][]Fault{3: {Unavailable}, 6: {ServerError, Unavailable}, 9: {RateLimited}}
	var refused int
	for _, f := range h.Faults {
		if f == Refusal {
			plan[5] = []Fault{Refusal}
			refused = 5
		}
	}
	for item, faults := range plan {
		e.ctl.Script(item, faults...)
	}
	const n = 12
	var wg sync.WaitGroup
	results := make([]*generate.Result, n+1)
	errs := make([]error, n+1)
	for item := 1; item <= n; item++ {
		wg.Add(1)
		go func(item int) {
			defer wg.Done()
			results[item], errs[item] = e.generate(context.Background(), t, item)
		}(item)
	}
	wg.Wait()
	lost := 0
	for item := 1; item <= n; item++ {
		switch {
		case item == refused:
			if !errors.Is(errs[item], generate.ErrRefused) {
				t.Errorf("item %d: want a refusal, got %v", item, errs[item])
			}
		case errs[item] != nil:
			t.Errorf("item %d: %v", item, errs[item])
			lost++
		default:
			checkImage(t, item, results[item])
		}
		want := 1 + len(plan[item])
		if item == refused {
			want = 1
		}
		if got := e.ctl.BillableCount(item); got != want {
			t.Errorf("item %d: %d billable requests, want %d", item, got, want)
		}
	}
	if lost != 0 {
		t.Fatalf("%d items lost", lost)
	}
}

// runCancel cancels while the service is still working on an item: the
// call returns promptly with an error wrapping context.Canceled, leaves no
// result, is not retried, and asks the service to stop the job where it can.
func runCancel(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.ctl.Script(1, Hang)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type outcome struct {
		res *generate.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := e.prov.Generate(ctx, request(1))
		done <- outcome{res, err}
	}()
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if _, err := e.ctl.waitInFlight(wctx); err != nil {
		t.Fatalf("the job never reached the service: %v", err)
	}
	cancel()
	var o outcome
	select {
	case o = <-done:
	case <-wctx.Done():
		t.Fatal("Generate did not return after cancellation")
	}
	e.noLeak(t, o.res, o.err)
	if !errors.Is(o.err, context.Canceled) || o.res != nil {
		t.Fatalf("after Ctrl-C: res=%v err=%v, want nil and an error wrapping context.Canceled", o.res, o.err)
	}
	if generate.IsTemporary(o.err) {
		t.Errorf("a cancelled call must not be retried")
	}
	if got := e.ctl.BillableCount(1); got != 1 {
		t.Errorf("%d billable requests, want 1", got)
	}
	if h.CancelEvent != "" {
		found := false
		for _, ev := range e.ctl.Events() {
			if strings.HasPrefix(ev, h.CancelEvent) {
				found = true
			}
		}
		if !found {
			t.Errorf("the service was not asked to stop the job (want a %q event, got %v)", h.CancelEvent, e.ctl.Events())
		}
	}
}

// Generate runs one successful item through a fresh fake and returns its
// Result, for golden files.
func Generate(t *testing.T, h Harness, item int) *generate.Result {
	t.Helper()
	e := newEnv(t, h)
	res, err := e.generate(context.Background(), t, item)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Open starts h's fake and returns the provider stack pointed at it (with
// the suite's limits) and the fake's Control, for provider-specific tests.
// Request builds the request the suite sends for an item.
func Open(t *testing.T, h Harness) (generate.Provider, *Control) {
	t.Helper()
	e := newEnv(t, h)
	return e.prov, e.ctl
}

// Request is the request the suite sends for item.
func Request(item int) generate.Request { return request(item) }
