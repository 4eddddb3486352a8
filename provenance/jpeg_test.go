package provenance

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/genmint/genmint/internal/testenv"
)

// jpegLayout lists a JPEG's segments before the scan: marker and, for APP1,
// what it holds.
func jpegLayout(t *testing.T, b []byte) string {
	t.Helper()
	segs, _, err := parseJPEGHead(b)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, seg := range segs {
		name := fmt.Sprintf("%02X", seg.marker)
		switch {
		case seg.isExif():
			name += " Exif"
		case seg.isXMP():
			name += " XMP"
		case seg.marker == markerAPP0:
			name += " " + string(bytes.TrimRight(seg.data[:min(5, len(seg.data))], "\x00"))
		}
		s = append(s, name)
	}
	return strings.Join(s, ",")
}

// withJFIF inserts a JFIF APP0 segment after SOI, as most JPEG writers
// (though not Go's) put one there.
func withJFIF(b []byte) []byte {
	app0 := appendSegment(nil, markerAPP0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	return append(append(append([]byte(nil), b[:2]...), app0...), b[2:]...)
}

func embedFixtureJPEG(t *testing.T, in []byte) ([]byte, string) {
	t.Helper()
	c := fixtureContent()
	c.Output.MediaType = MediaJPEG
	out, h, err := Embed(in, MediaJPEG, &c)
	if err != nil {
		t.Fatal(err)
	}
	return out, h
}

func TestEmbedJPEGLayout(t *testing.T) {
	for name, tc := range map[string]struct {
		in   []byte
		want string
	}{
		"go encoder": {readTestdata(t, "base.jpg"), "E1 Exif,E1 XMP,DB,C0,C4"},
		"with JFIF":  {withJFIF(readTestdata(t, "base.jpg")), "E0 JFIF,E1 Exif,E1 XMP,DB,C0,C4"},
	} {
		out, _ := embedFixtureJPEG(t, tc.in)
		if got := jpegLayout(t, out); got != tc.want {
			t.Errorf("%s: layout %s, want %s", name, got, tc.want)
		}
		samePixels(t, decodePixels(t, tc.in), decodePixels(t, out))
		if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
			t.Errorf("%s: image/jpeg rejects the embedded file: %v", name, err)
		}
		// The scan data is untouched.
		_, scanIn, _ := parseJPEGHead(tc.in)
		_, scanOut, _ := parseJPEGHead(out)
		if !bytes.Equal(scanIn, scanOut) {
			t.Errorf("%s: scan data changed", name)
		}
	}
}

func TestEmbedJPEGIdempotent(t *testing.T) {
	once, _ := embedFixtureJPEG(t, withJFIF(readTestdata(t, "base.jpg")))
	twice, _ := embedFixtureJPEG(t, once)
	if !bytes.Equal(once, twice) {
		t.Errorf("embedding twice differs from once: %s vs %s", jpegLayout(t, once), jpegLayout(t, twice))
	}
	// Other writers' Exif and XMP (and extended XMP) are replaced, wherever they are.
	in := readTestdata(t, "base.jpg")
	seg := func(payload string) []byte { return appendSegment(nil, markerAPP1, []byte(payload)) }
	var b []byte
	b = append(b, in[:2]...)
	b = append(b, seg(jpegXMPNamespace+"<old/>")...)
	b = append(b, appendSegment(nil, 0xED, []byte("Photoshop 3.0\x00"))...)
	b = append(b, seg(string(exifUserComment("old")))...)
	b = append(b, seg(jpegXMPExtension+"0123")...)
	b = append(b, in[2:]...)
	out, err := EmbedJPEG(b, []byte("<new/>"), "new")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jpegLayout(t, out), "E1 Exif,E1 XMP,ED,DB,C0,C4"; got != want {
		t.Errorf("layout %s, want %s", got, want)
	}
	m, err := readJPEGMetadata(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.xmp) != "<new/>" || m.parameters != "new" {
		t.Errorf("read back %q, %q", m.xmp, m.parameters)
	}
}

func TestExifUserCommentIsA1111s(t *testing.T) {
	// piexif.helper.UserComment.dump(s, encoding="unicode") is
	// b"UNICODE\0" + s.encode("utf_16_be"); piexif.dump writes "MM" TIFF.
	text := "雪, snow ☃ 🌊"
	exif := exifUserComment(text)
	want := []byte("UNICODE\x00")
	for _, u := range utf16.Encode([]rune(text)) {
		want = binary.BigEndian.AppendUint16(want, u)
	}
	if !bytes.HasSuffix(exif, want) {
		t.Errorf("UserComment is not UNICODE + UTF-16BE:\n% x", exif)
	}
	if !bytes.HasPrefix(exif, []byte("Exif\x00\x00MM\x00\x2a")) {
		t.Errorf("not a big-endian TIFF: % x", exif[:10])
	}
	got, ok, err := readUserComment(exif)
	if err != nil || !ok || got != text {
		t.Errorf("read back %q, %v, %v", got, ok, err)
	}
}

