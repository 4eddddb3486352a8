// Package providers lists genmint's image providers in one place and builds
// a ready-to-use provider from the spec: the client wrapped in the shared
// resilience wrappers.
//
// Adding a provider is one folder (a package exporting
// `var Info = generate.ProviderInfo{...}`, tested with providertest.Run) and
// one line in All.
//
// The wrapper stack Open builds, outermost first:
//
//	retry.Retry          temporary faults, exponential backoff + jitter, Retry-After
//	limit.Concurrency    at most Limits.Concurrency calls at once
//	limit.Rate           at most Limits.RequestsPerMinute starts per minute; a
//	                     Retry-After holds every waiting call (backpressure)
//	timeout.Timeout      a deadline per attempt; running out is temporary
//	observe.Observe      optional: the pipeline journals every attempt
//	guard.Guard          the image is checked before anyone trusts it
//	<client>             one billable request per call
//
// Backoff waits hold no concurrency slot; the rate limiter runs inside the
// slot so the limit bounds what is actually sent; the timeout covers only the
// attempt itself, not time spent queueing.
package providers

import (
	"fmt"
	"log/slog"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/automatic1111"
	"github.com/genmint/genmint/generate/providers/comfyui"
	"github.com/genmint/genmint/generate/providers/cost"
	"github.com/genmint/genmint/generate/providers/guard"
	"github.com/genmint/genmint/generate/providers/layers"
	"github.com/genmint/genmint/generate/providers/limit"
	"github.com/genmint/genmint/generate/providers/observe"
	"github.com/genmint/genmint/generate/providers/openai"
	"github.com/genmint/genmint/generate/providers/procedural"
	"github.com/genmint/genmint/generate/providers/replicate"
	"github.com/genmint/genmint/generate/providers/retry"
	"github.com/genmint/genmint/generate/providers/stability"
	"github.com/genmint/genmint/generate/providers/timeout"
)

// All lists every provider, in the order `genmint providers` shows them.
func All() []generate.ProviderInfo {
	return []generate.ProviderInfo{
		procedural.Info,
		openai.Info,
		stability.Info,
		replicate.Info,
		automatic1111.Info,
		comfyui.Info,
		layersInfo(),
	}
}

// layersInfo is the layers provider, whose generated base layer (when its
// params name one) is opened from this registry and wrapped like any
// provider. A paid base is refused: its cost would not be journalled.
func layersInfo() generate.ProviderInfo {
	info := layers.Info
	info.New = func(cfg generate.ProviderConfig) (generate.Provider, error) {
		bs, err := layers.Base(cfg)
		if err != nil {
			return nil, err
		}
		if bs == nil {
			return layers.New(cfg)
		}
		binfo, ok := Lookup(bs.Name)
		if !ok {
			return nil, fmt.Errorf("provider.params.base.name: unknown provider %q (one of %s)", bs.Name, strings.Join(Names(), ", "))
		}
		if binfo.Paid {
			return nil, fmt.Errorf("provider.params.base.name: %s is a paid service, and a base layer's cost is not journalled yet; use procedural, automatic1111 or comfyui for the base", bs.Name)
		}
		bcfg := generate.ProviderConfig{Model: bs.Model, BaseURL: bs.BaseURL, Params: bs.Params, Dir: cfg.Dir, HTTPClient: cfg.HTTPClient}
		if bcfg.BaseURL == "" {
			bcfg.BaseURL = binfo.DefaultBaseURL
		}
		base, err := binfo.New(bcfg)
		if err != nil {
			return nil, fmt.Errorf("provider.params.base: %w", err)
		}
		return layers.NewWithBase(cfg, Wrap(base, binfo.Name, Limits{}), binfo)
	}
	return info
}

// Lookup finds a provider by its name in genmint.yaml.
func Lookup(name string) (generate.ProviderInfo, bool) {
	for _, info := range All() {
		if info.Name == name {
			return info, true
		}
	}
	return generate.ProviderInfo{}, false
}

// Prices returns the dated price table a paid provider's EstimateUSD reads,
// for `genmint providers` and dry runs.
func Prices(name string) (cost.Table, bool) {
	switch name {
	case openai.Name:
		return openai.Prices, true
	case stability.Name:
		return stability.Prices, true
	case replicate.Name:
		return replicate.Prices, true
	}
	return cost.Table{}, false
}

// Names lists the provider names, for messages.
func Names() []string {
	var names []string
	for _, info := range All() {
		names = append(names, info.Name)
	}
	return names
}

// Limits configures the wrappers around a provider. A zero field takes the
// provider's default (DefaultLimits); RequestsPerMinute < 0 means no rate
// limit, MaxRetries < 0 means no retries, Timeout < 0 means no per-request
// deadline.
type Limits struct {
	Concurrency       int           // calls in flight at once
	RequestsPerMinute int           // billable requests started per minute
	Timeout           time.Duration // per attempt
	MaxRetries        int           // retries of temporary faults per item

	// Tuning, rarely set outside tests.
	BackoffBase   time.Duration // first retry wait (default 1s)
	BackoffMax    time.Duration // longest retry wait (default 60s)
	MaxRetryAfter time.Duration // longest Retry-After honoured (default 5m)
	MaxPixels     int64         // image pixel cap (default 64 MP)

	// Observer, when set, is told about every attempt sent to the service,
	// so that the pipeline can journal each paid request even when the retry
	// wrapper repeats it.
	Observer observe.Observer
	// Logger receives one line per retry (never credentials); nil discards.
	Logger *slog.Logger
}

