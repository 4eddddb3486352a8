package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ipfs/go-cid"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/pin/unixfs"
	"github.com/genmint/genmint/provenance"
)

// errStop ends a token's check after its first failure was recorded.
var errStop = errors.New("stop")

// Fixes shared by several checks.
const (
	fixRepin        = "re-pin the collection with 'genmint pin' and point the contract at the baseURI it prints"
	fixLyingSource  = "the source altered the bytes: do not trust it, verify against another gateway, node or the CAR file"
	fixNotReachable = "pin the collection where this source can reach it ('genmint pin'), or read from --ipfs-api ADDR, --gateway URL or --car FILE"
)

// token checks one token, link by link, and stops at the first failure.
// Its error is non-nil only when verification as a whole must stop.
func (v *verifier) token(ctx context.Context, id int) (TokenResult, error) {
	t := &tokenRun{v: v, id: id, res: TokenResult{ID: id}}
	err := t.run(ctx)
	if errors.Is(err, errStop) {
		err = nil
	}
	return t.res, err
}

type tokenRun struct {
	v    *verifier
	id   int
	res  TokenResult
	item bool // failures name an item of the folder, not a token
}

// fail records a failure and stops the token.
func (t *tokenRun) fail(link Link, check, msg, expected, got, fix string) error {
	t.res.Failures = append(t.res.Failures, Failure{Token: t.id, Link: link, Check: check, Message: msg, Expected: expected, Got: got, Fix: fix, item: t.item})
	return errStop
}

func (t *tokenRun) run(ctx context.Context) error {
	idStr := strconv.Itoa(t.id)

	// 1. chain → tokenURI.
	uri, err := t.tokenURI(ctx)
	if err != nil {
		return err
	}
	t.res.TokenURI = uri
	root, name, err := parseIPFSURI(uri)
	if err != nil {
		return t.fail(LinkTokenURI, "uri", "tokenURI is not ipfs://<CID>/<id> ("+err.Error()+")", "ipfs://<metadata CID>/"+idStr, uri,
			"set the contract's baseURI to the ipfs://<CID>/ that 'genmint pin' printed (setBaseURI, as the owner)")
	}
	if name != idStr {
		return t.fail(LinkTokenURI, "uri", "tokenURI does not end in the token id", "ipfs://"+root.String()+"/"+idStr, uri,
			"the contract's baseURI must end in '/' and name the metadata folder 'genmint pin' printed")
	}
	if ph := t.v.o.Placeholder; ph != "" && t.v.o.Chain != nil {
		// Before the reveal: the chain shows the placeholder; the real
		// content is checked from the pin record.
		if err := t.placeholder(ctx, uri, root, name); err != nil {
			return err
		}
		rec := t.v.o.Pin
		if rec == nil {
			return nil
		}
		uri = rec.BaseURI + idStr
		if root, name, err = parseIPFSURI(uri); err != nil {
			return t.fail(LinkPin, "uri", "the pin record's baseURI is not ipfs://<CID>/ ("+err.Error()+")", "ipfs://<metadata CID>/", rec.BaseURI, fixRepin)
		}
	}
	if rec := t.v.o.Pin; rec != nil {
		if want := rec.BaseURI + idStr; uri != want {
			return t.fail(LinkTokenURI, "base-uri", "tokenURI is not the baseURI this collection pinned plus the id", want, uri,
				"the contract points at other metadata: set its baseURI to "+rec.BaseURI+" (setBaseURI), or verify from the folder the collection was minted from")
		}
	}

	// 2. tokenURI → metadata.
	mdBytes, mdCID, err := t.file(ctx, LinkMetadata, "metadata", root, name, cid.Undef, t.v.o.MaxJSONBytes)
	if err != nil {
		return err
	}
	t.res.MetadataCID = mdCID.String()
	md, err := t.metadata(mdBytes)
	if err != nil {
		return err
	}
	if err := t.specFields(mdBytes, md); err != nil {
		return err
	}

	// 3. metadata → image.
	img, imgCID, err := t.linkedFile(ctx, LinkImage, "images", "image", md.Properties.Image.URI, md.Properties.Image.CID, t.v.o.MaxFileBytes)
	if err != nil {
		return err
	}
	t.res.ImageCID = imgCID.String()
	t.res.ImageSHA256 = sha256Hex(img)
	if t.res.ImageSHA256 != md.Properties.Image.SHA256 {
		return t.fail(LinkImage, "sha256", "the image's sha256 is not the one the metadata states", md.Properties.Image.SHA256, t.res.ImageSHA256,
			"the metadata was written for another image: "+fixRepin)
	}
	if mt := mediaType(img); mt != md.Properties.Image.MediaType {
		return t.fail(LinkImage, "media-type", "the image is not of the media type the metadata states", md.Properties.Image.MediaType, mt, fixRepin)
	}

	// 4. image → provenance.
	rec, err := t.provenance(ctx, md, img)
	if err != nil {
		return err
	}

	// 4b. image → Content Credentials (C2PA), when it carries some.
	if err := t.contentCredentials(t.v.o.C2PA, img, rec); err != nil {
		return err
	}

	// 5. provenance → original.
	if err := t.original(ctx, md, rec); err != nil {
		return err
	}

	// 5b. provenance → animation (animation.go), when the token has one.
	if err := t.animation(ctx, md, rec); err != nil {
		return err
	}

	// 6. ERC-7007 on chain.
	if t.v.o.Chain != nil {
		return t.aigc(ctx, md, img, imgCID)
	}
	return nil
}

