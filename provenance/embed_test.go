package provenance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/build"
)

func TestExtract(t *testing.T) {
	c := fixtureContent()
	want, _ := c.SHA256()
	for name, in := range map[string]struct {
		mediaType string
		file      []byte
	}{
		"png":  {MediaPNG, readTestdata(t, "base.png")},
		"jpeg": {MediaJPEG, readTestdata(t, "base.jpg")},
	} {
		out, h, err := Embed(in.file, in.mediaType, &c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if h != want {
			t.Errorf("%s: Embed returned hash %s, want %s", name, h, want)
		}
		e, err := Extract(out)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if e.MediaType != in.mediaType || e.Parameters != Infotext(&c) || e.RecordSHA256 != h ||
			e.DigitalSourceType != SourceTrainedAlgorithmic || !bytes.Equal(e.XMP, XMP(&c, h)) {
			t.Errorf("%s: extracted %+v", name, e)
		}
		if e.Content == nil {
			t.Fatalf("%s: no content", name)
		}
		if eh, _ := e.Content.SHA256(); eh != h {
			t.Errorf("%s: extracted content hashes to %s, want %s", name, eh, h)
		}
	}
}

func TestExtractWithoutProvenance(t *testing.T) {
	for name, in := range map[string][]byte{
		"plain png":      readTestdata(t, "base.png"),
		"plain jpeg":     readTestdata(t, "base.jpg"),
		"foreign XMP":    buildPNG(t, [2]string{"iTXt", XMPKeyword + "\x00\x00\x00\x00\x00<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>"}),
		"only infotext":  buildPNG(t, [2]string{"tEXt", "parameters\x00a cat\nSteps: 20, Sampler: Euler, Seed: 1"}),
		"jpeg with JFIF": withJFIF(readTestdata(t, "base.jpg")),
	} {
		if _, err := Extract(in); !errors.Is(err, ErrNoProvenance) {
			t.Errorf("%s: err = %v, want ErrNoProvenance", name, err)
		}
	}
	for name, tc := range map[string]struct {
		in   []byte
		want error
	}{
		"gif":          {[]byte("GIF89a"), ErrCorrupt},
		"two XMP":      {buildPNG(t, [2]string{"iTXt", XMPKeyword + "\x00\x00\x00\x00\x00<a/>"}, [2]string{"iTXt", XMPKeyword + "\x00\x00\x00\x00\x00<b/>"}), ErrCorrupt},
		"two infotext": {buildPNG(t, [2]string{"tEXt", "parameters\x00a"}, [2]string{"tEXt", "parameters\x00b"}), ErrCorrupt},
		"broken XMP":   {buildPNG(t, [2]string{"iTXt", XMPKeyword + "\x00\x00\x00\x00\x00<a>"}), ErrBadXMP},
		"bad content": {buildPNG(t, [2]string{"iTXt", XMPKeyword + "\x00\x00\x00\x00\x00" +
			`<a xmlns:g="` + NSGenmint + `"><g:RecordSHA256>x</g:RecordSHA256><g:Content>{"item":"seven"}</g:Content></a>`}), ErrBadXMP},
	} {
		if _, err := Extract(tc.in); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
}

func TestEmbedOddText(t *testing.T) {
	// Any valid UTF-8 content embeds and verifies, NUL and control
	// characters included.
	c := fixtureContent()
	c.Prompt = "nul\x00 bell\x07 cr\r del\x7f \uFFFE \u2028"
	c.Creator = "\x00"
	for _, mt := range []string{MediaPNG, MediaJPEG} {
		c.Output.MediaType = mt
		in := readTestdata(t, "base.png")
		if mt == MediaJPEG {
			in = readTestdata(t, "base.jpg")
		}
		out, rec, err := Seal(c, in, "final", Times{})
		if err != nil {
			t.Fatalf("%s: %v", mt, err)
		}
		if err := Verify(rec, out); err != nil {
			t.Errorf("%s: %v", mt, err)
		}
		e, err := Extract(out)
		if err != nil {
			t.Fatal(err)
		}
		if e.Content.Prompt != c.Prompt || !strings.HasPrefix(e.Parameters, "nul\uFFFD bell\x07") {
			t.Errorf("%s: prompt %q, parameters %q", mt, e.Content.Prompt, e.Parameters)
		}
	}
}

func TestEmbedRefuses(t *testing.T) {
	base := readTestdata(t, "base.png")
	c := fixtureContent()
	if _, _, err := Embed(base, "image/webp", &c); err == nil || !strings.Contains(err.Error(), "use png or jpeg output") {
		t.Errorf("webp: err = %v", err)
	}
	if _, _, err := Embed(base, MediaJPEG, &c); !errors.Is(err, ErrCorrupt) {
		t.Errorf("png bytes as jpeg: err = %v", err)
	}
	c.DigitalSourceType = ""
	if _, _, err := Embed(base, MediaPNG, &c); err == nil || !strings.Contains(err.Error(), "digital source type") {
		t.Errorf("no digital source type: err = %v", err)
	}
	c = fixtureContent()
	c.Prompt = "\xff"
	if _, _, err := Embed(base, MediaPNG, &c); !errors.Is(err, errInvalidUTF8) {
		t.Errorf("invalid UTF-8: err = %v", err)
	}
}

func sealFixture(t *testing.T, mediaType string) ([]byte, *Record) {
	t.Helper()
	c := fixtureContent()
	in := readTestdata(t, "base.png")
	if mediaType == MediaJPEG {
		in = readTestdata(t, "base.jpg")
	}
	c.Output.MediaType = mediaType
	at := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
	out, rec, err := Seal(c, in, "final.png", Times{Requested: at, Generated: at, Processed: at})
	if err != nil {
		t.Fatal(err)
	}
	return out, rec
}

func TestSeal(t *testing.T) {
	out, rec := sealFixture(t, MediaPNG)
	sum := sha256.Sum256(out)
	h, _ := rec.Content.SHA256()
	if rec.Schema != Schema || rec.ContentSHA256 != h || rec.Final.SHA256 != hex.EncodeToString(sum[:]) ||
		rec.Final.Bytes != int64(len(out)) || rec.Final.Width != 32 || rec.Final.Height != 24 ||
		rec.Final.Path != "final.png" || rec.Final.MediaType != MediaPNG ||
		rec.Generator != (Generator{Name: "genmint", Version: build.String()}) {
		t.Errorf("sealed record %+v", rec)
	}
}

func TestVerifyAcceptsSealed(t *testing.T) {
	for _, mt := range []string{MediaPNG, MediaJPEG} {
		out, rec := sealFixture(t, mt)
		if err := Verify(rec, out); err != nil {
			t.Errorf("%s: %v", mt, err)
		}
		// The sidecar as written and read back (numbers become json.Number)
		// verifies too.
		b, err := MarshalRecord(rec)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseRecord(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(back, out); err != nil {
			t.Errorf("%s, parsed record: %v", mt, err)
		}
	}
}

func TestVerifyMismatches(t *testing.T) {
	// refile points the record at a new final file, as a forger would.
	refile := func(rec *Record, b []byte) {
		ff, err := NewFileFact(rec.Final.Path, rec.Final.MediaType, b)
		if err != nil {
			t.Fatal(err)
		}
		rec.Final = ff
	}
	rehash := func(rec *Record) {
		rec.ContentSHA256, _ = rec.Content.SHA256()
	}
	for name, tc := range map[string]struct {
		tamper func(rec *Record, final []byte) []byte
		want   string
		also   error
	}{
		"other schema": {func(rec *Record, final []byte) []byte {
			rec.Schema = "genmint.provenance/v0"
			return final
		}, "record schema", nil},
		"record edited": {func(rec *Record, final []byte) []byte {
			rec.Content.Prompt = "a different prompt"
			return final
		}, "the record was edited", nil},
		"image replaced": {func(rec *Record, final []byte) []byte {
			c := rec.Content
			c.Prompt = "a different prompt"
			out, _, _ := Embed(final, MediaPNG, &c)
			return out
		}, "final image sha256", nil},
		"size": {func(rec *Record, final []byte) []byte {
			rec.Final.Bytes++
			return final
		}, "bytes, the record says", nil},
		"dimensions": {func(rec *Record, final []byte) []byte {
			rec.Final.Width = 1024
			return final
		}, "32x24, the record says 1024x24", nil},
		"media type": {func(rec *Record, final []byte) []byte {
			rec.Final.MediaType = MediaJPEG
			return final
		}, "image/png, the record says image/jpeg", nil},
		"record rewritten for another content": {func(rec *Record, final []byte) []byte {
			rec.Content.Prompt = "a different prompt"
			rehash(rec)
			return final
		}, "the image embeds record hash", nil},
		"provenance stripped": {func(rec *Record, final []byte) []byte {
			plain := readTestdata(t, "base.png")
			refile(rec, plain)
			return plain
		}, "no XMP packet", ErrNoProvenance},
		"source type changed": {func(rec *Record, final []byte) []byte {
			c := rec.Content
			c.DigitalSourceType = SourceAlgorithmic
			out, err := EmbedPNG(final, []TextChunk{{Keyword: XMPKeyword, Text: string(XMP(&c, rec.ContentSHA256))}})
			if err != nil {
				t.Fatal(err)
			}
			refile(rec, out)
			return out
		}, "digital source type", nil},
		"embedded content swapped": {func(rec *Record, final []byte) []byte {
			c := rec.Content
			c.Seed.Requested++
			out, err := EmbedPNG(final, []TextChunk{{Keyword: XMPKeyword, Text: string(XMP(&c, rec.ContentSHA256))}})
			if err != nil {
				t.Fatal(err)
			}
			refile(rec, out)
			return out
		}, "the content embedded in the image hashes to", nil},
		"embedded content missing": {func(rec *Record, final []byte) []byte {
			x := bytes.Replace(XMP(&rec.Content, rec.ContentSHA256), []byte("genmint:Content>"), []byte("genmint:Other>"), 2)
			out, err := EmbedPNG(final, []TextChunk{{Keyword: XMPKeyword, Text: string(x)}})
			if err != nil {
				t.Fatal(err)
			}
			refile(rec, out)
			return out
		}, "has no genmint:Content", nil},
	} {
		t.Run(name, func(t *testing.T) {
			final, rec := sealFixture(t, MediaPNG)
			final = tc.tamper(rec, final)
			err := Verify(rec, final)
			if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrMismatch saying %q", err, tc.want)
			}
			if tc.also != nil && !errors.Is(err, tc.also) {
				t.Fatalf("err = %v, want it to wrap %v too", err, tc.also)
			}
		})
	}
}

func TestVerifyCorruptImage(t *testing.T) {
	final, rec := sealFixture(t, MediaPNG)
	bad := bytes.Clone(final)
	bad[len(bad)-20] ^= 1 // inside IDAT: breaks its CRC
	sum := sha256.Sum256(bad)
	rec.Final.SHA256 = hex.EncodeToString(sum[:])
	err := Verify(rec, bad)
	if !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrMismatch) {
		t.Errorf("err = %v, want ErrCorrupt only", err)
	}
}

func FuzzExtract(f *testing.F) {
	c := fixtureContent()
	for _, name := range []string{"base.png", "base.jpg"} {
		in := readTestdata(f, name)
		f.Add(in, false)
		mt := MediaPNG
		if strings.HasSuffix(name, ".jpg") {
			mt = MediaJPEG
			f.Add(withJFIF(in), false)
		}
		if out, _, err := Embed(in, mt, &c); err == nil {
			f.Add(out, false)
		}
	}
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xda"), false)
	f.Fuzz(func(t *testing.T, b []byte, fix bool) {
		if fix && bytes.HasPrefix(b, pngSignature) {
			b = fixCRCs(b)
		}
		e, err := Extract(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrBadXMP) && !errors.Is(err, ErrNoProvenance) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if e.RecordSHA256 == "" {
			t.Fatal("success without a record hash")
		}
	})
}

// Benchmarks. The References measure, in the same run, work the pipeline
// does anyway, so the ratio says what provenance adds:
//
//	go test ./provenance -run '^$' -bench . -benchmem
//
// EmbedPNG/ReferencePNGEncode is the cost of embedding relative to encoding
// the final image; Verify/ReferenceSHA256 the cost of verifying relative
// to hashing the file.
func benchImage(b *testing.B) []byte {
	b.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 1024, 1024))
	r := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < 1024; y++ {
		for x := 0; x < 1024; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), uint8(r.IntN(32)), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkEmbedPNG(b *testing.B) {
	final := benchImage(b)
	c := fixtureContent()
	b.SetBytes(int64(len(final)))
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Embed(final, MediaPNG, &c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReferencePNGEncode(b *testing.B) {
	final := benchImage(b)
	img, err := png.Decode(bytes.NewReader(final))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(final)))
	b.ResetTimer()
	for b.Loop() {
		if err := png.Encode(&bytes.Buffer{}, img); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	c := fixtureContent()
	out, rec, err := Seal(c, benchImage(b), "final.png", Times{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ResetTimer()
	for b.Loop() {
		if err := Verify(rec, out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReferenceSHA256(b *testing.B) {
	c := fixtureContent()
	out, _, err := Seal(c, benchImage(b), "final.png", Times{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ResetTimer()
	for b.Loop() {
		sha256.Sum256(out)
	}
}
