package provenance

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"unicode/utf8"
)

// Keywords of the PNG text chunks genmint writes.
const (
	// ParametersKeyword holds the A1111 infotext (tEXt, or iTXt when the text
	// is not Latin-1), where A1111's PNG Info and exiftool (-Parameters) look.
	ParametersKeyword = "parameters"
	// XMPKeyword is the iTXt keyword the XMP specification assigns to an XMP
	// packet in PNG; the chunk is always uncompressed.
	XMPKeyword = "XML:com.adobe.xmp"
)

// MaxInflatedText caps how many bytes ReadPNGText inflates from compressed
// text chunks in one image, so a zip bomb fails cleanly instead of eating
// memory.
const MaxInflatedText = 16 << 20

// ErrCorrupt is returned (wrapped, with the details) for an image whose
// structure is damaged: bad signature, failed CRC, truncated data.
var ErrCorrupt = errors.New("corrupt image")

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// TextChunk is one PNG text chunk.
type TextChunk struct {
	// Keyword names the text: 1–79 Latin-1 characters, no leading, trailing
	// or doubled spaces.
	Keyword string
	// Text is the value, in UTF-8. It may not contain NUL.
	Text string
	// Compressed asks for (or reports) zlib compression: zTXt or a
	// compressed iTXt. The XMP chunk is never compressed.
	Compressed bool
}

// pngChunk is one chunk of a parsed PNG; raw is the whole chunk as it is in
// the file (length, type, data and CRC).
type pngChunk struct {
	typ  string
	data []byte
	raw  []byte
}

// parsePNG splits a PNG into chunks, checking the signature, every CRC, that
// IHDR comes first, and that the file ends right after IEND.
func parsePNG(b []byte) ([]pngChunk, error) {
	if !bytes.HasPrefix(b, pngSignature) {
		return nil, fmt.Errorf("%w: not a PNG (bad signature)", ErrCorrupt)
	}
	var chunks []pngChunk
	rest := b[len(pngSignature):]
	for off := len(pngSignature); ; {
		if len(rest) == 0 {
			return nil, fmt.Errorf("%w: png is truncated (no IEND chunk)", ErrCorrupt)
		}
		if len(rest) < 12 {
			return nil, fmt.Errorf("%w: png is truncated at byte %d (partial chunk header)", ErrCorrupt, off)
		}
		n := binary.BigEndian.Uint32(rest)
		if n > 1<<31-1 || uint64(n)+12 > uint64(len(rest)) {
			return nil, fmt.Errorf("%w: png is truncated at byte %d (chunk claims %d bytes)", ErrCorrupt, off, n)
		}
		typ := rest[4:8]
		for _, c := range typ {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return nil, fmt.Errorf("%w: png chunk at byte %d has an invalid type %q", ErrCorrupt, off, typ)
			}
		}
		data := rest[8 : 8+n]
		want := binary.BigEndian.Uint32(rest[8+n:])
		if crc32.ChecksumIEEE(rest[4:8+n]) != want {
			return nil, fmt.Errorf("%w: png chunk %s at byte %d fails its CRC check", ErrCorrupt, typ, off)
		}
		c := pngChunk{typ: string(typ), data: data, raw: rest[:12+n]}
		if len(chunks) == 0 && c.typ != "IHDR" {
			return nil, fmt.Errorf("%w: png starts with chunk %s instead of IHDR", ErrCorrupt, c.typ)
		}
		chunks = append(chunks, c)
		rest = rest[12+n:]
		off += 12 + int(n)
		if c.typ == "IEND" {
			if len(rest) != 0 {
				return nil, fmt.Errorf("%w: png has %d bytes after IEND", ErrCorrupt, len(rest))
			}
			return chunks, nil
		}
	}
}

func isTextChunk(typ string) bool { return typ == "tEXt" || typ == "zTXt" || typ == "iTXt" }

// EmbedPNG returns png with the given text chunks inserted right after IHDR,
// replacing every existing tEXt, zTXt or iTXt chunk with the same keyword.
// Everything else is copied byte for byte, so the pixels are untouched, and
// embedding the same chunks again gives the same bytes.
//
// Like PIL (and so A1111), a chunk is written as tEXt (zTXt when Compressed)
// when its text is Latin-1, else as iTXt in UTF-8 under the same keyword.
// The XMP chunk (XMPKeyword) is always an uncompressed iTXt, as the XMP
// specification requires.
func EmbedPNG(png []byte, chunks []TextChunk) ([]byte, error) {
	parsed, err := parsePNG(png)
	if err != nil {
		return nil, err
	}
	var fresh bytes.Buffer
	replace := map[string]bool{}
	for _, tc := range chunks {
		kw, err := checkKeyword(tc.Keyword)
		if err != nil {
			return nil, err
		}
		if replace[string(kw)] {
			return nil, fmt.Errorf("png text chunk %q given twice", tc.Keyword)
		}
		replace[string(kw)] = true
		typ, data, err := encodeTextChunk(kw, tc)
		if err != nil {
			return nil, err
		}
		if len(data) > 1<<31-1 {
			return nil, fmt.Errorf("%w: png text %q is %d bytes, over PNG's chunk limit", ErrTooBig, tc.Keyword, len(data))
		}
		writeChunk(&fresh, typ, data)
	}
	out := make([]byte, 0, len(png)+fresh.Len())
	out = append(out, pngSignature...)
	for i, c := range parsed {
		if isTextChunk(c.typ) {
			if kw, _, ok := bytes.Cut(c.data, []byte{0}); ok && replace[string(kw)] {
				continue
			}
		}
		out = append(out, c.raw...)
		if i == 0 {
			out = append(out, fresh.Bytes()...)
		}
	}
	return out, nil
}