// defaults per provider. Public services: a few calls at once and a rate a
// new account can sustain (OpenAI image limits start at a handful of images
// per minute on low tiers; Stability documents 150 requests per 10 s;
// Replicate 600 prediction creations per minute). Local servers run one job
// at a time on one GPU and have no rate limit; their timeouts allow for
// model loading and queueing.
var defaults = map[string]Limits{
	"openai":        {Concurrency: 4, RequestsPerMinute: 20, Timeout: 3 * time.Minute, MaxRetries: 4},
	"stability":     {Concurrency: 4, RequestsPerMinute: 150, Timeout: 2 * time.Minute, MaxRetries: 4},
	"replicate":     {Concurrency: 4, RequestsPerMinute: 120, Timeout: 10 * time.Minute, MaxRetries: 4},
	"automatic1111": {Concurrency: 1, RequestsPerMinute: -1, Timeout: 10 * time.Minute, MaxRetries: 2},
	"comfyui":       {Concurrency: 2, RequestsPerMinute: -1, Timeout: 15 * time.Minute, MaxRetries: 2},
	"procedural":    {Concurrency: 0, RequestsPerMinute: -1, Timeout: time.Minute, MaxRetries: -1},
	// layers: CPU-bound like procedural; the timeout leaves room for a
	// base layer from a local diffusion server.
	"layers": {Concurrency: 0, RequestsPerMinute: -1, Timeout: 15 * time.Minute, MaxRetries: -1},
}

// DefaultLimits are the documented defaults for a provider (a generic set
// for names without their own).
func DefaultLimits(name string) Limits {
	if l, ok := defaults[name]; ok {
		if l.Concurrency == 0 {
			l.Concurrency = defaultCPU()
		}
		return l
	}
	return Limits{Concurrency: 2, RequestsPerMinute: 60, Timeout: 5 * time.Minute, MaxRetries: 3}
}

// Open builds info's provider from cfg and wraps it in the stack described
// in the package comment. cfg.BaseURL defaults to info.DefaultBaseURL; the
// clients of local servers refuse to start without one, naming
// provider.base_url.
func Open(info generate.ProviderInfo, cfg generate.ProviderConfig, lim Limits) (generate.Provider, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = info.DefaultBaseURL
	}
	p, err := info.New(cfg)
	if err != nil {
		return nil, err
	}
	return Wrap(p, info.Name, lim), nil
}

// Wrap puts the wrapper stack around an already built provider.
func Wrap(p generate.Provider, name string, lim Limits) generate.Provider {
	lim = lim.withDefaults(name)
	p = guard.New(p, name, lim.MaxPixels)
	if lim.Observer != nil {
		p = observe.New(p, lim.Observer)
	}
	if lim.Timeout > 0 {
		p = timeout.New(p, name, lim.Timeout)
	}
	rpm := lim.RequestsPerMinute
	if rpm < 0 {
		rpm = 0
	}
	rate := limit.NewRate(p, rpm, lim.Concurrency)
	p = limit.NewConcurrency(rate, lim.Concurrency)
	retries := lim.MaxRetries
	if retries < 0 {
		retries = 0
	}
	logger := lim.Logger
	return retry.New(p, retry.Policy{
		Attempts:      1 + retries,
		Base:          lim.BackoffBase,
		Max:           lim.BackoffMax,
		MaxRetryAfter: lim.MaxRetryAfter,
	}, retry.Hooks{
		Backpressure: rate,
		OnRetry: func(req generate.Request, attempt int, wait time.Duration, err error) {
			if logger != nil {
				logger.Info("retrying", "provider", name, "item", req.Item, "attempt", attempt, "wait", wait.Round(time.Millisecond).String(), "reason", err.Error())
			}
		},
	})
}

func (l Limits) withDefaults(name string) Limits {
	d := DefaultLimits(name)
	if l.Concurrency == 0 {
		l.Concurrency = d.Concurrency
	}
	if l.RequestsPerMinute == 0 {
		l.RequestsPerMinute = d.RequestsPerMinute
	}
	if l.Timeout == 0 {
		l.Timeout = d.Timeout
	}
	if l.MaxRetries == 0 {
		l.MaxRetries = d.MaxRetries
	}
	return l
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// APIKey reads a provider's credential from the environment: the variable
// named by the spec's provider.api_key_env (keyEnvOverride), else the
// provider's KeyEnv. It returns "" and no error for a provider that needs no
// key and was given no variable. Errors name the variable to set and never
// contain a value — not even a value mistakenly written where a variable name
// belongs.
func APIKey(info generate.ProviderInfo, keyEnvOverride string, getenv func(string) string) (string, error) {
	env := info.KeyEnv
	if keyEnvOverride != "" {
		if !envName.MatchString(keyEnvOverride) {
			return "", fmt.Errorf("provider.api_key_env must name an environment variable (like %s), not hold the key itself; put the key in that variable", orDefault(info.KeyEnv, "MY_API_KEY"))
		}
		env = keyEnvOverride
	}
	if env == "" {
		return "", nil
	}
	key := strings.TrimSpace(getenv(env))
	if key == "" {
		if keyEnvOverride == "" {
			return "", fmt.Errorf("%s needs an API key: set %s in the environment (or name another variable with provider.api_key_env)", info.Name, env)
		}
		return "", fmt.Errorf("%s needs an API key: the variable %s named by provider.api_key_env is empty or unset", info.Name, env)
	}
	return key, nil
}

func defaultCPU() int { return runtime.NumCPU() }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
