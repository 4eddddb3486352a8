package provenance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig in Verify
	_ "image/png"
	"strings"
)

// Media types Embed handles.
const (
	MediaPNG  = "image/png"
	MediaJPEG = "image/jpeg"
)

// digitalSourceTypeBase prefixes every IPTC digital source type URI.
const digitalSourceTypeBase = "http://cv.iptc.org/newscodes/digitalsourcetype/"

// ErrMismatch is returned (wrapped, saying what differs) when an image and
// its provenance record do not agree. Callers branch on it with errors.Is.
var ErrMismatch = errors.New("provenance mismatch")

// ErrNoProvenance is returned by Extract for an image without genmint's
// embedded provenance (no XMP packet, or one without genmint:RecordSHA256).
var ErrNoProvenance = errors.New("image carries no genmint provenance")

// Embed writes c's provenance into the final image (PNG or JPEG bytes, as
// named by mediaType) and returns the new bytes with the content's hash.
// PNG gets the "parameters" text chunk and the XMP iTXt chunk (EmbedPNG);
// JPEG gets the Exif UserComment and the XMP APP1 segment (EmbedJPEG).
//
// Embed is pure and idempotent: embedding into its own output changes
// nothing. Run it after the last re-encode (imaging drops text chunks).
func Embed(final []byte, mediaType string, c *Content) (out []byte, contentSHA256 string, err error) {
	if !strings.HasPrefix(c.DigitalSourceType, digitalSourceTypeBase) {
		return nil, "", fmt.Errorf("embed provenance: digital source type %q is not an IPTC digital source type URI (use provenance.SourceTrainedAlgorithmic or SourceAlgorithmic)", c.DigitalSourceType)
	}
	h, err := c.SHA256()
	if err != nil {
		return nil, "", fmt.Errorf("embed provenance: %w", err)
	}
	xmp := XMP(c, h)
	// PNG text cannot hold NUL; the infotext is a courtesy copy (the XMP
	// Content keeps the exact text), so a NUL there becomes U+FFFD.
	params := strings.ReplaceAll(Infotext(c), "\x00", "\uFFFD")
	switch mediaType {
	case MediaPNG:
		out, err = EmbedPNG(final, []TextChunk{
			{Keyword: ParametersKeyword, Text: params},
			{Keyword: XMPKeyword, Text: string(xmp)},
		})
	case MediaJPEG:
		out, err = EmbedJPEG(final, xmp, params)
	default:
		return nil, "", fmt.Errorf("embed provenance: unsupported final image type %q (use png or jpeg output)", mediaType)
	}
	if err != nil {
		return nil, "", fmt.Errorf("embed provenance: %w", err)
	}
	return out, h, nil
}

// Embedded is the provenance Extract found in an image.
type Embedded struct {
	// MediaType is the image's type, from its signature.
	MediaType string
	// Parameters is the A1111 infotext ("" when absent).
	Parameters string
	// XMP is the raw XMP packet.
	XMP []byte
	// RecordSHA256 is genmint:RecordSHA256, the hash of the record's Content.
	RecordSHA256 string
	// DigitalSourceType is Iptc4xmpExt:DigitalSourceType.
	DigitalSourceType string
	// Content is genmint:Content, parsed (nil when the packet has none).
	Content *Content
}

// Extract reads the provenance embedded in a PNG or JPEG. It fails with
// ErrCorrupt for a damaged file, ErrBadXMP for a broken packet, and
// ErrNoProvenance when there is no genmint provenance at all.
func Extract(final []byte) (*Embedded, error) {
	var e Embedded
	switch {
	case bytes.HasPrefix(final, pngSignature):
		e.MediaType = MediaPNG
		chunks, err := ReadPNGText(final)
		if err != nil {
			return nil, err
		}
		var seenParams bool
		for _, c := range chunks {
			switch c.Keyword {
			case XMPKeyword:
				if e.XMP != nil {
					return nil, fmt.Errorf("%w: png has two XMP packets", ErrCorrupt)
				}
				e.XMP = []byte(c.Text)
			case ParametersKeyword:
				if seenParams {
					return nil, fmt.Errorf("%w: png has two parameters chunks", ErrCorrupt)
				}
				e.Parameters, seenParams = c.Text, true
			}
		}
	case bytes.HasPrefix(final, []byte{0xFF, markerSOI}):
		e.MediaType = MediaJPEG
		m, err := readJPEGMetadata(final)
		if err != nil {
			return nil, err
		}
		e.XMP, e.Parameters = m.xmp, m.parameters
	default:
		return nil, fmt.Errorf("%w: not a PNG or JPEG image", ErrCorrupt)
	}
	if e.XMP == nil {
		return nil, fmt.Errorf("%w (no XMP packet)", ErrNoProvenance)
	}
	f, err := parseXMP(e.XMP)
	if err != nil {
		return nil, err
	}
	if f.RecordSHA256 == "" {
		return nil, fmt.Errorf("%w (the XMP packet has no genmint:RecordSHA256)", ErrNoProvenance)
	}
	e.RecordSHA256, e.DigitalSourceType = f.RecordSHA256, f.DigitalSourceType
	if f.hasContent {
		if e.Content, err = ParseContent([]byte(f.Content)); err != nil {
			return nil, fmt.Errorf("%w: genmint:Content: %v", ErrBadXMP, err)
		}
	}
	return &e, nil
}

