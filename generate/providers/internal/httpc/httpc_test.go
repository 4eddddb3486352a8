package httpc

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/httpsafe"
)

type body struct {
	io.Reader
	closed bool
}

func (b *body) Close() error { b.closed = true; return nil }

type cut struct{}

func (cut) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// TestReadJSON covers what the providers' four copies of it did: the
// content type checked, the size capped, a parse failure quoted without the
// key, a body cut short worth retrying.
func TestReadJSON(t *testing.T) {
	c, err := New("openai", "https://api.example/v1", nil, nil, "sk-secretkey", Bearer("sk-secretkey"))
	if err != nil {
		t.Fatal(err)
	}
	answer := func(ct string, r io.Reader) (*http.Response, *body) {
		b := &body{Reader: r}
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {ct}}, Body: b, ContentLength: -1}, b
	}
	var v struct {
		Data []struct {
			URL string `json:"url"`
		} `json:"data"`
	}

	resp, b := answer("application/json; charset=utf-8", strings.NewReader(`{"data":[{"url":"https://x.example/a.png"}]}`))
	if err := c.ReadJSON(resp, 1<<10, &v); err != nil || len(v.Data) != 1 || v.Data[0].URL != "https://x.example/a.png" || !b.closed {
		t.Fatalf("good answer: %v %+v closed %v", err, v, b.closed)
	}
	resp, _ = answer("application/problem+json", strings.NewReader(`{}`))
	if err := c.ReadJSON(resp, 1<<10, &v); err != nil {
		t.Fatalf("+json: %v", err)
	}

	resp, b = answer("text/html", strings.NewReader("<html>"))
	if err := c.ReadJSON(resp, 1<<10, &v); !errors.Is(err, httpsafe.ErrContentType) || !b.closed {
		t.Fatalf("html: %v, closed %v", err, b.closed)
	}

	resp, _ = answer("application/json", strings.NewReader(`{"data": sk-secretkey`))
	err = c.ReadJSON(resp, 1<<10, &v)
	if !errors.Is(err, httpsafe.ErrMalformed) || !strings.Contains(err.Error(), "JSON does not parse") ||
		!strings.Contains(err.Error(), `{"data": [redacted]`) || strings.Contains(err.Error(), "sk-secretkey") {
		t.Fatalf("malformed: %v", err)
	}

	resp, _ = answer("application/json", strings.NewReader(`{"data":[]}`+strings.Repeat(" ", 100)))
	if err := c.ReadJSON(resp, 50, &v); !errors.Is(err, httpsafe.ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}

	resp, _ = answer("application/json", io.MultiReader(strings.NewReader(`{"data":`), cut{}))
	if err := c.ReadJSON(resp, 1<<10, &v); !generate.IsTemporary(err) {
		t.Fatalf("cut short: %v", err)
	}
}
