// Package openai is genmint's client for the OpenAI Images API:
// POST {base_url}/images/generations (base_url defaults to
// https://api.openai.com/v1, the SDKs' convention).
//
// Shapes follow OpenAI's OpenAPI description (github.com/openai/openai-openapi,
// openapi.yaml at commit f85dbe2, 2026-08-21), which the API reference at
// platform.openai.com/docs/api-reference/images is generated from: CreateImageRequest, ImagesResponse
// {created, data[{b64_json|url, revised_prompt}], background, output_format,
// size, quality, usage}, and ErrorResponse {error{message, type, param,
// code}}. The request id comes from the x-request-id response header.
//
// OpenAI has no seed: every item is recorded as not reproducible. Refusals
// come back as HTTP 400 with error.code "content_policy_violation" (DALL·E)
// or "moderation_blocked" (GPT image models); both become a
// *generate.RefusedError. Like the official SDKs (openai-python
// _base_client), the client treats 408, 409, 429 and 5xx as temporary,
// honours retry-after-ms and Retry-After, and obeys an x-should-retry header;
// a 429 whose code is "insufficient_quota" is final (more retries will not
// add credit).
package openai

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/cost"
	"github.com/genmint/genmint/generate/providers/httpsafe"
	"github.com/genmint/genmint/generate/providers/internal/httpc"
	"github.com/genmint/genmint/generate/providers/internal/params"
)

// Name is the provider's name in genmint.yaml.
const Name = "openai"

// DefaultModel is used when the spec names none.
const DefaultModel = "gpt-image-1"

// DeliveryHosts are where OpenAI serves `url` responses (DALL·E models);
// provider.params.download_hosts replaces them for OpenAI-compatible servers.
var DeliveryHosts = []string{"oaidalleapiprodscus.blob.core.windows.net"}

// Info registers the provider.
var Info = generate.ProviderInfo{
	Name:    Name,
	Summary: "OpenAI Images API (gpt-image-1, dall-e-3, …), POST /v1/images/generations",
	Records: []string{
		"model as requested (the API does not echo it)",
		"no seed: every item is marked not reproducible",
		"revised_prompt (dall-e-3)",
		"usage tokens (GPT image models), size, quality, background, output_format",
		"x-request-id",
	},
	Paid:           true,
	KeyEnv:         "OPENAI_API_KEY",
	DefaultBaseURL: "https://api.openai.com/v1",
	EstimateUSD:    Estimate,
	New:            New,
}

// Client generates images with the OpenAI Images API.
type Client struct {
	http  *httpc.Client
	model string
	body  map[string]any // request fields besides model, prompt and size
	size  string         // from params; "" means from the request or the API default
}

var _ generate.Provider = (*Client)(nil)

var sizeRE = regexp.MustCompile(`^(auto|[1-9][0-9]{1,4}x[1-9][0-9]{1,4})$`)

