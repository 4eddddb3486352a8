package pin

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/genmint/genmint/internal/mediatype"
	"github.com/genmint/genmint/spec"
)

// MetadataFacts are what pin needs to know about the collection beyond its
// items: the facts from genmint.yaml that go into token and contract
// metadata (pin's share of the spec; mint's is mint.ContractFacts).
// MetadataFactsFromSpec fills it from the parsed spec; pin never reads
// genmint.yaml.
type MetadataFacts struct {
	Name        string // tokens are named "<Name> #<id>"
	Symbol      string
	Description string
	// ExternalURL is the collection's web site. Each token's external_url is
	// ExternalURL with "{id}" replaced by the token id (as is without it);
	// the contract metadata's external_link is ExternalURL without "{id}".
	ExternalURL string
	Creator     string
	// Image is the collection's image for the contract metadata: a URI
	// (ipfs://, ar://, https://) used as is, or a file relative to the
	// collection folder, added to the images directory as
	// "collection<ext>". Empty uses the first token's image.
	Image string
	// RoyaltyReceiver and RoyaltyBPS are the ERC-2981 royalty; they also go
	// into the contract metadata as seller_fee_basis_points/fee_recipient.
	RoyaltyReceiver string
	RoyaltyBPS      int
	// ERC7007 adds the ERC-7007 AIGC fields (prompt, aigc_type, aigc_data)
	// to token metadata.
	ERC7007 bool
	// RarityRank adds each token's rarity rank among the items pinned
	// together (rank 1 the rarest, by information content; see package
	// rarity) as the attribute RarityRankTrait.
	RarityRank bool
	// License and LicenseURL are the collection's licence (spec license:),
	// written to token and contract metadata as license and license_url:
	// the known key (CC0-1.0, CBE-CC0, …) or the custom licence's name.
	License, LicenseURL string
	// TraitDisplay makes traits numeric (spec trait_display:): their values
	// are written as JSON numbers with display_type and max_value.
	TraitDisplay map[string]spec.TraitDisplay
	// BackgroundColor is every token's background_color (six hex digits).
	BackgroundColor string
	// BannerImage, FeaturedImage and Collaborators go into the contract
	// metadata as banner_image, featured_image and collaborators. A picture
	// is a URI used as written, or a file relative to the collection folder
	// published beside the collection image as "banner<ext>" /
	// "featured<ext>" and named by its ipfs:// URI.
	BannerImage, FeaturedImage string
	Collaborators              []string
	// Placeholder, when set (spec reveal:), makes a run also publish the
	// placeholder every token shows until the reveal: its image (root
	// RootPlaceholderImage) and a folder of token metadata files named
	// like the real ones, all the same (root RootPlaceholder; identical
	// files are one block, so the folder costs almost nothing). The real
	// roots are computed and pinned too: the provenance commitment binds
	// them at deployment.
	Placeholder *Placeholder
}

// Placeholder is what every token shows before the reveal (spec
// reveal.placeholder).
type Placeholder struct {
	// Image is a file relative to the collection folder, published as
	// "placeholder<ext>" in the RootPlaceholderImage folder, or a URI
	// used as written.
	Image       string
	Name        string // default: the collection's name
	Description string
}

// PlaceholderMetadata is the token metadata every token shows before the
// reveal. It names nothing of the real collection.
type PlaceholderMetadata struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Image       string `json:"image"`
	ExternalURL string `json:"external_url,omitempty"`
	License     string `json:"license,omitempty"`
	LicenseURL  string `json:"license_url,omitempty"`
}

// RarityRankTrait is the trait_type of the rarity rank attribute.
const RarityRankTrait = "Rarity Rank"

// MetadataFactsFromSpec takes the metadata's facts from the spec.
func MetadataFactsFromSpec(s *spec.Spec) MetadataFacts {
	var ph *Placeholder
	if s.Reveal != nil {
		p := s.Reveal.Placeholder
		ph = &Placeholder{Image: p.Image, Name: p.Name, Description: p.Description}
	}
	return MetadataFacts{Placeholder: ph, Name: s.Name, Symbol: s.Symbol, Description: s.Description, ExternalURL: s.ExternalURL,
		Creator: s.Creator, Image: s.Image, RoyaltyReceiver: s.Royalty.Receiver, RoyaltyBPS: s.Royalty.BPS, ERC7007: s.ERC7007,
		RarityRank: s.Rarity.MetadataRank, License: firstNonEmpty(s.License.Key, s.License.Name), LicenseURL: s.License.URL,
		TraitDisplay: s.TraitDisplay, BackgroundColor: s.BackgroundColor, BannerImage: s.BannerImage, FeaturedImage: s.FeaturedImage,
		Collaborators: s.Collaborators}
}

