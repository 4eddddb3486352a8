package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/collpath"
	"github.com/genmint/genmint/pin"
)

// This file checks the token metadata fields genmint.yaml decides rather
// than the item (issue 12's richer metadata and licence): each numeric
// trait's display_type and max_value, background_color, license and
// license_url; and, before the reveal, the placeholder metadata and image
// against reveal.placeholder. Without the collection's facts (a collector's check) only
// what holds for any genmint collection is checked: a numeric trait's value
// is a number, at most its max_value.

// fixSpecChanged is the fix when the published metadata and genmint.yaml
// disagree on a field the spec decides.
const fixSpecChanged = "genmint.yaml changed since the collection was pinned: restore the field in genmint.yaml, or pin again ('genmint pin') and point the contract at the new baseURI"

// rawAttribute is an attribute as written, its value's JSON kept.
type rawAttribute struct {
	DisplayType string          `json:"display_type"`
	TraitType   string          `json:"trait_type"`
	Value       json.RawMessage `json:"value"`
	MaxValue    json.RawMessage `json:"max_value"`
}

// specFields checks the spec-driven fields of a token's metadata file b
// (already parsed into md) against the collection's facts, when known.
func (t *tokenRun) specFields(b []byte, md *pin.TokenMetadata) error {
	var raw struct {
		Attributes []rawAttribute `json:"attributes"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return t.fail(LinkMetadata, "json", "the metadata's attributes do not parse ("+err.Error()+")", "", "", fixRepin)
	}
	for _, a := range raw.Attributes {
		if err := t.attribute(a); err != nil {
			return err
		}
	}
	f := t.v.o.Facts
	if f == nil {
		return nil
	}
	for _, d := range []struct{ field, want, got string }{
		{"background_color", f.BackgroundColor, md.BackgroundColor},
		{"license", f.License, md.License},
		{"license_url", f.LicenseURL, md.LicenseURL},
	} {
		if d.want != d.got {
			return t.fail(LinkMetadata, d.field, "the metadata's "+d.field+" is not the one genmint.yaml gives", orNone(d.want), orNone(d.got), fixSpecChanged)
		}
	}
	return nil
}

// attribute checks one attribute: its value's kind against its
// display_type, and, with the collection's facts, the display_type and
// max_value genmint.yaml's trait_display gives its trait.
func (t *tokenRun) attribute(a rawAttribute) error {
	field := "attributes[" + strconv.Quote(a.TraitType) + "]"
	maxValue := string(a.MaxValue)
	if a.DisplayType != "" {
		v, ok := jsonNumber(a.Value)
		if !ok {
			return t.fail(LinkMetadata, "display_type", "a "+a.DisplayType+" trait's value must be a JSON number ("+field+".value)", "a number", string(a.Value), fixRepin)
		}
		if m, ok := jsonNumber(a.MaxValue); ok && v.Cmp(m) > 0 {
			return t.fail(LinkMetadata, "max_value", "the trait's value is above its max_value ("+field+")", "at most "+maxValue, string(a.Value), fixSpecChanged)
		}
	}
	f := t.v.o.Facts
	if f == nil || a.TraitType == pin.RarityRankTrait {
		return nil
	}
	d := f.TraitDisplay[a.TraitType]
	if a.DisplayType != d.DisplayType {
		return t.fail(LinkMetadata, "display_type", "the metadata's "+field+".display_type is not the one genmint.yaml's trait_display gives", orNone(d.DisplayType), orNone(a.DisplayType), fixSpecChanged)
	}
	if !sameNumber(maxValue, d.MaxValue) {
		return t.fail(LinkMetadata, "max_value", "the metadata's "+field+".max_value is not the one genmint.yaml's trait_display gives", orNone(d.MaxValue), orNone(maxValue), fixSpecChanged)
	}
	return nil
}

// jsonNumber reads raw as a JSON number (not a string holding one).
func jsonNumber(raw json.RawMessage) (*big.Float, bool) {
	if len(raw) == 0 || raw[0] == '"' {
		return nil, false
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return nil, false
	}
	f, ok := new(big.Float).SetString(n.String())
	return f, ok
}

// sameNumber: two number literals (or both absent) of equal value.
func sameNumber(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	x, okx := new(big.Float).SetString(a)
	y, oky := new(big.Float).SetString(b)
	if !okx || !oky {
		return a == b
	}
	return x.Cmp(y) == 0
}

// placeholderFacts checks the placeholder metadata's fields against
// genmint.yaml's reveal.placeholder, when the collection's facts are known.
func (t *tokenRun) placeholderFacts(md *pin.PlaceholderMetadata) error {
	f := t.v.o.Facts
	if f == nil {
		return nil
	}
	ph := f.Placeholder
	if ph == nil {
		return t.fail(LinkPlaceholder, "reveal.placeholder", "the contract shows a placeholder, but genmint.yaml has no reveal.placeholder", "reveal.placeholder in genmint.yaml", "none", fixSpecChanged)
	}
	name := ph.Name
	if name == "" {
		name = f.Name
	}
	if name == "" && t.v.o.Dir != "" {
		name = filepath.Base(t.v.o.Dir)
	}
	for _, d := range []struct{ field, spec, want, got string }{
		{"name", "reveal.placeholder.name", name, md.Name},
		{"description", "reveal.placeholder.description", ph.Description, md.Description},
		{"license", "license", f.License, md.License},
		{"license_url", "license", f.LicenseURL, md.LicenseURL},
	} {
		if d.field == "name" && d.want == "" {
			continue // the folder's name, unknown without the folder
		}
		if d.want != d.got {
			return t.fail(LinkPlaceholder, d.field, "the placeholder metadata's "+d.field+" is not the one genmint.yaml's "+d.spec+" gives", orNone(d.want), orNone(d.got), fixSpecChanged)
		}
	}
	return nil
}

// placeholderImage checks the placeholder metadata's image against
// genmint.yaml's reveal.placeholder.image: the same URI, or a file of the
// collection whose bytes re-derive to the CID served (got).
func (t *tokenRun) placeholderImage(ctx context.Context, uri string, got cid.Cid) error {
	f := t.v.o.Facts
	if f == nil || f.Placeholder == nil || f.Placeholder.Image == "" {
		return nil
	}
	spec := f.Placeholder.Image
	if collpath.IsURI(spec) {
		if uri != spec {
			return t.fail(LinkPlaceholder, "image", "the placeholder metadata's image is not genmint.yaml's reveal.placeholder.image", spec, uri, fixSpecChanged)
		}
		return nil
	}
	if want := "placeholder" + strings.ToLower(path.Ext(spec)); !got.Defined() || path.Base(uri) != want {
		return t.fail(LinkPlaceholder, "image", "the placeholder metadata's image does not name genmint.yaml's reveal.placeholder.image", "ipfs://<CID>/"+want, uri, fixSpecChanged)
	}
	if t.v.o.Dir == "" {
		return nil
	}
	want, err := t.v.deriveCID(ctx, func() (io.ReadCloser, error) { return collpath.Open(t.v.o.Dir, spec) })
	if err != nil {
		return fmt.Errorf("reveal.placeholder.image %s: %w: restore it or fix reveal.placeholder.image in genmint.yaml", spec, err)
	}
	if !want.Equals(got) {
		return t.fail(LinkPlaceholder, "image", "the placeholder image served is not the bytes of genmint.yaml's "+spec, want.String(), got.String(),
			spec+" changed since the collection was pinned: restore it, or pin again ('genmint pin') and deploy with the placeholder baseURI it prints")
	}
	return nil
}
