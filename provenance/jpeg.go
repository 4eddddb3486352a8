package provenance

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf16"
)

// APP1 signatures of the JPEG metadata genmint writes or replaces.
const (
	jpegXMPNamespace  = "http://ns.adobe.com/xap/1.0/\x00"
	jpegXMPExtension  = "http://ns.adobe.com/xmp/extension/\x00"
	jpegExifSignature = "Exif\x00\x00"
)

// MaxJPEGXMP is the largest XMP packet a JPEG can carry in its single
// standard APP1 segment (XMP specification part 3).
const MaxJPEGXMP = 65502

// ErrTooBig is returned when metadata does not fit the format's limits.
var ErrTooBig = errors.New("metadata too big")

const (
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerAPP0 = 0xE0
	markerAPP1 = 0xE1
)

// jpegSegment is one marker segment before the first scan. data is the
// payload after the length field; raw is the segment as it is in the file.
type jpegSegment struct {
	marker byte
	data   []byte
	raw    []byte
}

// parseJPEGHead splits a JPEG into its marker segments up to the first SOS
// and returns them with the rest of the file (SOS onwards), untouched.
func parseJPEGHead(b []byte) ([]jpegSegment, []byte, error) {
	if len(b) < 2 || b[0] != 0xFF || b[1] != markerSOI {
		return nil, nil, fmt.Errorf("%w: not a JPEG (no SOI marker)", ErrCorrupt)
	}
	var segs []jpegSegment
	off := 2
	for {
		start := off
		if off >= len(b) {
			return nil, nil, fmt.Errorf("%w: jpeg is truncated before its image data", ErrCorrupt)
		}
		if b[off] != 0xFF {
			return nil, nil, fmt.Errorf("%w: jpeg has no marker at byte %d", ErrCorrupt, off)
		}
		for off+1 < len(b) && b[off+1] == 0xFF { // fill bytes
			off++
		}
		if off+1 >= len(b) {
			return nil, nil, fmt.Errorf("%w: jpeg is truncated before its image data", ErrCorrupt)
		}
		m := b[off+1]
		switch {
		case m == markerSOS:
			return segs, b[start:], nil
		case m == markerEOI || m == markerSOI || m == 0x00:
			return nil, nil, fmt.Errorf("%w: jpeg has marker %#02x at byte %d before its image data", ErrCorrupt, m, off)
		case m == 0x01 || m >= 0xD0 && m <= 0xD7: // standalone markers
			off += 2
			segs = append(segs, jpegSegment{marker: m, raw: b[start:off]})
			continue
		}
		if off+4 > len(b) {
			return nil, nil, fmt.Errorf("%w: jpeg is truncated at byte %d", ErrCorrupt, off)
		}
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		if n < 2 || off+2+n > len(b) {
			return nil, nil, fmt.Errorf("%w: jpeg segment %#02x at byte %d claims %d bytes", ErrCorrupt, m, off, n)
		}
		segs = append(segs, jpegSegment{marker: m, data: b[off+4 : off+2+n], raw: b[start : off+2+n]})
		off += 2 + n
	}
}

func (s jpegSegment) isXMP() bool {
	return s.marker == markerAPP1 && (bytes.HasPrefix(s.data, []byte(jpegXMPNamespace)) ||
		bytes.HasPrefix(s.data, []byte(jpegXMPExtension)))
}

func (s jpegSegment) isExif() bool {
	return s.marker == markerAPP1 && bytes.HasPrefix(s.data, []byte(jpegExifSignature))
}