// tokenURI reads the token's URI from the chain (with ownerOf), or from
// the pin record when there is no chain.
func (t *tokenRun) tokenURI(ctx context.Context) (string, error) {
	ch := t.v.o.Chain
	if ch == nil {
		if t.v.tokenURI != nil {
			if uri, ok := t.v.tokenURI(t.id); ok {
				return uri, nil
			}
		} else if it, ok := t.v.byID[t.id]; ok {
			return it.TokenURI, nil
		}
		return "", t.fail(LinkPin, "not-pinned", "the pin record has no such token", "a pinned item", "none",
			"pin the item with 'genmint pin', or leave it out of --only")
	}
	id := uint64(t.id)
	uri, err := ch.TokenURI(ctx, id)
	if isNoToken(err) {
		return "", t.fail(LinkChain, "exists", "the token was never minted (tokenURI reverts with ERC721NonexistentToken)", "a minted token", "none",
			"mint it with 'genmint mint', or check --contract and --only")
	}
	if err != nil {
		return "", chainError(ch.Source(), err)
	}
	owner, err := ch.OwnerOf(ctx, id)
	if isNoToken(err) {
		return "", t.fail(LinkChain, "exists", "ownerOf reverts: the token has no owner", "an owner", "none", "the token was burned or never minted: check --contract")
	}
	if err != nil {
		return "", chainError(ch.Source(), err)
	}
	t.res.Owner = owner.Hex()
	return uri, nil
}

