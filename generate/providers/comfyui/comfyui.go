// Package comfyui is genmint's client for a ComfyUI server running an
// API-format workflow. base_url is required (usually http://127.0.0.1:8188).
//
// Shapes follow ComfyUI's own server (github.com/comfyanonymous/ComfyUI
// server.py at commit 005f3ba: its routes; execution.py: PromptQueue and
// validate_prompt):
//   - POST /prompt {"prompt": <API-format workflow>, "client_id"} answers
//     {"prompt_id", "number", "node_errors"}; an invalid workflow answers
//     400 {"error": {"type", "message", "details", "extra_info"},
//     "node_errors": {<node id>: {"errors": [...], "dependent_outputs",
//     "class_type"}}};
//   - GET /history/{prompt_id} answers {} until the prompt has run, then
//     {<prompt_id>: {"prompt", "outputs": {<node id>: {"images":
//     [{"filename", "subfolder", "type"}]}}, "status": {"status_str",
//     "completed", "messages": [[event, data], ...]}}};
//   - GET /view?filename=…&subfolder=…&type=… serves an output file;
//   - GET /queue lists queue_running and queue_pending; POST /interrupt
//     stops the running prompt, POST /queue {"delete": [ids]} drops pending
//     ones (both used on Ctrl-C).
//
// ComfyUI never picks a seed: genmint writes the item's seed into the
// sampler node, so every image is reproducible from the recorded workflow.
// ComfyUI caches node outputs: re-queueing an identical workflow (same seed,
// same prompt) runs nothing and, depending on the version, reports the old
// image or none at all. The first case is recorded (served_from_cache); the
// second is an error wrapping ErrCached, never an empty success.
package comfyui

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/httpsafe"
	"github.com/genmint/genmint/generate/providers/internal/httpc"
	"github.com/genmint/genmint/generate/providers/internal/params"
)

// Name is the provider's name in genmint.yaml.
const Name = "comfyui"

// ErrCached is wrapped by the error of a prompt that ComfyUI answered from
// its cache without making an image.
var ErrCached = errors.New("comfyui served the workflow from its cache and made no new image")

// Info registers the provider.
var Info = generate.ProviderInfo{
	Name:    Name,
	Summary: "ComfyUI server running an API-format workflow, POST /prompt",
	Records: []string{
		"the seed genmint wrote into the sampler node (ComfyUI never picks one)",
		"the workflow as submitted, its file name and sha256, and the node ids used",
		"the checkpoint name, prompt id, and whether the image came from ComfyUI's cache",
	},
	Paid:        false,
	KeyEnv:      "", // optional: provider.api_key_env may name a bearer token for a proxy in front of ComfyUI
	EstimateUSD: nil,
	New:         New,
}

// samplers are the node classes whose seed genmint sets, with the name of
// their seed input.
var samplers = map[string]string{
	"KSampler":         "seed",
	"KSamplerAdvanced": "noise_seed",
	"SamplerCustom":    "noise_seed",
	"RandomNoise":      "noise_seed",
}

// Client runs a workflow on a ComfyUI server.
type Client struct {
	http     *httpc.Client
	raw      []byte // the workflow, parsed and re-encoded
	name     string // file name, or "inline"
	sum      string // sha256 of the workflow as given
	model    string
	poll     time.Duration
	clientID string

	seedNode, seedInput     string
	promptNode, promptInput string
	negNode, negInput       string
	outputNode              string
	sizeNode                string
	ckptNode                string
}

var _ generate.Provider = (*Client)(nil)

// resolveWorkflow returns params with a relative provider.params.workflow
// path made absolute against dir (the collection folder), so that workflow
// paths in genmint.yaml are relative to the collection, not to wherever
// genmint was started.
func resolveWorkflow(p generate.Params, dir string) generate.Params {
	path, ok := p["workflow"].(string)
	if !ok || path == "" || filepath.IsAbs(path) {
		return p
	}
	out := generate.Params{}
	for k, v := range p {
		out[k] = v
	}
	out["workflow"] = filepath.Join(dir, path)
	return out
}