// New validates the spec's parameters and builds a client. It does no I/O.
func New(cfg generate.ProviderConfig) (generate.Provider, error) {
	r := params.New(Name, cfg.Params)
	body := map[string]any{}
	if s := r.String("quality", "", "standard", "hd", "low", "medium", "high", "auto"); s != "" {
		body["quality"] = s
	}
	if s := r.String("style", "", "vivid", "natural"); s != "" {
		body["style"] = s
	}
	if s := r.String("background", "", "transparent", "opaque", "auto"); s != "" {
		body["background"] = s
	}
	if s := r.String("output_format", "", "png", "jpeg", "webp"); s != "" {
		body["output_format"] = s
	}
	if r.Has("output_compression") {
		body["output_compression"] = r.Int("output_compression", 100, 0, 100)
	}
	if s := r.String("moderation", "", "low", "auto"); s != "" {
		body["moderation"] = s
	}
	if s := r.String("response_format", "", "url", "b64_json"); s != "" {
		body["response_format"] = s
	}
	if s := r.String("user", ""); s != "" {
		body["user"] = s
	}
	size := r.String("size", "")
	if size != "" && !sizeRE.MatchString(size) {
		r.Fail("size", "%q is not auto or WIDTHxHEIGHT like 1024x1024", size)
	}
	hosts := DeliveryHosts
	if v, ok := r.Raw("download_hosts"); ok {
		list, err := stringList(v)
		if err != nil {
			r.Fail("download_hosts", "%v", err)
		}
		hosts = list
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	c, err := httpc.New(Name, cfg.BaseURL, hosts, cfg.HTTPClient, cfg.APIKey, httpc.Bearer(cfg.APIKey))
	if err != nil {
		return nil, err
	}
	model := cfg.Model
	if model == "" {
		model = DefaultModel
	}
	return &Client{http: c, model: model, body: body, size: size}, nil
}

func stringList(v any) ([]string, error) {
	items, ok := v.([]any)
	if !ok {
		return nil, errors.New("must be a list of host names")
	}
	var out []string
	for _, it := range items {
		s, ok := it.(string)
		if !ok || s == "" || strings.ContainsAny(s, "/:@") {
			return nil, fmt.Errorf("%v is not a host name", it)
		}
		out = append(out, s)
	}
	return out, nil
}

// imagesResponse is ImagesResponse in openapi.yaml.
type imagesResponse struct {
	Created int64 `json:"created"`
	Data    []struct {
		B64JSON       string `json:"b64_json"`
		URL           string `json:"url"`
		RevisedPrompt string `json:"revised_prompt"`
	} `json:"data"`
	Background   string         `json:"background"`
	OutputFormat string         `json:"output_format"`
	Size         string         `json:"size"`
	Quality      string         `json:"quality"`
	Usage        map[string]any `json:"usage"`
}

// errorResponse is ErrorResponse in openapi.yaml.
type errorResponse struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

// Generate makes one image. It sends exactly one POST.
func (c *Client) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	model := c.model
	if req.Model != "" {
		model = req.Model
	}
	body := map[string]any{"model": model, "n": 1}
	for k, v := range c.body {
		body[k] = v
	}
	switch {
	case c.size != "":
		body["size"] = c.size
	case req.Width > 0 && req.Height > 0:
		body["size"] = fmt.Sprintf("%dx%d", req.Width, req.Height)
	}
	sent := generate.Params{}
	for k, v := range body {
		sent[k] = v
	}
	body["prompt"] = req.Prompt
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	estimate, _ := Estimate(model, sent)

	resp, err := c.http.Do(ctx, http.MethodPost, c.http.URL("/images/generations"), bytes.NewReader(payload),
		http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}, true)
	if err != nil {
		return nil, fmt.Errorf("openai item %d: %w", req.Item, err)
	}
	requestID := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("openai item %d: %w", req.Item, c.statusError(resp, requestID))
	}
	// From here on the image was made and billed: every failure is final
	// and charged, or the retry wrapper would pay for it again.
	fail := func(format string, args ...any) error {
		return cost.Charge(fmt.Errorf("openai item %d (request %s): %w", req.Item, requestID, fmt.Errorf(format, args...)), estimate)
	}
	var ir imagesResponse
	if err := c.http.ReadJSON(resp, httpsafe.MaxJSONBody, &ir); err != nil {
		return nil, fail("%w", err)
	}
	if len(ir.Data) == 0 {
		return nil, fail("%w: the answer holds no image", httpsafe.ErrMalformed)
	}
	d := ir.Data[0]
	res := &generate.Result{
		Reproducible:  false,
		Model:         model,
		RequestID:     requestID,
		RevisedPrompt: d.RevisedPrompt,
		Params:        sent,
		Facts:         map[string]any{},
		Paid:          true,
		CostUSD:       estimate,
	}
	for k, v := range map[string]string{"size": ir.Size, "quality": ir.Quality, "background": ir.Background, "output_format": ir.OutputFormat} {
		if v != "" {
			res.Facts[k] = v
		}
	}
	if ir.Usage != nil {
		res.Facts["usage"] = ir.Usage
	}
	if ir.Created != 0 {
		res.Facts["created"] = ir.Created
	}
	if req.NegativePrompt != "" {
		res.Facts["negative_prompt_ignored"] = "the OpenAI Images API has no negative prompt"
	}
	switch {
	case d.B64JSON != "":
		img, err := base64.StdEncoding.DecodeString(d.B64JSON)
		if err != nil {
			return nil, fail("%w: b64_json is not base64: %v", httpsafe.ErrMalformed, err)
		}
		res.Image = img
		res.MediaType = formatType(ir.OutputFormat)
	case d.URL != "":
		img, mt, err := c.http.Download(ctx, d.URL, false)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("openai item %d: %w", req.Item, err)
			}
			if errors.Is(err, httpc.ErrGone) {
				return nil, fail("%w (OpenAI image URLs are valid for 60 minutes; re-run to make a new image)", err)
			}
			return nil, fail("%w", err)
		}
		res.Image, res.MediaType = img, mt
		res.Facts["delivered_by"] = "url"
	default:
		return nil, fail("%w: the answer's image has neither b64_json nor url", httpsafe.ErrMalformed)
	}
	return res, nil
}

func formatType(f string) string {
	switch f {
	case "jpeg":
		return "image/jpeg"
	case "webp":
		return "image/webp"
	case "png":
		return "image/png"
	}
	return "" // the image guard sniffs it
}

// statusError turns a non-200 answer into the right error.
func (c *Client) statusError(resp *http.Response, requestID string) error {
	raw, _ := httpsafe.ReadBody(resp, httpsafe.MaxSmallBody)
	var er errorResponse
	msg := ""
	code := ""
	if json.Unmarshal(raw, &er) == nil && er.Error.Message != "" {
		msg = c.http.Snippet([]byte(er.Error.Message))
		if er.Error.Code != nil {
			code = *er.Error.Code
		}
	} else {
		msg = c.http.Snippet(raw)
	}
	if requestID != "" && !strings.Contains(msg, requestID) {
		msg += " [request " + requestID + "]"
	}
	switch {
	case code == "content_policy_violation" || code == "moderation_blocked":
		return &generate.RefusedError{Provider: Name, Code: code, Message: msg}
	case resp.StatusCode == http.StatusTooManyRequests && (code == "insufficient_quota" || er.Error.Type == "insufficient_quota"):
		return &httpsafe.StatusError{Provider: Name, Code: resp.StatusCode, Message: msg, Hint: "the account has no quota left: add credit at https://platform.openai.com/settings/organization/billing"}
	}
	switch resp.Header.Get("X-Should-Retry") {
	case "true":
		return httpsafe.Temporary(Name, resp, msg)
	case "false":
		return &httpsafe.StatusError{Provider: Name, Code: resp.StatusCode, Message: msg}
	}
	hints := map[int]string{
		http.StatusUnauthorized: "check the key in OPENAI_API_KEY, or in the variable provider.api_key_env names",
		http.StatusForbidden:    "this key's project or organization may not use the model; check provider.model and the organization's verification",
		http.StatusNotFound:     "check provider.model and provider.base_url",
		http.StatusBadRequest:   "check provider.model and provider.params",
	}
	return httpsafe.StatusErr(Name, resp, msg, hints)
}