// file reads root/name and re-derives it: the directory's own entry for
// name (which must be want, when want is defined), the bytes served for
// root/name, and their CID under the profile, which must be that entry.
func (t *tokenRun) file(ctx context.Context, link Link, dir string, root cid.Cid, name string, want cid.Cid, limit int64) ([]byte, cid.Cid, error) {
	uri := "ipfs://" + root.String() + "/" + name
	fctx, cancel := context.WithTimeout(ctx, t.v.o.FetchTimeout)
	linked, err := t.v.files.entry(fctx, root, name)
	cancel()
	if err != nil {
		return nil, cid.Undef, t.fetchFailure(ctx, link, "the "+dir+" directory "+root.String()+" entry "+strconv.Quote(name), err)
	}
	if want.Defined() && !linked.Equals(want) {
		return nil, cid.Undef, t.fail(link, "link", fmt.Sprintf("the %s directory links %s to another file than the metadata names", dir, name), want.String(), linked.String(),
			"the directory changed after the metadata was written: "+fixRepin)
	}
	fctx, cancel = context.WithTimeout(ctx, t.v.o.FetchTimeout)
	data, err := t.v.files.cat(fctx, root, name, limit)
	cancel()
	if err != nil {
		return nil, cid.Undef, t.fetchFailure(ctx, link, uri, err)
	}
	derived, _, err := unixfs.ImportFile(ctx, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, t.v.profile, unixfs.ImportOptions{})
	if err != nil {
		if ctx.Err() != nil {
			return nil, cid.Undef, ctx.Err()
		}
		return nil, cid.Undef, fmt.Errorf("re-derive the CID of %s: %w", uri, err)
	}
	if !derived.Equals(linked) {
		return nil, cid.Undef, t.fail(link, "cid", fmt.Sprintf("the bytes %s served for %s re-derive (import profile %s) to another CID than the directory links", t.v.files.source(), uri, t.v.profile.Name),
			linked.String(), derived.String(), fixLyingSource)
	}
	return data, derived, nil
}

// linkedFile reads a file the metadata links by URI and CID.
func (t *tokenRun) linkedFile(ctx context.Context, link Link, dir, field, uri, cidStr string, limit int64) ([]byte, cid.Cid, error) {
	root, name, err := parseIPFSURI(uri)
	if err != nil {
		return nil, cid.Undef, t.fail(LinkMetadata, "links", "properties."+field+".uri is not ipfs://<CID>/<name> ("+err.Error()+")", "ipfs://<CID>/<name>", uri, fixRepin)
	}
	want, err := cid.Decode(cidStr)
	if err != nil {
		return nil, cid.Undef, t.fail(LinkMetadata, "links", "properties."+field+".cid is not a CID", "a CID", cidStr, fixRepin)
	}
	return t.file(ctx, link, dir, root, name, want, limit)
}

// fetchFailure turns a failed read into the token's failure, or returns the
// error itself when verification must stop (dead source, ctx ended).
func (t *tokenRun) fetchFailure(ctx context.Context, link Link, what string, err error) error {
	src := t.v.files.source()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, ErrUnavailable):
		return err
	case errors.Is(err, context.DeadlineExceeded):
		return t.fail(link, "missing", fmt.Sprintf("%s is not retrievable from %s within %s", what, src, t.v.o.FetchTimeout), "", "", fixNotReachable)
	case errors.Is(err, ErrNotFound):
		return t.fail(link, "missing", fmt.Sprintf("%s is not retrievable from %s (%v)", what, src, err), "", "", fixNotReachable)
	case errors.Is(err, ErrTooLarge):
		return t.fail(link, "too-large", fmt.Sprintf("%s is too large to verify (%v)", what, err), "", "", "a genmint file is never this large: the link points elsewhere, "+fixRepin)
	case errors.Is(err, ErrBadBlock):
		return t.fail(link, "block", fmt.Sprintf("%s: %v", what, err), "", "", fixLyingSource)
	case errors.Is(err, ErrNotDirectory):
		return t.fail(link, "root", fmt.Sprintf("%s: %v", what, err), "a UnixFS directory", "", fixRepin)
	}
	return t.fail(link, "fetch", fmt.Sprintf("%s could not be read from %s: %v", what, src, err), "", "", fixNotReachable)
}