// New validates the spec's parameters and the workflow, and builds a
// client. Its only I/O is reading the workflow file named by
// provider.params.workflow (no network).
func New(cfg generate.ProviderConfig) (generate.Provider, error) {
	if cfg.Dir != "" {
		cfg.Params = resolveWorkflow(cfg.Params, cfg.Dir)
	}
	r := params.New(Name, cfg.Params)
	c := &Client{model: cfg.Model}
	wf, err := c.loadWorkflow(r)
	c.seedNode = r.String("seed_node", "")
	c.seedInput = r.String("seed_input", "")
	c.promptNode = r.String("prompt_node", "")
	c.promptInput = r.String("prompt_input", "text")
	c.negNode = r.String("negative_node", "")
	c.negInput = r.String("negative_input", "text")
	c.outputNode = r.String("output_node", "")
	c.sizeNode = r.String("size_node", "")
	c.ckptNode = r.String("checkpoint_node", "")
	c.poll = r.Duration("poll_interval", 500*time.Millisecond, time.Millisecond, time.Minute)
	if err != nil {
		return nil, err
	}
	if wf != nil {
		c.bindNodes(wf, r)
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	h, err := httpc.New(Name, cfg.BaseURL, nil, cfg.HTTPClient, cfg.APIKey, httpc.Bearer(cfg.APIKey))
	if err != nil {
		return nil, err
	}
	c.http = h
	var id [16]byte
	_, _ = rand.Read(id[:])
	c.clientID = "genmint-" + hex.EncodeToString(id[:])
	return c, nil
}

// loadWorkflow reads provider.params.workflow: a path to an API-format JSON
// file, or the workflow itself inline.
func (c *Client) loadWorkflow(r *params.Reader) (map[string]any, error) {
	v, ok := r.Raw("workflow")
	if !ok {
		return nil, errors.New("provider.params.workflow: comfyui needs a workflow in API format: in ComfyUI use Workflow → Export (API) and set workflow: to that file")
	}
	var data []byte
	switch w := v.(type) {
	case string:
		f, err := os.Open(w)
		if err != nil {
			return nil, fmt.Errorf("provider.params.workflow: %w", err)
		}
		defer f.Close()
		data, err = io.ReadAll(io.LimitReader(f, 16<<20+1))
		if err != nil {
			return nil, fmt.Errorf("provider.params.workflow: read %s: %w", filepath.Base(w), err)
		}
		if len(data) > 16<<20 {
			return nil, fmt.Errorf("provider.params.workflow: %s is larger than 16 MB; is it a workflow?", filepath.Base(w))
		}
		c.name = filepath.Base(w)
	case map[string]any:
		b, err := json.Marshal(w)
		if err != nil {
			return nil, fmt.Errorf("provider.params.workflow: %w", err)
		}
		data = b
		c.name = "inline"
	default:
		return nil, errors.New("provider.params.workflow: must be the path of an API-format workflow file, or the workflow itself")
	}
	sum := sha256.Sum256(data)
	c.sum = hex.EncodeToString(sum[:])
	var wf map[string]any
	if err := json.Unmarshal(data, &wf); err != nil {
		return nil, fmt.Errorf("provider.params.workflow: %s is not JSON: %v", c.name, err)
	}
	if _, ui := wf["nodes"].([]any); ui {
		if _, links := wf["links"]; links {
			return nil, fmt.Errorf("provider.params.workflow: %s is ComfyUI's UI format; export it in API format (Workflow → Export (API))", c.name)
		}
	}
	if len(wf) == 0 {
		return nil, fmt.Errorf("provider.params.workflow: %s has no nodes", c.name)
	}
	for id, n := range wf {
		node, ok := n.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("provider.params.workflow: node %q in %s is not an object; is the file in API format?", id, c.name)
		}
		if _, ok := node["class_type"].(string); !ok {
			return nil, fmt.Errorf("provider.params.workflow: node %q in %s has no class_type; is the file in API format?", id, c.name)
		}
		if _, ok := node["inputs"].(map[string]any); !ok {
			return nil, fmt.Errorf("provider.params.workflow: node %q in %s has no inputs", id, c.name)
		}
	}
	c.raw, _ = json.Marshal(wf)
	return wf, nil
}

