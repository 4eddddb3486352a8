package provenance

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/internal/golden"
	"github.com/genmint/genmint/internal/testenv"
)

// pngLayout describes a PNG's chunks one per line: type, data length and,
// for text chunks, keyword and compression.
func pngLayout(t *testing.T, b []byte) string {
	t.Helper()
	chunks, err := parsePNG(b)
	if err != nil {
		t.Fatal(err)
	}
	var s strings.Builder
	for _, c := range chunks {
		fmt.Fprintf(&s, "%s %d", c.typ, len(c.data))
		if isTextChunk(c.typ) {
			kw, rest, _ := bytes.Cut(c.data, []byte{0})
			fmt.Fprintf(&s, " %q", kw)
			if c.typ == "iTXt" && len(rest) > 0 && rest[0] == 1 || c.typ == "zTXt" {
				s.WriteString(" compressed")
			}
		}
		s.WriteString("\n")
	}
	return s.String()
}

// buildPNG returns a PNG whose IHDR and IDAT come from testdata/base.png,
// with extra chunks (type, data) inserted after IHDR.
func buildPNG(t testing.TB, extra ...[2]string) []byte {
	t.Helper()
	chunks, err := parsePNG(readTestdata(t, "base.png"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.Write(pngSignature)
	b.Write(chunks[0].raw)
	for _, e := range extra {
		writeChunk(&b, e[0], []byte(e[1]))
	}
	for _, c := range chunks[1:] {
		b.Write(c.raw)
	}
	return b.Bytes()
}

func decodePixels(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func samePixels(t *testing.T, a, b image.Image) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("bounds %v != %v", a.Bounds(), b.Bounds())
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				t.Fatalf("pixel (%d,%d) differs: %v != %v", x, y, a.At(x, y), b.At(x, y))
			}
		}
	}
}

func embedFixturePNG(t *testing.T) ([]byte, string) {
	t.Helper()
	c := fixtureContent()
	out, h, err := Embed(readTestdata(t, "base.png"), MediaPNG, &c)
	if err != nil {
		t.Fatal(err)
	}
	return out, h
}

func TestEmbedPNGLayoutGolden(t *testing.T) {
	out, _ := embedFixturePNG(t)
	golden.Check(t, filepath.Join("testdata", "embedded_png_layout.golden"), []byte(pngLayout(t, out)))
}

func TestEmbedPNGKeepsPixels(t *testing.T) {
	base := readTestdata(t, "base.png")
	out, _ := embedFixturePNG(t)
	if _, err := png.Decode(bytes.NewReader(out)); err != nil {
		t.Fatalf("image/png rejects the embedded file: %v", err)
	}
	samePixels(t, decodePixels(t, base), decodePixels(t, out))
}

