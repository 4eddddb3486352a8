// Package replicate is genmint's client for Replicate's HTTP API
// (base_url defaults to https://api.replicate.com/v1).
//
// Shapes follow Replicate's OpenAPI description (api.replicate.com
// openapi.json, the source of replicate.com/docs/reference/http; read as
// mirrored in github.com/tryAGI/Replicate src/libs/Replicate/openapi.json)
// and its official Go client (github.com/replicate/replicate-go at commit
// d30ddaf, 2024-10-11: error.go, client.go):
//   - a prediction is created with POST /predictions {"version", "input"}
//     for a model version, or POST /models/{owner}/{name}/predictions
//     {"input"} for a versionless (official) model; "Prefer: wait=N" (1..60)
//     holds the request open until the prediction finishes or N seconds pass;
//     the answer is 201 (finished, with output) or 202 (still running);
//   - the prediction object carries id, model, version ("hidden" for
//     official models), status (starting, processing, succeeded, failed,
//     canceled, aborted), output, error, logs, metrics {predict_time,
//     total_time} and urls {get, cancel, web};
//   - until it is terminal, the client polls urls.get; Ctrl-C (or the
//     per-request timeout) sends POST urls.cancel;
//   - output files are HTTPS URLs on replicate.delivery (and its
//     subdomains), fetched with the Authorization header, and removed after
//     an hour: genmint downloads them as soon as the prediction succeeds;
//   - errors are RFC 7807 problem details {type, title, status, detail,
//     instance}; 429 carries Retry-After.
//
// A prediction is billed for the compute it used, so every failure after it
// was created is reported as charged and never retried by the wrapper stack
// (creating it again would pay again); polling and downloading are free and
// tolerate passing faults inside this client.
//
// A prediction outlives the process that created it: its id is reported
// through generate.Accepted as soon as it exists, and a later run given it
// as Request.Resume reads it back (GET /predictions/{id}) and, when it is the
// same model and input and has not failed, been canceled or lost its output,
// waits for that one instead of paying for another.
package replicate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/cost"
	"github.com/genmint/genmint/generate/providers/httpsafe"
	"github.com/genmint/genmint/generate/providers/internal/httpc"
	"github.com/genmint/genmint/generate/providers/internal/params"
)

// Name is the provider's name in genmint.yaml.
const Name = "replicate"

// DefaultModel is used when the spec names none.
const DefaultModel = "black-forest-labs/flux-schnell"

// DeliveryHosts are where Replicate serves output files.
var DeliveryHosts = []string{"replicate.delivery", "*.replicate.delivery"}

// Info registers the provider.
var Info = generate.ProviderInfo{
	Name:    Name,
	Summary: "Replicate predictions (any image model: owner/name, owner/name:version or a version id)",
	Records: []string{
		"prediction id, model and model version (\"hidden\" for official models)",
		"the seed sent, or the one the model logged",
		"metrics (predict_time, total_time) and timestamps",
		"the input sent (besides the prompt)",
	},
	Paid:           true,
	KeyEnv:         "REPLICATE_API_TOKEN",
	DefaultBaseURL: "https://api.replicate.com/v1",
	EstimateUSD:    Estimate,
	New:            New,
}

// Client runs Replicate predictions.
type Client struct {
	http        *httpc.Client
	owner, name string // versionless model, or ""
	version     string // model version id, or ""
	model       string // as configured, for the record
	input       map[string]any
	promptKey   string
	negKey      string
	seedKey     string
	sendSize    bool
	wait        int
	poll        time.Duration
	cancelAfter string
	outputIndex int
}

var _ generate.Provider = (*Client)(nil)

var (
	versionRE = regexp.MustCompile(`^[0-9a-f]{64}$`)
	modelRE   = regexp.MustCompile(`^([a-z0-9_.-]+)/([a-z0-9_.-]+)(?::([0-9a-f]{64}))?$`)
	seedLogRE = regexp.MustCompile(`(?i)\bseed\b\s*(?:[:=]|is|to)?\s*(\d{1,20})\b`)
)

