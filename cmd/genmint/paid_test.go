package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/cmd/root"
	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/state"
)

const canaryKey = "sk-proj-CANARY0123456789abcdefCANARY"

// openAIImages answers POST /v1/images/generations the way OpenAI's API
// reference documents it (ImagesResponse with b64_json and usage, the
// x-request-id header, ErrorResponse bodies): a prompt with "storm" is rate
// limited once (429 with retry-after-ms), one with "forbidden" is refused
// (400 moderation_blocked), the rest succeed.
type openAIImages struct {
	mu       sync.Mutex
	calls    map[string]int
	limited  map[string]bool
	lastAuth string
}

func (o *openAIImages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/images/generations" {
		http.NotFound(w, r)
		return
	}
	var req struct {
		Model, Prompt, Size, Quality string
		N                            int
	}
	json.NewDecoder(r.Body).Decode(&req)
	o.mu.Lock()
	o.calls[req.Prompt]++
	n := o.calls[req.Prompt]
	o.lastAuth = r.Header.Get("Authorization")
	limited := strings.Contains(req.Prompt, "storm") && !o.limited[req.Prompt]
	if limited {
		o.limited[req.Prompt] = true
	}
	o.mu.Unlock()
	reqID := fmt.Sprintf("req_%s_%d", strings.Fields(req.Prompt)[0], n)
	w.Header().Set("x-request-id", reqID)
	w.Header().Set("Content-Type", "application/json")
	apiError := func(status int, msg, typ, code string) {
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": code}})
	}
	switch {
	case r.Header.Get("Authorization") != "Bearer "+canaryKey:
		apiError(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
	case limited:
		w.Header().Set("retry-after-ms", "40")
		apiError(429, "Rate limit reached for images per minute (IPM): Limit 5, Used 5, Requested 1.", "requests", "rate_limit_exceeded")
	case strings.Contains(req.Prompt, "forbidden"):
		apiError(400, "Your request was rejected by the safety system. Include the request ID "+reqID+".", "image_generation_user_error", "moderation_blocked")
	default:
		img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
		for i := range img.Pix {
			img.Pix[i] = byte(i * n)
		}
		img.SetNRGBA(0, 0, color.NRGBA{1, 2, 3, 255})
		var b bytes.Buffer
		png.Encode(&b, img)
		json.NewEncoder(w).Encode(map[string]any{
			"created":    1713833628,
			"data":       []any{map[string]any{"b64_json": base64.StdEncoding.EncodeToString(b.Bytes())}},
			"background": "opaque", "output_format": "png", "size": "1024x1024", "quality": "low",
			"usage": map[string]any{"total_tokens": 322, "input_tokens": 50, "output_tokens": 272},
		})
	}
}

