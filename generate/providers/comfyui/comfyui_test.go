package comfyui_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/comfyui"
	"github.com/genmint/genmint/generate/providers/httpsafe"
	pt "github.com/genmint/genmint/generate/providers/providertest"
)

func harness(fake func(*pt.Control) http.Handler, params generate.Params) pt.Harness {
	p := generate.Params{"workflow": "testdata/workflow_api.json", "poll_interval": "5ms"}
	for k, v := range params {
		p[k] = v
	}
	return pt.Harness{
		Info:        comfyui.Info,
		Params:      p,
		Fake:        fake,
		Faults:      pt.Common,
		CancelEvent: "interrupt",
		RequestID:   true,
	}
}

func TestConformance(t *testing.T) {
	pt.Run(t, harness(fakeComfy, nil))
}

func TestProvenanceGolden(t *testing.T) {
	res := pt.Generate(t, harness(fakeComfy, nil), 1)
	if res.Seed == nil || *res.Seed != 1001 || !res.Reproducible || res.Model != "v1-5-pruned-emaonly.safetensors" {
		t.Errorf("seed %v model %q", res.Seed, res.Model)
	}
	pt.Golden(t, "testdata/provenance.golden.json", res)
}

// Queueing the same workflow, seed and prompt twice makes ComfyUI answer
// from its cache. Modern servers still report the image (recorded as
// served_from_cache); older ones report nothing, which must be an error,
// never an empty success.
func TestCachedRerun(t *testing.T) {
	p, _ := pt.Open(t, harness(fakeComfy, nil))
	if _, err := p.Generate(context.Background(), pt.Request(1)); err != nil {
		t.Fatal(err)
	}
	res, err := p.Generate(context.Background(), pt.Request(1))
	if err != nil {
		t.Fatal(err)
	}
	if res.Facts["served_from_cache"] != true || !bytes.Equal(res.Image, pt.ItemPNG(1)) {
		t.Errorf("facts %v", res.Facts)
	}

	p, _ = pt.Open(t, harness(fakeComfyLegacyCache, nil))
	if _, err := p.Generate(context.Background(), pt.Request(1)); err != nil {
		t.Fatal(err)
	}
	_, err = p.Generate(context.Background(), pt.Request(1))
	if !errors.Is(err, comfyui.ErrCached) || generate.IsTemporary(err) {
		t.Fatalf("err = %v, want a final ErrCached", err)
	}
	if !strings.Contains(err.Error(), "free ComfyUI's cache") {
		t.Errorf("the error does not say what to do: %v", err)
	}
}

func TestNodeErrorsAreExplained(t *testing.T) {
	h := harness(fakeComfy, nil)
	h.Model = "missing.safetensors"
	p, _ := pt.Open(t, h)
	_, err := p.Generate(context.Background(), pt.Request(1))
	var se *httpsafe.StatusError
	if !errors.As(err, &se) || se.Code != 400 || !strings.Contains(err.Error(), "node 4 (CheckpointLoaderSimple): Value not in list (ckpt_name: 'missing.safetensors'") {
		t.Fatalf("err = %v", err)
	}
}

func TestWorkflowValidation(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return name
	}
	two := `{"1":{"class_type":"KSampler","inputs":{"seed":1,"positive":["3",0]}},"2":{"class_type":"KSampler","inputs":{"seed":1}},"3":{"class_type":"CLIPTextEncode","inputs":{"text":""}},"9":{"class_type":"SaveImage","inputs":{}}}`
	for _, tc := range []struct {
		params generate.Params
		model  string
		want   string
	}{
		{generate.Params{}, "", "provider.params.workflow: comfyui needs a workflow in API format"},
		{generate.Params{"workflow": "nope.json"}, "", "provider.params.workflow: open"},
		{generate.Params{"workflow": write("ui.json", `{"nodes":[],"links":[]}`)}, "", "UI format; export it in API format"},
		{generate.Params{"workflow": write("bad.json", `{"1":{"inputs":{}}}`)}, "", `node "1" in bad.json has no class_type`},
		{generate.Params{"workflow": write("two.json", two)}, "", "provider.params.seed_node: two.json has 2 sampler nodes (1 (KSampler), 2 (KSampler))"},
		{generate.Params{"workflow": "two.json", "seed_node": "7"}, "", `provider.params.seed_node: two.json has no node "7"`},
		{generate.Params{"workflow": "two.json", "seed_node": "1"}, "sd.safetensors", "provider.params.checkpoint_node"},
		{generate.Params{"workflow": "two.json", "seed_nod": "1"}, "", `did you mean "seed_node"?`},
	} {
		_, err := comfyui.New(generate.ProviderConfig{BaseURL: "http://127.0.0.1:8188", Model: tc.model, Params: tc.params, Dir: dir})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.params, err, tc.want)
		}
	}
	if _, err := comfyui.New(generate.ProviderConfig{BaseURL: "http://127.0.0.1:8188", Params: generate.Params{"workflow": "two.json", "seed_node": "1"}, Dir: dir}); err != nil {
		t.Errorf("a named seed node: %v", err)
	}
	inline := generate.Params{"workflow": map[string]any{
		"3": map[string]any{"class_type": "KSamplerAdvanced", "inputs": map[string]any{"noise_seed": 0, "positive": []any{"6", 0}}},
		"6": map[string]any{"class_type": "CLIPTextEncode", "inputs": map[string]any{"text": ""}},
		"9": map[string]any{"class_type": "SaveImage", "inputs": map[string]any{}},
	}}
	if _, err := comfyui.New(generate.ProviderConfig{BaseURL: "http://127.0.0.1:8188", Params: inline}); err != nil {
		t.Errorf("an inline workflow: %v", err)
	}
}
