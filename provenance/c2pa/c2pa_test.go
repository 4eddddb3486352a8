package c2pa

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/testenv"
)

const trained = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"

func testImage(t testing.TB, format string, size int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 3), uint8(x ^ y), 255})
		}
	}
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testCreds(t testing.TB) *Credentials {
	t.Helper()
	c, err := NewCredentials("genmint test collection", time.Now(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testManifest() *Manifest {
	return &Manifest{
		Title:             "final.png",
		DigitalSourceType: trained,
		Steps: []Action{
			{Action: ActionForStep("resize"), Description: "resize", Parameters: map[string]any{"width": 64, "height": 64}},
			{Action: ActionForStep("contrast"), Description: "contrast", Parameters: map[string]any{"percent": 10.5}},
		},
		Genmint: Genmint{RecordSHA256: strings.Repeat("ab", 32), Collection: "c", Item: 7, Provider: "openai", Model: "gpt-image-1", Prompt: "a fox", Seed: 42},
	}
}

func roots(c *Credentials) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.CA)
	return p
}

func TestSignVerifyRoundTrip(t *testing.T) {
	creds := testCreds(t)
	for _, format := range []string{"png", "jpeg"} {
		t.Run(format, func(t *testing.T) {
			in := testImage(t, format, 64)
			out, err := Sign(context.Background(), in, testManifest(), creds.Signer())
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := image.Decode(bytes.NewReader(out)); err != nil {
				t.Fatalf("signed image does not decode: %v", err)
			}
			r, err := Verify(out, Options{Roots: roots(creds)})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Err(); err != nil {
				t.Fatalf("valid manifest reported: %v", err)
			}
			if r.DigitalSourceType != trained || len(r.Actions) != 3 || r.Actions[0].Action != ActionCreated ||
				r.Actions[1].Action != ActionResized || r.Actions[2].Action != ActionColorAdjustments {
				t.Fatalf("actions = %+v, source %q", r.Actions, r.DigitalSourceType)
			}
			if r.Genmint == nil || r.Genmint.Seed != 42 || r.Genmint.Prompt != "a fox" || r.Genmint.Upstream != UpstreamNone {
				t.Fatalf("genmint assertion = %+v", r.Genmint)
			}
			// Another collection's CA does not make it trusted: untrusted, not broken.
			r, err = Verify(out, Options{Roots: roots(testCreds(t))})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Err(); !errors.Is(err, ErrUntrusted) || errors.Is(err, ErrBroken) {
				t.Fatalf("foreign CA: err = %v, want untrusted", err)
			}
			// Re-signing replaces the store rather than adding one.
			again, err := Sign(context.Background(), out, testManifest(), creds.Signer())
			if err != nil {
				t.Fatal(err)
			}
			if d := len(again) - len(out); d != 0 {
				t.Fatalf("re-signed image is %d bytes longer", d)
			}
		})
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	creds := testCreds(t)
	for _, format := range []string{"png", "jpeg"} {
		in := testImage(t, format, 64)
		out, err := Sign(context.Background(), in, testManifest(), creds.Signer())
		if err != nil {
			t.Fatal(err)
		}
		c, err := split(out)
		if err != nil {
			t.Fatal(err)
		}
		// A byte of image data, after the store.
		pixel := append([]byte(nil), out...)
		pixel[len(pixel)-20] ^= 0x01
		// A byte inside the claim (its CBOR "instanceID" text).
		claim := append([]byte(nil), out...)
		i := bytes.Index(claim, []byte("xmp:iid:"))
		claim[i+10] ^= 0x01
		// A byte inside the genmint assertion.
		assertion := append([]byte(nil), out...)
		j := bytes.Index(assertion, []byte("a fox"))
		assertion[j] = 'A'
		_ = c
		for name, bad := range map[string][]byte{"pixel": pixel, "claim": claim, "assertion": assertion} {
			r, err := Verify(bad, Options{Roots: roots(creds)})
			if err == nil {
				err = r.Err()
			}
			if !errors.Is(err, ErrBroken) {
				t.Errorf("%s %s: err = %v, want broken", format, name, err)
			}
		}
	}
}

func TestVerifyNoManifest(t *testing.T) {
	if _, err := Verify(testImage(t, "png", 8), Options{}); !errors.Is(err, ErrNoManifest) {
		t.Fatalf("err = %v", err)
	}
}

func TestSelfSignedSignerIsBroken(t *testing.T) {
	creds := testCreds(t)
	s := &Signer{Key: creds.CAKey, Chain: []*x509.Certificate{creds.CA}}
	out, err := Sign(context.Background(), testImage(t, "png", 16), testManifest(), s)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Verify(out, Options{Roots: roots(creds)})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Err(); !errors.Is(err, ErrBroken) || !strings.Contains(err.Error(), "self-signed") {
		t.Fatalf("err = %v", err)
	}
}

// TestJPEGStoreOverSeveralSegments: a store over one APP11 segment's limit
// continues in contiguous segments (ISO/IEC 19566-5 D.2) and still holds.
func TestJPEGStoreOverSeveralSegments(t *testing.T) {
	creds := testCreds(t)
	m := testManifest()
	m.Genmint.Prompt = strings.Repeat("a long prompt ", 12000) // ~168 KB: three segments
	out, err := Sign(context.Background(), testImage(t, "jpeg", 32), m, creds.Signer())
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(out, []byte("JP\x02\x11\x00\x00\x00")); n < 3 {
		t.Fatalf("%d APP11 segments, want 3 or more", n)
	}
	r, err := Verify(out, Options{Roots: roots(creds)})
	if err != nil || r.Err() != nil || r.Genmint.Prompt != m.Genmint.Prompt {
		t.Fatalf("%v %v", err, r.Err())
	}
	if _, _, err := image.Decode(bytes.NewReader(out)); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "long.jpeg")
	must(t, os.WriteFile(p, out, 0o644))
	if res := testenv.C2PATS(t, "validate", p)[0]; res["valid"] != true {
		t.Fatalf("c2pa-ts: %v", res["errors"])
	}
}

// PNGWithoutManifest answers true only where Verify says ErrNoManifest:
// not for a signed PNG, a truncated one, a JPEG, or anything else.
func TestPNGWithoutManifest(t *testing.T) {
	plain := testImage(t, "png", 8)
	creds := testCreds(t)
	signed, err := Sign(context.Background(), plain, testManifest(), creds.Signer())
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		b    []byte
		want bool
	}{
		"plain png":          {plain, true},
		"signed png":         {signed, false},
		"truncated png":      {plain[:len(plain)-1], false},
		"png without IEND":   {plain[:len(plain)-12], false},
		"jpeg":               {testImage(t, "jpeg", 8), false},
		"not an image":       {[]byte("hello"), false},
		"png signature only": {pngSig, false},
	} {
		if got := PNGWithoutManifest(bytes.NewReader(c.b)); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
		if _, err := Verify(c.b, Options{}); c.want && !errors.Is(err, ErrNoManifest) {
			t.Errorf("%s: Verify says %v", name, err)
		}
	}
}
