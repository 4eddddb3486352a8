package generate

import "net/http"

// ProviderInfo describes a provider and builds it. Each provider package
// exports one ProviderInfo; generate/providers lists them all in one place.
type ProviderInfo struct {
	Name    string   // the name used in genmint.yaml: provider.name
	Summary string   // one line for `genmint providers`
	Records []string // what the provider records in provenance, for `genmint providers`
	Paid    bool     // whether requests cost money
	// Algorithmic marks output made by an algorithm rather than a trained
	// model (IPTC digital source type algorithmicMedia).
	Algorithmic bool
	// KeyEnv is the environment variable holding the credential by default
	// (e.g. OPENAI_API_KEY); empty when none is needed. The spec may name
	// another variable with provider.api_key_env, never the secret itself.
	KeyEnv string
	// DefaultBaseURL is the public endpoint; empty means provider.base_url is
	// required (local servers).
	DefaultBaseURL string
	// EstimateUSD returns the list price of one request for a model and its
	// parameters, and whether the price is known. Nil for free providers.
	// The spec's provider.price_usd overrides it.
	EstimateUSD func(model string, params Params) (usd float64, known bool)
	// New builds the provider. It validates cfg and returns an error that
	// names the offending spec field; it performs no I/O.
	New func(cfg ProviderConfig) (Provider, error)
}

// ProviderConfig is what a provider is built from.
type ProviderConfig struct {
	Model   string
	BaseURL string // already defaulted to DefaultBaseURL
	// APIKey was read from the environment by the caller. Providers send it
	// only in request headers and never put it in errors, results or logs.
	APIKey string
	Params Params
	// Dir is the collection folder: files the spec names (a ComfyUI
	// workflow) are relative to it.
	Dir        string
	HTTPClient *http.Client // nil means a client with sane timeouts
}
