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
//
// workflow.go reads, checks and edits the workflow; server.go speaks
// ComfyUI's HTTP API; Generate, here, runs one item through both.
package comfyui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/genmint/genmint/generate"
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

// New validates the spec's parameters and the workflow, and builds a
// client. Its only I/O is reading the workflow file named by
// provider.params.workflow (no network).
func New(cfg generate.ProviderConfig) (generate.Provider, error) {
	if cfg.Dir != "" {
		p, err := resolveWorkflow(cfg.Params, cfg.Dir)
		if err != nil {
			return nil, err
		}
		cfg.Params = p
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

// Generate queues the workflow with this item's seed and prompt, waits for
// it, and fetches its image.
func (c *Client) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	// 1. This item's workflow: seed, prompts, size and checkpoint written in.
	wf, model, err := c.workflowFor(req)
	if err != nil {
		return nil, err
	}
	// 2. Queue it (POST /prompt).
	id, err := c.queue(ctx, req.Item, wf)
	if err != nil {
		return nil, err
	}
	// 3. Wait until it has run (GET /history/{id}); Ctrl-C takes it off the
	// server's queue.
	entry, err := c.await(ctx, req.Item, id)
	if err != nil {
		return nil, err
	}
	// 4. What happened, and which image is the item's.
	img, facts, err := c.outcome(req.Item, id, entry)
	if err != nil {
		return nil, err
	}
	// 5. The image itself (GET /view).
	data, mt, err := c.download(ctx, req.Item, id, img)
	if err != nil {
		return nil, err
	}
	// 6. The result, with the workflow as submitted.
	return c.result(req, id, wf, model, data, mt, facts), nil
}

// result records what was made and how: the workflow as submitted, its file
// and hash, and the nodes genmint wrote into and read from.
func (c *Client) result(req generate.Request, id string, wf map[string]any, model string, data []byte, mt string, facts map[string]any) *generate.Result {
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
	}
}

// promptFailure is the error of item's queued prompt id ("unknown" before
// ComfyUI named one).
func promptFailure(item int, id, format string, args ...any) error {
	return fmt.Errorf("comfyui item %d (prompt %s): %w", item, id, fmt.Errorf(format, args...))
}