// TestPaidProviderEndToEnd drives `genmint generate` with the real OpenAI
// client against the documented answers: dry run cost, a 429 retried inside
// one item, a refusal, every attempt journalled with its cost, a re-run that
// pays for nothing, and the API key nowhere on disk or in any output.
func TestPaidProviderEndToEnd(t *testing.T) {
	api := &openAIImages{calls: map[string]int{}, limited: map[string]bool{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	dir := t.TempDir()
	specText := fmt.Sprintf(`name: Paid
symbol: PAID
count: 4
seed: 1
provider:
  name: openai
  base_url: %s/v1
  model: gpt-image-1
  params: {size: 1024x1024, quality: low}
prompt: "{{.subject}} over the bay"
traits:
  subject: [storm, calm, forbidden, sunny]
`, srv.URL)
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(specText), 0o644); err != nil {
		t.Fatal(err)
	}
	var outputs bytes.Buffer
	run := func(env map[string]string, args ...string) (cmdutil.ExitCode, string, string) {
		io, _, out, errOut := cmdutil.Test()
		f := &cmdutil.Factory{IO: io, Dir: dir, Version: "test",
			Getenv: func(k string) string { return env[k] },
			Now:    func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }}
		code := root.Run(context.Background(), f, append([]string{"-C", dir}, args...))
		outputs.WriteString(out.String() + errOut.String())
		return code, out.String(), errOut.String()
	}
	env := map[string]string{"OPENAI_API_KEY": canaryKey}

	// Without the key: a usage error naming the variable.
	if code, _, errOut := run(nil, "generate"); code != cmdutil.ExitUsage || !strings.Contains(errOut, "OPENAI_API_KEY") {
		t.Fatalf("no key: exit %d, %q", code, errOut)
	}
	// Dry run: four paid requests at gpt-image-1 low 1024² ($0.011).
	code, out, _ := run(env, "generate", "--dry-run")
	if code != 0 || out != "Dry run: 4 of 4 items need 4 paid requests to openai, about $0.04; 0 already done.\n" {
		t.Fatalf("dry run: exit %d, %q", code, out)
	}
	// The run: one refusal makes it partial (exit 3).
	code, out, _ = run(env, "generate", "--json")
	if code != cmdutil.ExitPartial {
		t.Fatalf("generate: exit %d\n%s", code, out)
	}
	var sum struct {
		Generated, Refused, Requests int
		CostUSD                      float64 `json:"cost_usd"`
	}
	json.Unmarshal([]byte(out), &sum)
	if sum.Generated != 3 || sum.Refused != 1 || sum.Requests != 5 {
		t.Fatalf("summary: %s", out)
	}
	if sum.CostUSD < 0.0329 || sum.CostUSD > 0.0331 {
		t.Errorf("cost %v, want 3 × $0.011 (the 429 and the refusal are free)", sum.CostUSD)
	}

	db, err := state.Open(context.Background(), dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reqs, _ := db.Requests(context.Background(), 0)
	items, _ := db.Items(context.Background(), state.Query{})
	db.Close()
	byPrompt := map[string][]state.Request{}
	for _, it := range items {
		for _, r := range reqs {
			if r.ItemID == it.ID {
				byPrompt[strings.Fields(it.Prompt)[0]] = append(byPrompt[strings.Fields(it.Prompt)[0]], r)
			}
		}
	}
	if s := byPrompt["storm"]; len(s) != 2 || s[0].Outcome != state.RequestFailed || s[0].CostUSD != 0 ||
		s[1].Outcome != state.RequestSucceeded || s[1].ServiceID != "req_storm_2" || s[1].CostUSD != 0.011 {
		t.Errorf("storm journal: %+v", s)
	}
	if f := byPrompt["forbidden"]; len(f) != 1 || f[0].Outcome != state.RequestRefused || f[0].CostUSD != 0 {
		t.Errorf("forbidden journal: %+v", f)
	}

	// Provenance records what OpenAI told us, and that there is no seed.
	for _, it := range items {
		if it.Status != state.Generated {
			continue
		}
		raw, _ := os.ReadFile(filepath.Join(dir, it.ProvenancePath))
		rec, err := provenance.ParseRecord(raw)
		if err != nil {
			t.Fatal(err)
		}
		c := rec.Content
		if c.Reproducible || c.Seed.Actual != nil || !strings.HasPrefix(c.RequestID, "req_") || c.Model != "gpt-image-1" ||
			c.DigitalSourceType != provenance.SourceTrainedAlgorithmic {
			t.Errorf("item %d provenance: %+v", it.ID, c)
		}
	}

	// A re-run pays for nothing: the refusal stands, the rest are done.
	before := len(api.calls)
	total := 0
	for _, n := range api.calls {
		total += n
	}
	if code, out, _ := run(env, "generate"); code != cmdutil.ExitPartial || !strings.Contains(out, "0 generated, 3 already done, 1 refused") {
		t.Errorf("re-run: exit %d %q", code, out)
	}
	after := 0
	for _, n := range api.calls {
		after += n
	}
	if len(api.calls) != before || after != total {
		t.Errorf("the re-run called the API %d more times", after-total)
	}

	// The key went in the Authorization header and nowhere else.
	if api.lastAuth != "Bearer "+canaryKey {
		t.Fatalf("the key was not sent")
	}
	if strings.Contains(outputs.String(), "CANARY") {
		t.Errorf("the API key appeared in genmint's output")
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("CANARY")) {
				t.Errorf("the API key was written to %s", p)
			}
		}
		return nil
	})
}
