package pipeline_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/generate/providers/openai"
	"github.com/genmint/genmint/generate/providers/procedural"
	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/provenance/c2pa"
)

// upstreamImage is an "OpenAI" image carrying Content Credentials that
// c2pa-ts made, signed by the provider's own CA.
func upstreamImage(t *testing.T) []byte {
	dir := t.TempDir()
	provider, err := c2pa.NewCredentials("Upstream Image Model", time.Now(), 1)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(provider.Key)
	chain, key, plain, out := filepath.Join(dir, "chain.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "plain.png"), filepath.Join(dir, "upstream.png")
	os.WriteFile(chain, c2pa.EncodeCerts(provider.Cert, provider.CA), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	os.WriteFile(plain, gradient(t, 64), 0o600)
	testenv.C2PATS(t, "sign", plain, out, chain, key)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gradient(t *testing.T, n int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			img.Set(x, y, color.NRGBA{uint8(4 * x), uint8(4 * y), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fakeImagesAPI answers POST /v1/images/generations as the OpenAI Images
// API documents it (200, application/json ImagesResponse with b64_json,
// an x-request-id header), always with img.
func fakeImagesAPI(t *testing.T, img []byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/images/generations" || r.Header.Get("Authorization") != "Bearer sk-test" {
			http.Error(w, `{"error": {"message": "not found", "type": "invalid_request_error"}}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req_000000000000000000000001")
		json.NewEncoder(w).Encode(map[string]any{
			"created": 1713833628, "background": "opaque", "output_format": "png", "size": "1024x1024", "quality": "high",
			"data": []any{map[string]any{"b64_json": base64.StdEncoding.EncodeToString(img)}},
			"usage": map[string]any{"total_tokens": 4210, "input_tokens": 50, "output_tokens": 4160,
				"input_tokens_details": map[string]any{"text_tokens": 50, "image_tokens": 0}},
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestFinalsValidateIndependently: every final of a generated collection —
// procedural PNG, a fake OpenAI whose image carries c2pa-ts-made Content
// Credentials, and JPEG output — validates in c2pa-ts, the OpenAI case with
// the upstream manifest as its parent ingredient, and a flipped pixel byte
// fails there as in genmint.
func TestFinalsValidateIndependently(t *testing.T) {
	creds, err := c2pa.NewCredentials("Test Collection", time.Now(), 1)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(creds.CA)
	upstream := upstreamImage(t)
	for _, tc := range []struct {
		name, post string
		openai     bool
	}{
		{"procedural-png", "postprocess:\n  - sharpen: 0.5\n", false},
		{"openai-png", "postprocess:\n  - fit: {width: 48, height: 48}\n", true},
		{"openai-jpeg", "postprocess:\n  - contrast: 5\n  - format: {type: jpeg, quality: 90}\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCollection(t, strings.Replace(testSpec, "count: 8", "count: 2", 1)+tc.post)
			var prov generate.Provider
			info := procedural.Info
			if tc.openai {
				srv := fakeImagesAPI(t, upstream)
				p, err := openai.New(generate.ProviderConfig{BaseURL: srv.URL + "/v1", APIKey: "sk-test", Model: "gpt-image-1",
					Params: generate.Params{"download_hosts": []any{"127.0.0.1"}}})
				if err != nil {
					t.Fatal(err)
				}
				prov, info = p, openai.Info
			} else {
				p, err := procedural.New(generate.ProviderConfig{Params: generate.Params{"width": 48, "height": 48}, Dir: c.dir})
				if err != nil {
					t.Fatal(err)
				}
				prov = p
			}
			sum := c.run(t, prov, func(o *pipeline.Options) { o.C2PA, o.Info = creds.Signer(), info })
			if sum.Generated != 2 {
				t.Fatalf("%+v", sum)
			}
			var files []string
			for _, it := range c.items(t) {
				path := filepath.Join(c.dir, it.Final.Path)
				final, _ := os.ReadFile(path)
				r, err := c2pa.Verify(final, c2pa.Options{Roots: roots})
				if err != nil || r.Err() != nil {
					t.Fatalf("item %d: %v %v", it.ID, err, r.Err())
				}
				if tc.openai {
					if len(r.Ingredients) != 1 || r.Ingredients[0].Status != "valid" || !strings.HasPrefix(r.Genmint.Upstream, c2pa.UpstreamParent) ||
						r.Ingredients[0].Signer != "CN=Upstream Image Model,O=Upstream Image Model" || r.Actions[0].Action != c2pa.ActionOpened {
						t.Fatalf("item %d: upstream %q ingredients %+v first %s", it.ID, r.Genmint.Upstream, r.Ingredients, r.Actions[0].Action)
					}
				}
				flipped := append([]byte(nil), final...)
				flipped[len(flipped)-40] ^= 0x01
				fp := path + ".flipped"
				os.WriteFile(fp, flipped, 0o644)
				if r, err := c2pa.Verify(flipped, c2pa.Options{Roots: roots}); err == nil && r.Err() == nil {
					t.Fatalf("item %d: genmint accepts a flipped byte", it.ID)
				}
				files = append(files, path, fp)
				exifCheck(t, path, it.Prompt, r.DigitalSourceType)
			}
			for _, res := range testenv.C2PATS(t, append([]string{"validate"}, files...)...) {
				file := res["file"].(string)
				if strings.HasSuffix(file, ".flipped") {
					if res["valid"] == true {
						t.Errorf("%s: c2pa-ts accepts a flipped pixel byte", file)
					}
					continue
				}
				if res["found"] != true || res["valid"] != true {
					t.Fatalf("%s: c2pa-ts: %v", file, res["errors"])
				}
				acts := res["actions"].([]any)
				first := acts[0].(map[string]any)
				want := "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"
				if tc.openai {
					want = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
				}
				if first["digitalSourceType"] != want {
					t.Errorf("%s: c2pa-ts digital source type %v", file, first["digitalSourceType"])
				}
				ings := res["ingredients"].([]any)
				if tc.openai {
					if first["action"] != "c2pa.opened" || len(ings) != 1 || ings[0].(map[string]any)["relationship"] != "parentOf" ||
						len(res["manifests"].([]any)) != 2 {
						t.Errorf("%s: c2pa-ts sees no parent ingredient: %v %v", file, acts, ings)
					}
				} else if first["action"] != "c2pa.created" || len(ings) != 0 {
					t.Errorf("%s: c2pa-ts actions %v ingredients %v", file, acts, ings)
				}
			}
		})
	}
}

// exifCheck: exiftool still reads the A1111 parameters and the XMP digital
// source type of a signed final.
func exifCheck(t *testing.T, path, prompt, source string) {
	t.Helper()
	out, err := exec.Command(testenv.Path(t, testenv.Exiftool), "-j", "-Parameters", "-UserComment", "-XMP:DigitalSourceType", path).Output()
	if err != nil {
		t.Fatalf("exiftool %s: %v", path, err)
	}
	var tags []map[string]any
	if err := json.Unmarshal(out, &tags); err != nil || len(tags) != 1 {
		t.Fatalf("exiftool printed %s", out)
	}
	params, _ := tags[0]["Parameters"].(string)
	if params == "" {
		params, _ = tags[0]["UserComment"].(string)
	}
	if !strings.HasPrefix(params, prompt) || tags[0]["DigitalSourceType"] != source {
		t.Errorf("%s: exiftool reads parameters %q, digital source type %v", path, params, tags[0]["DigitalSourceType"])
	}
}
