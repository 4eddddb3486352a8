package verify

import (
	"fmt"
	"slices"
	"strings"
)

// Link names a link of the chain of trust. The names are part of the
// --json report: keep them stable.
type Link string

// The links, in the order a token is verified.
const (
	LinkChain      Link = "chain"      // the contract: totalSupply, ownerOf
	LinkTokenURI   Link = "tokenURI"   // the token's URI and its metadata root
	LinkMetadata   Link = "metadata"   // the metadata file and its JSON
	LinkImage      Link = "image"      // the final image
	LinkProvenance Link = "provenance" // the embedded provenance and the record
	LinkOriginal   Link = "original"   // the provider's original
	LinkERC7007    Link = "erc7007"    // the prompt and content hash on chain
	LinkPin        Link = "pin"        // local: the files against the pin record
	// LinkPlaceholder: before the reveal, the placeholder every tokenURI
	// shows (its metadata and image).
	LinkPlaceholder Link = "placeholder"
)

// CommitmentPending is Report.Commitment before the reveal.
const CommitmentPending = "pending"

// Mode says what a report verified.
type Mode string

// Modes.
const (
	ModeChain Mode = "chain" // a deployed contract, its tokens' content on IPFS
	ModePin   Mode = "pin"   // the pinned collection on IPFS, from the pin record (not on chain)
	ModeLocal Mode = "local" // the collection folder alone
)

// Failure is one broken link. Check is a short stable name of the check
// that failed (e.g. "cid", "sha256", "schema", "missing"); Message says what
// differs, Expected and Got show it, Fix says what to do.
type Failure struct {
	Token    int    `json:"token"` // 0: the collection as a whole
	Link     Link   `json:"link"`
	Check    string `json:"check"`
	Message  string `json:"message"`
	Expected string `json:"expected,omitempty"`
	Got      string `json:"got,omitempty"`
	Fix      string `json:"fix"`

	item bool // a file of the collection folder: "item N", not "token N"
}

