package provenance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"

	"github.com/genmint/genmint/internal/build"
)

// GeneratorName is Record.Generator.Name for records genmint writes.
const GeneratorName = "genmint"

// NewFileFact describes a file of an item: its path (relative to the item
// folder), media type, sha256, size, and pixel size. The dimensions come
// from image.DecodeConfig, so the image's format must be registered with
// package image (png and jpeg are; webp needs golang.org/x/image/webp
// imported somewhere in the program).
func NewFileFact(path, mediaType string, data []byte) (FileFact, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return FileFact{}, fmt.Errorf("read size of %s: %w", path, err)
	}
	sum := sha256.Sum256(data)
	return FileFact{
		Path:      path,
		MediaType: mediaType,
		SHA256:    hex.EncodeToString(sum[:]),
		Bytes:     int64(len(data)),
		Width:     cfg.Width,
		Height:    cfg.Height,
	}, nil
}

// Seal is the last step of making an item: it embeds c into the encoded
// final image (of type c.Output.MediaType) and returns the bytes to write as
// finalPath together with the sidecar record describing exactly those bytes.
// Write the image first and the record second; Verify(rec, out) holds.
func Seal(c Content, final []byte, finalPath string, times Times) (out []byte, rec *Record, err error) {
	return SealSigned(c, final, finalPath, times, nil)
}

// Signer adds Content Credentials (a signed C2PA manifest, see
// provenance/c2pa) to a final image that already embeds its provenance;
// contentSHA256 is the record's hash, which the manifest names.
type Signer func(final []byte, contentSHA256 string) ([]byte, error)

// SealSigned is Seal with the embedded image passed through sign (when not
// nil) before the record describes it, so the record's hash and size are
// those of the signed bytes.
func SealSigned(c Content, final []byte, finalPath string, times Times, sign Signer) (out []byte, rec *Record, err error) {
	out, h, err := Embed(final, c.Output.MediaType, &c)
	if err != nil {
		return nil, nil, err
	}
	if sign != nil {
		if out, err = sign(out, h); err != nil {
			return nil, nil, err
		}
	}
	ff, err := NewFileFact(finalPath, c.Output.MediaType, out)
	if err != nil {
		return nil, nil, fmt.Errorf("seal: %w", err)
	}
	return out, &Record{
		Schema:        Schema,
		Content:       c,
		ContentSHA256: h,
		Final:         ff,
		Generator:     Generator{Name: GeneratorName, Version: build.String()},
		Times:         times,
	}, nil
}
