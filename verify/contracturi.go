package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/ipfs/go-cid"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/genmint/genmint/internal/collpath"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/pin/unixfs"
)

// LinkContractURI is the contract-level metadata (ERC-7572 contractURI):
// a collection-wide check, after the tokens'.
const LinkContractURI Link = "contractURI"

// ContractURICheck is what the contractURI check found: the --json
// report's contract_uri.
type ContractURICheck struct {
	URI           string   `json:"uri"`
	CID           string   `json:"cid,omitempty"` // re-derived from the bytes
	License       string   `json:"license,omitempty"`
	LicenseURL    string   `json:"license_url,omitempty"`
	BannerImage   string   `json:"banner_image,omitempty"`
	FeaturedImage string   `json:"featured_image,omitempty"`
	Collaborators []string `json:"collaborators,omitempty"`
	OK            bool     `json:"ok"`
}

// contractURIer is a Chain that reports its contractURI().
type contractURIer interface {
	ContractURI(ctx context.Context) (string, error)
}

// ContractURI implements contractURIer.
func (c *ContractChain) ContractURI(ctx context.Context) (string, error) {
	info, err := c.c.Info(ctx)
	if err != nil {
		return "", err
	}
	return info.ContractURI, nil
}

// contractURI checks the contract-level metadata: the chain's contractURI
// is the pinned one (in the collection's folder), its bytes re-derive to
// its CID, it follows the contract schema, its licence is the one the
// contract and the tokens state, and, with the collection's facts, its
// license, banner_image, featured_image and collaborators are genmint.yaml's
// (a local picture's bytes re-derived against the file). Failures go to the
// report's collection failures; the error stops verification.
func (v *verifier) contractURI(ctx context.Context, res []TokenResult, r *Report) error {
	var uri string
	if v.o.Pin != nil {
		uri = v.o.Pin.ContractURI
	}
	if ch := v.o.Chain; ch != nil {
		cu, ok := ch.(contractURIer)
		if !ok && uri == "" {
			return nil
		}
		if ok {
			onChain, err := cu.ContractURI(ctx)
			if err != nil {
				return chainError(ch.Source(), fmt.Errorf("read contractURI: %w", err))
			}
			if uri != "" && onChain != uri {
				r.ContractURI = &ContractURICheck{URI: onChain}
				r.Collection = append(r.Collection, Failure{Link: LinkContractURI, Check: "contract-uri",
					Message: "the contract's contractURI is not the one this collection pinned", Expected: uri, Got: orNone(onChain),
					Fix: "set it with setContractURI (as the owner) to " + uri + ", or verify from the folder the collection was minted from"})
				return nil
			}
			uri = onChain
		}
	}
	if uri == "" {
		return nil
	}
	c := &ContractURICheck{URI: uri}
	r.ContractURI = c
	before := len(r.Collection)
	if err := v.checkContractURI(ctx, c, res, r); err != nil && !errors.Is(err, errStop) {
		return err
	}
	c.OK = len(r.Collection) == before
	return nil
}