func TestEmbedPNGIdempotent(t *testing.T) {
	once, _ := embedFixturePNG(t)
	c := fixtureContent()
	twice, _, err := Embed(once, MediaPNG, &c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(once, twice) {
		t.Errorf("embedding twice differs from once:\n%s\n%s", pngLayout(t, once), pngLayout(t, twice))
	}
	// A changed content replaces the old chunks rather than adding to them.
	c.Prompt = "something else"
	again, _, err := Embed(once, MediaPNG, &c)
	if err != nil {
		t.Fatal(err)
	}
	if pngLayout(t, again) == "" || strings.Count(pngLayout(t, again), "\"parameters\"") != 1 || strings.Count(pngLayout(t, again), "XML:com.adobe.xmp") != 1 {
		t.Errorf("re-embedding duplicated chunks:\n%s", pngLayout(t, again))
	}
}

func TestEmbedPNGReplacesOnlySameKeywords(t *testing.T) {
	in := buildPNG(t,
		[2]string{"sRGB", "\x00"},
		[2]string{"tEXt", "parameters\x00old infotext"},
		[2]string{"tEXt", "Software\x00imaging"},
		[2]string{"zTXt", "parameters\x00\x00" + string(deflate([]byte("older")))},
		[2]string{"iTXt", "XML:com.adobe.xmp\x00\x00\x00\x00\x00<old/>"},
		[2]string{"iTXt", "Comment\x00\x00\x00en\x00\x00kept"},
	)
	out, err := EmbedPNG(in, []TextChunk{{Keyword: "parameters", Text: "new"}, {Keyword: XMPKeyword, Text: "<new/>"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `IHDR 13
tEXt 14 "parameters"
iTXt 28 "XML:com.adobe.xmp"
sRGB 1
tEXt 16 "Software"
iTXt 18 "Comment"
IDAT 113
IEND 0
`
	if got := pngLayout(t, out); got != want {
		t.Errorf("layout:\n%s\nwant:\n%s", got, want)
	}
	texts, err := ReadPNGText(out)
	if err != nil {
		t.Fatal(err)
	}
	wantTexts := []TextChunk{{"parameters", "new", false}, {XMPKeyword, "<new/>", false}, {"Software", "imaging", false}, {"Comment", "kept", false}}
	if fmt.Sprint(texts) != fmt.Sprint(wantTexts) {
		t.Errorf("texts = %+v, want %+v", texts, wantTexts)
	}
}

func TestEmbedPNGTextEncoding(t *testing.T) {
	for _, tc := range []struct {
		chunk   TextChunk
		typ     string
		payload string // bytes after the keyword's NUL, when not compressed
	}{
		{TextChunk{Keyword: "parameters", Text: "café"}, "tEXt", "caf\xe9"},
		{TextChunk{Keyword: "parameters", Text: "snow ☃"}, "iTXt", "\x00\x00\x00\x00snow ☃"},
		{TextChunk{Keyword: "parameters", Text: "café", Compressed: true}, "zTXt", ""},
		{TextChunk{Keyword: "parameters", Text: "snow ☃", Compressed: true}, "iTXt", ""},
		{TextChunk{Keyword: "Titlé", Text: "x"}, "tEXt", "x"},
		// XMP is always uncompressed iTXt, even when it is Latin-1.
		{TextChunk{Keyword: XMPKeyword, Text: "<x/>", Compressed: true}, "iTXt", "\x00\x00\x00\x00<x/>"},
	} {
		out, err := EmbedPNG(readTestdata(t, "base.png"), []TextChunk{tc.chunk})
		if err != nil {
			t.Fatal(err)
		}
		chunks, _ := parsePNG(out)
		c := chunks[1]
		kw, _ := toLatin1(tc.chunk.Keyword)
		if c.typ != tc.typ || !bytes.HasPrefix(c.data, append(kw, 0)) {
			t.Errorf("%+v: wrote %s %q", tc.chunk, c.typ, c.data)
			continue
		}
		if tc.payload != "" && string(c.data[len(kw)+1:]) != tc.payload {
			t.Errorf("%+v: payload %q, want %q", tc.chunk, c.data[len(kw)+1:], tc.payload)
		}
		texts, err := ReadPNGText(out)
		if err != nil {
			t.Fatal(err)
		}
		want := tc.chunk
		want.Compressed = want.Compressed && want.Keyword != XMPKeyword
		if len(texts) != 1 || texts[0] != want {
			t.Errorf("read back %+v, want %+v", texts, want)
		}
	}
}

func TestEmbedPNGRefusesBadChunks(t *testing.T) {
	base := readTestdata(t, "base.png")
	for name, chunks := range map[string][]TextChunk{
		"empty keyword":      {{Keyword: "", Text: "x"}},
		"long keyword":       {{Keyword: strings.Repeat("k", 80), Text: "x"}},
		"leading space":      {{Keyword: " k", Text: "x"}},
		"double space":       {{Keyword: "a  b", Text: "x"}},
		"control character":  {{Keyword: "a\nb", Text: "x"}},
		"non-Latin-1":        {{Keyword: "雪", Text: "x"}},
		"NUL in text":        {{Keyword: "k", Text: "a\x00b"}},
		"invalid UTF-8 text": {{Keyword: "k", Text: "a\xffb"}},
		"duplicate keyword":  {{Keyword: "k", Text: "1"}, {Keyword: "k", Text: "2"}},
	} {
		if _, err := EmbedPNG(base, chunks); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPNGCorruptInput(t *testing.T) {
	good, _ := embedFixturePNG(t)
	flip := func(i int) []byte { b := bytes.Clone(good); b[i] ^= 0x40; return b }
	ihdr := 8 + 12 + 13 // first byte after IHDR
	for name, tc := range map[string]struct {
		in   []byte
		want string
	}{
		"empty":             {nil, "bad signature"},
		"jpeg":              {readTestdata(t, "base.jpg"), "bad signature"},
		"crc":               {flip(len(good) - 20), "CRC"},
		"bad type":          {flip(ihdr + 4), "invalid type"},
		"huge length":       {append(append(bytes.Clone(good[:ihdr]), 0xFF, 0xFF, 0xFF, 0xF0), good[ihdr+4:]...), "claims"},
		"after IEND":        {append(bytes.Clone(good), 0), "after IEND"},
		"no IEND":           {good[:len(good)-12], "no IEND"},
		"partial header":    {good[:len(good)-5], "partial chunk header"},
		"IHDR not first":    {append(bytes.Clone(pngSignature), good[ihdr:]...), "instead of IHDR"},
		"truncated in IDAT": {good[:len(good)-40], "truncated"},
	} {
		_, err := ReadPNGText(tc.in)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ReadPNGText err = %v, want ErrCorrupt mentioning %q", name, err, tc.want)
		}
		if _, err := EmbedPNG(tc.in, nil); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: EmbedPNG err = %v, want ErrCorrupt", name, err)
		}
	}
	// Every truncation is an error, never a panic or a silent success.
	for n := 0; n < len(good); n++ {
		if _, err := ReadPNGText(good[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: no error", n)
		}
	}
}

func TestReadPNGTextBadChunks(t *testing.T) {
	bomb := deflate(make([]byte, MaxInflatedText+1))
	half := deflate(make([]byte, MaxInflatedText/2+1))
	for name, tc := range map[string]struct {
		chunks [][2]string
		want   string
	}{
		"no keyword end":      {[][2]string{{"tEXt", "parameters"}}, "no keyword terminator"},
		"empty keyword":       {[][2]string{{"tEXt", "\x00text"}}, "invalid keyword"},
		"zTXt method":         {[][2]string{{"zTXt", "k\x00\x01xx"}}, "compression method"},
		"zTXt garbage":        {[][2]string{{"zTXt", "k\x00\x00not zlib"}}, "bad zlib"},
		"zTXt truncated zlib": {[][2]string{{"zTXt", "k\x00\x00" + string(deflate([]byte("hello world"))[:8])}}, "bad zlib"},
		"zip bomb":            {[][2]string{{"zTXt", "k\x00\x00" + string(bomb)}}, "inflates beyond"},
		"bombs add up":        {[][2]string{{"zTXt", "a\x00\x00" + string(half)}, {"iTXt", "b\x00\x01\x00\x00\x00" + string(half)}}, "inflates beyond"},
		"iTXt flag":           {[][2]string{{"iTXt", "k\x00\x02\x00\x00\x00x"}}, "compression flag"},
		"iTXt header":         {[][2]string{{"iTXt", "k\x00\x00\x00en"}}, "truncated header"},
		"iTXt not UTF-8":      {[][2]string{{"iTXt", "k\x00\x00\x00\x00\x00\xff\xfe"}}, "not valid UTF-8"},
	} {
		_, err := ReadPNGText(buildPNG(t, tc.chunks...))
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrCorrupt mentioning %q", name, err, tc.want)
		}
	}
}

// TestExiftoolReadsPNG is the acceptance check: exiftool shows the
// infotext as Parameters, the IPTC digital source type, and the genmint
// namespace.
func TestExiftoolReadsPNG(t *testing.T) {
	exiftool := testenv.Path(t, testenv.Exiftool)
	out, h := embedFixturePNG(t)
	path := filepath.Join(t.TempDir(), "final.png")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	got := runExiftool(t, exiftool, "-s", "-Parameters", "-XMP:DigitalSourceType", path)
	c := fixtureContent()
	wantParams := strings.ReplaceAll(Infotext(&c), "\n", ".") // exiftool prints newlines as '.'
	for _, want := range []string{
		"Parameters                      : " + wantParams,
		"DigitalSourceType               : " + SourceTrainedAlgorithmic,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("exiftool output lacks %q:\n%s", want, got)
		}
	}
	got = runExiftool(t, exiftool, "-s", "-XMP-genmint:all", "-XMP-dc:all", "-XMP-xmp:CreatorTool", path)
	for _, want := range []string{
		"RecordSHA256                    : " + h,
		"Item                            : 7",
		"Provider                        : automatic1111",
		"Model                           : v1-5-pruned-emaonly",
		"Seed                            : 1234",
		`Content                         : {"collection":"Harbour Lights",`,
		"Creator                         : Ada Lovelace <ada@example.com>",
		"Description                     : a lighthouse at dusk, (oil painting:1.2), warm light & <fog>",
		"CreatorTool                     : genmint",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("exiftool output lacks %q:\n%s", want, got)
		}
	}
	// exiftool's own validator finds nothing wrong with the file.
	if got := runExiftool(t, exiftool, "-validate", "-warning", "-a", "-s", path); !strings.Contains(got, "Validate                        : OK") {
		t.Errorf("exiftool -validate:\n%s", got)
	}
}

func TestExiftoolReadsUnicodeParameters(t *testing.T) {
	exiftool := testenv.Path(t, testenv.Exiftool)
	c := fixtureContent()
	c.Prompt = "雪の灯台, snow ☃"
	out, _, err := Embed(readTestdata(t, "base.png"), MediaPNG, &c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pngLayout(t, out), "\niTXt 263 \"parameters\"\n") {
		t.Errorf("non-Latin-1 infotext is not iTXt:\n%s", pngLayout(t, out))
	}
	path := filepath.Join(t.TempDir(), "final.png")
	os.WriteFile(path, out, 0o644)
	got := runExiftool(t, exiftool, "-s", "-s", "-s", "-Parameters", path)
	if want := strings.ReplaceAll(Infotext(&c), "\n", ".") + "\n"; got != want {
		t.Errorf("exiftool -Parameters = %q, want %q", got, want)
	}
}

func runExiftool(t *testing.T, exiftool string, args ...string) string {
	t.Helper()
	cmd := exec.Command(exiftool, append([]string{"-charset", "UTF8"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("exiftool %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// fixCRCs rewrites the CRC of every whole chunk it can find, so that fuzzed
// inputs get past the CRC check and exercise the chunk decoders.
func fixCRCs(b []byte) []byte {
	b = bytes.Clone(b)
	for off := len(pngSignature); off+12 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[off:]))
		if n < 0 || n > len(b)-off-12 {
			break
		}
		binary.BigEndian.PutUint32(b[off+8+n:], crc32.ChecksumIEEE(b[off+4:off+8+n]))
		off += 12 + n
	}
	return b
}

func FuzzReadPNGText(f *testing.F) {
	base := readTestdata(f, "base.png")
	f.Add(base, false)
	c := fixtureContent()
	if out, _, err := Embed(base, MediaPNG, &c); err == nil {
		f.Add(out, false)
	}
	f.Add(buildPNG(f, [2]string{"zTXt", "k\x00\x00" + string(deflate([]byte("hello")))}, [2]string{"iTXt", "k2\x00\x01\x00en\x00K\x00" + string(deflate([]byte("snow ☃")))}), true)
	f.Add(buildPNG(f, [2]string{"tEXt", "k\x00caf\xe9"}, [2]string{"iTXt", "XML:com.adobe.xmp\x00\x00\x00\x00\x00<x/>"}), true)
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x00IEND\xaeB`\x82"), false)
	f.Fuzz(func(t *testing.T, b []byte, fix bool) {
		if fix {
			b = fixCRCs(b)
		}
		texts, err := ReadPNGText(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		// Whatever was read can be written back and read again unchanged
		// (skipping huge texts, whose recompression would only slow the fuzzer).
		seen := map[string]bool{}
		var unique []TextChunk
		size := 0
		for _, tc := range texts {
			size += len(tc.Text)
			if !seen[tc.Keyword] && !strings.ContainsRune(tc.Text, 0) {
				seen[tc.Keyword] = true
				unique = append(unique, tc)
			}
		}
		if size > 1<<20 {
			return
		}
		out, err := EmbedPNG(b, unique)
		if err != nil {
			t.Fatalf("cannot re-embed what was read: %v", err)
		}
		again, err := ReadPNGText(out)
		if err != nil {
			t.Fatal(err)
		}
		for i, tc := range unique {
			if tc.Keyword == XMPKeyword {
				tc.Compressed = false
			}
			if again[i] != tc {
				t.Fatalf("chunk %d: %+v became %+v", i, tc, again[i])
			}
		}
	})
}

func FuzzEmbedPNG(f *testing.F) {
	base := readTestdata(f, "base.png")
	f.Add(base, "parameters", "a castle, golden hour", false)
	f.Add(base, XMPKeyword, "<x:xmpmeta/>", true)
	f.Add(base, "Comment", "snow ☃", true)
	f.Add(buildPNG(f, [2]string{"tEXt", "parameters\x00old"}), "parameters", "café", true)
	f.Add([]byte("\x89PNG\r\n\x1a\n"), "k", "v", false)
	f.Fuzz(func(t *testing.T, in []byte, keyword, text string, compressed bool) {
		chunk := TextChunk{Keyword: keyword, Text: text, Compressed: compressed}
		out, err := EmbedPNG(in, []TextChunk{chunk})
		if err != nil {
			return
		}
		texts, err := ReadPNGText(out)
		if err != nil {
			t.Fatalf("embedded file does not read back: %v", err)
		}
		if keyword == XMPKeyword {
			chunk.Compressed = false
		}
		if len(texts) == 0 || texts[0] != chunk {
			t.Fatalf("first text chunk is %+v, want %+v", texts, chunk)
		}
		twice, err := EmbedPNG(out, []TextChunk{chunk})
		if err != nil || !bytes.Equal(twice, out) {
			t.Fatalf("embedding twice differs from once (err %v)", err)
		}
	})
}

// TestExiftoolReadsLicense: a licence is in the XMP Rights Management
// fields exiftool reads (dc:rights, xmpRights:UsageTerms and WebStatement)
// and in the embedded content; the file still validates.
func TestExiftoolReadsLicense(t *testing.T) {
	exiftool := testenv.Path(t, testenv.Exiftool)
	for _, l := range []License{
		{Name: "CC0-1.0", URL: "https://creativecommons.org/publicdomain/zero/1.0/"},
		{Name: "CBE-NECR-HS", URL: "ar://_D9kN1WrNWbCq55BSAGRbTB4bS3v8QAPTYmBThSbX3A/3"},
	} {
		c := fixtureContent()
		c.License = &l
		out, _, err := Embed(readTestdata(t, "base.png"), MediaPNG, &c)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "final.png")
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		got := runExiftool(t, exiftool, "-s", "-XMP-dc:Rights", "-XMP-xmpRights:all", path)
		for _, want := range []string{
			"Rights                          : " + l.Name,
			"UsageTerms                      : Licensed under " + l.Name + ": " + l.URL,
			"WebStatement                    : " + l.URL,
		} {
			if !strings.Contains(got, want+"\n") {
				t.Errorf("exiftool output lacks %q:\n%s", want, got)
			}
		}
		if got := runExiftool(t, exiftool, "-validate", "-warning", "-a", "-s", path); !strings.Contains(got, "Validate                        : OK") {
			t.Errorf("exiftool -validate:\n%s", got)
		}
		rec, err := Extract(out)
		if err != nil || rec.Content == nil || rec.Content.License == nil || *rec.Content.License != l {
			t.Fatalf("extracted licence: %+v %v", rec, err)
		}
	}
}
