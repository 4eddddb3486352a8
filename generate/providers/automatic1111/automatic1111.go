// Package automatic1111 is genmint's client for the Stable Diffusion web UI
// by AUTOMATIC1111 (and API-compatible forks such as Forge), started with
// --api: POST {base_url}/sdapi/v1/txt2img. base_url is required (the
// server runs on the user's machine, usually http://127.0.0.1:7860).
//
// Shapes follow the web UI's own source (github.com/AUTOMATIC1111/
// stable-diffusion-webui, v1.10 line: modules/api/api.py,
// modules/api/models.py, and Processed.js() in modules/processing.py):
//   - the request is the StableDiffusionProcessingTxt2Img fields (prompt,
//     negative_prompt, seed, steps, sampler_name, scheduler, cfg_scale,
//     width, height, batch_size, n_iter, …) plus send_images, save_images,
//     override_settings and override_settings_restore_afterwards;
//   - the answer is TextToImageResponse {images: [base64], parameters: {the
//     request as received}, info: "<JSON string>"}. parameters echoes the
//     request, so a random seed shows there as -1; the seed actually used,
//     the model's name and short hash (sd_model_name, sd_model_hash) and the
//     infotext (infotexts[0], what the web UI writes into its PNGs) are only
//     inside the info string, which genmint parses;
//   - errors are {"error", "detail", "body", "errors"} (api_middleware's
//     handle_exception), or FastAPI's {"detail": [...]} for a 422;
//   - --api-auth user:password protects the API with HTTP Basic auth;
//   - POST /sdapi/v1/interrupt stops the running job (sent on Ctrl-C).
package automatic1111

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/httpsafe"
	"github.com/genmint/genmint/generate/providers/internal/httpc"
	"github.com/genmint/genmint/generate/providers/internal/params"
)

// Name is the provider's name in genmint.yaml.
const Name = "automatic1111"

// Info registers the provider.
var Info = generate.ProviderInfo{
	Name:    Name,
	Summary: "Stable Diffusion web UI (AUTOMATIC1111, Forge) started with --api, POST /sdapi/v1/txt2img",
	Records: []string{
		"the seed actually used (from the info JSON, not the echoed parameters)",
		"sd_model_name and sd_model_hash, VAE, web UI version",
		"the infotext exactly as the server wrote it",
		"sampler, scheduler, steps, CFG scale, size",
	},
	Paid:        false,
	KeyEnv:      "", // optional: provider.api_key_env may name a variable holding user:password for --api-auth
	EstimateUSD: nil,
	New:         New,
}

// Client generates images with a web UI server.
type Client struct {
	http      *httpc.Client
	model     string
	fields    map[string]any // txt2img fields from params
	overrides map[string]any // override_settings
}

var _ generate.Provider = (*Client)(nil)