// New validates the spec's parameters and builds a client. It does no I/O.
func New(cfg generate.ProviderConfig) (generate.Provider, error) {
	c := &Client{model: cfg.Model}
	if c.model == "" {
		c.model = DefaultModel
	}
	r := params.New(Name, cfg.Params)
	c.version = r.String("version", "")
	if c.version != "" && !versionRE.MatchString(c.version) {
		r.Fail("version", "%q is not a 64-character version id", c.version)
	}
	switch m := modelRE.FindStringSubmatch(strings.ToLower(c.model)); {
	case versionRE.MatchString(c.model):
		c.version = c.model
	case m != nil:
		c.owner, c.name = m[1], m[2]
		if m[3] != "" {
			c.version = m[3]
		}
	default:
		return nil, fmt.Errorf("provider.model: %q is not owner/name, owner/name:version or a version id", cfg.Model)
	}
	if c.version != "" {
		c.owner, c.name = "", "" // the version alone picks the model
	}
	c.input = r.Map("input")
	c.promptKey = r.String("prompt_key", "prompt")
	c.negKey = r.String("negative_prompt_key", "negative_prompt")
	c.seedKey = r.String("seed_key", "seed")
	c.sendSize = r.Bool("send_size", false)
	c.wait = r.Int("wait", 60, 1, 60)
	c.poll = r.Duration("poll_interval", time.Second, time.Millisecond, time.Minute)
	c.cancelAfter = r.String("cancel_after", "")
	if c.cancelAfter != "" {
		if d, err := time.ParseDuration(c.cancelAfter); err != nil || d < 5*time.Second {
			r.Fail("cancel_after", "%q is not a duration of at least 5s (like 10m)", c.cancelAfter)
		}
	}
	c.outputIndex = r.Int("output_index", 0, 0, 100)
	hosts := DeliveryHosts
	if v, ok := r.Raw("download_hosts"); ok {
		items, isList := v.([]any)
		if !isList {
			r.Fail("download_hosts", "must be a list of host names")
		}
		hosts = nil
		for _, it := range items {
			s, isStr := it.(string)
			if !isStr || s == "" || strings.ContainsAny(s, "/:@") {
				r.Fail("download_hosts", "%v is not a host name", it)
				continue
			}
			hosts = append(hosts, s)
		}
	}
	if c.promptKey == "" {
		r.Fail("prompt_key", "must name the model's prompt input")
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	h, err := httpc.New(Name, cfg.BaseURL, hosts, cfg.HTTPClient, cfg.APIKey, httpc.Bearer(cfg.APIKey))
	if err != nil {
		return nil, err
	}
	c.http = h
	return c, nil
}

// prediction is schemas_prediction_response.
type prediction struct {
	ID          string         `json:"id"`
	Model       string         `json:"model"`
	Version     string         `json:"version"`
	Input       map[string]any `json:"input"`
	Output      any            `json:"output"`
	Error       any            `json:"error"`
	Logs        string         `json:"logs"`
	Status      string         `json:"status"`
	Metrics     map[string]any `json:"metrics"`
	CreatedAt   string         `json:"created_at"`
	StartedAt   string         `json:"started_at"`
	CompletedAt string         `json:"completed_at"`
	URLs        struct {
		Get    string `json:"get"`
		Cancel string `json:"cancel"`
		Web    string `json:"web"`
	} `json:"urls"`
}

func terminal(status string) bool {
	switch status {
	case "succeeded", "failed", "canceled", "aborted":
		return true
	}
	return false
}

// problem is an RFC 7807 error body (replicate-go error.go).
type problem struct {
	Type          string `json:"type"`
	Title         string `json:"title"`
	Status        int    `json:"status"`
	Detail        string `json:"detail"`
	InvalidFields []struct {
		Field       string `json:"field"`
		Description string `json:"description"`
	} `json:"invalid_fields"`
}

// Generate runs one prediction: exactly one create request, then free polls
// and one download.
func (c *Client) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	input := map[string]any{}
	for k, v := range c.input {
		input[k] = v
	}
	input[c.promptKey] = req.Prompt
	if req.NegativePrompt != "" && c.negKey != "" {
		input[c.negKey] = req.NegativePrompt
	}
	if c.seedKey != "" {
		input[c.seedKey] = req.Seed
	}
	if c.sendSize && req.Width > 0 && req.Height > 0 {
		input["width"], input["height"] = req.Width, req.Height
	}
	body := map[string]any{"input": input}
	path := "/predictions"
	sent := generate.Params{}
	if c.version != "" {
		body["version"] = c.version
		sent["version"] = c.version
	} else {
		path = "/models/" + c.owner + "/" + c.name + "/predictions"
		sent["model"] = c.owner + "/" + c.name
	}
	recorded := map[string]any{}
	for k, v := range input {
		if k != c.promptKey && k != c.negKey {
			recorded[k] = v
		}
	}
	sent["input"] = recorded
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("replicate item %d: input: %w", req.Item, err)
	}
	estimate, _ := Estimate(c.model, nil)
	// charge is what a failure from here on costs: the estimate for a
	// prediction this call created, nothing for one it resumed (the attempt
	// that created it was accounted for it).
	charge := estimate
	p, err := c.resume(ctx, req.Resume, body)
	if err != nil {
		return nil, fmt.Errorf("replicate item %d (resuming prediction %s): %w", req.Item, req.Resume, err)
	}
	resumed := p != nil
	if resumed {
		charge = 0
	} else {
		hdr := http.Header{"Content-Type": {"application/json"}, "Prefer": {"wait=" + strconv.Itoa(c.wait)}}
		if c.cancelAfter != "" {
			hdr.Set("Cancel-After", c.cancelAfter)
		}
		resp, err := c.http.Do(ctx, http.MethodPost, c.http.URL(path), bytes.NewReader(payload), hdr, true)
		if err != nil {
			return nil, fmt.Errorf("replicate item %d: %w", req.Item, err)
		}
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("replicate item %d: %w", req.Item, c.statusError(resp))
		}
		// The prediction exists now (and runs, and is billed): nothing below
		// may be retried by creating it again.
		if p, err = c.readPrediction(resp); err != nil {
			return nil, cost.Charge(fmt.Errorf("replicate item %d (prediction unknown): %w", req.Item, err), charge)
		}
	}
	fail := func(p *prediction, format string, args ...any) error {
		id := "unknown"
		if p != nil && p.ID != "" {
			id = p.ID
		}
		return cost.Charge(fmt.Errorf("replicate item %d (prediction %s): %w", req.Item, id, fmt.Errorf(format, args...)), charge)
	}
	if p.ID == "" {
		return nil, fail(nil, "%w: the answer has no prediction id", httpsafe.ErrMalformed)
	}
	generate.Accepted(ctx, p.ID)
	cancelled := func() error {
		c.cancel(p)
		return cost.Charge(fmt.Errorf("replicate item %d (prediction %s, asked to cancel): %w", req.Item, p.ID, ctx.Err()), charge)
	}
	failures := 0
	for !terminal(p.Status) {
		t := time.NewTimer(c.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, cancelled()
		case <-t.C:
		}
		np, err := c.get(ctx, p.URLs.Get)
		if err != nil {
			if ctx.Err() != nil {
				return nil, cancelled()
			}
			if generate.IsTemporary(err) && failures < 10 {
				failures++
				continue
			}
			return nil, fail(p, "lost track of the prediction (%v); see %s", err, p.URLs.Web)
		}
		failures = 0
		p = np
	}
	res := &generate.Result{
		Model:        p.Model,
		ModelVersion: p.Version,
		RequestID:    p.ID,
		Params:       sent,
		Facts:        map[string]any{"status": p.Status},
		Paid:         !resumed,
		CostUSD:      charge,
		Resumed:      resumed,
	}
	if res.Model == "" {
		res.Model = c.model
	}
	if p.Metrics != nil {
		res.Facts["metrics"] = p.Metrics
	}
	for k, v := range map[string]string{"created_at": p.CreatedAt, "started_at": p.StartedAt, "completed_at": p.CompletedAt} {
		if v != "" {
			res.Facts[k] = v
		}
	}
	switch p.Status {
	case "failed":
		msg := c.http.Snippet([]byte(fmt.Sprint(p.Error)))
		if strings.Contains(strings.ToLower(msg), "nsfw") {
			return nil, fail(p, "%w", &generate.RefusedError{Provider: Name, Code: "nsfw", Message: msg})
		}
		return nil, fail(p, "the prediction failed: %s", msg)
	case "canceled":
		return nil, fail(p, "the prediction was canceled (by its owner, or by its Cancel-After deadline)")
	case "aborted":
		// Terminated before it started: nothing ran and nothing was billed.
		return nil, &generate.TemporaryError{Err: fmt.Errorf("replicate item %d: prediction %s was aborted before it started", req.Item, p.ID)}
	}
	out, err := outputURL(p.Output, c.outputIndex)
	if err != nil {
		return nil, fail(p, "%w", err)
	}
	img, mt, err := c.http.Download(ctx, out, true)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("replicate item %d (prediction %s): %w", req.Item, p.ID, err)
		}
		if errors.Is(err, httpc.ErrGone) {
			return nil, fail(p, "%w (Replicate keeps outputs for an hour; re-run to predict again)", err)
		}
		return nil, fail(p, "%w", err)
	}
	res.Image, res.MediaType = img, mt
	if s, ok := seedOf(p, c.seedKey); ok {
		res.Seed = &s
		res.Reproducible = p.Version != "" && p.Version != "hidden"
	}
	return res, nil
}