// metadata parses and checks the token's metadata file.
func (t *tokenRun) metadata(b []byte) (*pin.TokenMetadata, error) {
	idStr := strconv.Itoa(t.id)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, t.fail(LinkMetadata, "json", "the metadata is not JSON ("+err.Error()+")", "", "", fixRepin)
	}
	schema, err := tokenSchema()
	if err != nil {
		return nil, err
	}
	if err := schema.Validate(inst); err != nil {
		return nil, t.fail(LinkMetadata, "schema", "the metadata does not follow genmint's token schema ("+schemaError(err)+")", "", "", fixRepin)
	}
	var md pin.TokenMetadata
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&md); err != nil {
		return nil, t.fail(LinkMetadata, "schema", "the metadata does not decode ("+err.Error()+")", "", "", fixRepin)
	}
	if !strings.HasSuffix(md.Name, " #"+idStr) && md.Name != "#"+idStr {
		return nil, t.fail(LinkMetadata, "name", "the metadata is not this token's", "a name ending in #"+idStr, strconv.Quote(md.Name),
			"the metadata directory links the token to another token's file: "+fixRepin)
	}
	if md.Image != md.Properties.Image.URI {
		return nil, t.fail(LinkMetadata, "links", "image and properties.image.uri differ", md.Properties.Image.URI, md.Image, fixRepin)
	}
	if md.Prompt != "" || md.AIGCData != "" || md.AIGCType != "" {
		switch {
		case md.AIGCData != md.Image:
			return nil, t.fail(LinkMetadata, "links", "aigc_data is not the token's image", md.Image, md.AIGCData, fixRepin)
		case md.Prompt != md.Properties.Generation.Prompt:
			return nil, t.fail(LinkMetadata, "links", "prompt is not properties.generation.prompt", md.Properties.Generation.Prompt, md.Prompt, fixRepin)
		case md.AIGCType != strings.SplitN(md.Properties.Image.MediaType, "/", 2)[0]:
			return nil, t.fail(LinkMetadata, "links", "aigc_type does not match the image's media type", strings.SplitN(md.Properties.Image.MediaType, "/", 2)[0], md.AIGCType, fixRepin)
		}
	}
	return &md, nil
}

// provenance checks the image's embedded provenance, fetches the record
// the metadata links, and checks the three against each other.
func (t *tokenRun) provenance(ctx context.Context, md *pin.TokenMetadata, img []byte) (*provenance.Record, error) {
	emb, err := provenance.Extract(img)
	if errors.Is(err, provenance.ErrNoProvenance) {
		return nil, t.fail(LinkProvenance, "embedded", "the image carries no genmint provenance (its XMP packet is missing or was stripped)", "", "",
			"the published image is not the one genmint sealed: "+fixRepin)
	}
	if err != nil {
		return nil, t.fail(LinkProvenance, "embedded", "the image's embedded provenance cannot be read ("+err.Error()+")", "", "", fixRepin)
	}
	t.res.ContentSHA256 = emb.RecordSHA256
	pr := md.Properties.Provenance
	if emb.RecordSHA256 != pr.ContentSHA256 {
		return nil, t.fail(LinkProvenance, "record-hash", "the image embeds another provenance hash than the metadata links", pr.ContentSHA256, emb.RecordSHA256, fixRepin)
	}
	b, recCID, err := t.linkedFile(ctx, LinkProvenance, "provenance", "provenance", pr.URI, pr.CID, t.v.o.MaxJSONBytes)
	if err != nil {
		return nil, err
	}
	t.res.ProvenanceCID = recCID.String()
	rec, err := provenance.ParseRecord(b)
	if err != nil {
		return nil, t.fail(LinkProvenance, "json", "the provenance record does not parse ("+err.Error()+")", "", "", fixRepin)
	}
	if rec.Schema != pr.Schema {
		return nil, t.fail(LinkProvenance, "schema", "the record's schema is not the one the metadata states", pr.Schema, rec.Schema, fixRepin)
	}
	if err := provenance.Verify(rec, img); err != nil {
		msg := strings.TrimPrefix(err.Error(), provenance.ErrMismatch.Error()+": ")
		return nil, t.fail(LinkProvenance, "mismatch", "the image and its provenance record disagree: "+msg, "", "",
			"the record or the image was edited after genmint sealed them: re-pin the item's files as generate wrote them ('genmint verify --local' in the collection folder shows which)")
	}
	if rec.Content.Item != t.id {
		return nil, t.fail(LinkProvenance, "item", "the provenance record describes another item", strconv.Itoa(t.id), strconv.Itoa(rec.Content.Item),
			"the token links another item's image and record: "+fixRepin)
	}
	if f, want, got := generationDiff(md, &rec.Content); f != "" {
		return nil, t.fail(LinkProvenance, "generation", "the metadata's "+f+" does not match the provenance record", want, got,
			"the metadata was edited: "+fixRepin+" (it writes the metadata from the record)")
	}
	// The licence the image carries (XMP and record) is the metadata's.
	var name, url string
	if l := rec.Content.License; l != nil {
		name, url = l.Name, l.URL
	}
	if name != md.License || url != md.LicenseURL {
		return nil, t.fail(LinkProvenance, "license", "the image's licence is not the one the metadata states", md.License+" "+md.LicenseURL, name+" "+url,
			"the licence changed after generation: regenerate the images or restore the spec's license, then 'genmint pin'")
	}
	t.res.License, t.res.LicenseURL = md.License, md.LicenseURL
	return rec, nil
}

