package comfyui_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	pt "github.com/genmint/genmint/generate/providers/providertest"
)

// fakeComfy answers like ComfyUI's server.py and execution.py:
//   - POST /prompt {"prompt", "client_id"} → {"prompt_id", "number",
//     "node_errors": {}}, or 400 {"error": {"type", "message", "details",
//     "extra_info"}, "node_errors": {...}} (validate_prompt);
//   - GET /history/{id} → {} while queued or running, then {id: {"prompt":
//     [number, id, prompt, extra_data, outputs_to_execute], "outputs",
//     "status": {"status_str", "completed", "messages"}, "meta"}};
//   - GET /view?filename&subfolder&type → the file (image/png, with a
//     Content-Disposition header, as web.FileResponse sends it);
//   - GET /queue → {"queue_running": [...], "queue_pending": [...]};
//     POST /interrupt and POST /queue {"delete": [ids]} → 200, empty body.
//
// Like ComfyUI, it caches: queueing a graph identical to one already run
// executes nothing and reports every node in an execution_cached message.
// Modern ComfyUI still reports the cached output node's images; older
// versions (legacyCache) report no outputs at all.
//
// ComfyUI has no 429 or 503 of its own; those come from a reverse proxy
// (nginx) in front of it. aiohttp answers an unhandled exception with a
// plain-text 500.
func fakeComfy(ctl *pt.Control) http.Handler { return newFake(ctl, false) }

func fakeComfyLegacyCache(ctl *pt.Control) http.Handler { return newFake(ctl, true) }

type fake struct {
	ctl         *pt.Control
	legacyCache bool
	mu          sync.Mutex
	number      int
	runs        map[string]*run // prompt id → run
	seen        map[string]string
}

type run struct {
	item   int
	fault  pt.Fault
	number int
	graph  map[string]any
	polls  int
	cached bool
	file   string
}

func newFake(ctl *pt.Control, legacy bool) http.Handler {
	f := &fake{ctl: ctl, legacyCache: legacy, runs: map[string]*run{}, seen: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /prompt", f.prompt)
	mux.HandleFunc("GET /history/{id}", f.history)
	mux.HandleFunc("GET /view", f.view)
	mux.HandleFunc("GET /queue", f.queue)
	mux.HandleFunc("POST /queue", f.queueDelete)
	mux.HandleFunc("POST /interrupt", func(w http.ResponseWriter, r *http.Request) { ctl.Event("interrupt") })
	return mux
}

func (f *fake) prompt(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Prompt   map[string]map[string]any `json:"prompt"`
		ClientID string                    `json:"client_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Prompt == nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "no prompt", "node_errors": []any{}})
		return
	}
	text := ""
	for _, n := range body.Prompt {
		if in, ok := n["inputs"].(map[string]any); ok {
			if s, ok := in["text"].(string); ok && strings.Contains(s, "conformance item") {
				text = s
			}
		}
	}
	item, fault := f.ctl.Billable(text)
	// genmint must have written the item's seed into the sampler.
	sampler, _ := body.Prompt["3"]["inputs"].(map[string]any)
	if seed, _ := sampler["seed"].(float64); int(seed) != 1000+item {
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"error": map[string]any{"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": map[string]any{}},
			"node_errors": map[string]any{"3": map[string]any{
				"errors":            []any{map[string]any{"type": "value_not_valid", "message": "genmint's seed was not written", "details": fmt.Sprintf("seed: %v", sampler["seed"]), "extra_info": map[string]any{}}},
				"dependent_outputs": []any{"9"}, "class_type": "KSampler",
			}},
		})
		return
	}
	if ck, _ := body.Prompt["4"]["inputs"].(map[string]any)["ckpt_name"].(string); ck == "missing.safetensors" {
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"error": map[string]any{"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": map[string]any{}},
			"node_errors": map[string]any{"4": map[string]any{
				"errors":            []any{map[string]any{"type": "value_not_in_list", "message": "Value not in list", "details": "ckpt_name: 'missing.safetensors' not in ['v1-5-pruned-emaonly.safetensors']", "extra_info": map[string]any{"input_name": "ckpt_name", "received_value": "missing.safetensors"}}},
				"dependent_outputs": []any{"9"}, "class_type": "CheckpointLoaderSimple",
			}},
		})
		return
	}
	switch fault {
	case pt.RateLimited, pt.RateLimitedDate:
		w.Header().Set("Retry-After", f.ctl.RetryAfterHeader(fault))
		nginx(w, http.StatusTooManyRequests, "429 Too Many Requests")
		return
	case pt.Unavailable:
		nginx(w, http.StatusServiceUnavailable, "503 Service Temporarily Unavailable")
		return
	case pt.ServerError:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, "500 Internal Server Error\n\nServer got itself in trouble")
		return
	case pt.Slow:
		pt.Hold(r, time.Minute)
		if r.Context().Err() != nil {
			return
		}
	case pt.MalformedJSON:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, `{"prompt_id": "f0e1d2c3-`)
		return
	}
	graph := map[string]any{}
	for k, v := range body.Prompt {
		graph[k] = v
	}
	key, _ := json.Marshal(graph)
	f.mu.Lock()
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", item*100+f.ctl.BillableCount(item))
	f.number++
	ru := &run{item: item, fault: fault, number: f.number, graph: graph, file: fmt.Sprintf("ComfyUI_%05d_.png", f.number)}
	if prev, ok := f.seen[string(key)]; ok {
		ru.cached = true
		ru.file = f.runs[prev].file
	} else {
		f.seen[string(key)] = id
	}
	f.runs[id] = ru
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"prompt_id": id, "number": ru.number, "node_errors": map[string]any{}})
}