// EmbedJPEG returns jpeg with an APP1 Exif segment whose UserComment holds
// parameters (the A1111 infotext) and an APP1 XMP segment holding xmp,
// placed right after SOI and any APP0 (JFIF) segments. Existing Exif and XMP
// segments are dropped: a JPEG has one of each, and genmint's encoder writes
// none, so the only ones found are from an earlier embedding. Everything else
// is copied byte for byte, and embedding twice gives the same bytes as once.
//
// The UserComment is written as A1111 writes it (through piexif): the
// "UNICODE\0" character code followed by UTF-16 big-endian text, in a
// big-endian TIFF structure, which exiftool also reads as big-endian.
func EmbedJPEG(jpeg []byte, xmp []byte, parameters string) ([]byte, error) {
	if len(xmp) > MaxJPEGXMP {
		return nil, fmt.Errorf("%w: the XMP packet is %d bytes, over JPEG's %d-byte limit: use png output or shorten the prompt and parameters", ErrTooBig, len(xmp), MaxJPEGXMP)
	}
	var exif []byte
	if parameters != "" {
		exif = exifUserComment(parameters)
		if len(exif)+2 > 0xFFFF {
			return nil, fmt.Errorf("%w: the infotext needs %d bytes of Exif, over JPEG's 65533-byte segment limit: use png output or shorten the prompt", ErrTooBig, len(exif))
		}
	}
	segs, scan, err := parseJPEGHead(jpeg)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(jpeg)+len(xmp)+len(exif)+64)
	out = append(out, 0xFF, markerSOI)
	i := 0
	for ; i < len(segs) && segs[i].marker == markerAPP0; i++ {
		out = append(out, segs[i].raw...)
	}
	if exif != nil {
		out = appendSegment(out, markerAPP1, exif)
	}
	if len(xmp) > 0 {
		out = appendSegment(out, markerAPP1, append([]byte(jpegXMPNamespace), xmp...))
	}
	for _, s := range segs[i:] {
		if s.isXMP() || s.isExif() {
			continue
		}
		out = append(out, s.raw...)
	}
	return append(out, scan...), nil
}

func appendSegment(out []byte, marker byte, payload []byte) []byte {
	out = append(out, 0xFF, marker)
	out = binary.BigEndian.AppendUint16(out, uint16(len(payload)+2))
	return append(out, payload...)
}

// Exif tags and types used for the UserComment.
const (
	tagExifIFD     = 0x8769
	tagExifVersion = 0x9000
	tagUserComment = 0x9286
	typeLong       = 4
	typeUndefined  = 7
)

var userCommentUnicode = []byte("UNICODE\x00")

// exifUserComment builds an Exif APP1 payload holding only ExifVersion and
// UserComment: a big-endian TIFF header, IFD0 with the Exif IFD pointer, and
// the Exif IFD.
func exifUserComment(text string) []byte {
	comment := append([]byte(nil), userCommentUnicode...)
	for _, u := range utf16.Encode([]rune(text)) {
		comment = binary.BigEndian.AppendUint16(comment, u)
	}
	const (
		ifd0    = 8
		exifIFD = ifd0 + 2 + 12 + 4
		data    = exifIFD + 2 + 2*12 + 4
	)
	be := binary.BigEndian
	b := []byte(jpegExifSignature)
	b = append(b, 'M', 'M', 0, 42)
	b = be.AppendUint32(b, ifd0)
	entry := func(b []byte, tag, typ uint16, count uint32, value []byte) []byte {
		b = be.AppendUint16(b, tag)
		b = be.AppendUint16(b, typ)
		b = be.AppendUint32(b, count)
		return append(b, value...)
	}
	// IFD0: one entry, the Exif IFD pointer.
	b = be.AppendUint16(b, 1)
	b = entry(b, tagExifIFD, typeLong, 1, be.AppendUint32(nil, exifIFD))
	b = be.AppendUint32(b, 0)
	// Exif IFD: ExifVersion "0232" (inline) and UserComment (at data).
	b = be.AppendUint16(b, 2)
	b = entry(b, tagExifVersion, typeUndefined, 4, []byte("0232"))
	b = entry(b, tagUserComment, typeUndefined, uint32(len(comment)), be.AppendUint32(nil, data))
	b = be.AppendUint32(b, 0)
	return append(b, comment...)
}

