package pin

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/provenance/c2pa"
	"github.com/genmint/genmint/rarity"
)

// This file builds the metadata files a run pins — one per token, and the
// contract's — from the state, the provenance records and the CIDs the
// layout computed; their schema is in metadata.go.

func ipfsURI(root cid.Cid, name string) string { return "ipfs://" + root.String() + "/" + name }

// recordFacts are what a token's metadata shows of the item's provenance
// record.
type recordFacts struct {
	provider, model, modelVersion string
	prompt, revisedPrompt         string
	seed                          uint64 // the actual seed, else the one requested
	reproducible                  bool
	digitalSourceType, creator    string
	schema, contentSHA256         string
}

func factsOf(rec *provenance.Record) recordFacts {
	c := rec.Content
	seed := uint64(c.Seed.Requested)
	if c.Seed.Actual != nil {
		seed = *c.Seed.Actual
	}
	return recordFacts{provider: c.Provider, model: c.Model, modelVersion: c.ModelVersion,
		prompt: c.Prompt, revisedPrompt: c.RevisedPrompt, seed: seed, reproducible: c.Reproducible,
		digitalSourceType: c.DigitalSourceType, creator: c.Creator,
		schema: rec.Schema, contentSHA256: rec.ContentSHA256}
}

// tokenJSON builds one token's metadata file from the state, the facts of
// the provenance record newLayout read and the CIDs computed so far.
func (lay *layout) tokenJSON(li *layoutItem) ([]byte, error) {
	images, originals, provs := lay.roots[RootImages], lay.roots[RootOriginals], lay.roots[RootProvenance]
	c := li.facts
	prompt := li.it.Prompt
	if prompt == "" {
		prompt = c.prompt
	}
	md := TokenMetadata{
		Name:            tokenName(lay.coll, li.it.ID),
		Description:     lay.coll.Description,
		Image:           ipfsURI(images, li.imageName),
		ExternalURL:     tokenExternalURL(lay.coll, li.it.ID),
		License:         lay.coll.License,
		LicenseURL:      lay.coll.LicenseURL,
		Attributes:      make([]Attribute, 0, len(li.it.Traits)),
		BackgroundColor: lay.coll.BackgroundColor,
		Properties: TokenProperties{
			Generation: Generation{
				Provider:          c.provider,
				Model:             c.model,
				ModelVersion:      c.modelVersion,
				Prompt:            prompt,
				RevisedPrompt:     c.revisedPrompt,
				NegativePrompt:    li.it.NegativePrompt,
				Seed:              c.seed,
				SeedRequested:     li.it.Seed,
				Reproducible:      c.reproducible,
				DigitalSourceType: c.digitalSourceType,
			},
			Image: FileRef{URI: ipfsURI(images, li.imageName), CID: li.imageCID.String(),
				SHA256: li.finalSHA, MediaType: li.finalMedia},
			Original: FileRef{URI: ipfsURI(originals, li.originalName), CID: li.originalCID.String(),
				SHA256: li.originalSHA, MediaType: li.originalMedia},
			Provenance: ProvenanceRef{URI: ipfsURI(provs, li.provName), CID: li.provCID.String(),
				Schema: c.schema, ContentSHA256: c.contentSHA256},
			Creator: firstNonEmpty(c.creator, lay.coll.Creator),
		},
	}
	lay.addAnimation(&md, li)
	var err error
	if md.Properties.ContentCredentials, err = contentCredentials(li.finalPath); err != nil {
		return nil, fmt.Errorf("item %d: %w", li.it.ID, err)
	}
	for _, t := range li.it.Traits {
		d := lay.coll.TraitDisplay[t.Type]
		md.Attributes = append(md.Attributes, Attribute{TraitType: t.Type, Value: t.Value, DisplayType: d.DisplayType, MaxValue: d.MaxValue})
	}
	if lay.coll.RarityRank {
		md.Attributes = append(md.Attributes, Attribute{TraitType: RarityRankTrait, Value: strconv.Itoa(lay.rarityRank(li.it.ID))})
	}
	if lay.coll.ERC7007 {
		md.Prompt = prompt
		md.AIGCType = strings.SplitN(li.finalMedia, "/", 2)[0]
		md.AIGCData = md.Image
	}
	return marshalMetadata(md)
}

// rarityRank is item id's rarity rank among the items laid out: a pure
// function of their traits, so the same set pinned again gives the same
// metadata.
func (lay *layout) rarityRank(id int) int {
	lay.ranksOnce.Do(func() {
		items := make([]rarity.Item, len(lay.items))
		for i, li := range lay.items {
			items[i] = rarity.Item{ID: li.it.ID, Traits: li.it.Traits}
		}
		lay.ranks = rarity.Rank(items)
	})
	return lay.ranks[id]
}

