package provenance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// CanonicalJSON is the byte form Content is hashed in: encoding/json's
// compact output (struct fields in declaration order, map keys sorted), HTML
// escaping off, no trailing newline.
//
// The form is a fixed point of ParseRecord: decoding it with json.Number for
// numbers and encoding it again gives the same bytes, which is what lets a
// verifier re-hash a parsed record. Two things would break that and are
// refused: strings that are not valid UTF-8 (encoding/json would silently
// write them as \ufffd) and NaN or infinite floats (not JSON at all).
func CanonicalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if err := checkNoReplacedUTF8(b); err != nil {
		return nil, err
	}
	return b, nil
}

// errInvalidUTF8 reports a string that is not UTF-8 in a value being hashed.
var errInvalidUTF8 = errors.New("canonical json: a string is not valid UTF-8 (re-encode the text as UTF-8)")

// checkNoReplacedUTF8 looks for the \ufffd escape: encoding/json writes it
// for each invalid UTF-8 byte and never for a genuine U+FFFD (which it writes
// raw), so its presence means the input held invalid UTF-8. Backslashes only
// occur inside JSON strings, so skipping escapes pairwise is exact.
func checkNoReplacedUTF8(b []byte) error {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if i+1 < len(b) && b[i+1] == 'u' && bytes.HasPrefix(b[i+2:], []byte("fffd")) {
			return errInvalidUTF8
		}
		i++ // skip the escaped character
	}
	return nil
}

// SHA256 returns the hex sha256 of the content's canonical JSON: the hash
// that Record.ContentSHA256 holds and the final image embeds.
func (c *Content) SHA256() (string, error) {
	b, err := CanonicalJSON(c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// MarshalRecord returns the sidecar provenance.json bytes: the record as
// indented JSON (two spaces), HTML escaping off, with a trailing newline.
// It refuses the same values CanonicalJSON refuses.
func MarshalRecord(r *Record) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("marshal provenance record: %w", err)
	}
	if err := checkNoReplacedUTF8(buf.Bytes()); err != nil {
		return nil, fmt.Errorf("marshal provenance record: %w", err)
	}
	return buf.Bytes(), nil
}

// ErrSchema is returned by ParseRecord for a record of another format.
var ErrSchema = errors.New("unknown provenance schema")

// ParseRecord decodes a sidecar provenance.json. Numbers inside free-form
// maps (parameters, step params, provider facts) decode as json.Number, so
// re-hashing the parsed Content reproduces the hash it was written with.
// Unknown fields are an error rather than silently dropped: dropping one
// would change the content hash and surface later as a confusing mismatch.
func ParseRecord(b []byte) (*Record, error) {
	var r Record
	if err := decodeStrict(b, &r); err != nil {
		return nil, fmt.Errorf("parse provenance record: %w", err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("parse provenance record: %w %q (this genmint reads %q; upgrade genmint)", ErrSchema, r.Schema, Schema)
	}
	return &r, nil
}

// ParseContent decodes a Content from JSON (the canonical form embedded in
// the image, or any equivalent), with the same rules as ParseRecord.
func ParseContent(b []byte) (*Content, error) {
	var c Content
	if err := decodeStrict(b, &c); err != nil {
		return nil, fmt.Errorf("parse provenance content: %w", err)
	}
	return &c, nil
}

func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}
