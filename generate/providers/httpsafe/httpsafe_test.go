package httpsafe

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/internal/pngtest"
)

func TestIsPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8":              true,
		"2606:4700::1111":      true,
		"127.0.0.1":            false,
		"::1":                  false,
		"10.1.2.3":             false,
		"172.16.0.1":           false,
		"192.168.1.1":          false,
		"169.254.169.254":      false,
		"fe80::1":              false,
		"fd00::1":              false,
		"0.0.0.0":              false,
		"::":                   false,
		"100.64.0.1":           false,
		"224.0.0.1":            false,
		"::ffff:127.0.0.1":     false,
		"::ffff:8.8.8.8":       true,
		"64:ff9b::a9fe:a9fe":   false, // NAT64 of 169.254.169.254
		"2002:a9fe:a9fe::1":    false, // 6to4 of 169.254.169.254
		"2002:0808:0808::1":    true,
		"240.0.0.1":            false,
		"255.255.255.255":      false,
		"198.18.0.1":           false,
		"2001:db8::1":          false,
		"64:ff9b::808:808":     true,
		"::ffff:169.254.1.1":   false,
		"fc00::":               false,
		"ff02::1":              false,
		"100.128.0.1":          true,
		"192.0.0.8":            false,
		"203.0.113.9":          false,
		"93.184.216.34":        true,
		"2a00:1450:4001::200e": true,
	} {
		if got := IsPublic(netip.MustParseAddr(addr)); got != want {
			t.Errorf("IsPublic(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	local := Policy{Base: mustURL(t, "http://127.0.0.1:7860")}
	public := Policy{Base: mustURL(t, "https://api.replicate.com/v1"), FetchHosts: []string{"replicate.delivery", "*.replicate.delivery"}}
	for _, tc := range []struct {
		p    Policy
		url  string
		want bool
	}{
		{local, "http://127.0.0.1:7860/view?filename=a.png", true},
		{local, "http://127.0.0.1:7861/view", false},  // another loopback port was not configured
		{local, "https://127.0.0.1:7860/view", false}, // another scheme
		{local, "http://localhost:7860/view", false},  // another name
		{public, "https://api.replicate.com/v1/predictions/x", true},
		{public, "https://replicate.delivery/pbxt/a.png", true},
		{public, "https://tjzk.replicate.delivery/a.png", true},
		{public, "http://replicate.delivery/a.png", false},      // not https
		{public, "https://evilreplicate.delivery/a.png", false}, // suffix without the dot
		{public, "https://169.254.169.254/latest/meta-data/", false},
		{public, "https://127.0.0.1/a.png", false},
		{public, "https://[::1]/a.png", false},
		{public, "https://example.com/a.png", false},
		{public, "https://user:pw@replicate.delivery/a.png", false},
		{public, "https://api.replicate.com:8443/x", false},
	} {
		err := tc.p.CheckURL(mustURL(t, tc.url))
		if (err == nil) != tc.want {
			t.Errorf("CheckURL(%s) = %v, want allowed=%v", tc.url, err, tc.want)
		}
		if err != nil && !errors.Is(err, ErrUnsafeURL) {
			t.Errorf("CheckURL(%s) error does not wrap ErrUnsafeURL: %v", tc.url, err)
		}
	}
}

// A host name the policy allows but that resolves to loopback is refused at
// dial time, before any byte is sent: this is what defeats a DNS answer (or
// rebinding) pointing a delivery host at an internal service.
func TestDialRefusesNonPublicResolution(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := mustURL(t, srv.URL).Port()
	c := NewClient(Policy{Base: mustURL(t, "https://api.example.com"), FetchHosts: []string{"localhost"}}, srv.Client())
	req, _ := http.NewRequest("GET", "https://localhost:"+port+"/secret", nil)
	_, err := c.Do(req)
	if err == nil || !errors.Is(err, ErrUnsafeURL) {
		t.Fatalf("dial to localhost: err = %v, want ErrUnsafeURL", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("the loopback server was reached %d times", hits.Load())
	}
	if !strings.Contains(err.Error(), "non-public address") {
		t.Errorf("error does not explain the refusal: %v", err)
	}
}

func TestConfiguredLoopbackServerIsReachable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	c := NewClient(Policy{Base: mustURL(t, srv.URL)}, nil)
	resp, err := c.Get(srv.URL + "/sdapi/v1/options")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadBody(resp, 10)
	if err != nil || string(b) != "ok" {
		t.Fatalf("got %q, %v", b, err)
	}
}

func TestRedirectToPrivateIsRefused(t *testing.T) {
	var internal atomic.Int32
	inner := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { internal.Add(1) }))
	defer inner.Close()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.URL+"/latest/meta-data/", http.StatusFound)
	}))
	defer srv.Close()
	c := NewClient(Policy{Base: mustURL(t, srv.URL)}, srv.Client())
	_, err := c.Get(srv.URL + "/file.png")
	if err == nil || !errors.Is(err, ErrUnsafeURL) {
		t.Fatalf("err = %v, want a refused redirect", err)
	}
	if internal.Load() != 0 {
		t.Fatal("the redirect target was contacted")
	}
}

