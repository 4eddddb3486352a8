// Package stability is genmint's client for Stability AI's Stable Image
// API: POST {base_url}/v2beta/stable-image/generate/{ultra|core|sd3}
// (base_url defaults to https://api.stability.ai).
//
// Shapes follow Stability's OpenAPI description of the v2beta Stable Image
// endpoints (https://api.stability.ai/v2alpha/openapi, the source of
// platform.stability.ai/docs/api-reference; read as generated into
// github.com/tadasant/mcp-server-stability-ai src/stabilityAi/types.ts at
// commit d2f0a57, 2025-06-24, and github.com/tryAGI/StabilityAI
// src/libs/StabilityAI/openapi.yaml):
//   - the request is multipart/form-data: prompt, negative_prompt,
//     aspect_ratio, seed (0..4294967294; 0 means random), output_format,
//     style_preset (core), and for sd3 model, mode and cfg_scale;
//   - with "Accept: image/*" the 200 body is the image and the headers carry
//     finish-reason (SUCCESS or CONTENT_FILTERED), seed and x-request-id;
//     with "Accept: application/json" the body is
//     {"image": base64, "finish_reason": ..., "seed": ...} with content type
//     "application/json; type=image/png";
//   - errors are {"id", "name", "errors": [...]}: 400 invalid parameters,
//     403 name "content_moderation", 413, 422, 429 (150 requests per 10 s,
//     then a 60 s time-out), 500.
//
// CONTENT_FILTERED on a 200 means the service made (and billed) the image
// but blurred it: genmint treats it as a refusal, charged. A 403
// content_moderation refusal is not billed ("you were not charged").
package stability

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/cost"
	"github.com/genmint/genmint/generate/providers/httpsafe"
	"github.com/genmint/genmint/generate/providers/internal/httpc"
	"github.com/genmint/genmint/generate/providers/internal/params"
)

// Name is the provider's name in genmint.yaml.
const Name = "stability"

// DefaultModel is used when the spec names none.
const DefaultModel = "core"

// Info registers the provider.
var Info = generate.ProviderInfo{
	Name:    Name,
	Summary: "Stability AI Stable Image API (ultra, core, sd3.5-*), POST /v2beta/stable-image/generate/…",
	Records: []string{
		"the seed the service used (seed header or JSON field)",
		"finish reason (CONTENT_FILTERED is recorded as a refusal)",
		"endpoint and model, aspect ratio, output format",
		"x-request-id",
	},
	Paid:           true,
	KeyEnv:         "STABILITY_API_KEY",
	DefaultBaseURL: "https://api.stability.ai",
	EstimateUSD:    Estimate,
	New:            New,
}

// AspectRatios are the documented aspect_ratio values.
var AspectRatios = []string{"21:9", "16:9", "3:2", "5:4", "1:1", "4:5", "2:3", "9:16", "9:21"}

// StylePresets are the documented style_preset values.
var StylePresets = []string{"enhance", "anime", "photographic", "digital-art", "comic-book", "fantasy-art", "line-art",
	"analog-film", "neon-punk", "isometric", "low-poly", "origami", "modeling-compound", "cinematic", "3d-model", "pixel-art", "tile-texture"}

// Client generates images with the Stable Image API.
type Client struct {
	http         *httpc.Client
	model        string
	aspectRatio  string
	outputFormat string
	stylePreset  string
	mode         string
	cfgScale     float64
	json         bool
}

var _ generate.Provider = (*Client)(nil)

// endpoint maps a model name to its endpoint and the sd3 model field.
func endpoint(model string) (path, sd3Model string) {
	switch strings.ToLower(model) {
	case "ultra", "stable-image-ultra":
		return "ultra", ""
	case "core", "stable-image-core":
		return "core", ""
	}
	return "sd3", model
}