// New validates the spec's parameters and builds a client. It does no I/O.
func New(cfg generate.ProviderConfig) (generate.Provider, error) {
	r := params.New(Name, cfg.Params)
	f := map[string]any{}
	set := func(k string, v any, ok bool) {
		if ok {
			f[k] = v
		}
	}
	set("steps", r.Int("steps", 0, 1, 150), r.Has("steps"))
	if r.Has("sampler") && r.Has("sampler_name") {
		r.Fail("sampler", "give sampler or sampler_name, not both")
	}
	set("sampler_name", r.String("sampler", ""), r.Has("sampler"))
	set("sampler_name", r.String("sampler_name", ""), r.Has("sampler_name"))
	set("scheduler", r.String("scheduler", ""), r.Has("scheduler"))
	set("cfg_scale", r.Float("cfg_scale", 0, 1, 30), r.Has("cfg_scale"))
	set("width", r.Int("width", 0, 64, 8192), r.Has("width"))
	set("height", r.Int("height", 0, 64, 8192), r.Has("height"))
	for _, k := range []string{"width", "height"} {
		if v, ok := f[k].(int); ok && v%8 != 0 {
			r.Fail(k, "%d is not a multiple of 8", v)
		}
	}
	set("restore_faces", r.Bool("restore_faces", false), r.Has("restore_faces"))
	set("tiling", r.Bool("tiling", false), r.Has("tiling"))
	set("enable_hr", r.Bool("enable_hr", false), r.Has("enable_hr"))
	set("hr_scale", r.Float("hr_scale", 2, 1, 8), r.Has("hr_scale"))
	set("hr_upscaler", r.String("hr_upscaler", ""), r.Has("hr_upscaler"))
	set("hr_second_pass_steps", r.Int("hr_second_pass_steps", 0, 0, 150), r.Has("hr_second_pass_steps"))
	set("denoising_strength", r.Float("denoising_strength", 0.7, 0, 1), r.Has("denoising_strength"))
	set("subseed", r.Int64("subseed", -1, -1, 1<<32-1), r.Has("subseed"))
	set("subseed_strength", r.Float("subseed_strength", 0, 0, 1), r.Has("subseed_strength"))
	if v, ok := r.Raw("styles"); ok {
		list, isList := v.([]any)
		var styles []string
		for _, s := range list {
			if str, isStr := s.(string); isStr {
				styles = append(styles, str)
			} else {
				isList = false
			}
		}
		if !isList {
			r.Fail("styles", "must be a list of style names")
		}
		f["styles"] = styles
	}
	overrides := map[string]any{}
	for k, v := range r.Map("override_settings") {
		overrides[k] = v
	}
	if r.Has("clip_skip") {
		overrides["CLIP_stop_at_last_layers"] = r.Int("clip_skip", 1, 1, 12)
	}
	if r.Has("vae") {
		overrides["sd_vae"] = r.String("vae", "")
	}
	if cfg.Model != "" {
		overrides["sd_model_checkpoint"] = cfg.Model
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	key := cfg.APIKey
	var auth func(http.Header)
	var secrets []string
	if key != "" {
		if !strings.Contains(key, ":") {
			return nil, errors.New("provider.api_key_env: the web UI's --api-auth credential is user:password; the variable named by provider.api_key_env holds no colon")
		}
		basic := base64.StdEncoding.EncodeToString([]byte(key))
		secrets = append(secrets, basic)
		auth = func(h http.Header) { h.Set("Authorization", "Basic "+basic) }
	}
	h, err := httpc.New(Name, cfg.BaseURL, nil, cfg.HTTPClient, key, auth, secrets...)
	if err != nil {
		return nil, err
	}
	return &Client{http: h, model: cfg.Model, fields: f, overrides: overrides}, nil
}

// txt2imgResponse is TextToImageResponse.
type txt2imgResponse struct {
	Images     []string       `json:"images"`
	Parameters map[string]any `json:"parameters"`
	Info       string         `json:"info"`
}

// processed is the part of Processed.js() genmint records.
type processed struct {
	Seed                  *int64         `json:"seed"`
	AllSeeds              []int64        `json:"all_seeds"`
	Subseed               *int64         `json:"subseed"`
	SubseedStrength       float64        `json:"subseed_strength"`
	Width                 int            `json:"width"`
	Height                int            `json:"height"`
	SamplerName           string         `json:"sampler_name"`
	CfgScale              float64        `json:"cfg_scale"`
	Steps                 int            `json:"steps"`
	SDModelName           string         `json:"sd_model_name"`
	SDModelHash           string         `json:"sd_model_hash"`
	SDVaeName             *string        `json:"sd_vae_name"`
	SDVaeHash             *string        `json:"sd_vae_hash"`
	ExtraGenerationParams map[string]any `json:"extra_generation_params"`
	Infotexts             []string       `json:"infotexts"`
	Styles                []string       `json:"styles"`
	JobTimestamp          string         `json:"job_timestamp"`
	ClipSkip              *int           `json:"clip_skip"`
	Version               string         `json:"version"`
}

// Generate makes one image with one txt2img request.
func (c *Client) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	body := map[string]any{}
	for k, v := range c.fields {
		body[k] = v
	}
	if _, ok := body["width"]; !ok && req.Width > 0 {
		body["width"] = req.Width
	}
	if _, ok := body["height"]; !ok && req.Height > 0 {
		body["height"] = req.Height
	}
	body["seed"] = int64(req.Seed)
	body["batch_size"] = 1
	body["n_iter"] = 1
	body["send_images"] = true
	body["save_images"] = false
	overrides := map[string]any{}
	for k, v := range c.overrides {
		overrides[k] = v
	}
	if req.Model != "" {
		overrides["sd_model_checkpoint"] = req.Model
	}
	if len(overrides) > 0 {
		body["override_settings"] = overrides
		body["override_settings_restore_afterwards"] = true
	}
	sent := generate.Params{}
	for k, v := range body {
		sent[k] = v
	}
	body["prompt"] = req.Prompt
	body["negative_prompt"] = req.NegativePrompt
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(ctx, http.MethodPost, c.http.URL("/sdapi/v1/txt2img"), bytes.NewReader(payload), http.Header{"Content-Type": {"application/json"}}, true)
	if err != nil {
		if ctx.Err() != nil {
			c.interrupt()
			return nil, fmt.Errorf("automatic1111 item %d (asked the server to interrupt): %w", req.Item, err)
		}
		if generate.IsTemporary(err) {
			return nil, fmt.Errorf("automatic1111 item %d: %w (is the web UI running with --api at %s?)", req.Item, err, c.http.Base)
		}
		return nil, fmt.Errorf("automatic1111 item %d: %w", req.Item, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("automatic1111 item %d: %w", req.Item, c.statusError(resp))
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("automatic1111 item %d: %w", req.Item, fmt.Errorf(format, args...))
	}
	var tr txt2imgResponse
	if err := c.http.ReadJSON(resp, httpsafe.MaxJSONBody, &tr); err != nil {
		if ctx.Err() != nil { // the body was cut short by the cancel
			c.interrupt()
			return nil, fail("%w", ctx.Err())
		}
		return nil, fail("%w", err)
	}
	if len(tr.Images) == 0 {
		return nil, fail("%w: the answer holds no image (send_images was true)", httpsafe.ErrMalformed)
	}
	img, err := base64.StdEncoding.DecodeString(tr.Images[0])
	if err != nil {
		return nil, fail("%w: images[0] is not base64", httpsafe.ErrMalformed)
	}
	var info processed
	if err := json.Unmarshal([]byte(tr.Info), &info); err != nil {
		return nil, fail("%w: the info string is not JSON (%v)", httpsafe.ErrMalformed, err)
	}
	res := &generate.Result{
		Image:        img,
		Reproducible: true,
		Model:        info.SDModelName,
		ModelHash:    info.SDModelHash,
		ModelVersion: info.Version,
		Params:       sent,
		Facts:        map[string]any{},
	}
	if res.Model == "" {
		res.Model = c.model
	}
	switch {
	case info.Seed != nil && *info.Seed >= 0:
		s := uint64(*info.Seed)
		res.Seed = &s
	case len(info.AllSeeds) > 0 && info.AllSeeds[0] >= 0:
		s := uint64(info.AllSeeds[0])
		res.Seed = &s
	default:
		res.Reproducible = false
	}
	if len(info.Infotexts) > 0 {
		res.Infotext = info.Infotexts[0]
	}
	for k, v := range map[string]any{"sampler_name": info.SamplerName, "steps": info.Steps, "cfg_scale": info.CfgScale,
		"width": info.Width, "height": info.Height, "job_timestamp": info.JobTimestamp} {
		if v != "" && v != 0 && v != 0.0 {
			res.Facts[k] = v
		}
	}
	if info.SDVaeName != nil {
		res.Facts["sd_vae_name"] = *info.SDVaeName
	}
	if info.SDVaeHash != nil {
		res.Facts["sd_vae_hash"] = *info.SDVaeHash
	}
	if info.ClipSkip != nil {
		res.Facts["clip_skip"] = *info.ClipSkip
	}
	if len(info.ExtraGenerationParams) > 0 {
		res.Facts["extra_generation_params"] = info.ExtraGenerationParams
	}
	if info.Subseed != nil && info.SubseedStrength > 0 {
		res.Facts["subseed"] = *info.Subseed
		res.Facts["subseed_strength"] = info.SubseedStrength
	}
	if len(info.Styles) > 0 {
		res.Facts["styles"] = info.Styles
	}
	return res, nil
}

// interrupt asks the server to stop its running job, with a context of its
// own (the caller's is already done). The web UI runs one job at a time, so
// with concurrency 1 (the default) that job is genmint's.
func (c *Client) interrupt() {
	ctx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	resp, err := c.http.Do(ctx, http.MethodPost, c.http.URL("/sdapi/v1/interrupt"), nil, nil, true)
	if err == nil {
		httpsafe.Discard(resp)
	}
}

// statusError turns an error answer into the right error.
func (c *Client) statusError(resp *http.Response) error {
	raw, _ := httpsafe.ReadBody(resp, httpsafe.MaxSmallBody)
	msg := c.http.Snippet(raw)
	var eb struct {
		Error  string `json:"error"`
		Detail any    `json:"detail"`
		Errors string `json:"errors"`
	}
	if json.Unmarshal(raw, &eb) == nil {
		detail, isText := eb.Detail.(string)
		switch {
		case isText && detail != "":
			msg = c.http.Snippet([]byte(strings.TrimPrefix(eb.Error+": "+detail, ": ")))
		case eb.Errors != "":
			msg = c.http.Snippet([]byte(strings.TrimPrefix(eb.Error+": "+eb.Errors, ": ")))
		case eb.Detail != nil:
			d, _ := json.Marshal(eb.Detail)
			msg = c.http.Snippet(d)
		}
	}
	hints := map[int]string{
		http.StatusUnauthorized:        "the server uses --api-auth: put user:password in a variable and name it with provider.api_key_env",
		http.StatusNotFound:            "start the web UI with --api, and check provider.base_url, provider.model and the sampler name",
		http.StatusUnprocessableEntity: "check provider.params",
	}
	return httpsafe.StatusErr(Name, resp, msg, hints)
}