// checkKeyword validates a keyword and returns it in Latin-1.
func checkKeyword(kw string) ([]byte, error) {
	b, ok := toLatin1(kw)
	if !ok || !validKeyword(b) {
		return nil, fmt.Errorf("invalid png text keyword %q: use 1-79 printable Latin-1 characters without leading, trailing or doubled spaces", kw)
	}
	return b, nil
}

func validKeyword(b []byte) bool {
	if len(b) < 1 || len(b) > 79 || b[0] == ' ' || b[len(b)-1] == ' ' || bytes.Contains(b, []byte("  ")) {
		return false
	}
	for _, c := range b {
		if c < 32 || c > 126 && c < 161 {
			return false
		}
	}
	return true
}

func encodeTextChunk(kw []byte, tc TextChunk) (typ string, data []byte, err error) {
	if strings.IndexByte(tc.Text, 0) >= 0 {
		return "", nil, fmt.Errorf("png text %q contains a NUL character, which PNG text cannot hold", tc.Keyword)
	}
	if !utf8.ValidString(tc.Text) {
		return "", nil, fmt.Errorf("png text %q is not valid UTF-8", tc.Keyword)
	}
	xmp := string(kw) == XMPKeyword
	header := func(extra ...byte) []byte {
		h := make([]byte, 0, len(kw)+1+len(extra)+len(tc.Text))
		return append(append(append(h, kw...), 0), extra...)
	}
	if l1, ok := toLatin1(tc.Text); ok && !xmp {
		if !tc.Compressed {
			return "tEXt", append(header(), l1...), nil
		}
		return "zTXt", append(header(0), deflate(l1)...), nil // method 0: zlib
	}
	// iTXt: compression flag and method, then an empty language tag and an
	// empty translated keyword.
	if tc.Compressed && !xmp {
		return "iTXt", append(header(1, 0, 0, 0), deflate([]byte(tc.Text))...), nil
	}
	return "iTXt", append(header(0, 0, 0, 0), tc.Text...), nil
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression) // the level is valid
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func writeChunk(w *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	w.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	w.WriteString(typ)
	w.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	w.Write(n[:])
}

// toLatin1 converts UTF-8 to Latin-1, reporting whether every character fits.
func toLatin1(s string) ([]byte, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF || r == utf8.RuneError {
			return nil, false
		}
		b = append(b, byte(r))
	}
	return b, true
}

func fromLatin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// ReadPNGText returns the image's text chunks (tEXt, zTXt and iTXt) in file
// order, with keywords and text converted to UTF-8. Compressed text inflates
// to at most MaxInflatedText bytes in all. A damaged file or chunk is an
// error wrapping ErrCorrupt.
func ReadPNGText(png []byte) ([]TextChunk, error) {
	chunks, err := parsePNG(png)
	if err != nil {
		return nil, err
	}
	budget := MaxInflatedText
	var out []TextChunk
	for _, c := range chunks {
		if !isTextChunk(c.typ) {
			continue
		}
		tc, err := decodeTextChunk(c, &budget)
		if err != nil {
			return nil, fmt.Errorf("%w: png %s chunk: %v", ErrCorrupt, c.typ, err)
		}
		out = append(out, tc)
	}
	return out, nil
}

func decodeTextChunk(c pngChunk, budget *int) (TextChunk, error) {
	kw, rest, ok := bytes.Cut(c.data, []byte{0})
	if !ok {
		return TextChunk{}, errors.New("no keyword terminator")
	}
	if !validKeyword(kw) {
		return TextChunk{}, fmt.Errorf("invalid keyword %q", kw)
	}
	tc := TextChunk{Keyword: fromLatin1(kw)}
	switch c.typ {
	case "tEXt":
		tc.Text = fromLatin1(rest)
	case "zTXt":
		if len(rest) < 1 || rest[0] != 0 {
			return tc, fmt.Errorf("%q: unknown compression method", tc.Keyword)
		}
		text, err := inflate(rest[1:], budget)
		if err != nil {
			return tc, fmt.Errorf("%q: %v", tc.Keyword, err)
		}
		tc.Text, tc.Compressed = fromLatin1(text), true
	case "iTXt":
		if len(rest) < 2 || rest[0] > 1 || rest[1] != 0 {
			return tc, fmt.Errorf("%q: bad compression flag or method", tc.Keyword)
		}
		compressed := rest[0] == 1
		_, rest, ok = bytes.Cut(rest[2:], []byte{0}) // language tag
		if ok {
			_, rest, ok = bytes.Cut(rest, []byte{0}) // translated keyword
		}
		if !ok {
			return tc, fmt.Errorf("%q: truncated header", tc.Keyword)
		}
		if compressed {
			var err error
			if rest, err = inflate(rest, budget); err != nil {
				return tc, fmt.Errorf("%q: %v", tc.Keyword, err)
			}
		}
		if !utf8.Valid(rest) {
			return tc, fmt.Errorf("%q: text is not valid UTF-8", tc.Keyword)
		}
		tc.Text, tc.Compressed = string(rest), compressed
	}
	return tc, nil
}

// inflate decompresses zlib data, charging the output to budget.
func inflate(b []byte, budget *int) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("bad zlib data: %v", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, int64(*budget)+1))
	if err != nil {
		return nil, fmt.Errorf("bad zlib data: %v", err)
	}
	if len(out) > *budget {
		return nil, fmt.Errorf("compressed text inflates beyond %d bytes", MaxInflatedText)
	}
	*budget -= len(out)
	return out, nil
}