// TokenMetadata is one token's ERC-721 metadata JSON, following the OpenSea
// metadata standard, with genmint's generation facts under properties and,
// when enabled, the ERC-7007 AIGC fields. Field order here is the order in
// the file; the file is a pure function of the item, its provenance record
// and the CIDs, so re-running never changes its CID.
type TokenMetadata struct {
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Image       string      `json:"image"`
	ExternalURL string      `json:"external_url,omitempty"`
	License     string      `json:"license,omitempty"`
	LicenseURL  string      `json:"license_url,omitempty"`
	Attributes  []Attribute `json:"attributes"`
	// BackgroundColor is OpenSea's background_color (six hex digits, no #).
	BackgroundColor string `json:"background_color,omitempty"`
	// AnimationURL is OpenSea's animation_url: the item's animation, pinned
	// beside its image (properties.animation has its CID and media type).
	AnimationURL string `json:"animation_url,omitempty"`
	// ERC-7007 (only with MetadataFacts.ERC7007).
	Prompt   string `json:"prompt,omitempty"`
	AIGCType string `json:"aigc_type,omitempty"`
	AIGCData string `json:"aigc_data,omitempty"`

	Properties TokenProperties `json:"properties"`
}

// Attribute is an OpenSea trait. A numeric trait (DisplayType set) has its
// Value written as a JSON number, with display_type and max_value; Value
// and MaxValue hold the number as the spec wrote it.
type Attribute struct {
	DisplayType string
	TraitType   string
	Value       string
	MaxValue    string
}

// attributeJSON is an Attribute as it is written.
type attributeJSON struct {
	DisplayType string          `json:"display_type,omitempty"`
	TraitType   string          `json:"trait_type"`
	Value       json.RawMessage `json:"value"`
	MaxValue    json.RawMessage `json:"max_value,omitempty"`
}

// MarshalJSON writes a numeric attribute's value and max_value as numbers.
func (a Attribute) MarshalJSON() ([]byte, error) {
	out := attributeJSON{DisplayType: a.DisplayType, TraitType: a.TraitType}
	if a.DisplayType != "" && json.Valid([]byte(a.Value)) && a.Value != "" && a.Value[0] != '"' {
		out.Value = json.RawMessage(a.Value)
	} else {
		v, err := marshalCompact(a.Value)
		if err != nil {
			return nil, err
		}
		out.Value = v
	}
	if a.MaxValue != "" {
		out.MaxValue = json.RawMessage(a.MaxValue)
	}
	return marshalCompact(out)
}

