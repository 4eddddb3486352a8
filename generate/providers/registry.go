// Package providers lists every image provider genmint can drive, in one
// place, and builds them with the shared wrappers (retries, limits).
package providers

import (
	"fmt"
	"time"

	"github.com/genmint/genmint/generate"
)

// All lists the providers in the order `genmint providers` shows them. A new
// provider is one folder plus one line here.
func All() []generate.ProviderInfo {
	return []generate.ProviderInfo{}
}

// Lookup finds a provider by its genmint.yaml name.
func Lookup(name string) (generate.ProviderInfo, bool) {
	for _, p := range All() {
		if p.Name == name {
			return p, true
		}
	}
	return generate.ProviderInfo{}, false
}

// Limits are the spec's per-provider limits; zero values mean the defaults.
type Limits struct {
	Concurrency       int
	RequestsPerMinute int
	Timeout           time.Duration
	MaxRetries        int // -1: default
}

// Open builds a provider.
func Open(info generate.ProviderInfo, cfg generate.ProviderConfig, lim Limits) (generate.Provider, error) {
	return info.New(cfg)
}

// APIKey reads a provider's credential from the environment variable the
// spec names, else the provider's default one. Its error names the variable,
// never a value.
func APIKey(info generate.ProviderInfo, override string, getenv func(string) string) (string, error) {
	name := info.KeyEnv
	if override != "" {
		name = override
	}
	if name == "" {
		return "", nil
	}
	if v := getenv(name); v != "" {
		return v, nil
	}
	return "", fmt.Errorf("%s needs an API key: set the environment variable %s", info.Name, name)
}