// generationDiff returns the first generation fact or trait where the
// metadata and the record differ: its name, the record's value and the
// metadata's.
func generationDiff(md *pin.TokenMetadata, c *provenance.Content) (field, record, metadata string) {
	g := md.Properties.Generation
	seed := uint64(c.Seed.Requested)
	if c.Seed.Actual != nil {
		seed = *c.Seed.Actual
	}
	for _, d := range []struct{ name, rec, md string }{
		{"provider", c.Provider, g.Provider},
		{"model", c.Model, g.Model},
		{"model_version", c.ModelVersion, g.ModelVersion},
		{"prompt", c.Prompt, g.Prompt},
		{"revised_prompt", c.RevisedPrompt, g.RevisedPrompt},
		{"negative_prompt", c.NegativePrompt, g.NegativePrompt},
		{"seed", strconv.FormatUint(seed, 10), strconv.FormatUint(g.Seed, 10)},
		{"seed_requested", strconv.FormatUint(uint64(c.Seed.Requested), 10), strconv.FormatUint(uint64(g.SeedRequested), 10)},
		{"reproducible", strconv.FormatBool(c.Reproducible), strconv.FormatBool(g.Reproducible)},
		{"digital_source_type", c.DigitalSourceType, g.DigitalSourceType},
	} {
		if d.rec != d.md {
			return "properties.generation." + d.name, strconv.Quote(d.rec), strconv.Quote(d.md)
		}
	}
	if c.Creator != "" && md.Properties.Creator != c.Creator {
		return "properties.creator", strconv.Quote(c.Creator), strconv.Quote(md.Properties.Creator)
	}
	var rt, mt []string
	for _, tr := range c.Traits {
		rt = append(rt, tr.Type+"="+tr.Value)
	}
	for _, a := range md.Attributes {
		if a.TraitType == pin.RarityRankTrait {
			continue // a ranking among the pinned items (rarity.metadata_rank), not a trait of the record
		}
		mt = append(mt, a.TraitType+"="+a.Value)
	}
	if strings.Join(rt, ", ") != strings.Join(mt, ", ") {
		return "attributes", strings.Join(rt, ", "), strings.Join(mt, ", ")
	}
	return "", "", ""
}

// original fetches the provider's original the metadata links and checks
// it against the metadata and the record.
func (t *tokenRun) original(ctx context.Context, md *pin.TokenMetadata, rec *provenance.Record) error {
	o := md.Properties.Original
	b, c, err := t.linkedFile(ctx, LinkOriginal, "originals", "original", o.URI, o.CID, t.v.o.MaxFileBytes)
	if err != nil {
		return err
	}
	t.res.OriginalCID = c.String()
	sum := sha256Hex(b)
	if sum != o.SHA256 {
		return t.fail(LinkOriginal, "sha256", "the original's sha256 is not the one the metadata states", o.SHA256, sum, fixRepin)
	}
	if sum != rec.Content.Original.SHA256 {
		return t.fail(LinkOriginal, "sha256", "the original's sha256 is not the one the provenance record states", rec.Content.Original.SHA256, sum,
			"the original was replaced: re-pin the provider's original as generate stored it")
	}
	if int64(len(b)) != rec.Content.Original.Bytes {
		return t.fail(LinkOriginal, "size", "the original's size is not the one the provenance record states", strconv.FormatInt(rec.Content.Original.Bytes, 10), strconv.Itoa(len(b)), fixRepin)
	}
	return nil
}

