package replicate_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	pt "github.com/genmint/genmint/generate/providers/providertest"
)

// fakeReplicate answers like Replicate's HTTP API as its OpenAPI
// description documents it (see the replicate package comment):
//   - POST /v1/predictions {"version","input"} and
//     POST /v1/models/{owner}/{name}/predictions {"input"}, with
//     "Authorization: Bearer <token>" and "Prefer: wait=N";
//   - 201 with a finished prediction, or 202 with one still "starting"
//     (odd items finish within the wait, even items need polling);
//   - GET /v1/predictions/{id} (urls.get) and POST /v1/predictions/{id}/cancel
//     (urls.cancel), both answering the prediction object;
//   - outputs are HTTPS URLs that need the Authorization header, expire, and
//     are served here in place of replicate.delivery;
//   - errors are problem details {"title","detail","status"}; 429 carries
//     Retry-After (replicate-go honours it); 422 lists invalid_fields.
//
// Failed predictions carry the model's error string; models with a safety
// checker fail with "NSFW content detected…".
func fakeReplicate(ctl *pt.Control) http.Handler {
	f := &fakeRep{ctl: ctl, preds: map[string]*pred{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/predictions", f.create)
	mux.HandleFunc("POST /v1/models/{owner}/{name}/predictions", f.create)
	mux.HandleFunc("GET /v1/predictions/{id}", f.get)
	mux.HandleFunc("POST /v1/predictions/{id}/cancel", f.cancel)
	mux.HandleFunc("GET /pbxt/{id}/{file}", f.file)
	return mux
}

// pollFault makes the first poll of a prediction answer 503.
const pollFault pt.Fault = "503 while polling"

type fakeRep struct {
	ctl   *pt.Control
	mu    sync.Mutex
	preds map[string]*pred
}

type pred struct {
	item   int
	fault  pt.Fault
	model  string
	ver    string
	input  map[string]any
	status string
	polls  int
}

func (f *fakeRep) create(w http.ResponseWriter, r *http.Request) {
	if !f.ctl.Bearer(r) {
		problem(w, http.StatusUnauthorized, "Unauthenticated", "You did not pass a valid authentication token")
		return
	}
	var body struct {
		Version string         `json:"version"`
		Input   map[string]any `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Input == nil {
		problem(w, http.StatusBadRequest, "Bad request", "The request body must be JSON with an input object")
		return
	}
	model, ver := r.PathValue("owner")+"/"+r.PathValue("name"), "hidden"
	if r.PathValue("owner") == "" {
		model, ver = "stability-ai/sdxl", body.Version
		if len(ver) != 64 {
			problem(w, http.StatusUnprocessableEntity, "Invalid version or not permitted", "The specified version does not exist (or perhaps you don't have permission to use it?)")
			return
		}
	}
	if !strings.HasPrefix(r.Header.Get("Prefer"), "wait") {
		problem(w, http.StatusBadRequest, "Bad request", "genmint always sends Prefer: wait")
		return
	}
	prompt, _ := body.Input["prompt"].(string)
	if prompt == "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"title":"Input validation failed","detail":"- input: prompt is required","status":422,"invalid_fields":[{"type":"required","field":"input","description":"prompt is required"}]}`)
		return
	}
	item, fault := f.ctl.Billable(prompt)
	switch fault {
	case pt.RateLimited, pt.RateLimitedDate:
		w.Header().Set("Retry-After", f.ctl.RetryAfterHeader(fault))
		problem(w, http.StatusTooManyRequests, "Request was throttled", "Request was throttled. Expected available in 1 second.")
		return
	case pt.ServerError:
		problem(w, http.StatusInternalServerError, "Internal Server Error", "An unexpected error occurred")
		return
	case pt.Unavailable:
		problem(w, http.StatusServiceUnavailable, "Service Unavailable", "The service is temporarily unavailable")
		return
	case pt.Slow:
		pt.Hold(r, time.Minute)
		if r.Context().Err() != nil {
			return
		}
	case pt.EchoKey:
		problem(w, http.StatusUnauthorized, "Unauthenticated", "Invalid token "+r.Header.Get("Authorization"))
		return
	case pt.MalformedJSON:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":"gm3qorzdhgbfurvjtvhg6dckhu","model":"`)
		return
	}
	p := &pred{item: item, fault: fault, model: model, ver: ver, input: body.Input, status: "starting"}
	id := fmt.Sprintf("gm3qorzdhgbfurvjtvhg6d%04d", item*10+f.ctl.BillableCount(item))
	f.mu.Lock()
	f.preds[id] = p
	f.mu.Unlock()
	code := http.StatusAccepted
	if item%2 == 1 && fault != pt.Hang {
		f.finish(p) // finished within Prefer: wait
		code = http.StatusCreated
	}
	f.write(w, r, code, id, p)
}

// finish moves a prediction to its terminal state.
func (f *fakeRep) finish(p *pred) {
	switch p.fault {
	case pt.RefusalBilled:
		p.status = "failed"
	default:
		p.status = "succeeded"
	}
}

func (f *fakeRep) get(w http.ResponseWriter, r *http.Request) {
	if !f.ctl.Bearer(r) {
		problem(w, http.StatusUnauthorized, "Unauthenticated", "You did not pass a valid authentication token")
		return
	}
	id := r.PathValue("id")
	f.mu.Lock()
	p := f.preds[id]
	if p != nil && p.fault == pollFault && p.polls == 0 {
		p.polls++
		f.mu.Unlock()
		problem(w, http.StatusServiceUnavailable, "Service Unavailable", "The service is temporarily unavailable")
		return
	}
	if p != nil {
		p.polls++
		if p.fault == pt.Hang {
			p.status = "processing"
			f.ctl.InFlight(p.item)
		} else if !terminalStatus(p.status) {
			f.finish(p)
		}
	}
	f.mu.Unlock()
	if p == nil {
		problem(w, http.StatusNotFound, "Not found", "The requested resource does not exist")
		return
	}
	f.write(w, r, http.StatusOK, id, p)
}

func (f *fakeRep) cancel(w http.ResponseWriter, r *http.Request) {
	if !f.ctl.Bearer(r) {
		problem(w, http.StatusUnauthorized, "Unauthenticated", "You did not pass a valid authentication token")
		return
	}
	id := r.PathValue("id")
	f.mu.Lock()
	p := f.preds[id]
	if p != nil && !terminalStatus(p.status) {
		p.status = "canceled"
	}
	f.mu.Unlock()
	if p == nil {
		problem(w, http.StatusNotFound, "Not found", "The requested resource does not exist")
		return
	}
	f.ctl.Event("cancel %s", id)
	f.write(w, r, http.StatusOK, id, p)
}

func terminalStatus(s string) bool {
	return s == "succeeded" || s == "failed" || s == "canceled" || s == "aborted"
}

func (f *fakeRep) write(w http.ResponseWriter, r *http.Request, code int, id string, p *pred) {
	base := f.ctl.URL + "/v1/predictions/" + id
	body := map[string]any{
		"id": id, "model": p.model, "version": p.ver, "input": p.input,
		"logs": "", "output": nil, "error": nil, "status": p.status, "source": "api", "data_removed": false,
		"created_at": "2026-11-22T10:00:00.000000Z",
		"urls":       map[string]any{"get": base, "cancel": base + "/cancel", "web": "https://replicate.com/p/" + id, "stream": "https://stream.replicate.com/v1/files/x"},
	}
	switch p.status {
	case "processing":
		body["started_at"] = "2026-11-22T10:00:01.000000Z"
		body["logs"] = fmt.Sprintf("Using seed: %v\n", p.input["seed"])
	case "succeeded":
		body["started_at"] = "2026-11-22T10:00:01.000000Z"
		body["completed_at"] = "2026-11-22T10:00:03.500000Z"
		body["logs"] = fmt.Sprintf("Using seed: %v\n0%%|          | 0/4 [00:00<?, ?it/s]\n100%%|██████████| 4/4 [00:01<00:00,  3.10it/s]\n", p.input["seed"])
		body["metrics"] = map[string]any{"predict_time": 1.52, "total_time": 3.5}
		body["output"] = []any{f.outputURL(id, p)}
	case "failed":
		body["started_at"] = "2026-11-22T10:00:01.000000Z"
		body["completed_at"] = "2026-11-22T10:00:02.000000Z"
		body["error"] = "NSFW content detected. Try running it again, or try a different prompt."
		body["metrics"] = map[string]any{"predict_time": 0.9, "total_time": 1.1}
	case "canceled":
		body["completed_at"] = "2026-11-22T10:00:02.000000Z"
		body["metrics"] = map[string]any{"predict_time": 0.4, "total_time": 2}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}

func (f *fakeRep) outputURL(id string, p *pred) string {
	switch p.fault {
	case pt.URLLoopback:
		return f.ctl.Other + "/pbxt/" + id + "/out-0.png"
	case pt.URLMetadata:
		return "https://169.254.169.254/latest/meta-data/"
	}
	return f.ctl.URL + "/pbxt/" + id + "/out-0.png"
}

func (f *fakeRep) file(w http.ResponseWriter, r *http.Request) {
	if !f.ctl.Bearer(r) {
		problem(w, http.StatusUnauthorized, "Unauthenticated", "You did not pass a valid authentication token")
		return
	}
	f.mu.Lock()
	p := f.preds[r.PathValue("id")]
	f.mu.Unlock()
	if p == nil {
		http.NotFound(w, r)
		return
	}
	switch p.fault {
	case pt.Expired:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "Not Found")
		return
	case pt.URLRedirect:
		http.Redirect(w, r, f.ctl.Other+"/latest/meta-data/", http.StatusFound)
		return
	case pt.WrongContentType:
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>Access denied</html>")
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(pt.FaultyImage(p.item, p.fault))
}

func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"title": title, "detail": detail, "status": status})
}