// seedOf is the seed the model logged ("Using seed: 123"), else the seed
// the prediction's input shows.
func seedOf(p *prediction, key string) (uint64, bool) {
	if m := seedLogRE.FindStringSubmatch(p.Logs); m != nil {
		if s, err := strconv.ParseUint(m[1], 10, 64); err == nil {
			return s, true
		}
	}
	if key == "" {
		return 0, false
	}
	switch v := p.Input[key].(type) {
	case float64:
		if v >= 0 && v == float64(uint64(v)) {
			return uint64(v), true
		}
	case string:
		if s, err := strconv.ParseUint(v, 10, 64); err == nil {
			return s, true
		}
	}
	return 0, false
}

// outputURL picks the image URL from a prediction's output: a URL, or a
// list of URLs.
func outputURL(out any, index int) (string, error) {
	switch v := out.(type) {
	case string:
		if index == 0 && strings.HasPrefix(v, "https://") {
			return v, nil
		}
	case []any:
		if index < len(v) {
			if s, ok := v[index].(string); ok && strings.HasPrefix(s, "https://") {
				return s, nil
			}
		}
		return "", fmt.Errorf("%w: output %d of %d is not an https URL", httpsafe.ErrMalformed, index, len(v))
	case nil:
		return "", fmt.Errorf("%w: the prediction succeeded without output (removed after an hour?)", httpc.ErrGone)
	}
	return "", fmt.Errorf("%w: the output is not an https URL or a list of them", httpsafe.ErrMalformed)
}