// marshalCompact is json.Marshal without HTML escaping, as marshalMetadata
// writes every other string (a trait "R&D" stays R&D).
func marshalCompact(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads a value given as a string or a number (kept as written).
func (a *Attribute) UnmarshalJSON(b []byte) error {
	var in attributeJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*a = Attribute{DisplayType: in.DisplayType, TraitType: in.TraitType, MaxValue: string(in.MaxValue)}
	if len(in.Value) > 0 && in.Value[0] == '"' {
		return json.Unmarshal(in.Value, &a.Value)
	}
	var n json.Number
	if err := json.Unmarshal(in.Value, &n); err != nil {
		return fmt.Errorf("attribute %q: value is neither a string nor a number", in.TraitType)
	}
	a.Value = n.String()
	return nil
}

// TokenProperties links everything needed to re-derive the token: how the
// image was made, the final image, the provider's original and the
// provenance record, each by CID and hash.
type TokenProperties struct {
	Generation Generation    `json:"generation"`
	Image      FileRef       `json:"image"`
	Original   FileRef       `json:"original"`
	Provenance ProvenanceRef `json:"provenance"`
	// Animation is the animation_url file, when the item has one.
	Animation *FileRef `json:"animation,omitempty"`
	Creator   string   `json:"creator,omitempty"`
	// ContentCredentials says the image carries a valid C2PA manifest
	// (nil when it carries none).
	ContentCredentials *ContentCredentials `json:"content_credentials,omitempty"`
}

// ContentCredentials names the C2PA manifest embedded in the image.
type ContentCredentials struct {
	Standard          string `json:"standard"` // "C2PA 2.1"
	Manifest          string `json:"manifest"` // its label, urn:c2pa:…
	Signer            string `json:"signer"`   // the signing certificate's subject
	DigitalSourceType string `json:"digital_source_type,omitempty"`
}

// Generation holds the generation facts from the provenance record.
type Generation struct {
	Provider       string `json:"provider"`
	Model          string `json:"model"`
	ModelVersion   string `json:"model_version,omitempty"`
	Prompt         string `json:"prompt"`
	RevisedPrompt  string `json:"revised_prompt,omitempty"`
	NegativePrompt string `json:"negative_prompt,omitempty"`
	// Seed is the seed the provider used (the requested one when it did not
	// say); SeedRequested is genmint's.
	Seed              uint64 `json:"seed"`
	SeedRequested     uint32 `json:"seed_requested"`
	Reproducible      bool   `json:"reproducible"`
	DigitalSourceType string `json:"digital_source_type"`
}

// FileRef names a file by its IPFS URI, its own CID and its sha256.
type FileRef struct {
	URI       string `json:"uri"`
	CID       string `json:"cid"`
	SHA256    string `json:"sha256"`
	MediaType string `json:"media_type"`
}

// ProvenanceRef links the provenance record. ContentSHA256 is the hash the
// final image embeds (XMP genmint:RecordSHA256).
type ProvenanceRef struct {
	URI           string `json:"uri"`
	CID           string `json:"cid"`
	Schema        string `json:"schema"`
	ContentSHA256 string `json:"content_sha256"`
}

// ContractMetadata is the ERC-7572 contractURI JSON, plus OpenSea's
// royalty fields.
type ContractMetadata struct {
	Name                 string `json:"name"`
	Symbol               string `json:"symbol,omitempty"`
	Description          string `json:"description,omitempty"`
	Image                string `json:"image,omitempty"`
	ExternalLink         string `json:"external_link,omitempty"`
	SellerFeeBasisPoints *int   `json:"seller_fee_basis_points,omitempty"`
	FeeRecipient         string `json:"fee_recipient,omitempty"`
	License              string `json:"license,omitempty"`
	LicenseURL           string `json:"license_url,omitempty"`
	// OpenSea's collection pictures and collaborators (addresses allowed
	// to manage the collection on OpenSea).
	BannerImage   string   `json:"banner_image,omitempty"`
	FeaturedImage string   `json:"featured_image,omitempty"`
	Collaborators []string `json:"collaborators,omitempty"`
}

// TokenSchema is the JSON Schema (draft 2020-12) every token metadata file
// genmint writes conforms to: the OpenSea metadata standard's fields, typed,
// with ERC-7007's fields and genmint's properties. `genmint verify` and the
// tests check files against it.
//
//go:embed schema/token.schema.json
var TokenSchema []byte

// ContractSchema is the JSON Schema of the contract metadata (ERC-7572).
//
//go:embed schema/contract.schema.json
var ContractSchema []byte

// tokenName is "<collection> #<id>".
func tokenName(c MetadataFacts, id int) string {
	if c.Name == "" {
		return "#" + strconv.Itoa(id)
	}
	return c.Name + " #" + strconv.Itoa(id)
}

func tokenExternalURL(c MetadataFacts, id int) string {
	return strings.ReplaceAll(c.ExternalURL, "{id}", strconv.Itoa(id))
}

func contractExternalLink(c MetadataFacts) string {
	if strings.Contains(c.ExternalURL, "{id}") {
		// A per-token pattern: the site is what comes before the token part.
		u := c.ExternalURL[:strings.Index(c.ExternalURL, "{id}")]
		return strings.TrimRight(u, "/#?=")
	}
	return c.ExternalURL
}

// marshalMetadata writes v as indented JSON with a final newline, without
// HTML escaping (prompts keep their & and <), byte-identical every time.
func marshalMetadata(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// mediaTypeOfName is a published file's media type by its name, and
// application/octet-stream for a type mediatype does not name.
func mediaTypeOfName(name string) string {
	if mt := mediatype.FromName(name); mt != "" {
		return mt
	}
	return "application/octet-stream"
}

func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 && !strings.ContainsRune(name[i:], '/') {
		return name[i:]
	}
	return ""
}