// Verify checks that final is the image rec describes, and that both still
// say the same thing:
//
//  1. the record is of this schema, and its Content hashes to ContentSHA256;
//  2. final's size and sha256 are the record's Final.Bytes and Final.SHA256,
//     and its dimensions are Final.Width × Final.Height;
//  3. the image embeds genmint:RecordSHA256 = ContentSHA256, the same
//     digital source type, and a Content that hashes to the same value.
//
// Every failure wraps ErrMismatch and says what differs; a damaged image
// wraps ErrCorrupt, one without genmint provenance ErrNoProvenance as well.
func Verify(rec *Record, final []byte) error {
	if rec.Schema != Schema {
		return fmt.Errorf("%w: record schema is %q, not %q", ErrMismatch, rec.Schema, Schema)
	}
	h, err := rec.Content.SHA256()
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if h != rec.ContentSHA256 {
		return fmt.Errorf("%w: the record's content hashes to %s but its content_sha256 says %s (the record was edited)", ErrMismatch, h, rec.ContentSHA256)
	}
	sum := sha256.Sum256(final)
	if got := hex.EncodeToString(sum[:]); got != rec.Final.SHA256 {
		return fmt.Errorf("%w: final image sha256 is %s, the record says %s (the image was changed or replaced)", ErrMismatch, got, rec.Final.SHA256)
	}
	if int64(len(final)) != rec.Final.Bytes {
		return fmt.Errorf("%w: final image is %d bytes, the record says %d", ErrMismatch, len(final), rec.Final.Bytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(final))
	if err != nil {
		return fmt.Errorf("verify: %w: final image does not decode: %v", ErrCorrupt, err)
	}
	if cfg.Width != rec.Final.Width || cfg.Height != rec.Final.Height {
		return fmt.Errorf("%w: final image is %dx%d, the record says %dx%d", ErrMismatch, cfg.Width, cfg.Height, rec.Final.Width, rec.Final.Height)
	}
	if mt := "image/" + format; rec.Final.MediaType != "" && mt != rec.Final.MediaType {
		return fmt.Errorf("%w: final image is %s, the record says %s", ErrMismatch, mt, rec.Final.MediaType)
	}
	emb, err := Extract(final)
	if errors.Is(err, ErrNoProvenance) {
		return fmt.Errorf("%w: %w", ErrMismatch, err)
	}
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if emb.RecordSHA256 != rec.ContentSHA256 {
		return fmt.Errorf("%w: the image embeds record hash %s, the record's content_sha256 is %s", ErrMismatch, emb.RecordSHA256, rec.ContentSHA256)
	}
	if emb.DigitalSourceType != rec.Content.DigitalSourceType {
		return fmt.Errorf("%w: the image's digital source type is %q, the record says %q", ErrMismatch, emb.DigitalSourceType, rec.Content.DigitalSourceType)
	}
	if emb.Content == nil {
		return fmt.Errorf("%w: the image's XMP packet has no genmint:Content", ErrMismatch)
	}
	eh, err := emb.Content.SHA256()
	if err != nil {
		return fmt.Errorf("verify: embedded content: %w", err)
	}
	if eh != rec.ContentSHA256 {
		return fmt.Errorf("%w: the content embedded in the image hashes to %s, the record's content_sha256 is %s", ErrMismatch, eh, rec.ContentSHA256)
	}
	return nil
}