func (c *Client) readPrediction(resp *http.Response) (*prediction, error) {
	var p prediction
	if err := c.http.ReadJSON(resp, httpsafe.MaxSmallBody*4, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// resume reads back the prediction an interrupted run created (id) and
// returns it when waiting for it gives what body asks for: the same model or
// version and input, not failed, canceled or aborted, and, once succeeded,
// with its output still there. It returns nil (predict anew) otherwise, also
// when Replicate no longer knows the id; an error only for a fault worth
// retrying or a cancelled ctx.
func (c *Client) resume(ctx context.Context, id string, body map[string]any) (*prediction, error) {
	if id == "" {
		return nil, nil
	}
	p, err := c.get(ctx, c.http.URL("/predictions/"+url.PathEscape(id)))
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case generate.IsTemporary(err):
		return nil, err
	case err != nil, p.ID != id:
		return nil, nil
	}
	switch p.Status {
	case "failed", "canceled", "aborted":
		return nil, nil
	case "succeeded":
		if _, err := outputURL(p.Output, c.outputIndex); err != nil {
			return nil, nil
		}
	}
	if v, ok := body["version"].(string); ok && p.Version != v {
		return nil, nil
	}
	if _, ok := body["version"]; !ok && p.Model != c.owner+"/"+c.name {
		return nil, nil
	}
	// Compare the input as JSON sees it: numbers come back as float64.
	raw, err := json.Marshal(body["input"])
	if err != nil {
		return nil, nil
	}
	var sent map[string]any
	if json.Unmarshal(raw, &sent) != nil {
		return nil, nil
	}
	for k, v := range sent {
		if !reflect.DeepEqual(p.Input[k], v) {
			return nil, nil
		}
	}
	return p, nil
}

// get polls a prediction.
func (c *Client) get(ctx context.Context, rawURL string) (*prediction, error) {
	if rawURL == "" {
		return nil, fmt.Errorf("%w: the prediction has no urls.get", httpsafe.ErrMalformed)
	}
	resp, err := c.http.Do(ctx, http.MethodGet, rawURL, nil, nil, true)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, c.statusError(resp)
	}
	return c.readPrediction(resp)
}