// New validates the spec's parameters and builds a client. It does no I/O.
func New(cfg generate.ProviderConfig) (generate.Provider, error) {
	model := cfg.Model
	if model == "" {
		model = DefaultModel
	}
	kind, _ := endpoint(model)
	r := params.New(Name, cfg.Params)
	c := &Client{model: model}
	c.aspectRatio = r.String("aspect_ratio", "", AspectRatios...)
	formats := []string{"png", "jpeg", "webp"}
	if kind == "sd3" {
		formats = []string{"png", "jpeg"} // sd3 documents no webp
	}
	c.outputFormat = r.String("output_format", "png", formats...)
	c.stylePreset = r.String("style_preset", "", StylePresets...)
	c.mode = r.String("mode", "", "text-to-image")
	if c.mode != "" && kind != "sd3" {
		r.Fail("mode", "only the sd3 endpoint takes a mode; %q uses %s", model, kind)
	}
	if r.Has("cfg_scale") {
		c.cfgScale = r.Float("cfg_scale", 0, 1, 10)
		if kind != "sd3" {
			r.Fail("cfg_scale", "only the sd3 endpoint takes cfg_scale; %q uses %s", model, kind)
		}
	}
	c.json = r.String("accept", "image", "image", "json") == "json"
	if err := r.Err(); err != nil {
		return nil, err
	}
	h, err := httpc.New(Name, cfg.BaseURL, nil, cfg.HTTPClient, cfg.APIKey, httpc.Bearer(cfg.APIKey))
	if err != nil {
		return nil, err
	}
	c.http = h
	return c, nil
}

// errorBody is the documented error shape.
type errorBody struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Errors []string `json:"errors"`
}

// jsonImage is the documented 200 body with Accept: application/json.
type jsonImage struct {
	Image        string `json:"image"`
	FinishReason string `json:"finish_reason"`
	Seed         *int64 `json:"seed"`
}

// maxSeed is the largest seed the API accepts.
const maxSeed = 4294967294