// readUserComment finds the Exif UserComment in an Exif APP1 payload and
// decodes it; ok is false when there is none.
func readUserComment(app1 []byte) (text string, ok bool, err error) {
	tiff := app1[len(jpegExifSignature):]
	if len(tiff) < 8 {
		return "", false, errors.New("exif: truncated TIFF header")
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "MM":
		bo = binary.BigEndian
	case "II":
		bo = binary.LittleEndian
	default:
		return "", false, errors.New("exif: bad byte order mark")
	}
	if bo.Uint16(tiff[2:]) != 42 {
		return "", false, errors.New("exif: bad TIFF magic")
	}
	// find returns the value (or the bytes pointed to) of tag in the IFD at off.
	find := func(off uint32, tag uint16) (typ uint16, count uint32, val []byte, found bool, err error) {
		if uint64(off)+2 > uint64(len(tiff)) {
			return 0, 0, nil, false, errors.New("exif: IFD offset out of range")
		}
		n := uint32(bo.Uint16(tiff[off:]))
		if uint64(off)+2+12*uint64(n) > uint64(len(tiff)) {
			return 0, 0, nil, false, errors.New("exif: IFD runs past the segment")
		}
		for i := uint32(0); i < n; i++ {
			e := tiff[off+2+12*i:]
			if bo.Uint16(e) != tag {
				continue
			}
			typ, count = bo.Uint16(e[2:]), bo.Uint32(e[4:])
			size := uint64(count) * uint64(typeSize(typ))
			if size <= 4 {
				return typ, count, e[8 : 8+size], true, nil
			}
			at := uint64(bo.Uint32(e[8:]))
			if at+size > uint64(len(tiff)) {
				return 0, 0, nil, false, fmt.Errorf("exif: tag %#04x points out of range", tag)
			}
			return typ, count, tiff[at : at+size], true, nil
		}
		return 0, 0, nil, false, nil
	}
	typ, count, val, found, err := find(bo.Uint32(tiff[4:]), tagExifIFD)
	if err != nil || !found {
		return "", false, err
	}
	if typ != typeLong || count != 1 {
		return "", false, errors.New("exif: bad Exif IFD pointer")
	}
	typ, _, val, found, err = find(bo.Uint32(val), tagUserComment)
	if err != nil || !found {
		return "", false, err
	}
	if typ != typeUndefined || len(val) < 8 {
		return "", false, errors.New("exif: malformed UserComment")
	}
	code, body := val[:8], val[8:]
	switch {
	case bytes.Equal(code, userCommentUnicode):
		if len(body)%2 != 0 {
			return "", false, errors.New("exif: UserComment has an odd number of UTF-16 bytes")
		}
		u := make([]uint16, len(body)/2)
		for i := range u {
			u[i] = bo.Uint16(body[2*i:])
		}
		return string(utf16.Decode(u)), true, nil
	case bytes.Equal(code, []byte("ASCII\x00\x00\x00")):
		return string(bytes.TrimRight(body, "\x00")), true, nil
	}
	return "", false, errors.New("exif: UserComment has an unsupported character code")
}

// typeSize is the byte size of one value of a TIFF field type (1 for
// unknown types, which only matters for bounds checking).
func typeSize(typ uint16) int {
	switch typ {
	case 3, 8:
		return 2
	case 4, 9, 11:
		return 4
	case 5, 10, 12:
		return 8
	}
	return 1
}

// jpegMetadata is what Extract reads from a JPEG.
type jpegMetadata struct {
	xmp        []byte
	parameters string
	hasParams  bool
}

func readJPEGMetadata(b []byte) (*jpegMetadata, error) {
	segs, _, err := parseJPEGHead(b)
	if err != nil {
		return nil, err
	}
	var m jpegMetadata
	for _, s := range segs {
		switch {
		case s.marker == markerAPP1 && bytes.HasPrefix(s.data, []byte(jpegXMPNamespace)):
			if m.xmp != nil {
				return nil, fmt.Errorf("%w: jpeg has two XMP packets", ErrCorrupt)
			}
			m.xmp = s.data[len(jpegXMPNamespace):]
		case s.isExif() && !m.hasParams:
			text, ok, err := readUserComment(s.data)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
			}
			m.parameters, m.hasParams = text, ok
		}
	}
	return &m, nil
}