func TestReadUserCommentVariants(t *testing.T) {
	// A little-endian TIFF with an ASCII UserComment, as cameras write.
	le := binary.LittleEndian
	b := []byte("Exif\x00\x00II\x2a\x00")
	b = le.AppendUint32(b, 8)
	b = le.AppendUint16(b, 1)
	b = le.AppendUint16(b, tagExifIFD)
	b = le.AppendUint16(b, typeLong)
	b = le.AppendUint32(b, 1)
	b = le.AppendUint32(b, 26)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint16(b, 1)
	b = le.AppendUint16(b, tagUserComment)
	b = le.AppendUint16(b, typeUndefined)
	b = le.AppendUint32(b, 8+5)
	b = le.AppendUint32(b, 44)
	b = le.AppendUint32(b, 0)
	b = append(b, "ASCII\x00\x00\x00hello"...)
	got, ok, err := readUserComment(b)
	if err != nil || !ok || got != "hello" {
		t.Errorf("read %q, %v, %v", got, ok, err)
	}

	// No UserComment at all is not an error.
	noComment := bytes.Replace(b, []byte{0x86, 0x92}, []byte{0x0e, 0x01}, 1)
	if _, ok, err := readUserComment(noComment); ok || err != nil {
		t.Errorf("without UserComment: ok %v, err %v", ok, err)
	}

	// Every truncation fails cleanly.
	full := exifUserComment("some text")
	for n := len(jpegExifSignature); n < len(full); n++ {
		if _, ok, err := readUserComment(full[:n]); err == nil && ok {
			t.Fatalf("truncated to %d bytes: read a comment", n)
		}
	}
}

func TestEmbedJPEGLimits(t *testing.T) {
	base := readTestdata(t, "base.jpg")
	if _, err := EmbedJPEG(base, bytes.Repeat([]byte("x"), MaxJPEGXMP), "p"); err != nil {
		t.Errorf("a packet of exactly %d bytes: %v", MaxJPEGXMP, err)
	}
	_, err := EmbedJPEG(base, bytes.Repeat([]byte("x"), MaxJPEGXMP+1), "p")
	if !errors.Is(err, ErrTooBig) || !strings.Contains(err.Error(), "use png output") {
		t.Errorf("oversized XMP: err = %v", err)
	}
	_, err = EmbedJPEG(base, nil, strings.Repeat("x", 40000))
	if !errors.Is(err, ErrTooBig) {
		t.Errorf("oversized infotext: err = %v", err)
	}
	// Through Embed, a huge prompt is the same clear error.
	c := fixtureContent()
	c.Prompt = strings.Repeat("a very long prompt ", 4000)
	if _, _, err := Embed(base, MediaJPEG, &c); !errors.Is(err, ErrTooBig) {
		t.Errorf("Embed with a huge prompt: err = %v", err)
	}
}

func TestJPEGCorruptInput(t *testing.T) {
	good, _ := embedFixtureJPEG(t, readTestdata(t, "base.jpg"))
	for name, in := range map[string][]byte{
		"empty":          nil,
		"png":            readTestdata(t, "base.png"),
		"no marker":      append([]byte{0xFF, 0xD8, 0x00}, good[3:]...),
		"EOI before SOS": {0xFF, 0xD8, 0xFF, 0xD9},
		"short length":   {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01},
		"long length":    {0xFF, 0xD8, 0xFF, 0xE1, 0x10, 0x00, 0x00},
	} {
		if _, err := EmbedJPEG(in, []byte("<x/>"), "p"); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: EmbedJPEG err = %v, want ErrCorrupt", name, err)
		}
	}
	sos := bytes.Index(good, []byte{0xFF, markerSOS})
	for n := 0; n < sos; n++ {
		if _, err := readJPEGMetadata(good[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: no error", n)
		}
	}
}

// TestExiftoolReadsJPEG: exiftool shows the infotext as the Exif
// UserComment and the XMP digital source type and genmint namespace.
func TestExiftoolReadsJPEG(t *testing.T) {
	exiftool := testenv.Path(t, testenv.Exiftool)
	c := fixtureContent()
	c.Prompt = "雪の灯台, a lighthouse ☃"
	out, h, err := Embed(withJFIF(readTestdata(t, "base.jpg")), MediaJPEG, &c)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "final.jpg")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	got := runExiftool(t, exiftool, "-s", "-UserComment", "-XMP:DigitalSourceType", "-XMP-genmint:RecordSHA256", path)
	for _, want := range []string{
		"UserComment                     : " + strings.ReplaceAll(Infotext(&c), "\n", "."),
		"DigitalSourceType               : " + SourceTrainedAlgorithmic,
		"RecordSHA256                    : " + h,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("exiftool output lacks %q:\n%s", want, got)
		}
	}
}
