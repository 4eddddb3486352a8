package stability_test

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/genmint/genmint/generate"
	pt "github.com/genmint/genmint/generate/providers/providertest"
	"github.com/genmint/genmint/generate/providers/stability"
)

func harness(model string, params generate.Params) pt.Harness {
	return pt.Harness{
		Info:      stability.Info,
		Model:     model,
		Params:    params,
		Key:       pt.Canary,
		TLS:       true,
		Fake:      fakeStability,
		Faults:    append(append([]pt.Fault(nil), pt.Common...), pt.Refusal, pt.RefusalBilled, pt.EchoKey),
		RequestID: true,
	}
}

func TestConformanceImageAccept(t *testing.T) {
	pt.Run(t, harness("core", generate.Params{"aspect_ratio": "3:2", "style_preset": "analog-film"}))
}

func TestConformanceJSONAccept(t *testing.T) {
	pt.Run(t, harness("sd3.5-large", generate.Params{"accept": "json", "cfg_scale": 4.5}))
}

func TestProvenanceGolden(t *testing.T) {
	for name, h := range map[string]pt.Harness{
		"core":        harness("core", generate.Params{"aspect_ratio": "3:2", "style_preset": "analog-film"}),
		"sd3.5-large": harness("sd3.5-large", generate.Params{"accept": "json", "cfg_scale": 4.5}),
	} {
		t.Run(name, func(t *testing.T) {
			res := pt.Generate(t, h, 1)
			if res.Seed == nil || *res.Seed != 1001 || !res.Reproducible {
				t.Errorf("the seed was not recorded: %v", res.Seed)
			}
			pt.Golden(t, "testdata/provenance-"+name+".golden.json", res)
		})
	}
}

// The request is the documented multipart form, on the endpoint the model
// selects.
func TestRequestShape(t *testing.T) {
	var got struct {
		path   string
		accept string
		fields map[string]string
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.path, got.accept = r.URL.Path, r.Header.Get("Accept")
		_, ps, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mr := multipart.NewReader(r.Body, ps["boundary"])
		got.fields = map[string]string{}
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			got.fields[p.FormName()] = string(b)
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Finish-Reason", "SUCCESS")
		w.Header().Set("Seed", "7")
		w.Write(pt.ItemPNG(1))
	}))
	defer srv.Close()
	p, err := stability.New(generate.ProviderConfig{BaseURL: srv.URL, APIKey: "k", Model: "sd3.5-large-turbo", Params: generate.Params{"mode": "text-to-image"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Generate(context.Background(), generate.Request{Item: 1, Prompt: "p", Seed: 4294967295, Width: 1920, Height: 1080})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"prompt": "p", "seed": "0", "output_format": "png", "aspect_ratio": "16:9", "model": "sd3.5-large-turbo", "mode": "text-to-image"}
	if got.path != "/v2beta/stable-image/generate/sd3" || got.accept != "image/*" {
		t.Errorf("path %s accept %s", got.path, got.accept)
	}
	for k, v := range want {
		if got.fields[k] != v {
			t.Errorf("field %s = %q, want %q", k, got.fields[k], v)
		}
	}
	if _, ok := got.fields["negative_prompt"]; ok {
		t.Error("an empty negative prompt must not be sent")
	}
	if res.Facts["aspect_ratio_from_size"] != "1920x1080" || *res.Seed != 7 {
		t.Errorf("facts %v seed %v", res.Facts, *res.Seed)
	}
}

func TestNewValidatesParams(t *testing.T) {
	for _, tc := range []struct {
		model  string
		params generate.Params
		want   string
	}{
		{"core", generate.Params{"aspect_ratio": "4:3"}, `provider.params.aspect_ratio: "4:3" is not one of`},
		{"core", generate.Params{"style_preset": "anmie"}, `did you mean "anime"?`},
		{"core", generate.Params{"mode": "text-to-image"}, "only the sd3 endpoint takes a mode"},
		{"ultra", generate.Params{"cfg_scale": 5}, "only the sd3 endpoint takes cfg_scale"},
		{"sd3.5-large", generate.Params{"output_format": "webp"}, `"webp" is not one of png, jpeg`},
		{"core", generate.Params{"accept": "xml"}, `provider.params.accept`},
		{"core", generate.Params{"aspect_ration": "1:1"}, `did you mean "aspect_ratio"?`},
	} {
		_, err := stability.New(generate.ProviderConfig{BaseURL: stability.Info.DefaultBaseURL, Model: tc.model, Params: tc.params})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: err = %v, want %q", tc.model, tc.params, err, tc.want)
		}
	}
}

func TestEstimate(t *testing.T) {
	for model, want := range map[string]float64{"": 0.03, "core": 0.03, "ultra": 0.08, "stable-image-ultra": 0.08, "sd3.5-large": 0.065, "sd3.5-large-turbo": 0.04, "sd3.5-medium": 0.035} {
		if usd, ok := stability.Estimate(model, nil); !ok || usd != want {
			t.Errorf("Estimate(%q) = %v, %v; want %v", model, usd, ok, want)
		}
	}
	if _, ok := stability.Estimate("sd4-preview", nil); ok {
		t.Error("an unlisted model must be unknown")
	}
}
