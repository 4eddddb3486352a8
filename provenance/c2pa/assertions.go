package c2pa

import (
	"fmt"
	"reflect"

	"github.com/fxamacker/cbor/v2"
)

// Labels of the assertions and boxes genmint writes (C2PA 2.1, "Standard
// C2PA assertion summary", "Claims", "Digital signatures").
const (
	LabelActions       = "c2pa.actions.v2"
	LabelDataHash      = "c2pa.hash.data"
	LabelIngredient    = "c2pa.ingredient.v3"
	LabelGenmint       = "com.github.genmint.provenance"
	labelAssertions    = "c2pa.assertions"
	labelClaim         = "c2pa.claim.v2"
	labelSignature     = "c2pa.signature"
	labelStore         = "c2pa"
	dataHashName       = "jumbf manifest"
	hashAlg            = "sha256"
	selfJUMBF          = "self#jumbf="
	relationshipParent = "parentOf"
)

// Actions genmint records (C2PA 2.1, "Actions").
const (
	ActionCreated          = "c2pa.created"
	ActionOpened           = "c2pa.opened"
	ActionEdited           = "c2pa.edited"
	ActionResized          = "c2pa.resized"
	ActionCropped          = "c2pa.cropped"
	ActionFiltered         = "c2pa.filtered"
	ActionColorAdjustments = "c2pa.color_adjustments"
)

// ActionForStep names the C2PA action for a genmint post-process step.
func ActionForStep(op string) string {
	switch op {
	case "resize", "fit", "fill":
		return ActionResized
	case "crop":
		return ActionCropped
	case "sharpen", "blur":
		return ActionFiltered
	case "contrast", "saturation", "brightness", "gamma":
		return ActionColorAdjustments
	}
	return ActionEdited // border, watermark, anything new
}

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	var err error
	// Core deterministic encoding (RFC 8949 §4.2.1): the same assertion
	// always gives the same bytes, so its hashed URI is reproducible.
	if encMode, err = cbor.CoreDetEncOptions().EncMode(); err != nil {
		panic(err)
	}
	if decMode, err = (cbor.DecOptions{
		DefaultMapType:   mapStringAny,
		MaxNestedLevels:  32,
		MaxArrayElements: 1 << 16,
		MaxMapPairs:      1 << 16,
	}).DecMode(); err != nil {
		panic(err)
	}
}

var mapStringAny = reflect.TypeOf(map[string]any(nil))

// hashedURI is a C2PA hashed URI (C2PA 2.1, "Hashed URIs"): a JUMBF URI
// and the hash of what it names. alg is left out when it is the claim's.
type hashedURI struct {
	URL  string `cbor:"url"`
	Alg  string `cbor:"alg,omitempty"`
	Hash []byte `cbor:"hash"`
}

type generatorInfo struct {
	Name    string `cbor:"name"`
	Version string `cbor:"version,omitempty"`
}

// claimV2 is a C2PA 2.x claim (C2PA 2.1, "Claims", the claim-map CDDL).
type claimV2 struct {
	InstanceID         string        `cbor:"instanceID"`
	Title              string        `cbor:"dc:title,omitempty"`
	ClaimGeneratorInfo generatorInfo `cbor:"claim_generator_info"`
	Signature          string        `cbor:"signature"`
	CreatedAssertions  []hashedURI   `cbor:"created_assertions"`
	GatheredAssertions []hashedURI   `cbor:"gathered_assertions,omitempty"`
	Alg                string        `cbor:"alg"`
}

// Action is one entry of c2pa.actions.v2.
type Action struct {
	Action            string         `cbor:"action" json:"action"`
	DigitalSourceType string         `cbor:"digitalSourceType,omitempty" json:"digital_source_type,omitempty"`
	SoftwareAgent     *generatorInfo `cbor:"softwareAgent,omitempty" json:"-"`
	Description       string         `cbor:"description,omitempty" json:"description,omitempty"`
	Parameters        map[string]any `cbor:"parameters,omitempty" json:"parameters,omitempty"`
}

type actionsV2 struct {
	Actions []Action `cbor:"actions"`
}

type exclusion struct {
	Start  int64 `cbor:"start"`
	Length int64 `cbor:"length"`
}

// dataHash is c2pa.hash.data (C2PA 2.1, "Data hash"): the asset's hash with
// the manifest store's bytes excluded.
type dataHash struct {
	Exclusions []exclusion `cbor:"exclusions"`
	Name       string      `cbor:"name,omitempty"`
	Alg        string      `cbor:"alg"`
	Hash       []byte      `cbor:"hash"`
	Pad        []byte      `cbor:"pad"`
}

type statusEntry struct {
	Code        string `cbor:"code" json:"code"`
	URL         string `cbor:"url,omitempty" json:"url,omitempty"`
	Explanation string `cbor:"explanation,omitempty" json:"explanation,omitempty"`
}

type statusCodes struct {
	Success       []statusEntry `cbor:"success"`
	Informational []statusEntry `cbor:"informational"`
	Failure       []statusEntry `cbor:"failure"`
}

type validationResults struct {
	ActiveManifest statusCodes `cbor:"activeManifest"`
}

// ingredientV3 is c2pa.ingredient.v3 (C2PA 2.1, "Ingredient").
type ingredientV3 struct {
	Title             string             `cbor:"dc:title,omitempty"`
	Format            string             `cbor:"dc:format,omitempty"`
	Relationship      string             `cbor:"relationship"`
	ActiveManifest    *hashedURI         `cbor:"activeManifest,omitempty"`
	ClaimSignature    *hashedURI         `cbor:"claimSignature,omitempty"`
	ValidationResults *validationResults `cbor:"validationResults,omitempty"`
	Description       string             `cbor:"description,omitempty"`
}

// Genmint is genmint's own assertion (label LabelGenmint): the provenance
// record it belongs to, and the facts a reader most wants without it.
type Genmint struct {
	RecordSHA256 string `cbor:"record_sha256" json:"record_sha256"`
	Collection   string `cbor:"collection,omitempty" json:"collection,omitempty"`
	Item         int    `cbor:"item" json:"item"`
	Provider     string `cbor:"provider,omitempty" json:"provider,omitempty"`
	Model        string `cbor:"model,omitempty" json:"model,omitempty"`
	Prompt       string `cbor:"prompt" json:"prompt"`
	Seed         int64  `cbor:"seed" json:"seed"`
	// Upstream says what became of the provider's own Content Credentials:
	// "parent ingredient", "absent" or "broken: why".
	Upstream string `cbor:"upstream" json:"upstream"`
}

func marshal(what string, v any) ([]byte, error) {
	b, err := encMode.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("c2pa: encode %s: %w", what, err)
	}
	return b, nil
}
