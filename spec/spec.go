// Package spec reads a collection's genmint.yaml: what to make (count, traits,
// prompt template, rules), how (provider, post-process steps), and the
// collection facts that end up on chain (name, symbol, royalties).
//
// Load reports every problem in the file at once, each with file:line and a
// hint, so `genmint validate` can show them all. Plan turns a valid spec
// into the per-item plan (traits, prompt, seed) deterministically.
package spec

import (
	"text/template"
	"time"

	"github.com/genmint/genmint/postprocess"
)

// FileName is the spec's file name inside a collection folder.
const FileName = "genmint.yaml"

// Spec is a parsed, valid genmint.yaml.
type Spec struct {
	Dir  string // the collection folder
	Path string // the spec file

	Name        string
	Symbol      string
	Description string
	ExternalURL string
	Creator     string // artist name, written into each image's XMP dc:creator
	// Image is the collection's own image for its contract metadata: a file
	// in the collection folder or a URI; empty uses the first token's image.
	Image string

	Count int
	// Seed is the base seed; every item's seed and the trait draw derive
	// from it deterministically.
	Seed uint64
	// Unique forbids two items with the same trait combination (default true).
	Unique bool

	Provider Provider
	Prompt   Prompt
	Traits   []TraitList
	Rules    []Rule

	PostProcess []postprocess.Step
	Output      postprocess.Output
	// Animation is the postprocess list's animation: entry: every item
	// gets an animation file beside its final image (nil: none).
	Animation *postprocess.Animation

	Royalty Royalty
	// License is the collection's licence (zero: none given).
	License License
	// ERC7007 adds the ERC-7007 AIGC fields to token metadata and enables
	// addAigcData on the contract.
	ERC7007 bool
	// Rarity is the spec's rarity: section.
	Rarity Rarity
	// Reveal is the spec's reveal: section; nil when tokens show their
	// art from the start.
	Reveal *Reveal

	// TraitDisplay makes traits numeric on marketplaces (trait_display:):
	// by trait name, its OpenSea display_type and max_value.
	TraitDisplay map[string]TraitDisplay
	// BackgroundColor is every token's background_color (six hex digits).
	BackgroundColor string
	// BannerImage and FeaturedImage are the contract metadata's pictures: a
	// URI, or a picture file relative to the collection folder (inside it),
	// which pin publishes.
	BannerImage, FeaturedImage string
	// Collaborators are addresses listed in the contract metadata.
	Collaborators []string

	// Network is the chain to mint on (default DefaultNetwork, a local anvil).
	Network Network
	// MaxSupply is the contract's supply cap, fixed at deployment: at least
	// Count (the default), larger to leave room for items added later.
	MaxSupply uint64

	positions map[string]Pos
}

// Provider is the spec's provider section.
type Provider struct {
	Name    string // procedural, openai, stability, replicate, automatic1111, comfyui
	Model   string // free string
	BaseURL string
	// APIKeyEnv names the environment variable holding the credential when it
	// is not the provider's default. The spec never holds the secret.
	APIKeyEnv string
	Params    map[string]any

	Concurrency       int           // 0: the provider's default
	RequestsPerMinute int           // 0: the provider's default
	Timeout           time.Duration // per request; 0: the provider's default
	Retries           int           // -1: the provider's default
	PriceUSD          *float64      // overrides the price table
}

// Prompt holds the prompt templates.
type Prompt struct {
	Text         string // template source (inline or from File)
	NegativeText string
	File         string // the template file, relative to the collection, if any

	tmpl *template.Template
	neg  *template.Template
}

// TraitList is a named, weighted list of trait values, like a HashLips layer
// but for prompts.
type TraitList struct {
	Name   string
	Values []TraitValue
}

// TraitValue is one value of a trait list.
type TraitValue struct {
	Value  string // the attribute value shown on marketplaces
	Weight int    // relative weight, a positive integer (default 1)
	Prompt string // the text the prompt template receives (default Value)
}

// Rule excludes every combination matching all of its conditions.
type Rule struct {
	Conditions []Condition
	Reason     string
}

// Condition matches items whose Trait takes one of Values.
type Condition struct {
	Trait  string
	Values []string
}

// Rarity holds the rarity settings.
type Rarity struct {
	// MetadataRank writes each token's rarity rank (information content,
	// over the pinned items; see package rarity) into its metadata as a
	// "Rarity Rank" attribute. Off by default: marketplaces rank on their own.
	MetadataRank bool
}

// Royalty is the ERC-2981 royalty.
type Royalty struct {
	Receiver string // 0x address
	BPS      int    // basis points, 0–10000
	// CapBPS is the most `genmint royalty set` may ever set, fixed in the
	// contract at deployment: 0 means 1000 (10%), or BPS when higher.
	CapBPS int
}

// Pos is a place in a spec or template file.
type Pos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// Position returns where a spec path (e.g. "provider.params.width") was
// written, for errors found after loading.
func (s *Spec) Position(path string) Pos {
	if p, ok := s.positions[path]; ok {
		return p
	}
	return Pos{File: FileName}
}

// Trait returns the named trait list.
func (s *Spec) Trait(name string) (*TraitList, bool) {
	for i := range s.Traits {
		if s.Traits[i].Name == name {
			return &s.Traits[i], true
		}
	}
	return nil, false
}
