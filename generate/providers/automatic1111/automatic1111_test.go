package automatic1111_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/automatic1111"
	pt "github.com/genmint/genmint/generate/providers/providertest"
)

func harness(model string, params generate.Params) pt.Harness {
	return pt.Harness{
		Info:        automatic1111.Info,
		Model:       model,
		Params:      params,
		Key:         "genmint:" + pt.Canary,
		Fake:        fakeWebUI,
		Faults:      append(append([]pt.Fault(nil), pt.Common...), pt.EchoKey),
		CancelEvent: "interrupt",
	}
}

func TestConformance(t *testing.T) {
	pt.Run(t, harness("", generate.Params{"steps": 20, "sampler_name": "DPM++ 2M", "cfg_scale": 7}))
}

func TestProvenanceGolden(t *testing.T) {
	h := harness("dreamshaper_8.safetensors", generate.Params{"steps": 25, "sampler": "Euler a", "scheduler": "Karras", "cfg_scale": 6.5, "width": 512, "height": 768, "clip_skip": 2})
	res := pt.Generate(t, h, 1)
	if res.Seed == nil || *res.Seed != 1001 || res.ModelHash != "31e35c80fc" || res.Model != "dreamshaper_8" || !strings.Contains(res.Infotext, "Seed: 1001") {
		t.Errorf("seed %v hash %q model %q infotext %q", res.Seed, res.ModelHash, res.Model, res.Infotext)
	}
	pt.Golden(t, "testdata/provenance.golden.json", res)
}

// The seed echoed in "parameters" is what was asked (-1 for random); the
// seed used is only in "info". genmint must record the latter.
func TestSeedComesFromInfo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := json.Marshal(map[string]any{"seed": 3456789012, "all_seeds": []int64{3456789012}, "sd_model_name": "m", "sd_model_hash": "abcdef0123", "infotexts": []string{"p\nSteps: 20, Seed: 3456789012"}})
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"images":     []string{b64(pt.ItemPNG(1))},
			"parameters": map[string]any{"prompt": "p", "seed": -1},
			"info":       string(info),
		})
	}))
	defer srv.Close()
	p, err := automatic1111.New(generate.ProviderConfig{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Generate(context.Background(), generate.Request{Item: 1, Prompt: "p", Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Seed == nil || *res.Seed != 3456789012 {
		t.Fatalf("seed = %v, want the one in info", res.Seed)
	}
}

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct {
		params generate.Params
		key    string
		want   string
	}{
		{generate.Params{"cfg_scal": 7}, "", `did you mean "cfg_scale"?`},
		{generate.Params{"steps": 0}, "", "provider.params.steps: 0 is outside 1..150"},
		{generate.Params{"width": 500}, "", "provider.params.width: 500 is not a multiple of 8"},
		{generate.Params{"sampler": "a", "sampler_name": "b"}, "", "not both"},
		{generate.Params{"styles": "x"}, "", "provider.params.styles"},
		{nil, "no-colon-secret", "user:password"},
	} {
		_, err := automatic1111.New(generate.ProviderConfig{BaseURL: "http://127.0.0.1:7860", APIKey: tc.key, Params: tc.params})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.params, err, tc.want)
		}
		if err != nil && tc.key != "" && strings.Contains(err.Error(), tc.key) {
			t.Errorf("the credential leaked: %v", err)
		}
	}
	if _, err := automatic1111.New(generate.ProviderConfig{}); err == nil || !strings.Contains(err.Error(), "provider.base_url") {
		t.Errorf("a missing base_url: %v", err)
	}
}

func b64(b []byte) string { return encode(b) }

func encode(b []byte) string {
	return base64.StdEncoding.EncodeToString(b)
}