func classOf(wf map[string]any, id string) string {
	n, _ := wf[id].(map[string]any)
	s, _ := n["class_type"].(string)
	return s
}

func inputsOf(wf map[string]any, id string) map[string]any {
	n, _ := wf[id].(map[string]any)
	in, _ := n["inputs"].(map[string]any)
	return in
}

// nodesOf lists the ids of nodes whose class is in classes, sorted.
func nodesOf(wf map[string]any, classes ...string) []string {
	var ids []string
	for id := range wf {
		for _, c := range classes {
			if classOf(wf, id) == c {
				ids = append(ids, id)
			}
		}
	}
	sortIDs(ids)
	return ids
}

func sortIDs(ids []string) {
	sort.Slice(ids, func(i, j int) bool {
		if len(ids[i]) != len(ids[j]) {
			return len(ids[i]) < len(ids[j])
		}
		return ids[i] < ids[j]
	})
}

func describe(wf map[string]any, ids []string) string {
	var parts []string
	for _, id := range ids {
		parts = append(parts, id+" ("+classOf(wf, id)+")")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// link follows an input that connects to another node ([id, output]).
func link(v any) (string, bool) {
	l, ok := v.([]any)
	if !ok || len(l) != 2 {
		return "", false
	}
	switch id := l[0].(type) {
	case string:
		return id, true
	case float64:
		return fmt.Sprint(id), true
	}
	return "", false
}

// bindNodes finds (or checks) the nodes genmint writes into and reads from.
func (c *Client) bindNodes(wf map[string]any, r *params.Reader) {
	exists := func(key, id string) bool {
		if _, ok := wf[id]; !ok {
			var all []string
			for k := range wf {
				all = append(all, k)
			}
			sortIDs(all)
			r.Fail(key, "%s has no node %q (its nodes: %s)", c.name, id, describe(wf, all))
			return false
		}
		return true
	}
	// The sampler whose seed genmint sets.
	if c.seedNode == "" {
		found := nodesOf(wf, "KSampler", "KSamplerAdvanced", "SamplerCustom", "RandomNoise")
		if len(found) != 1 {
			r.Fail("seed_node", "%s has %d sampler nodes (%s); name the one whose seed genmint sets", c.name, len(found), describe(wf, found))
			return
		}
		c.seedNode = found[0]
	} else if !exists("seed_node", c.seedNode) {
		return
	}
	if c.seedInput == "" {
		c.seedInput = samplers[classOf(wf, c.seedNode)]
		if c.seedInput == "" {
			for _, k := range []string{"seed", "noise_seed"} {
				if _, ok := inputsOf(wf, c.seedNode)[k]; ok {
					c.seedInput = k
				}
			}
		}
		if c.seedInput == "" {
			r.Fail("seed_input", "node %s (%s) has no seed or noise_seed input; name the input", c.seedNode, classOf(wf, c.seedNode))
		}
	}
	// The prompts: the text encoders wired to the sampler, unless named.
	sampler := inputsOf(wf, c.seedNode)
	if c.promptNode == "" {
		if id, ok := link(sampler["positive"]); ok {
			c.promptNode = id
		} else {
			r.Fail("prompt_node", "cannot tell which node holds the prompt (node %s has no positive input); name it", c.seedNode)
		}
	}
	if c.promptNode != "" && exists("prompt_node", c.promptNode) {
		if _, ok := inputsOf(wf, c.promptNode)[c.promptInput].(string); !ok {
			r.Fail("prompt_input", "node %s (%s) has no text input %q; name the input that holds the prompt", c.promptNode, classOf(wf, c.promptNode), c.promptInput)
		}
	}
	if c.negNode == "" {
		if id, ok := link(sampler["negative"]); ok {
			if _, isText := inputsOf(wf, id)[c.negInput].(string); isText {
				c.negNode = id
			}
		}
	} else if exists("negative_node", c.negNode) {
		if _, ok := inputsOf(wf, c.negNode)[c.negInput].(string); !ok {
			r.Fail("negative_input", "node %s (%s) has no text input %q", c.negNode, classOf(wf, c.negNode), c.negInput)
		}
	}
	// The image to keep.
	if c.outputNode == "" {
		found := nodesOf(wf, "SaveImage")
		if len(found) != 1 {
			r.Fail("output_node", "%s has %d SaveImage nodes (%s); name the one whose image genmint keeps", c.name, len(found), describe(wf, found))
		} else {
			c.outputNode = found[0]
		}
	} else {
		exists("output_node", c.outputNode)
	}
	// Optional: the latent size and the checkpoint.
	if c.sizeNode == "" {
		if found := nodesOf(wf, "EmptyLatentImage", "EmptySD3LatentImage"); len(found) == 1 {
			c.sizeNode = found[0]
		}
	} else {
		exists("size_node", c.sizeNode)
	}
	if c.ckptNode == "" {
		if found := nodesOf(wf, "CheckpointLoaderSimple"); len(found) == 1 {
			c.ckptNode = found[0]
		}
	} else {
		exists("checkpoint_node", c.ckptNode)
	}
	if c.model != "" && c.ckptNode == "" {
		r.Fail("checkpoint_node", "provider.model is set but %s has no single CheckpointLoaderSimple node to put it in; name the node", c.name)
	}
}

// historyEntry is one prompt in GET /history/{id}.
type historyEntry struct {
	Outputs map[string]struct {
		Images []viewRef `json:"images"`
	} `json:"outputs"`
	Status *status `json:"status"`
}

type status struct {
	StatusStr string  `json:"status_str"`
	Completed bool    `json:"completed"`
	Messages  [][]any `json:"messages"`
}

type viewRef struct {
	Filename  string `json:"filename"`
	Subfolder string `json:"subfolder"`
	Type      string `json:"type"`
}

// Generate queues the workflow with this item's seed and prompt, waits for
// it, and fetches its image.
func (c *Client) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	var wf map[string]any
	if err := json.Unmarshal(c.raw, &wf); err != nil {
		return nil, err
	}
	inputsOf(wf, c.seedNode)[c.seedInput] = uint64(req.Seed)
	inputsOf(wf, c.promptNode)[c.promptInput] = req.Prompt
	if c.negNode != "" && req.NegativePrompt != "" {
		inputsOf(wf, c.negNode)[c.negInput] = req.NegativePrompt
	}
	if c.sizeNode != "" && req.Width > 0 && req.Height > 0 {
		in := inputsOf(wf, c.sizeNode)
		in["width"], in["height"] = req.Width, req.Height
	}
	model := c.model
	if req.Model != "" {
		model = req.Model
	}
	if model != "" {
		if c.ckptNode == "" {
			return nil, fmt.Errorf("comfyui item %d: provider.model is set but the workflow has no checkpoint loader to put it in", req.Item)
		}
		inputsOf(wf, c.ckptNode)["ckpt_name"] = model
	}
	if c.ckptNode != "" {
		if name, ok := inputsOf(wf, c.ckptNode)["ckpt_name"].(string); ok {
			model = name
		}
	}
	payload, err := json.Marshal(map[string]any{"prompt": wf, "client_id": c.clientID})
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(ctx, http.MethodPost, c.http.URL("/prompt"), bytes.NewReader(payload), http.Header{"Content-Type": {"application/json"}}, true)
	if err != nil {
		if generate.IsTemporary(err) {
			return nil, fmt.Errorf("comfyui item %d: %w (is ComfyUI running at %s?)", req.Item, err, c.http.Base)
		}
		return nil, fmt.Errorf("comfyui item %d: %w", req.Item, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("comfyui item %d: %w", req.Item, c.promptError(resp))
	}
	fail := func(id, format string, args ...any) error {
		return fmt.Errorf("comfyui item %d (prompt %s): %w", req.Item, id, fmt.Errorf(format, args...))
	}
	var queued struct {
		PromptID string `json:"prompt_id"`
	}
	if err := c.http.ReadJSON(resp, httpsafe.MaxJSONBody, &queued); err != nil {
		return nil, fail("unknown", "%w", err)
	}
	if queued.PromptID == "" {
		return nil, fail("unknown", "%w: the answer has no prompt_id", httpsafe.ErrMalformed)
	}
	id := queued.PromptID
	var entry *historyEntry
	for failures := 0; entry == nil; {
		t := time.NewTimer(c.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			c.stop(id)
			return nil, fail(id, "stopped at ComfyUI: %w", ctx.Err())
		case <-t.C:
		}
		e, err := c.history(ctx, id)
		switch {
		case err != nil && ctx.Err() != nil:
			c.stop(id)
			return nil, fail(id, "stopped at ComfyUI: %w", ctx.Err())
		case err != nil && generate.IsTemporary(err) && failures < 10:
			failures++
		case err != nil:
			return nil, fail(id, "%w", err)
		default:
			failures = 0
			entry = e
		}
	}
	facts := map[string]any{}
	cached := map[string]bool{}
	var started, ended float64
	for _, m := range entry.Status.Messages {
		if len(m) != 2 {
			continue
		}
		event, _ := m[0].(string)
		data, _ := m[1].(map[string]any)
		switch event {
		case "execution_start":
			started, _ = data["timestamp"].(float64)
		case "execution_success":
			ended, _ = data["timestamp"].(float64)
		case "execution_cached":
			nodes, _ := data["nodes"].([]any)
			var ids []string
			for _, n := range nodes {
				ids = append(ids, fmt.Sprint(n))
				cached[fmt.Sprint(n)] = true
			}
			if len(ids) > 0 {
				facts["cached_nodes"] = ids
			}
		case "execution_error":
			return nil, fail(id, "the workflow failed in node %v (%v): %s", data["node_id"], data["node_type"], c.http.Snippet([]byte(fmt.Sprint(data["exception_message"]))))
		case "execution_interrupted":
			return nil, &generate.TemporaryError{Err: fail(id, "the prompt was interrupted at the server (node %v)", data["node_id"])}
		}
	}
	if entry.Status.StatusStr == "error" {
		return nil, fail(id, "the workflow failed (status error)")
	}
	if started > 0 && ended >= started {
		facts["execution_ms"] = ended - started
	}
	var img *viewRef
	for i, ref := range entry.Outputs[c.outputNode].Images {
		if ref.Type == "output" || img == nil {
			img = &entry.Outputs[c.outputNode].Images[i]
			if ref.Type == "output" {
				break
			}
		}
	}
	if img == nil {
		if cached[c.outputNode] {
			return nil, fail(id, "%w: this exact workflow, seed and prompt already ran on this server; its image is in ComfyUI's output folder. To make it again, free ComfyUI's cache (restart it, or POST /free) and re-run", ErrCached)
		}
		return nil, fail(id, "%w: node %s produced no image", httpsafe.ErrMalformed, c.outputNode)
	}
	if cached[c.outputNode] {
		facts["served_from_cache"] = true
	}
	facts["output"] = map[string]any{"filename": img.Filename, "subfolder": img.Subfolder, "type": img.Type}
	q := url.Values{"filename": {img.Filename}, "subfolder": {img.Subfolder}, "type": {img.Type}}
	data, mt, err := c.http.Download(ctx, c.http.URL("/view")+"?"+q.Encode(), true)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fail(id, "%w", ctx.Err())
		}
		return nil, fail(id, "%w", err)
	}
	seed := uint64(req.Seed)
	sent := generate.Params{
		"workflow":        c.name,
		"workflow_sha256": c.sum,
		"seed_node":       c.seedNode,
		"seed_input":      c.seedInput,
		"prompt_node":     c.promptNode,
		"output_node":     c.outputNode,
		"graph":           wf,
	}
	if c.negNode != "" {
		sent["negative_node"] = c.negNode
	}
	return &generate.Result{
		Image:        data,
		MediaType:    mt,
		Seed:         &seed,
		Reproducible: true,
		Model:        model,
		RequestID:    id,
		Params:       sent,
		Facts:        facts,
	}, nil
}