func TestReadBodyCap(t *testing.T) {
	resp := &http.Response{Body: io.NopCloser(strings.NewReader(strings.Repeat("x", 11))), ContentLength: -1}
	if _, err := ReadBody(resp, 10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	resp = &http.Response{Body: io.NopCloser(strings.NewReader("")), ContentLength: 1 << 40}
	if _, err := ReadBody(resp, 10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("declared length: err = %v, want ErrTooLarge", err)
	}
	resp = &http.Response{Body: io.NopCloser(io.MultiReader(strings.NewReader("abc"), errReader{io.ErrUnexpectedEOF})), ContentLength: -1}
	if _, err := ReadBody(resp, 10); !generate.IsTemporary(err) {
		t.Fatalf("cut body: err = %v, want a TemporaryError", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestCheckImage(t *testing.T) {
	good := pngBytes(t, 32, 16)
	info, err := CheckImage(good, 0)
	if err != nil || info.MediaType != "image/png" || info.Width != 32 || info.Height != 16 {
		t.Fatalf("good PNG: %+v, %v", info, err)
	}
	if _, err := CheckImage(good[:len(good)/2], 0); !errors.Is(err, ErrBadImage) || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated PNG: %v", err)
	}
	bomb := pngtest.Header(50000, 50000)
	_, err = CheckImage(bomb, 0)
	if !errors.Is(err, ErrBadImage) || !strings.Contains(err.Error(), "50000×50000") || !strings.Contains(err.Error(), "64.0 MP") {
		t.Errorf("bomb: %v", err)
	}
	if _, err := CheckImage([]byte("<html>hi</html>"), 0); !errors.Is(err, ErrBadImage) {
		t.Errorf("html: %v", err)
	}
	if _, err := CheckImage(good, 100); !errors.Is(err, ErrBadImage) {
		t.Errorf("pixel cap not applied: %v", err)
	}
}

func TestSnippetRedacts(t *testing.T) {
	s := Snippet([]byte("bad key sk-canary-123456\n\tretry"), "sk-canary-123456")
	if strings.Contains(s, "sk-canary") || s != "bad key [redacted] retry" {
		t.Fatalf("Snippet = %q", s)
	}
	long := Snippet(bytes.Repeat([]byte("é"), 1000))
	if n := len([]rune(long)); n != 301 {
		t.Fatalf("long snippet has %d runes", n)
	}
}

func TestTransportClassification(t *testing.T) {
	if err := Transport(context.Canceled); generate.IsTemporary(err) {
		t.Error("cancellation must not be retried")
	}
	if err := Transport(io.ErrUnexpectedEOF); !generate.IsTemporary(err) {
		t.Error("a cut connection is worth retrying")
	}
	if err := Transport(ErrUnsafeURL); generate.IsTemporary(err) {
		t.Error("a policy refusal is final")
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func pngBytes(t *testing.T, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 13), uint8(x ^ y), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestMediaTypeLenient(t *testing.T) {
	for ct, want := range map[string][2]string{
		"application/json; type=image/png":    {"application/json", "image/png"},
		"Image/PNG":                           {"image/png", ""},
		`application/json; type="image/webp"`: {"application/json", "image/webp"},
		"garbage":                             {"", ""},
	} {
		mt, ps := MediaType(&http.Response{Header: http.Header{"Content-Type": {ct}}})
		if mt != want[0] || ps["type"] != want[1] {
			t.Errorf("MediaType(%q) = %q %v", ct, mt, ps)
		}
	}
}