// aigc checks the ERC-7007 record on chain, when the contract has one.
func (t *tokenRun) aigc(ctx context.Context, md *pin.TokenMetadata, img []byte, imgCID cid.Cid) error {
	ch := t.v.o.Chain
	a, err := ch.AIGC(ctx, uint64(t.id))
	if isNoToken(err) {
		return t.fail(LinkChain, "exists", "aigcDataOf reverts: the token does not exist", "a minted token", "none", "check --contract")
	}
	if err != nil {
		return chainError(ch.Source(), err)
	}
	switch {
	case !a.Enabled && t.v.o.RequireAIGC:
		return t.fail(LinkERC7007, "enabled", "the contract does not support ERC-7007", "supportsInterface(0x702c55a6)", "false",
			"ERC-7007 is chosen at deployment (erc7007: true in genmint.yaml): drop --erc7007 for this collection")
	case !a.Enabled:
		return nil
	case len(a.Prompt) == 0 && len(a.Data) == 0 && t.v.o.RequireAIGC:
		return t.fail(LinkERC7007, "not-recorded", "no prompt and content hash are recorded on chain for the token", "", "",
			"record them with 'genmint mint' (the collection owner's account)")
	case len(a.Prompt) == 0 && len(a.Data) == 0:
		t.res.ERC7007 = "not recorded"
		return nil
	}
	prompt := md.Prompt
	if prompt == "" {
		prompt = md.Properties.Generation.Prompt
	}
	if string(a.Prompt) != prompt {
		return t.fail(LinkERC7007, "prompt", "the prompt recorded on chain is not the metadata's", strconv.Quote(prompt), strconv.Quote(string(a.Prompt)),
			"the chain's record was made for another prompt; ERC-7007 data is recorded once per token and cannot be corrected")
	}
	form := aigcForm(a.Data, img, imgCID)
	if form == "" {
		return t.fail(LinkERC7007, "hash", "the content hash recorded on chain is none of the re-derived image's hashes", "sha256, keccak256, multihash or CID of "+imgCID.String(), "0x"+hex.EncodeToString(a.Data),
			"the chain's record was made for another image; ERC-7007 data is recorded once per token and cannot be corrected")
	}
	ok, err := ch.VerifyAIGC(ctx, uint64(t.id), []byte(prompt), a.Data)
	if err != nil {
		return chainError(ch.Source(), err)
	}
	if !ok {
		return t.fail(LinkERC7007, "verify", "the contract's ERC-7007 verify rejects the token's prompt and content hash", "true", "false", "check --contract")
	}
	t.res.ERC7007 = "verified (" + form + " of the image)"
	return nil
}

// aigcForm names the encoding of the image's content hash that data is,
// or "" when it is none of them. Every form is computed from the
// re-derived image bytes and CID; none is taken from the metadata.
func aigcForm(data, img []byte, imgCID cid.Cid) string {
	sum := sha256.Sum256(img)
	forms := []struct {
		name string
		b    []byte
	}{
		{"sha256", sum[:]},
		{"keccak256", crypto.Keccak256(img)},
		{"multihash", imgCID.Hash()},
		{"CID", imgCID.Bytes()},
		{"CID string", []byte(imgCID.String())},
	}
	for _, f := range forms {
		if bytes.Equal(data, f.b) {
			return f.name
		}
	}
	return ""
}