func (lay *layout) contractJSON() ([]byte, error) {
	cm := ContractMetadata{
		Name:          lay.coll.Name,
		Symbol:        lay.coll.Symbol,
		Description:   lay.coll.Description,
		ExternalLink:  contractExternalLink(lay.coll),
		License:       lay.coll.License,
		LicenseURL:    lay.coll.LicenseURL,
		BannerImage:   lay.coll.BannerImage,
		FeaturedImage: lay.coll.FeaturedImage,
		Collaborators: lay.coll.Collaborators,
	}
	if cm.Name == "" {
		cm.Name = filepath.Base(lay.dir)
	}
	if uri, ok := lay.pictureURI("banner_image"); ok {
		cm.BannerImage = uri
	}
	if uri, ok := lay.pictureURI("featured_image"); ok {
		cm.FeaturedImage = uri
	}
	cover, isFile := lay.pictureURI("image")
	switch {
	case isFile:
		cm.Image = cover
	case lay.coll.Placeholder != nil && lay.coll.Image == "":
		// Before the reveal nothing may name the real images.
		cm.Image = lay.placeholderImage()
	case lay.coll.Image != "":
		cm.Image = lay.coll.Image
	default:
		cm.Image = ipfsURI(lay.roots[RootImages], lay.items[0].imageName)
	}
	if lay.coll.RoyaltyReceiver != "" {
		bps := lay.coll.RoyaltyBPS
		cm.SellerFeeBasisPoints = &bps
		cm.FeeRecipient = lay.coll.RoyaltyReceiver
	}
	return marshalMetadata(cm)
}

// placeholderImage is the placeholder image's URI.
func (lay *layout) placeholderImage() string {
	if lay.placeholderName == "" {
		return lay.coll.Placeholder.Image // a URI
	}
	return ipfsURI(lay.roots[RootPlaceholderImage], lay.placeholderName)
}

// placeholderJSON is the metadata every token shows before the reveal.
func (lay *layout) placeholderJSON() ([]byte, error) {
	ph := lay.coll.Placeholder
	md := PlaceholderMetadata{
		Name:        firstNonEmpty(ph.Name, lay.coll.Name, filepath.Base(lay.dir)),
		Description: ph.Description,
		Image:       lay.placeholderImage(),
		ExternalURL: contractExternalLink(lay.coll),
		License:     lay.coll.License,
		LicenseURL:  lay.coll.LicenseURL,
	}
	return marshalMetadata(md)
}

// readRecord reads an item's provenance sidecar and checks it is the record
// the final image embeds.
func readRecord(li *layoutItem) (*provenance.Record, error) {
	b, err := os.ReadFile(li.provPath)
	if err != nil {
		return nil, fmt.Errorf("item %d: %w", li.it.ID, err)
	}
	var rec provenance.Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("item %d: provenance record %s is not valid JSON (%v): re-run 'genmint generate' for the item", li.it.ID, li.provPath, err)
	}
	if rec.Content.Item != 0 && rec.Content.Item != li.it.ID {
		return nil, fmt.Errorf("item %d: provenance record %s describes item %d: restore the item's folder", li.it.ID, li.provPath, rec.Content.Item)
	}
	if li.it.RecordSHA256 != "" && rec.ContentSHA256 != li.it.RecordSHA256 {
		return nil, fmt.Errorf("item %d: %w: provenance record %s has content hash %s, the state recorded %s: restore it or re-run 'genmint generate' for the item",
			li.it.ID, ErrFileChanged, li.provPath, short(rec.ContentSHA256), short(li.it.RecordSHA256))
	}
	return &rec, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// contentCredentials names the final image's C2PA manifest when it carries
// one that holds (its signer's trust is verify's business); nil when it
// carries none.
func contentCredentials(finalPath string) (*ContentCredentials, error) {
	if f, err := os.Open(finalPath); err == nil {
		none := c2pa.PNGWithoutManifest(f) // chunk headers only: the usual final
		f.Close()
		if none {
			return nil, nil
		}
	}
	b, err := os.ReadFile(finalPath)
	if err != nil {
		return nil, err
	}
	r, err := c2pa.Verify(b, c2pa.Options{})
	if errors.Is(err, c2pa.ErrNoManifest) || errors.Is(err, c2pa.ErrUnsupported) {
		return nil, nil
	}
	if err == nil {
		err = r.Err()
	}
	if err != nil && !errors.Is(err, c2pa.ErrUntrusted) {
		return nil, fmt.Errorf("%s: %w: restore the image or regenerate it", finalPath, err)
	}
	return &ContentCredentials{Standard: "C2PA 2.1", Manifest: r.Manifest, Signer: r.Signer, DigitalSourceType: r.DigitalSourceType}, nil
}
