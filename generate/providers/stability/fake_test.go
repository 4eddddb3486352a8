package stability_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	pt "github.com/genmint/genmint/generate/providers/providertest"
)

// fakeStability answers like the v2beta Stable Image generate endpoints as
// Stability's OpenAPI description documents them (see the package comment
// of stability for the sources):
//   - POST /v2beta/stable-image/generate/{ultra,core,sd3}, multipart/form-data,
//     "authorization: Bearer <key>";
//   - 200 with the image bytes and finish-reason, seed and x-request-id
//     headers (accept image/*), or {"image","finish_reason","seed"} with
//     content type "application/json; type=image/png" (accept
//     application/json, where the finish-reason and seed headers are absent);
//   - errors {"id","name","errors"}: 400, 403 content_moderation, 429
//     rate_limit_exceeded (the example body of the reference), 500
//     internal_error.
//
// Stability documents no Retry-After; a 429 here carries one anyway because
// any HTTP service (or the CDN in front of it) may send it and genmint must
// honour it. The 503 is the gateway page a CDN answers when the API is down:
// the API reference lists no 503.
func fakeStability(ctl *pt.Control) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2beta/stable-image/generate/{kind}", func(w http.ResponseWriter, r *http.Request) {
		kind := r.PathValue("kind")
		if kind != "ultra" && kind != "core" && kind != "sd3" {
			http.NotFound(w, r)
			return
		}
		if !ctl.Bearer(r) {
			apiError(w, http.StatusUnauthorized, "unauthorized", "authorization: invalid or missing header")
			return
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			apiError(w, http.StatusBadRequest, "bad_request", "content-type: must be multipart/form-data")
			return
		}
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			apiError(w, http.StatusBadRequest, "bad_request", "body: could not parse multipart form")
			return
		}
		prompt := r.FormValue("prompt")
		if prompt == "" {
			apiError(w, http.StatusBadRequest, "bad_request", "prompt: is required")
			return
		}
		if kind == "sd3" && r.FormValue("model") == "" {
			apiError(w, http.StatusBadRequest, "bad_request", "model: genmint always names the sd3 model")
			return
		}
		item, fault := ctl.Billable(prompt)
		reqID := fmt.Sprintf("%032x", item)
		jsonMode := r.Header.Get("Accept") == "application/json"
		seed := r.FormValue("seed")
		if seed == "0" {
			seed = "343940597" // the service picks one
		}
		switch fault {
		case pt.RateLimited, pt.RateLimitedDate:
			w.Header().Set("Retry-After", ctl.RetryAfterHeader(fault))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"id":"rate_limit_exceeded","name":"rate_limit_exceeded","errors":["You have exceeded the rate limit of 150 requests within a 10 second period, and have been timed out for 60 seconds."]}`)
			return
		case pt.ServerError:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"id":"2a1b2d4eafe2bc6ab4cd4d5c6133f513","name":"internal_error","errors":["An unexpected server error has occurred, please try again later."]}`)
			return
		case pt.Unavailable:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "<html><head><title>503 Service Temporarily Unavailable</title></head></html>")
			return
		case pt.Slow, pt.Hang:
			ctl.InFlight(item)
			pt.Hold(r, time.Minute)
			if r.Context().Err() != nil {
				return
			}
		case pt.Refusal:
			apiError(w, http.StatusForbidden, "content_moderation", "Your request was flagged by our content moderation system, as a result your request was denied and you were not charged.")
			return
		case pt.EchoKey:
			apiError(w, http.StatusUnauthorized, "unauthorized", "authorization: invalid key "+r.Header.Get("Authorization"))
			return
		case pt.MalformedJSON:
			w.Header().Set("Content-Type", "application/json; type=image/png")
			fmt.Fprint(w, `{"image":"iVBORw0KGgoAAAANSUhEUgAA","finish_reason":"SUCC`)
			return
		case pt.WrongContentType:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!doctype html><title>Stability AI</title>")
			return
		}
		finish := "SUCCESS"
		if fault == pt.RefusalBilled {
			finish = "CONTENT_FILTERED" // the image comes back blurred
		}
		img := pt.FaultyImage(item, fault)
		w.Header().Set("X-Request-Id", reqID)
		if jsonMode {
			w.Header().Set("Content-Type", "application/json; type=image/png")
			var s int64
			fmt.Sscan(seed, &s)
			json.NewEncoder(w).Encode(map[string]any{"image": base64.StdEncoding.EncodeToString(img), "finish_reason": finish, "seed": s})
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Finish-Reason", finish)
		w.Header().Set("Seed", seed)
		w.Write(img)
	})
	return mux
}

func apiError(w http.ResponseWriter, status int, name, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"id": "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4", "name": name, "errors": []string{msg}})
}
