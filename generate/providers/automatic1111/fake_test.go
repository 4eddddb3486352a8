package automatic1111_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	pt "github.com/genmint/genmint/generate/providers/providertest"
)

// fakeWebUI answers like the Stable Diffusion web UI's API (modules/api/api.py,
// modules/api/models.py, modules/processing.py Processed.js()):
//   - POST /sdapi/v1/txt2img with a StableDiffusionProcessingTxt2Img body,
//     behind HTTP Basic auth (--api-auth);
//   - 200 {"images": [base64 PNG], "parameters": the request as the API
//     model holds it (defaults filled in), "info": a JSON string};
//   - errors from api_middleware's handle_exception:
//     {"error", "detail", "body", "errors"}, e.g. a 500 OutOfMemoryError or
//     a 401 HTTPException;
//   - POST /sdapi/v1/interrupt stops the running job.
//
// The web UI itself never answers 429 or 503; a reverse proxy in front of a
// shared GPU box does (an nginx page, with Retry-After for 429), and genmint
// must cope with that too.
func fakeWebUI(ctl *pt.Control) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sdapi/v1/txt2img", func(w http.ResponseWriter, r *http.Request) {
		if !ctl.Basic(r) {
			w.Header().Set("WWW-Authenticate", "Basic")
			apiError(w, http.StatusUnauthorized, "HTTPException", "Incorrect username or password", "401: Incorrect username or password")
			return
		}
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprint(w, `{"detail":[{"type":"json_invalid","loc":["body",0],"msg":"JSON decode error","input":{}}]}`)
			return
		}
		prompt, _ := req["prompt"].(string)
		item, fault := ctl.Billable(prompt)
		switch fault {
		case pt.RateLimited, pt.RateLimitedDate:
			w.Header().Set("Retry-After", ctl.RetryAfterHeader(fault))
			nginx(w, http.StatusTooManyRequests, "429 Too Many Requests")
			return
		case pt.Unavailable:
			nginx(w, http.StatusServiceUnavailable, "503 Service Temporarily Unavailable")
			return
		case pt.ServerError:
			apiError(w, http.StatusInternalServerError, "OutOfMemoryError", "", "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 7.79 GiB total capacity)")
			return
		case pt.EchoKey:
			apiError(w, http.StatusUnauthorized, "HTTPException", "Incorrect credentials in "+r.Header.Get("Authorization"), "401: Incorrect credentials")
			return
		case pt.Slow, pt.Hang:
			ctl.InFlight(item)
			pt.Hold(r, time.Minute)
			if r.Context().Err() != nil {
				return
			}
		case pt.MalformedJSON:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"images":["iVBORw0KGgo`)
			return
		case pt.WrongContentType:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Stable Diffusion</title></head></html>")
			return
		}
		seed := int64(-1)
		if s, ok := req["seed"].(float64); ok {
			seed = int64(s)
		}
		used := seed
		if used == -1 {
			used = 3456789012
		}
		model, hash, clipSkip := "v1-5-pruned-emaonly", "6ce0161689", any(1)
		if ov, ok := req["override_settings"].(map[string]any); ok {
			if ck, ok := ov["sd_model_checkpoint"].(string); ok {
				model, hash = strings.TrimSuffix(ck, ".safetensors"), "31e35c80fc"
			}
			if cs, ok := ov["CLIP_stop_at_last_layers"]; ok {
				clipSkip = cs
			}
		}
		params := map[string]any{
			"prompt": prompt, "negative_prompt": req["negative_prompt"], "styles": nil, "seed": seed, "subseed": -1,
			"subseed_strength": 0, "seed_resize_from_h": -1, "seed_resize_from_w": -1, "sampler_name": req["sampler_name"],
			"scheduler": req["scheduler"], "batch_size": 1, "n_iter": 1, "steps": or(req["steps"], 50), "cfg_scale": or(req["cfg_scale"], 7.0),
			"width": or(req["width"], 512), "height": or(req["height"], 512), "restore_faces": nil, "tiling": nil,
			"do_not_save_samples": false, "do_not_save_grid": false, "eta": nil, "denoising_strength": nil,
			"override_settings": req["override_settings"], "override_settings_restore_afterwards": true,
			"refiner_checkpoint": nil, "enable_hr": false, "sampler_index": "Euler", "script_name": nil, "script_args": []any{},
			"send_images": true, "save_images": false, "alwayson_scripts": map[string]any{}, "force_task_id": nil, "infotext": nil,
		}
		sampler := "Euler a"
		if s, ok := req["sampler_name"].(string); ok {
			sampler = s
		}
		width, height := params["width"], params["height"]
		infotext := fmt.Sprintf("%s\nNegative prompt: %s\nSteps: %v, Sampler: %s, Schedule type: Karras, CFG scale: %v, Seed: %d, Size: %vx%v, Model hash: %s, Model: %s, Clip skip: %v, Version: v1.10.1",
			prompt, req["negative_prompt"], params["steps"], sampler, params["cfg_scale"], used, width, height, hash, model, clipSkip)
		info := map[string]any{
			"prompt": prompt, "all_prompts": []any{prompt}, "negative_prompt": req["negative_prompt"], "all_negative_prompts": []any{req["negative_prompt"]},
			"seed": used, "all_seeds": []any{used}, "subseed": 2817429231, "all_subseeds": []any{2817429231}, "subseed_strength": 0,
			"width": width, "height": height, "sampler_name": sampler, "cfg_scale": params["cfg_scale"], "steps": params["steps"],
			"batch_size": 1, "restore_faces": false, "face_restoration_model": nil, "sd_model_name": model, "sd_model_hash": hash,
			"sd_vae_name": nil, "sd_vae_hash": nil, "seed_resize_from_w": -1, "seed_resize_from_h": -1, "denoising_strength": 0,
			"extra_generation_params": map[string]any{"Schedule type": "Karras"}, "index_of_first_image": 0,
			"infotexts": []any{infotext}, "styles": []any{}, "job_timestamp": "20261122100000", "clip_skip": clipSkip,
			"is_using_inpainting_conditioning": false, "version": "v1.10.1",
		}
		infoJSON, _ := json.Marshal(info)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"images":     []string{base64.StdEncoding.EncodeToString(pt.FaultyImage(item, fault))},
			"parameters": params,
			"info":       string(infoJSON),
		})
	})
	mux.HandleFunc("POST /sdapi/v1/interrupt", func(w http.ResponseWriter, r *http.Request) {
		if !ctl.Basic(r) {
			apiError(w, http.StatusUnauthorized, "HTTPException", "Incorrect username or password", "401: Incorrect username or password")
			return
		}
		ctl.Event("interrupt")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, "{}")
	})
	return mux
}

func or(v, def any) any {
	if v == nil {
		return def
	}
	return v
}

func apiError(w http.ResponseWriter, status int, typ, detail, errs string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": typ, "detail": detail, "body": "", "errors": errs})
}

func nginx(w http.ResponseWriter, status int, title string) {
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Server", "nginx")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", title, title)
}