// cancel asks Replicate to stop a prediction, with a context of its own
// (the caller's is already done).
func (c *Client) cancel(p *prediction) {
	if p.URLs.Cancel == "" {
		return
	}
	ctx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	resp, err := c.http.Do(ctx, http.MethodPost, p.URLs.Cancel, nil, nil, true)
	if err == nil {
		httpsafe.Discard(resp)
	}
}

// statusError turns an error answer into the right error.
func (c *Client) statusError(resp *http.Response) error {
	raw, _ := httpsafe.ReadBody(resp, httpsafe.MaxSmallBody)
	msg := c.http.Snippet(raw)
	var pb problem
	if json.Unmarshal(raw, &pb) == nil && (pb.Title != "" || pb.Detail != "") {
		parts := []string{}
		for _, s := range []string{pb.Title, pb.Detail} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		for _, f := range pb.InvalidFields {
			parts = append(parts, f.Field+": "+f.Description)
		}
		msg = c.http.Snippet([]byte(strings.Join(parts, ": ")))
	}
	hints := map[int]string{
		http.StatusUnauthorized:        "check the token in REPLICATE_API_TOKEN, or in the variable provider.api_key_env names",
		http.StatusPaymentRequired:     "add credit at https://replicate.com/account/billing",
		http.StatusNotFound:            "check provider.model (owner/name, owner/name:version or a version id)",
		http.StatusUnprocessableEntity: "the model rejected its input: check provider.params.input and the model's input schema",
	}
	return httpsafe.StatusErr(Name, resp, msg, hints)
}

// Prices are per-image list prices of official (versionless) image models
// on Replicate. Models billed by hardware time (most community models and
// every pinned version) have no per-image price: set provider.price_usd.
var Prices = cost.Table{
	Provider: Name,
	Source:   "the models' pages on https://replicate.com (official models, per output image)",
	Date:     "2026-11-22",
	Prices: map[string]float64{
		"black-forest-labs/flux-schnell":                0.003,
		"black-forest-labs/flux-dev":                    0.025,
		"black-forest-labs/flux-pro":                    0.055,
		"black-forest-labs/flux-1.1-pro":                0.04,
		"black-forest-labs/flux-1.1-pro-ultra":          0.06,
		"stability-ai/stable-diffusion-3.5-large":       0.065,
		"stability-ai/stable-diffusion-3.5-large-turbo": 0.04,
		"stability-ai/stable-diffusion-3.5-medium":      0.035,
	},
}

// Estimate is the price of one image, for official models with a
// per-image price.
func Estimate(model string, _ generate.Params) (float64, bool) {
	if model == "" {
		model = DefaultModel
	}
	return Prices.Lookup(model)
}
