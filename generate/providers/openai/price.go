package openai

import (
	"strings"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/cost"
)

// Prices is OpenAI's per-image list price for the Images API, keyed
// "model quality size". GPT image models are billed by tokens; these are
// the per-image figures OpenAI publishes for them (the 1536-pixel sizes are
// listed under 1536x1024 and apply to 1024x1536 too).
var Prices = cost.Table{
	Provider: Name,
	Source:   "https://platform.openai.com/docs/pricing (image generation, per image)",
	Date:     "2026-11-22",
	Prices: map[string]float64{
		"dall-e-2 standard 256x256":   0.016,
		"dall-e-2 standard 512x512":   0.018,
		"dall-e-2 standard 1024x1024": 0.020,

		"dall-e-3 standard 1024x1024": 0.040,
		"dall-e-3 standard 1792x1024": 0.080,
		"dall-e-3 hd 1024x1024":       0.080,
		"dall-e-3 hd 1792x1024":       0.120,

		"gpt-image-1 low 1024x1024":    0.011,
		"gpt-image-1 low 1536x1024":    0.016,
		"gpt-image-1 medium 1024x1024": 0.042,
		"gpt-image-1 medium 1536x1024": 0.063,
		"gpt-image-1 high 1024x1024":   0.167,
		"gpt-image-1 high 1536x1024":   0.250,

		"gpt-image-1-mini low 1024x1024":    0.005,
		"gpt-image-1-mini low 1536x1024":    0.006,
		"gpt-image-1-mini medium 1024x1024": 0.011,
		"gpt-image-1-mini medium 1536x1024": 0.015,
		"gpt-image-1-mini high 1024x1024":   0.036,
		"gpt-image-1-mini high 1536x1024":   0.052,

		"gpt-image-1.5 low 1024x1024":    0.009,
		"gpt-image-1.5 low 1536x1024":    0.013,
		"gpt-image-1.5 medium 1024x1024": 0.034,
		"gpt-image-1.5 medium 1536x1024": 0.050,
		"gpt-image-1.5 high 1024x1024":   0.133,
		"gpt-image-1.5 high 1536x1024":   0.200,
	},
}

// families maps a model name to its price family, longest prefix first, so
// that dated snapshots ("gpt-image-1-2025-04-15") price like their family.
var families = []string{"gpt-image-1-mini", "gpt-image-1.5", "gpt-image-1", "dall-e-3", "dall-e-2"}

// Estimate is the list price of one image. Where the request leaves the
// choice to the service (quality or size "auto", or unset for GPT image
// models), it prices the most expensive choice, so that a spend cap holds.
// Models missing from the table (gpt-image-2 is billed by tokens at sizes
// the table cannot list) are unknown: the spec's provider.price_usd then
// decides.
func Estimate(model string, p generate.Params) (float64, bool) {
	if model == "" {
		model = DefaultModel
	}
	family := ""
	for _, f := range families {
		if strings.HasPrefix(strings.ToLower(model), f) {
			family = f
			break
		}
	}
	if family == "" || (family == "gpt-image-1" && strings.HasPrefix(strings.ToLower(model), "gpt-image-1-") && !isSnapshot(model)) {
		return 0, false
	}
	quality, _ := p["quality"].(string)
	size, _ := p["size"].(string)
	switch family {
	case "dall-e-2":
		quality = "standard"
		if size == "" || size == "auto" {
			size = "1024x1024"
		}
	case "dall-e-3":
		if quality == "" || quality == "auto" {
			quality = "hd"
		}
		if quality != "hd" {
			quality = "standard"
		}
		if size == "" || size == "auto" {
			size = "1792x1024"
		}
		if size == "1024x1792" {
			size = "1792x1024"
		}
	default: // GPT image models
		if quality == "" || quality == "auto" {
			quality = "high"
		}
		switch size {
		case "1024x1024":
		case "", "auto", "1024x1536", "1536x1024":
			size = "1536x1024"
		default:
			return 0, false
		}
	}
	return Prices.Lookup(family + " " + quality + " " + size)
}

// isSnapshot reports whether model is "gpt-image-1-" followed by a date.
func isSnapshot(model string) bool {
	rest := strings.TrimPrefix(strings.ToLower(model), "gpt-image-1-")
	return len(rest) == 10 && rest[4] == '-' && rest[7] == '-'
}