// checkContractURI does contractURI's checks; a failure is recorded in r
// and ends them with errStop.
func (v *verifier) checkContractURI(ctx context.Context, c *ContractURICheck, res []TokenResult, r *Report) error {
	fail := func(check, msg, expected, got, fix string) error {
		r.Collection = append(r.Collection, Failure{Link: LinkContractURI, Check: check, Message: msg, Expected: expected, Got: got, Fix: fix})
		return errStop
	}
	const fixRepinContract = "re-pin the collection with 'genmint pin' and set the contract's contractURI to the one it prints (setContractURI, as the owner)"
	rest, ok := strings.CutPrefix(c.URI, "ipfs://")
	root, err := cid.Decode(rest)
	if !ok || err != nil {
		return fail("uri", "contractURI is not ipfs://<CID>", "ipfs://<contract metadata CID>", c.URI, fixRepinContract)
	}
	fctx, cancel := context.WithTimeout(ctx, v.o.FetchTimeout)
	b, err := v.files.cat(fctx, root, "", v.o.MaxJSONBytes)
	cancel()
	if err != nil {
		t := &tokenRun{v: v}
		if err := t.fetchFailure(ctx, LinkContractURI, "the contract metadata "+c.URI, err); !errors.Is(err, errStop) {
			return err
		}
		r.Collection = append(r.Collection, t.res.Failures...)
		return errStop
	}
	derived, err := v.deriveCID(ctx, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		return err
	}
	c.CID = derived.String()
	if !derived.Equals(root) {
		return fail("cid", fmt.Sprintf("the bytes %s served for %s re-derive (import profile %s) to another CID", v.files.source(), c.URI, v.profile.Name),
			root.String(), derived.String(), fixLyingSource)
	}
	cm, msg := parseContractMetadata(b)
	if msg != "" {
		return fail("schema", "the contract metadata does not follow genmint's contract schema ("+msg+")", "", "", fixRepinContract)
	}
	c.License, c.LicenseURL, c.BannerImage, c.FeaturedImage, c.Collaborators = cm.License, cm.LicenseURL, cm.BannerImage, cm.FeaturedImage, cm.Collaborators

	// The licence: the contract's (getLicenseName/getLicenseURI), else the
	// tokens'.
	if lc, ok := v.o.Chain.(licenser); ok {
		l, err := lc.License(ctx)
		if err != nil {
			return chainError(v.o.Chain.Source(), fmt.Errorf("read the licence: %w", err))
		}
		const fix = "the contract's licence is fixed at deployment: pin the contract metadata with the licence the contract was deployed with ('genmint pin'), then setContractURI"
		if cm.LicenseURL != l.URI {
			return fail("license_url", "contractURI's license_url is not the contract's getLicenseURI()", orNone(l.URI), orNone(cm.LicenseURL), fix)
		}
		if !sameLicenseName(cm.License, l.Name) {
			return fail("license", "contractURI's license is not the contract's getLicenseName()", orNone(l.Name), orNone(cm.License), fix)
		}
	} else if t, ok := firstChecked(res); ok && t.LicenseURL != cm.LicenseURL {
		return fail("license_url", fmt.Sprintf("contractURI's license_url is not the one token %d's metadata and image state", t.ID), orNone(t.LicenseURL), orNone(cm.LicenseURL), fixRepinContract)
	}

	f := v.o.Facts
	if f != nil {
		for _, d := range []struct{ field, want, got string }{
			{"license", f.License, cm.License},
			{"license_url", f.LicenseURL, cm.LicenseURL},
			{"collaborators", strings.Join(f.Collaborators, ", "), strings.Join(cm.Collaborators, ", ")},
		} {
			if d.want != d.got {
				return fail(d.field, "contractURI's "+d.field+" is not the one genmint.yaml gives", orNone(d.want), orNone(d.got), fixSpecChanged)
			}
		}
	}
	for _, p := range []struct{ field, got, spec, name string }{
		{"banner_image", cm.BannerImage, factsField(f, "banner_image"), "banner"},
		{"featured_image", cm.FeaturedImage, factsField(f, "featured_image"), "featured"},
	} {
		if err := v.picture(ctx, p.field, p.got, p.spec, p.name, fail); err != nil {
			return err
		}
	}
	return nil
}

