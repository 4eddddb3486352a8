package verify

import (
	"context"
	"strconv"

	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/postprocess"
	"github.com/genmint/genmint/provenance"
)

// LinkAnimation is the token's animation_url file (spec animation:).
const LinkAnimation Link = "animation"

// animation re-derives the token's animation, when the metadata or the
// record names one: animation_url is properties.animation.uri, the bytes
// re-derive to its CID, and their sha256, size and media type (read from
// the bytes) are what the metadata and the provenance record state.
func (t *tokenRun) animation(ctx context.Context, md *pin.TokenMetadata, rec *provenance.Record) error {
	a, ra := md.Properties.Animation, rec.Content.Animation
	switch {
	case a == nil && ra == nil && md.AnimationURL == "":
		return nil
	case a == nil || ra == nil:
		return t.fail(LinkAnimation, "missing", "the metadata and the provenance record disagree on whether the token has an animation",
			"record: "+strconv.FormatBool(ra != nil), "metadata: "+strconv.FormatBool(a != nil), fixRepin)
	case md.AnimationURL != a.URI:
		return t.fail(LinkMetadata, "links", "animation_url and properties.animation.uri differ", a.URI, md.AnimationURL, fixRepin)
	}
	b, c, err := t.linkedFile(ctx, LinkAnimation, "images", "animation", a.URI, a.CID, t.v.o.MaxFileBytes)
	if err != nil {
		return err
	}
	sum := sha256Hex(b)
	switch {
	case sum != a.SHA256:
		return t.fail(LinkAnimation, "sha256", "the animation's sha256 is not the one the metadata states", a.SHA256, sum, fixRepin)
	case sum != ra.SHA256:
		return t.fail(LinkAnimation, "sha256", "the animation's sha256 is not the one the provenance record states", ra.SHA256, sum,
			"the animation was replaced: re-pin the item's animation as generate wrote it")
	case int64(len(b)) != ra.Bytes:
		return t.fail(LinkAnimation, "size", "the animation's size is not the one the provenance record states", strconv.FormatInt(ra.Bytes, 10), strconv.Itoa(len(b)), fixRepin)
	}
	if mt := postprocess.DetectAnimation(b); mt != a.MediaType || mt != ra.MediaType {
		return t.fail(LinkAnimation, "media-type", "the animation is not of the media type the metadata and the record state", a.MediaType+" / "+ra.MediaType, mt, fixRepin)
	}
	t.res.AnimationCID = c.String()
	return nil
}
