package comfyui

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/internal/params"
	"github.com/genmint/genmint/internal/collpath"
)

// samplers are the node classes whose seed genmint sets, with the name of
// their seed input.
var samplers = map[string]string{
	"KSampler":         "seed",
	"KSamplerAdvanced": "noise_seed",
	"SamplerCustom":    "noise_seed",
	"RandomNoise":      "noise_seed",
}

// resolveWorkflow returns params with a provider.params.workflow path
// resolved against dir (the collection folder) by the collection path rule:
// written relative to the collection, and inside it once symlinks are
// followed, so a spec cannot send a file from elsewhere to the server.
func resolveWorkflow(p generate.Params, dir string) (generate.Params, error) {
	path, ok := p["workflow"].(string)
	if !ok || path == "" {
		return p, nil
	}
	real, err := collpath.Resolve(dir, path)
	if errors.Is(err, collpath.ErrOutside) {
		return nil, fmt.Errorf("provider.params.workflow: %w (%s)", err, collpath.Hint)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("provider.params.workflow: %w", err)
	}
	if err != nil {
		real = filepath.Join(dir, path) // reported as missing when opened
	}
	out := generate.Params{}
	for k, v := range p {
		out[k] = v
	}
	out["workflow"] = real
	return out, nil
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

// workflowFor is the workflow for one request: a fresh copy of the loaded
// one with the item's seed, prompt, negative prompt, size and checkpoint
// written into the bound nodes. It also returns the checkpoint the workflow
// runs with ("" when it names none).
func (c *Client) workflowFor(req generate.Request) (map[string]any, string, error) {
	var wf map[string]any
	if err := json.Unmarshal(c.raw, &wf); err != nil {
		return nil, "", err
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
			return nil, "", fmt.Errorf("comfyui item %d: provider.model is set but the workflow has no checkpoint loader to put it in", req.Item)
		}
		inputsOf(wf, c.ckptNode)["ckpt_name"] = model
	}
	if c.ckptNode != "" {
		if name, ok := inputsOf(wf, c.ckptNode)["ckpt_name"].(string); ok {
			model = name
		}
	}
	return wf, model, nil
}