func (f *fake) history(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f.mu.Lock()
	ru := f.runs[id]
	if ru != nil {
		ru.polls++
	}
	f.mu.Unlock()
	if ru == nil || ru.fault == pt.Hang || (ru.item%2 == 0 && ru.polls < 2) {
		if ru != nil && ru.fault == pt.Hang {
			f.ctl.InFlight(ru.item)
		}
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	const t0 = 1763805600000
	var nodes []any
	outputs := map[string]any{"9": map[string]any{"images": []any{map[string]any{"filename": ru.file, "subfolder": "", "type": "output"}}}}
	if ru.cached {
		nodes = []any{"3", "4", "5", "6", "7", "8", "9"}
		if f.legacyCache {
			outputs = map[string]any{}
		}
	} else {
		nodes = []any{}
	}
	entry := map[string]any{
		"prompt":  []any{ru.number, id, ru.graph, map[string]any{"client_id": "genmint"}, []any{"9"}},
		"outputs": outputs,
		"status": map[string]any{"status_str": "success", "completed": true, "messages": []any{
			[]any{"execution_start", map[string]any{"prompt_id": id, "timestamp": t0}},
			[]any{"execution_cached", map[string]any{"nodes": nodes, "prompt_id": id, "timestamp": t0 + 2}},
			[]any{"execution_success", map[string]any{"prompt_id": id, "timestamp": t0 + 4200}},
		}},
		"meta": map[string]any{"9": map[string]any{"node_id": "9", "display_node": "9", "parent_node": nil, "real_node_id": "9"}},
	}
	writeJSON(w, http.StatusOK, map[string]any{id: entry})
}

func (f *fake) view(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("type") != "output" || q.Get("subfolder") != "" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	f.mu.Lock()
	var ru *run
	for _, x := range f.runs {
		if x.file == q.Get("filename") && (ru == nil || !x.cached) {
			ru = x
		}
	}
	f.mu.Unlock()
	if ru == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if ru.fault == pt.WrongContentType {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><title>ComfyUI</title></html>")
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Disposition", `filename="`+ru.file+`"`)
	w.Write(pt.FaultyImage(ru.item, ru.fault))
}

func (f *fake) queue(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	running := []any{}
	for id, ru := range f.runs {
		if ru.fault == pt.Hang {
			running = append(running, []any{ru.number, id, ru.graph, map[string]any{"client_id": "genmint"}, []any{"9"}})
		}
	}
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"queue_running": running, "queue_pending": []any{}})
}

func (f *fake) queueDelete(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Delete []string `json:"delete"`
	}
	json.NewDecoder(r.Body).Decode(&body)
	for _, id := range body.Delete {
		f.ctl.Event("delete %s", id)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func nginx(w http.ResponseWriter, status int, title string) {
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Server", "nginx")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", title, title)
}