// String is the failure's one line:
// "token 3: image: <message>: expected X, got Y: <fix>".
func (f Failure) String() string {
	var b strings.Builder
	switch {
	case f.Token > 0 && f.item:
		fmt.Fprintf(&b, "item %d: ", f.Token)
	case f.Token > 0:
		fmt.Fprintf(&b, "token %d: ", f.Token)
	default:
		b.WriteString("collection: ")
	}
	fmt.Fprintf(&b, "%s: %s", f.Link, f.Message)
	if f.Expected != "" || f.Got != "" {
		fmt.Fprintf(&b, ": expected %s, got %s", orNone(f.Expected), orNone(f.Got))
	}
	if f.Fix != "" {
		b.WriteString(": " + f.Fix)
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// TokenResult is what verifying one token (or, locally, one item) found.
// The CIDs are the ones re-derived from the bytes.
type TokenResult struct {
	ID            int    `json:"id"`
	OK            bool   `json:"ok"`
	TokenURI      string `json:"token_uri,omitempty"`
	Owner         string `json:"owner,omitempty"`
	MetadataCID   string `json:"metadata_cid,omitempty"`
	ImageCID      string `json:"image_cid,omitempty"`
	ProvenanceCID string `json:"provenance_cid,omitempty"`
	OriginalCID   string `json:"original_cid,omitempty"`
	AnimationCID  string `json:"animation_cid,omitempty"`
	ImageSHA256   string `json:"image_sha256,omitempty"`
	ContentSHA256 string `json:"content_sha256,omitempty"` // the provenance hash the image embeds
	License       string `json:"license,omitempty"`        // the licence's name the metadata and the image state
	LicenseURL    string `json:"license_url,omitempty"`    // the licence the metadata and the image state
	ERC7007       string `json:"erc7007,omitempty"`        // what the ERC-7007 check found, when it ran
	// ContentCredentials is what the C2PA check found, when it ran.
	ContentCredentials *ContentCredentials `json:"content_credentials,omitempty"`
	Failures           []Failure           `json:"failures"`
}

// Report is the outcome of a verification: the --json document.
type Report struct {
	Mode Mode `json:"mode"`
	// Links are the links checked, in order.
	Links []Link `json:"links"`
	// Contract, Chain: the collection on chain (chain mode).
	Contract    string  `json:"contract,omitempty"`
	Chain       string  `json:"chain,omitempty"`
	TotalSupply *uint64 `json:"total_supply,omitempty"`
	// Content is the IPFS source read (chain and pin modes).
	Content string `json:"content,omitempty"`
	// Profile is the import profile CIDs were re-derived under.
	Profile string `json:"profile,omitempty"`
	// BaseURI is the pinned baseURI, when the collection's pin record was
	// read.
	BaseURI string `json:"base_uri,omitempty"`
	// ProvenanceHash is the contract's provenanceHash() and
	// ProvenanceRecomputed the root recomputed from the content
	// (docs/provenance.md), when every token was checked.
	ProvenanceHash       string `json:"provenance_hash,omitempty"`
	ProvenanceRecomputed string `json:"provenance_recomputed,omitempty"`
	// ProvenanceTokens is how many tokens (1..k) the commitment covers.
	ProvenanceTokens int `json:"provenance_tokens,omitempty"`
	// ProvenanceFixed: provenanceHash() is a constant of the contract's
	// deployed code (an immutable), so it cannot have changed since the
	// deployment.
	ProvenanceFixed bool `json:"provenance_fixed,omitempty"`
	// CodeMatchesSource: the contract's runtime code is GenmintCollection
	// as this genmint compiles it from its Solidity source, byte for byte
	// but for the immutables the deployment writes (an older genmint's
	// contract does not match; its commitment is still checked by PUSH32).
	CodeMatchesSource bool `json:"code_matches_source,omitempty"`
	// Commitment is CommitmentPending for a collection not revealed yet,
	// checked without its pin record: the commitment is set and fixed, and
	// the content it binds is checked once revealed.
	Commitment string `json:"commitment,omitempty"`
	// Revealed is false, and PlaceholderURI the baseURI the contract
	// shows, for a collection not revealed yet (absent otherwise).
	Revealed       *bool  `json:"revealed,omitempty"`
	PlaceholderURI string `json:"placeholder_uri,omitempty"`
	// License is the licence the contract reports (a16z ICantBeEvil).
	License string `json:"license,omitempty"`
	// ContractURI is what the check of the contract-level metadata
	// (ERC-7572 contractURI) found; its failures are collection failures.
	ContractURI *ContractURICheck `json:"contract_uri,omitempty"`
	// Tokens is how many tokens (items, locally) were checked; Verified how
	// many passed every check.
	Tokens   int  `json:"tokens"`
	Verified int  `json:"verified"`
	OK       bool `json:"ok"`
	// Collection holds failures that are not about one token (the supply,
	// the pin record's roots).
	Collection []Failure     `json:"collection_failures"`
	Results    []TokenResult `json:"results"`
}

// Failures lists every failure: the collection's, then each token's.
func (r *Report) Failures() []Failure {
	out := append([]Failure(nil), r.Collection...)
	for _, t := range r.Results {
		out = append(out, t.Failures...)
	}
	return out
}

// Summary is the one-line outcome, e.g.
// "verified 24 of 24 tokens: chain → tokenURI → metadata → image → provenance".
func (r *Report) Summary() string {
	noun := "tokens"
	if r.Mode == ModeLocal {
		noun = "items"
	}
	names := make([]string, len(r.Links))
	for i, l := range r.Links {
		names[i] = string(l)
	}
	s := fmt.Sprintf("verified %d of %d %s: %s", r.Verified, r.Tokens, noun, strings.Join(names, " → "))
	switch r.Mode {
	case ModePin:
		s += " (pinned, not read from a chain: pass --rpc URL --contract ADDR once minted)"
	case ModeChain:
		if r.Revealed != nil && !*r.Revealed {
			s += " (not revealed: every tokenURI shows the placeholder; the real content was checked from the pin record)"
			if !slices.Contains(r.Links, LinkPin) {
				s = strings.Replace(s, "; the real content was checked from the pin record", "", 1)
			}
			if r.Commitment == CommitmentPending {
				s = strings.TrimSuffix(s, ")") + "; commitment pending: provenanceHash() " + r.ProvenanceHash
				if r.ProvenanceFixed {
					s += " is fixed in the contract's code"
				}
				if r.CodeMatchesSource {
					s += " (GenmintCollection as compiled from genmint's source)"
				}
				s += ", recomputed from the content by verify after the reveal)"
			}
		}
	case ModeLocal:
		if r.BaseURI == "" {
			s += " (offline; not pinned yet, so no CIDs to check)"
		} else {
			s += " (offline)"
		}
	}
	return s
}

// finish counts the results and sets OK.
func (r *Report) finish() {
	r.Tokens, r.Verified = len(r.Results), 0
	c2paSeen := false
	for i := range r.Results {
		t := &r.Results[i]
		if cc := t.ContentCredentials; cc != nil && cc.Status != "absent" && !c2paSeen {
			c2paSeen = true
			r.Links = append(r.Links, LinkContentCredentials)
		}
		if t.AnimationCID != "" && !slices.Contains(r.Links, LinkAnimation) {
			r.Links = append(r.Links, LinkAnimation) // re-derived (animation.go)
		}
		if t.Failures == nil {
			t.Failures = []Failure{}
		}
		t.OK = len(t.Failures) == 0
		if t.OK {
			r.Verified++
		}
	}
	if r.Collection == nil {
		r.Collection = []Failure{}
	}
	if r.Results == nil {
		r.Results = []TokenResult{}
	}
	r.OK = len(r.Collection) == 0 && r.Verified == r.Tokens
}

// formatIDs writes sorted ids compactly: 1-4,7,9-10.
func formatIDs(ids []int) string {
	var b strings.Builder
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if j > i {
			fmt.Fprintf(&b, "%d-%d", ids[i], ids[j])
		} else {
			fmt.Fprintf(&b, "%d", ids[i])
		}
		i = j + 1
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}
