package openai_test

import (
	"strings"
	"testing"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/openai"
	pt "github.com/genmint/genmint/generate/providers/providertest"
)

func harness(model string, params generate.Params, faults ...pt.Fault) pt.Harness {
	return pt.Harness{
		Info:      openai.Info,
		Model:     model,
		Params:    params,
		Key:       pt.Canary,
		BasePath:  "/v1",
		TLS:       true,
		Fake:      fakeOpenAI,
		Faults:    append(append([]pt.Fault(nil), pt.Common...), faults...),
		RequestID: true,
	}
}

func TestConformanceB64(t *testing.T) {
	pt.Run(t, harness("gpt-image-1", generate.Params{"quality": "high", "size": "1024x1024"}, pt.Refusal, pt.EchoKey))
}

func TestConformanceURL(t *testing.T) {
	pt.Run(t, harness("dall-e-3", generate.Params{"response_format": "url", "quality": "hd"}, append(pt.URLFaults, pt.Refusal)...))
}

func TestProvenanceGolden(t *testing.T) {
	t.Run("gpt-image-1", func(t *testing.T) {
		res := pt.Generate(t, harness("gpt-image-1", generate.Params{"quality": "high", "size": "1024x1024"}), 1)
		if res.Seed != nil || res.Reproducible {
			t.Errorf("OpenAI has no seed: Seed=%v Reproducible=%v", res.Seed, res.Reproducible)
		}
		pt.Golden(t, "testdata/provenance-gpt-image-1.golden.json", res)
	})
	t.Run("dall-e-3 url", func(t *testing.T) {
		res := pt.Generate(t, harness("dall-e-3", generate.Params{"response_format": "url", "quality": "hd"}), 1)
		if res.RevisedPrompt == "" {
			t.Error("dall-e-3's revised_prompt was not recorded")
		}
		pt.Golden(t, "testdata/provenance-dall-e-3.golden.json", res)
	})
}

func TestNewValidatesParams(t *testing.T) {
	for _, tc := range []struct {
		params generate.Params
		want   string
	}{
		{generate.Params{"qualty": "hd"}, `provider.params.qualty: openai has no parameter "qualty" (did you mean "quality"?)`},
		{generate.Params{"quality": "ultra"}, `provider.params.quality: "ultra" is not one of`},
		{generate.Params{"style": "vivd"}, `did you mean "vivid"?`},
		{generate.Params{"size": "big"}, `provider.params.size: "big" is not auto or WIDTHxHEIGHT`},
		{generate.Params{"output_compression": 101}, `provider.params.output_compression: 101 is outside 0..100`},
		{generate.Params{"download_hosts": []any{"https://x/"}}, `provider.params.download_hosts`},
	} {
		_, err := openai.New(generate.ProviderConfig{BaseURL: openai.Info.DefaultBaseURL, APIKey: pt.Canary, Params: tc.params})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.params, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), pt.Canary) {
			t.Errorf("the key leaked into %v", err)
		}
	}
	if _, err := openai.New(generate.ProviderConfig{BaseURL: "ftp://x", Params: nil}); err == nil || !strings.Contains(err.Error(), "provider.base_url") {
		t.Errorf("bad base_url: %v", err)
	}
	if _, err := openai.New(generate.ProviderConfig{BaseURL: openai.Info.DefaultBaseURL, Params: generate.Params{"quality": "low", "size": "1536x1024", "background": "transparent", "output_format": "webp", "output_compression": 80, "moderation": "low", "user": "genmint"}}); err != nil {
		t.Errorf("valid params refused: %v", err)
	}
}

func TestEstimate(t *testing.T) {
	for _, tc := range []struct {
		model  string
		params generate.Params
		usd    float64
		known  bool
	}{
		{"gpt-image-1", generate.Params{"quality": "low", "size": "1024x1024"}, 0.011, true},
		{"gpt-image-1", generate.Params{"quality": "medium", "size": "1024x1536"}, 0.063, true},
		{"gpt-image-1", generate.Params{}, 0.25, true}, // auto: the most it can cost
		{"", generate.Params{"quality": "high", "size": "1024x1024"}, 0.167, true},
		{"gpt-image-1-mini", generate.Params{"quality": "low", "size": "1024x1024"}, 0.005, true},
		{"gpt-image-1.5", generate.Params{"quality": "high", "size": "1536x1024"}, 0.2, true},
		{"gpt-image-1-2025-04-15", generate.Params{"quality": "low", "size": "1024x1024"}, 0.011, true},
		{"dall-e-3", generate.Params{"quality": "standard", "size": "1024x1024"}, 0.04, true},
		{"dall-e-3", generate.Params{"quality": "hd", "size": "1024x1792"}, 0.12, true},
		{"dall-e-2", generate.Params{"size": "512x512"}, 0.018, true},
		{"gpt-image-2", generate.Params{}, 0, false},
		{"my-finetune", generate.Params{}, 0, false},
		{"gpt-image-1", generate.Params{"size": "2048x2048"}, 0, false},
	} {
		usd, known := openai.Estimate(tc.model, tc.params)
		if usd != tc.usd || known != tc.known {
			t.Errorf("Estimate(%q, %v) = %v, %v; want %v, %v", tc.model, tc.params, usd, known, tc.usd, tc.known)
		}
	}
}