// Generate makes one image. It sends exactly one POST.
func (c *Client) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	model := c.model
	if req.Model != "" {
		model = req.Model
	}
	kind, sd3Model := endpoint(model)
	sent := generate.Params{"endpoint": kind, "output_format": c.outputFormat}
	seed := uint64(req.Seed) % (maxSeed + 1)
	sent["seed"] = seed
	ar := c.aspectRatio
	facts := map[string]any{}
	if ar == "" && req.Width > 0 && req.Height > 0 {
		ar = nearestRatio(req.Width, req.Height)
		facts["aspect_ratio_from_size"] = fmt.Sprintf("%dx%d", req.Width, req.Height)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	field := func(k string, v any) {
		_ = mw.WriteField(k, fmt.Sprint(v))
		if k != "prompt" && k != "negative_prompt" {
			sent[k] = v
		}
	}
	field("prompt", req.Prompt)
	if req.NegativePrompt != "" {
		field("negative_prompt", req.NegativePrompt)
	}
	_ = mw.WriteField("seed", strconv.FormatUint(seed, 10))
	_ = mw.WriteField("output_format", c.outputFormat)
	if ar != "" {
		field("aspect_ratio", ar)
	}
	if c.stylePreset != "" {
		field("style_preset", c.stylePreset)
	}
	if sd3Model != "" {
		field("model", sd3Model)
		if c.mode != "" {
			field("mode", c.mode)
		}
		if c.cfgScale != 0 {
			field("cfg_scale", c.cfgScale)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	accept := "image/*"
	if c.json {
		accept = "application/json"
	}
	sent["accept"] = accept
	estimate, _ := Estimate(model, nil)

	resp, err := c.http.Do(ctx, http.MethodPost, c.http.URL("/v2beta/stable-image/generate/"+kind), &body, http.Header{
		"Content-Type":        {mw.FormDataContentType()},
		"Accept":              {accept},
		"Stability-Client-Id": {"genmint"},
	}, true)
	if err != nil {
		return nil, fmt.Errorf("stability item %d: %w", req.Item, err)
	}
	requestID := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("stability item %d: %w", req.Item, c.statusError(resp, requestID))
	}
	fail := func(format string, args ...any) error {
		return cost.Charge(fmt.Errorf("stability item %d (request %s): %w", req.Item, requestID, fmt.Errorf(format, args...)), estimate)
	}
	res := &generate.Result{Model: model, RequestID: requestID, Params: sent, Facts: facts, Paid: true, CostUSD: estimate}
	finish, seedText := resp.Header.Get("Finish-Reason"), resp.Header.Get("Seed")
	mt, mparams := httpsafe.MediaType(resp)
	switch {
	case mt == "application/json":
		var ji jsonImage
		if err := c.http.ReadJSON(resp, httpsafe.MaxJSONBody, &ji); err != nil {
			return nil, fail("%w", err)
		}
		img, err := base64.StdEncoding.DecodeString(ji.Image)
		if err != nil || len(img) == 0 {
			return nil, fail("%w: the JSON answer's image is not base64", httpsafe.ErrMalformed)
		}
		res.Image = img
		res.MediaType = mparams["type"]
		finish = ji.FinishReason
		if ji.Seed != nil {
			seedText = strconv.FormatInt(*ji.Seed, 10)
		}
	case mt == "image/png" || mt == "image/jpeg" || mt == "image/webp":
		img, err := httpsafe.ReadBody(resp, httpsafe.MaxImageBody)
		if err != nil {
			return nil, fail("%w", err)
		}
		res.Image, res.MediaType = img, mt
	default:
		httpsafe.Discard(resp)
		return nil, fail("%w: expected an image or JSON, got %q", httpsafe.ErrContentType, resp.Header.Get("Content-Type"))
	}
	if finish != "" {
		res.Facts["finish_reason"] = finish
	}
	if s, err := strconv.ParseUint(strings.TrimSpace(seedText), 10, 64); err == nil {
		res.Seed = &s
		res.Reproducible = true
	}
	if finish == "CONTENT_FILTERED" {
		return nil, cost.Charge(fmt.Errorf("stability item %d (request %s): %w", req.Item, requestID, &generate.RefusedError{
			Provider: Name, Code: "CONTENT_FILTERED",
			Message: "the image was made but blurred by Stability's content moderation (billed); change the prompt",
		}), estimate)
	}
	return res, nil
}

// nearestRatio picks the documented aspect ratio closest to w:h.
func nearestRatio(w, h int) string {
	want := math.Log(float64(w) / float64(h))
	best, bestD := "1:1", math.Inf(1)
	for _, ar := range AspectRatios {
		var a, b float64
		fmt.Sscanf(ar, "%g:%g", &a, &b)
		if d := math.Abs(math.Log(a/b) - want); d < bestD {
			best, bestD = ar, d
		}
	}
	return best
}

// statusError turns a non-200 answer into the right error.
func (c *Client) statusError(resp *http.Response, requestID string) error {
	raw, _ := httpsafe.ReadBody(resp, httpsafe.MaxSmallBody)
	var eb errorBody
	msg := c.http.Snippet(raw)
	if json.Unmarshal(raw, &eb) == nil && (eb.Name != "" || len(eb.Errors) > 0) {
		msg = c.http.Snippet([]byte(strings.Join(eb.Errors, "; ")))
		if eb.Name != "" {
			msg = eb.Name + ": " + msg
		}
		if requestID == "" {
			requestID = eb.ID
		}
	}
	if requestID != "" {
		msg += " [request " + requestID + "]"
	}
	if resp.StatusCode == http.StatusForbidden && eb.Name == "content_moderation" {
		return &generate.RefusedError{Provider: Name, Code: "content_moderation", Message: msg}
	}
	hints := map[int]string{
		http.StatusUnauthorized:    "check the key in STABILITY_API_KEY, or in the variable provider.api_key_env names",
		http.StatusPaymentRequired: "the account is out of credits: buy more at https://platform.stability.ai/account/credits",
		http.StatusNotFound:        "check provider.model (ultra, core, or an sd3 model such as sd3.5-large) and provider.base_url",
	}
	return httpsafe.StatusErr(Name, resp, msg, hints)
}

// Prices are Stability's per-image prices: 1 credit is $0.01. The credits
// per successful generation are those the API reference lists for each
// endpoint and sd3 model; failed generations are not charged.
var Prices = cost.Table{
	Provider: Name,
	Source:   "https://platform.stability.ai/docs/api-reference (credits per generation; 1 credit = $0.01, https://platform.stability.ai/pricing)",
	Date:     "2026-11-22",
	Prices: map[string]float64{
		"ultra":             0.08,
		"core":              0.03,
		"sd3.5-large":       0.065,
		"sd3.5-large-turbo": 0.04,
		"sd3.5-medium":      0.035,
		"sd3-large":         0.065,
		"sd3-large-turbo":   0.04,
		"sd3-medium":        0.035,
	},
}

// Estimate is the price of one image with model.
func Estimate(model string, _ generate.Params) (float64, bool) {
	if model == "" {
		model = DefaultModel
	}
	kind, sd3Model := endpoint(model)
	if kind != "sd3" {
		return Prices.Lookup(kind)
	}
	return Prices.Lookup(sd3Model)
}