// parseIPFSURI splits ipfs://<cid>/<name> (one path element).
func parseIPFSURI(uri string) (cid.Cid, string, error) {
	rest, ok := strings.CutPrefix(uri, "ipfs://")
	if !ok {
		return cid.Undef, "", errors.New("not an ipfs:// URI")
	}
	c, name, ok := strings.Cut(rest, "/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return cid.Undef, "", errors.New("want one name after the CID")
	}
	k, err := cid.Decode(c)
	if err != nil {
		return cid.Undef, "", fmt.Errorf("bad CID %q", c)
	}
	return k, name, nil
}

// mediaType sniffs an image's type from its bytes.
func mediaType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return provenance.MediaPNG
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return provenance.MediaJPEG
	}
	mt, _, _ := strings.Cut(http.DetectContentType(b), ";")
	return mt
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// tokenSchema compiles pin.TokenSchema once.
var tokenSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(pin.TokenSchema))
	if err != nil {
		return nil, fmt.Errorf("token schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const name = "urn:genmint:schema:token-metadata:v1"
	if err := c.AddResource(name, doc); err != nil {
		return nil, fmt.Errorf("token schema: %w", err)
	}
	return c.Compile(name)
})

// schemaError is the first, innermost reason a document fails the schema,
// on one line.
func schemaError(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	loc := "/" + strings.Join(ve.InstanceLocation, "/")
	msg := strings.ReplaceAll(ve.ErrorKind.LocalizedString(message.NewPrinter(language.English)), "\n", " ")
	return "at " + loc + ": " + msg
}

// placeholder checks a token before the reveal: its tokenURI is the
// placeholder baseURI plus the id, and resolves to the placeholder
// metadata (the same file for every token), whose image resolves.
func (t *tokenRun) placeholder(ctx context.Context, uri string, root cid.Cid, name string) error {
	ph := t.v.o.Placeholder
	if want := ph + name; uri != want {
		return t.fail(LinkPlaceholder, "base-uri", "before the reveal the tokenURI must be the placeholder baseURI plus the id", want, uri,
			"the contract points elsewhere: run 'genmint status --rpc URL', and 'genmint reveal' to show the real metadata")
	}
	data, c, err := t.file(ctx, LinkPlaceholder, "placeholder", root, name, cid.Undef, t.v.o.MaxJSONBytes)
	if err != nil {
		return err
	}
	t.v.phMu.Lock()
	seen, license, licenseURL := t.v.phCID, t.v.phLicense, t.v.phLicenseURL
	t.v.phMu.Unlock()
	if seen.Defined() {
		if !c.Equals(seen) {
			return t.fail(LinkPlaceholder, "same", "the placeholder folder holds another file for this token than for the others", seen.String(), c.String(), fixRepin)
		}
		t.res.License, t.res.LicenseURL = license, licenseURL
		return nil
	}
	var md pin.PlaceholderMetadata
	if err := json.Unmarshal(data, &md); err != nil || md.Name == "" || md.Image == "" {
		return t.fail(LinkPlaceholder, "json", "the placeholder metadata is not JSON with a name and an image", "{name, image, …}", strings.TrimSpace(string(data)), fixRepin)
	}
	if err := t.placeholderFacts(&md); err != nil {
		return err
	}
	var image cid.Cid
	if iroot, iname, err := parseIPFSURI(md.Image); err == nil {
		if _, image, err = t.file(ctx, LinkPlaceholder, "placeholder image", iroot, iname, cid.Undef, t.v.o.MaxFileBytes); err != nil {
			return err
		}
	}
	if err := t.placeholderImage(ctx, md.Image, image); err != nil {
		return err
	}
	t.v.phMu.Lock()
	t.v.phCID, t.v.phLicense, t.v.phLicenseURL = c, md.License, md.LicenseURL
	t.v.phMu.Unlock()
	t.res.License, t.res.LicenseURL = md.License, md.LicenseURL // the licence the token states until the reveal
	return nil
}
