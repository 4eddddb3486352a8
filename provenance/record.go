// Package provenance records how each image was made, and carries that record
// inside the image itself.
//
// An item's record has two parts. Content holds the facts that fully describe
// how the final image came to be (provider, model, prompt, seeds, parameters,
// the original's hash, every post-process step); it is deterministic, and its
// hash — sha256 over its canonical JSON — is embedded in the final image.
// The envelope around it (Record) adds what cannot be inside the image or
// varies between runs: the final file's own hash, genmint's version and
// timestamps.
//
// The final PNG carries two text chunks, which survive because genmint
// writes them after the last re-encode (imaging drops them):
//   - tEXt "parameters" (iTXt when the text is not Latin-1): Automatic1111
//     infotext, for A1111 PNG Info and exiftool;
//   - iTXt "XML:com.adobe.xmp": an XMP packet with IPTC DigitalSourceType,
//     the creator, genmint:RecordSHA256 = ContentSHA256, and genmint:Content,
//     the Content JSON itself, so the image alone is enough to verify it.
//
// A final JPEG carries the same two: the infotext as the Exif UserComment
// (the way A1111 writes it) and the XMP packet in an APP1 segment.
package provenance

import (
	"time"

	"github.com/genmint/genmint/spec/trait"
)

// Schema names this record format. A new incompatible format gets a new name.
const Schema = "genmint.provenance/v1"

// IPTC digital source types (https://cv.iptc.org/newscodes/digitalsourcetype/).
const (
	SourceTrainedAlgorithmic = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia" // AI models
	SourceAlgorithmic        = "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"        // procedural generator
	// SourceCompositeSynthetic is a composite of synthetic (made, not
	// captured) elements: drawn layers, with or without a procedural base.
	SourceCompositeSynthetic = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeSynthetic"
	// SourceCompositeWithTrainedAlgorithmic is a composite that includes an
	// AI-made element: drawn layers over a generated base.
	SourceCompositeWithTrainedAlgorithmic = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
)

// Record is the sidecar provenance.json beside each final image.
type Record struct {
	Schema  string  `json:"schema"`
	Content Content `json:"content"`
	// ContentSHA256 is the hex sha256 of CanonicalJSON(Content). The final
	// image embeds it as XMP genmint:RecordSHA256.
	ContentSHA256 string    `json:"content_sha256"`
	Final         FileFact  `json:"final"`
	Generator     Generator `json:"generator"`
	Times         Times     `json:"times"`
}

// Content is the deterministic description of how the final image was made.
// Field order is the JSON order; maps are written with sorted keys.
type Content struct {
	Collection     string         `json:"collection"`
	Creator        string         `json:"creator,omitempty"`
	Item           int            `json:"item"`
	Provider       string         `json:"provider"`
	Model          string         `json:"model"`
	ModelVersion   string         `json:"model_version,omitempty"`
	ModelHash      string         `json:"model_hash,omitempty"`
	Prompt         string         `json:"prompt"`
	RevisedPrompt  string         `json:"revised_prompt,omitempty"`
	NegativePrompt string         `json:"negative_prompt"`
	Seed           Seed           `json:"seed"`
	Reproducible   bool           `json:"reproducible"`
	Parameters     map[string]any `json:"parameters"`
	RequestID      string         `json:"request_id,omitempty"`
	Traits         []trait.Trait  `json:"traits"`
	// DigitalSourceType is one of the IPTC URIs above.
	DigitalSourceType string         `json:"digital_source_type"`
	Original          FileFact       `json:"original"`
	PostProcess       []Step         `json:"postprocess"`
	Output            Output         `json:"output"`
	ProviderFacts     map[string]any `json:"provider_facts,omitempty"`
	// License is the collection's licence (spec license:), when it names one.
	License *License `json:"license,omitempty"`
	// Animation is the item's animation file beside the final image (spec
	// postprocess animation:), when it has one: derived from the
	// post-processed pixels or provided, so never from the final's bytes,
	// which embed this record's hash.
	Animation *FileFact `json:"animation,omitempty"`
}

// License is the licence the image is published under: its name (a known
// key such as CC0-1.0 or CBE-NECR, or a custom name) and where its text is.
type License struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Seed is the requested seed and the one the service actually used (nil when
// the service has no seed, like OpenAI).
type Seed struct {
	Requested uint32  `json:"requested"`
	Actual    *uint64 `json:"actual"`
}

// FileFact identifies a file of the item. Path is relative to the item folder.
type FileFact struct {
	Path      string `json:"path"`
	MediaType string `json:"media_type"`
	SHA256    string `json:"sha256"`
	Bytes     int64  `json:"bytes"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
}

// Step is one post-process step as applied, with its canonical parameters.
type Step struct {
	Op     string         `json:"op"`
	Params map[string]any `json:"params,omitempty"`
}

// Output is the final image's encoding.
type Output struct {
	MediaType string `json:"media_type"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Quality   int    `json:"quality,omitempty"` // JPEG only
}

// Generator names the program that wrote the record.
type Generator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Times are when the provider was asked, answered, and the final image was
// written. They vary between runs and so stay out of Content.
type Times struct {
	Requested time.Time `json:"requested"`
	Generated time.Time `json:"generated"`
	Processed time.Time `json:"processed"`
}