// history returns the finished entry for id, or nil while it is queued or
// running.
func (c *Client) history(ctx context.Context, id string) (*historyEntry, error) {
	resp, err := c.http.Do(ctx, http.MethodGet, c.http.URL("/history/"+url.PathEscape(id)), nil, nil, true)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		raw, _ := httpsafe.ReadBody(resp, httpsafe.MaxSmallBody)
		if httpsafe.Retryable(resp.StatusCode) {
			return nil, httpsafe.Temporary(Name, resp, c.http.Snippet(raw))
		}
		return nil, &httpsafe.StatusError{Provider: Name, Code: resp.StatusCode, Message: c.http.Snippet(raw)}
	}
	var h map[string]*historyEntry
	if err := c.http.ReadJSON(resp, httpsafe.MaxJSONBody, &h); err != nil {
		return nil, err
	}
	e := h[id]
	if e == nil {
		return nil, nil
	}
	if e.Status == nil { // older servers: finished once outputs appear
		if len(e.Outputs) == 0 {
			return nil, nil
		}
		e.Status = &status{StatusStr: "success", Completed: true}
	}
	if !e.Status.Completed && e.Status.StatusStr != "error" {
		return nil, nil
	}
	return e, nil
}

// stop removes a prompt from the queue, or interrupts it if it is running,
// with a context of its own (the caller's is already done).
func (c *Client) stop(id string) {
	ctx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	running := false
	if resp, err := c.http.Do(ctx, http.MethodGet, c.http.URL("/queue"), nil, nil, true); err == nil {
		var q struct {
			Running [][]any `json:"queue_running"`
		}
		if resp.StatusCode == http.StatusOK && c.http.ReadJSON(resp, httpsafe.MaxJSONBody, &q) == nil {
			for _, item := range q.Running {
				if len(item) > 1 && item[1] == id {
					running = true
				}
			}
		} else {
			httpsafe.Discard(resp)
		}
	}
	var resp *http.Response
	var err error
	if running {
		resp, err = c.http.Do(ctx, http.MethodPost, c.http.URL("/interrupt"), nil, nil, true)
	} else {
		body, _ := json.Marshal(map[string]any{"delete": []string{id}})
		resp, err = c.http.Do(ctx, http.MethodPost, c.http.URL("/queue"), bytes.NewReader(body), http.Header{"Content-Type": {"application/json"}}, true)
	}
	if err == nil {
		httpsafe.Discard(resp)
	}
}