// picture checks contractURI's banner_image or featured_image (field, as
// published: got) against the spec's value (when known): a URL is written
// as it is; a file of the collection is published as <name><ext> in the
// collection's images (or, before the reveal, placeholder image) folder,
// and its bytes must re-derive to the file's CID. A published ipfs://
// picture is read and re-derived in any case.
func (v *verifier) picture(ctx context.Context, field, got, specValue, name string, fail func(check, msg, expected, got, fix string) error) error {
	local := specValue != "" && !collpath.IsURI(specValue)
	if v.o.Facts != nil && !local && got != specValue {
		return fail(field, "contractURI's "+field+" is not the one genmint.yaml gives", orNone(specValue), orNone(got), fixSpecChanged)
	}
	if got == "" || !strings.HasPrefix(got, "ipfs://") && !local {
		return nil
	}
	root, entryName, err := parseIPFSURI(got)
	if err != nil {
		return fail(field, "contractURI's "+field+" is not ipfs://<CID>/<name> ("+err.Error()+")", "ipfs://<CID>/"+name+"<ext>", got,
			"re-pin the collection with 'genmint pin' and set the contract's contractURI to the one it prints")
	}
	var want cid.Cid
	if local {
		wantName := name + strings.ToLower(path.Ext(specValue))
		if entryName != wantName {
			return fail(field, "contractURI's "+field+" does not name the collection's "+name+" picture", "ipfs://<CID>/"+wantName, got, fixSpecChanged)
		}
		if rec := v.o.Pin; rec != nil && root.String() != rec.Roots.Images && root.String() != rec.Roots.PlaceholderImage {
			return fail(field, "contractURI's "+field+" is not in the folder this collection pinned its pictures to", orNone(firstNonEmptyStr(rec.Roots.PlaceholderImage, rec.Roots.Images)), root.String(), fixSpecChanged)
		}
		open := func() (io.ReadCloser, error) { return collpath.Open(v.o.Dir, specValue) }
		if want, err = v.deriveCID(ctx, open); err != nil {
			return fmt.Errorf("%s %s: %w: restore it or fix %s in genmint.yaml", field, specValue, err, field)
		}
	}
	t := &tokenRun{v: v}
	data, c, err := t.file(ctx, LinkContractURI, field, root, entryName, cid.Undef, v.o.MaxFileBytes)
	if err != nil {
		if errors.Is(err, errStop) {
			for _, f := range t.res.Failures {
				_ = fail(f.Check, f.Message, f.Expected, f.Got, f.Fix)
			}
		}
		return err
	}
	if want.Defined() && !c.Equals(want) {
		return fail(field, "contractURI's "+field+" is not the bytes of genmint.yaml's "+specValue, want.String(), c.String(),
			specValue+" changed since the collection was pinned: restore it, or pin again ('genmint pin') and set the contract's contractURI to the one it prints")
	}
	if mt := mediaType(data); !strings.HasPrefix(mt, "image/") {
		return fail(field, "contractURI's "+field+" is not an image", "image/…", mt, fixSpecChanged)
	}
	return nil
}

// deriveCID imports one file's bytes under the verifier's profile.
func (v *verifier) deriveCID(ctx context.Context, open func() (io.ReadCloser, error)) (cid.Cid, error) {
	c, _, err := unixfs.ImportFile(ctx, open, v.profile, unixfs.ImportOptions{})
	if err != nil && ctx.Err() != nil {
		return cid.Undef, ctx.Err()
	}
	return c, err
}

// factsField is a picture the spec names, or "" without facts.
func factsField(f *pin.MetadataFacts, field string) string {
	switch {
	case f == nil:
		return ""
	case field == "banner_image":
		return f.BannerImage
	}
	return f.FeaturedImage
}

// firstChecked is the first token whose real metadata was checked in full.
func firstChecked(res []TokenResult) (TokenResult, bool) {
	for _, t := range res {
		if len(t.Failures) == 0 && t.MetadataCID != "" {
			return t, true
		}
	}
	return TokenResult{}, false
}

// sameLicenseName: a16z's contracts name a Can't Be Evil licence with
// underscores (CBE_CC0) where genmint's metadata uses its key (CBE-CC0).
func sameLicenseName(metadata, onChain string) bool {
	return strings.ReplaceAll(metadata, "-", "_") == strings.ReplaceAll(onChain, "-", "_")
}

func firstNonEmptyStr(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// parseContractMetadata checks b against pin.ContractSchema and decodes
// it; msg says why it does not.
func parseContractMetadata(b []byte) (*pin.ContractMetadata, string) {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, "not JSON: " + err.Error()
	}
	schema, err := contractSchema()
	if err != nil {
		return nil, err.Error()
	}
	if err := schema.Validate(inst); err != nil {
		return nil, schemaError(err)
	}
	var cm pin.ContractMetadata
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cm); err != nil {
		return nil, err.Error()
	}
	return &cm, ""
}

// contractSchema compiles pin.ContractSchema once.
var contractSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(pin.ContractSchema))
	if err != nil {
		return nil, fmt.Errorf("contract schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const name = "urn:genmint:schema:contract-metadata:v1"
	if err := c.AddResource(name, doc); err != nil {
		return nil, fmt.Errorf("contract schema: %w", err)
	}
	return c.Compile(name)
})
