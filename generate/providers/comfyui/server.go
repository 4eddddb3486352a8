package comfyui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/httpsafe"
)

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

// queue submits wf (POST /prompt) and returns the prompt id ComfyUI gave it.
func (c *Client) queue(ctx context.Context, item int, wf map[string]any) (string, error) {
	payload, err := json.Marshal(map[string]any{"prompt": wf, "client_id": c.clientID})
	if err != nil {
		return "", err
	}
	resp, err := c.http.Do(ctx, http.MethodPost, c.http.URL("/prompt"), bytes.NewReader(payload), http.Header{"Content-Type": {"application/json"}}, true)
	if err != nil {
		if generate.IsTemporary(err) {
			return "", fmt.Errorf("comfyui item %d: %w (is ComfyUI running at %s?)", item, err, c.http.Base)
		}
		return "", fmt.Errorf("comfyui item %d: %w", item, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("comfyui item %d: %w", item, c.promptError(resp))
	}
	var queued struct {
		PromptID string `json:"prompt_id"`
	}
	if err := c.http.ReadJSON(resp, httpsafe.MaxJSONBody, &queued); err != nil {
		return "", promptFailure(item, "unknown", "%w", err)
	}
	if queued.PromptID == "" {
		return "", promptFailure(item, "unknown", "%w: the answer has no prompt_id", httpsafe.ErrMalformed)
	}
	return queued.PromptID, nil
}

// await polls the history every poll interval until prompt id has run,
// riding out up to ten temporary faults in a row. When ctx ends it takes
// the prompt off the server's queue, or interrupts it (stop).
func (c *Client) await(ctx context.Context, item int, id string) (*historyEntry, error) {
	for failures := 0; ; {
		t := time.NewTimer(c.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			c.stop(id)
			return nil, promptFailure(item, id, "stopped at ComfyUI: %w", ctx.Err())
		case <-t.C:
		}
		e, err := c.history(ctx, id)
		switch {
		case err != nil && ctx.Err() != nil:
			c.stop(id)
			return nil, promptFailure(item, id, "stopped at ComfyUI: %w", ctx.Err())
		case err != nil && generate.IsTemporary(err) && failures < 10:
			failures++
		case err != nil:
			return nil, promptFailure(item, id, "%w", err)
		default:
			failures = 0
			if e != nil {
				return e, nil
			}
		}
	}
}

// outcome reads a finished prompt: its status messages become facts (run
// time, the nodes served from cache), and the output node's image is the
// first of type "output" (else its first). A failed or interrupted run is
// an error, and so is a missing image, with ErrCached when ComfyUI served
// the whole workflow from its cache.
func (c *Client) outcome(item int, id string, entry *historyEntry) (*viewRef, map[string]any, error) {
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
			return nil, nil, promptFailure(item, id, "the workflow failed in node %v (%v): %s", data["node_id"], data["node_type"], c.http.Snippet([]byte(fmt.Sprint(data["exception_message"]))))
		case "execution_interrupted":
			return nil, nil, &generate.TemporaryError{Err: promptFailure(item, id, "the prompt was interrupted at the server (node %v)", data["node_id"])}
		}
	}
	if entry.Status.StatusStr == "error" {
		return nil, nil, promptFailure(item, id, "the workflow failed (status error)")
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
			return nil, nil, promptFailure(item, id, "%w: this exact workflow, seed and prompt already ran on this server; its image is in ComfyUI's output folder. To make it again, free ComfyUI's cache (restart it, or POST /free) and re-run", ErrCached)
		}
		return nil, nil, promptFailure(item, id, "%w: node %s produced no image", httpsafe.ErrMalformed, c.outputNode)
	}
	if cached[c.outputNode] {
		facts["served_from_cache"] = true
	}
	facts["output"] = map[string]any{"filename": img.Filename, "subfolder": img.Subfolder, "type": img.Type}
	return img, facts, nil
}

// download fetches an output image (GET /view) and its media type.
func (c *Client) download(ctx context.Context, item int, id string, img *viewRef) ([]byte, string, error) {
	q := url.Values{"filename": {img.Filename}, "subfolder": {img.Subfolder}, "type": {img.Type}}
	data, mt, err := c.http.Download(ctx, c.http.URL("/view")+"?"+q.Encode(), true)
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", promptFailure(item, id, "%w", ctx.Err())
		}
		return nil, "", promptFailure(item, id, "%w", err)
	}
	return data, mt, nil
}