// promptError explains a refused POST /prompt.
func (c *Client) promptError(resp *http.Response) error {
	raw, _ := httpsafe.ReadBody(resp, httpsafe.MaxSmallBody)
	msg := c.http.Snippet(raw)
	var body struct {
		Error      any `json:"error"`
		NodeErrors map[string]struct {
			ClassType string `json:"class_type"`
			Errors    []struct {
				Message string `json:"message"`
				Details string `json:"details"`
			} `json:"errors"`
		} `json:"node_errors"`
	}
	if json.Unmarshal(raw, &body) == nil && body.Error != nil {
		var parts []string
		switch e := body.Error.(type) {
		case string:
			parts = append(parts, e)
		case map[string]any:
			if m, _ := e["message"].(string); m != "" {
				parts = append(parts, m)
			}
			if d, _ := e["details"].(string); d != "" {
				parts = append(parts, d)
			}
		}
		ids := make([]string, 0, len(body.NodeErrors))
		for id := range body.NodeErrors {
			ids = append(ids, id)
		}
		sortIDs(ids)
		for _, id := range ids {
			ne := body.NodeErrors[id]
			for _, e := range ne.Errors {
				s := fmt.Sprintf("node %s (%s): %s", id, ne.ClassType, e.Message)
				if e.Details != "" {
					s += " (" + e.Details + ")"
				}
				parts = append(parts, s)
			}
		}
		msg = c.http.Snippet([]byte(strings.Join(parts, "; ")))
	}
	if httpsafe.Retryable(resp.StatusCode) {
		return httpsafe.Temporary(Name, resp, msg)
	}
	hint := ""
	if resp.StatusCode == http.StatusBadRequest {
		hint = "ComfyUI rejected the workflow: check the node named, provider.model and the models installed on the server"
	}
	return &httpsafe.StatusError{Provider: Name, Code: resp.StatusCode, Message: msg, Hint: hint}
}
