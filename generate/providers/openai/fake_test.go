package openai_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	pt "github.com/genmint/genmint/generate/providers/providertest"
)

// fakeOpenAI answers like the OpenAI Images API, as described by
// github.com/openai/openai-openapi openapi.yaml (2026-08-21):
//   - POST /v1/images/generations with a JSON CreateImageRequest;
//   - 200 with application/json ImagesResponse and an x-request-id header;
//     GPT image models answer b64_json with usage, background,
//     output_format, size and quality; dall-e-3 adds revised_prompt, and
//     with response_format "url" answers a URL valid for 60 minutes;
//   - errors are ErrorResponse {"error": {message, type, param, code}}:
//     400 content_policy_violation (DALL·E) or moderation_blocked (GPT
//     image models) for refusals, 401 invalid_api_key, 429
//     rate_limit_exceeded with Retry-After, 500/503 server_error.
//
// The delivery host for URLs is the fake itself (standing in for
// oaidalleapiprodscus.blob.core.windows.net, which the test configures as
// its own host through base_url).
func fakeOpenAI(ctl *pt.Control) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/images/generations", func(w http.ResponseWriter, r *http.Request) {
		reqID := "req_" + strings.Repeat("0", 24)
		if !ctl.Bearer(r) {
			apiError(w, http.StatusUnauthorized, reqID, "Incorrect API key provided: sk-gen***8035. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key")
			return
		}
		var req struct {
			Model          string `json:"model"`
			Prompt         string `json:"prompt"`
			N              int    `json:"n"`
			ResponseFormat string `json:"response_format"`
			Size           string `json:"size"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Prompt == "" {
			apiError(w, http.StatusBadRequest, reqID, "We could not parse the JSON body of your request.", "invalid_request_error", "")
			return
		}
		if req.N != 1 {
			apiError(w, http.StatusBadRequest, reqID, "genmint asks for one image per request", "invalid_request_error", "")
			return
		}
		item, fault := ctl.Billable(req.Prompt)
		reqID = fmt.Sprintf("req_%024d", item)
		gptImage := strings.HasPrefix(req.Model, "gpt-image")
		switch fault {
		case pt.RateLimited, pt.RateLimitedDate:
			w.Header().Set("Retry-After", ctl.RetryAfterHeader(fault))
			apiError(w, http.StatusTooManyRequests, reqID, "Rate limit reached for images per minute (IPM): Limit 5, Used 5, Requested 1. Please try again in 1s.", "requests", "rate_limit_exceeded")
			return
		case pt.ServerError:
			apiError(w, http.StatusInternalServerError, reqID, "The server had an error while processing your request. Sorry about that!", "server_error", "")
			return
		case pt.Unavailable:
			apiError(w, http.StatusServiceUnavailable, reqID, "The server is overloaded or not ready yet.", "server_error", "")
			return
		case pt.Slow, pt.Hang:
			ctl.InFlight(item)
			pt.Hold(r, time.Minute)
			if r.Context().Err() != nil {
				return
			}
		case pt.Refusal:
			code, msg := "content_policy_violation", "Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system."
			if gptImage {
				code, msg = "moderation_blocked", "Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID "+reqID+"."
			}
			apiError(w, http.StatusBadRequest, reqID, msg, "image_generation_user_error", code)
			return
		case pt.EchoKey:
			// A misbehaving proxy in front of the API echoing the credential.
			apiError(w, http.StatusUnauthorized, reqID, "Incorrect API key provided: "+r.Header.Get("Authorization"), "invalid_request_error", "invalid_api_key")
			return
		case pt.MalformedJSON:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Request-Id", reqID)
			fmt.Fprint(w, `{"created": 1713833628, "data": [{"b64_json": "iVBORw0KGgo`)
			return
		case pt.WrongContentType:
			if req.ResponseFormat != "url" {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Header().Set("X-Request-Id", reqID)
				fmt.Fprint(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", reqID)
		w.Header().Set("Openai-Processing-Ms", "8123")
		image := map[string]any{}
		resp := map[string]any{"created": 1713833628, "data": []any{image}}
		if req.ResponseFormat == "url" {
			image["url"] = outputURL(ctl, item, fault)
		} else {
			image["b64_json"] = base64.StdEncoding.EncodeToString(pt.FaultyImage(item, fault))
		}
		if gptImage {
			resp["background"] = "opaque"
			resp["output_format"] = "png"
			resp["size"] = "1024x1024"
			resp["quality"] = "high"
			resp["usage"] = map[string]any{
				"total_tokens": 4210, "input_tokens": 50, "output_tokens": 4160,
				"input_tokens_details": map[string]any{"text_tokens": 50, "image_tokens": 0},
			}
		} else if req.Model == "dall-e-3" {
			image["revised_prompt"] = "A lighthouse standing on a rocky cliff at dusk, painted in oils."
		}
		json.NewEncoder(w).Encode(resp)
	})
	// The URL delivery host.
	mux.HandleFunc("GET /files/{item}/{name}", func(w http.ResponseWriter, r *http.Request) {
		var item int
		fmt.Sscan(r.PathValue("item"), &item)
		if r.Header.Get("Authorization") != "" {
			http.Error(w, "delivery URLs are signed; no credentials expected", http.StatusBadRequest)
			return
		}
		fault := ctl.FaultFor(item)
		switch fault {
		case pt.URLRedirect:
			http.Redirect(w, r, ctl.Other+"/latest/meta-data/", http.StatusFound)
			return
		case pt.WrongContentType:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>expired link</html>")
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(pt.FaultyImage(item, fault))
	})
	return mux
}

func outputURL(ctl *pt.Control, item int, f pt.Fault) string {
	switch f {
	case pt.URLLoopback:
		return ctl.Other + "/img.png"
	case pt.URLMetadata:
		return "https://169.254.169.254/latest/meta-data/iam/security-credentials/"
	}
	return fmt.Sprintf("%s/files/%d/img-%d.png?st=2026-11-22T10%%3A00%%3A00Z&se=2026-11-22T11%%3A00%%3A00Z&sig=abc", ctl.URL, item, item)
}

func apiError(w http.ResponseWriter, status int, reqID, msg, typ, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", reqID)
	w.WriteHeader(status)
	var c any
	if code != "" {
		c = code
	}
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": c}})
}
