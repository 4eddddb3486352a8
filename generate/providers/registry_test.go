package providers

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/internal/fakeprov"
)

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, info := range All() {
		if info.Name == "" || seen[info.Name] {
			t.Errorf("empty or duplicate name %q", info.Name)
		}
		seen[info.Name] = true
		if info.Summary == "" || len(info.Records) == 0 || info.New == nil {
			t.Errorf("%s: Summary, Records and New are required", info.Name)
		}
		if info.Paid && (info.KeyEnv == "" || info.EstimateUSD == nil || info.DefaultBaseURL == "") {
			t.Errorf("%s: a paid service needs KeyEnv, EstimateUSD and DefaultBaseURL", info.Name)
		}
		if info.DefaultBaseURL == "" && info.Paid {
			t.Errorf("%s: a local server is not paid", info.Name)
		}
		if got, ok := Lookup(info.Name); !ok || got.Name != info.Name {
			t.Errorf("Lookup(%q) failed", info.Name)
		}
		if table, ok := Prices(info.Name); info.Paid && (!ok || table.Date == "" || table.Source == "" || len(table.Prices) == 0) {
			t.Errorf("%s: a paid provider needs a dated, sourced price table", info.Name)
		}
		if _, ok := defaults[info.Name]; !ok {
			t.Errorf("%s has no documented default limits", info.Name)
		}
	}
	for _, name := range []string{"openai", "stability", "replicate", "automatic1111", "comfyui"} {
		if !seen[name] {
			t.Errorf("%s is not registered", name)
		}
	}
	if _, ok := Lookup("midjourney"); ok {
		t.Error("Lookup found a provider that does not exist")
	}
}

func TestAPIKey(t *testing.T) {
	openai, _ := Lookup("openai")
	a1111, _ := Lookup("automatic1111")
	env := map[string]string{"OPENAI_API_KEY": " sk-test-123\n", "TEAM_KEY": "sk-team-456", "EMPTY": ""}
	getenv := func(k string) string { return env[k] }

	if k, err := APIKey(openai, "", getenv); err != nil || k != "sk-test-123" {
		t.Errorf("default variable: %q %v", k, err)
	}
	if k, err := APIKey(openai, "TEAM_KEY", getenv); err != nil || k != "sk-team-456" {
		t.Errorf("override: %q %v", k, err)
	}
	if k, err := APIKey(a1111, "", getenv); err != nil || k != "" {
		t.Errorf("a server without auth needs no key: %q %v", k, err)
	}
	_, err := APIKey(openai, "", func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "set OPENAI_API_KEY") {
		t.Errorf("missing key: %v", err)
	}
	_, err = APIKey(openai, "EMPTY", getenv)
	if err == nil || !strings.Contains(err.Error(), "EMPTY") {
		t.Errorf("empty override: %v", err)
	}
	// A key pasted where the variable name belongs is refused without
	// being repeated.
	_, err = APIKey(openai, "sk-proj-abc123secret", getenv)
	if err == nil || strings.Contains(err.Error(), "sk-proj-abc123secret") || !strings.Contains(err.Error(), "provider.api_key_env must name an environment variable") {
		t.Errorf("a secret as variable name: %v", err)
	}
}

func fakeInfo(p generate.Provider) generate.ProviderInfo {
	return generate.ProviderInfo{
		Name: "fake", Summary: "in-process", Records: []string{"nothing"}, DefaultBaseURL: "https://fake.invalid",
		New: func(generate.ProviderConfig) (generate.Provider, error) { return p, nil },
	}
}

func TestOpenRequiresBaseURLForLocalServers(t *testing.T) {
	a1111, _ := Lookup("automatic1111")
	_, err := Open(a1111, generate.ProviderConfig{}, Limits{})
	if err == nil || !strings.Contains(err.Error(), "provider.base_url") {
		t.Fatalf("err = %v", err)
	}
}

func TestStackLimitsConcurrencyAndRetries(t *testing.T) {
	f := &fakeprov.Provider{Latency: 10 * time.Millisecond, Fail: func(item, call int) error {
		if item%3 == 0 && call == 1 {
			return &generate.TemporaryError{Err: errors.New("503"), StatusCode: 503}
		}
		return nil
	}}
	p, err := Open(fakeInfo(f), generate.ProviderConfig{}, Limits{Concurrency: 3, RequestsPerMinute: -1, MaxRetries: 2, BackoffBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 1; i <= 30; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := p.Generate(context.Background(), generate.Request{Item: i}); err != nil {
				t.Errorf("item %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	if f.MaxInFlight() > 3 || f.Total() != 40 {
		t.Fatalf("max in flight %d, calls %d; want ≤3 and 40", f.MaxInFlight(), f.Total())
	}
}

func TestStackGuardsImages(t *testing.T) {
	bad := badImage{}
	p, err := Open(fakeInfo(bad), generate.ProviderConfig{}, Limits{RequestsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Generate(context.Background(), generate.Request{Item: 1}); err == nil || !strings.Contains(err.Error(), "not usable") {
		t.Fatalf("err = %v", err)
	}
}

type badImage struct{}

func (badImage) Generate(context.Context, generate.Request) (*generate.Result, error) {
	return &generate.Result{Image: []byte("<html>")}, nil
}

func TestDefaultLimits(t *testing.T) {
	if l := DefaultLimits("automatic1111"); l.RequestsPerMinute >= 0 || l.Concurrency != 1 {
		t.Errorf("a local server has no rate limit and runs one job at a time: %+v", l)
	}
	if l := DefaultLimits("openai"); l.RequestsPerMinute <= 0 || l.Timeout <= 0 || l.MaxRetries <= 0 {
		t.Errorf("openai defaults: %+v", l)
	}
	if l := DefaultLimits("procedural"); l.Concurrency < 1 {
		t.Errorf("procedural defaults: %+v", l)
	}
}
