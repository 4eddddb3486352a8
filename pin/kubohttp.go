package pin

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
)

// ErrNotKubo: the address answers HTTP, but not as a Kubo RPC API (a web
// page, a gateway, a proxy's error page).
var ErrNotKubo = errors.New("is not a Kubo RPC API")

// kuboOnly refuses, before go-ipfs-api reads it, an answer no Kubo RPC API
// gives: Kubo answers its commands with JSON or plain text, never HTML and
// never an error in another encoding. Without it, go-ipfs-api prints
// "ipfs-shell: warning!" lines on stderr and quotes the whole body.
type kuboOnly struct{ next http.RoundTripper }

// KuboTransport wraps next so that an answer no Kubo RPC API gives fails
// with a *NotKuboError before go-ipfs-api reads it (see kuboOnly).
func KuboTransport(next http.RoundTripper) http.RoundTripper { return kuboOnly{next} }

func (t kuboOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	ok := mt == "application/json" || mt == "text/plain" || (resp.StatusCode < 400 && mt != "text/html")
	if resp.StatusCode == http.StatusNotFound && mt != "text/html" {
		ok = true // go-ipfs-api reports it as "command not found"
	}
	if ok {
		return resp, nil
	}
	resp.Body.Close()
	return nil, &NotKuboError{Status: resp.Status, Type: mt}
}

// NotKuboError is an answer no Kubo RPC API gives; it matches ErrNotKubo.
type NotKuboError struct {
	Status string // e.g. "200 OK", "405 Method Not Allowed"
	Type   string // the media type, e.g. "text/html"
}

func (e *NotKuboError) Error() string {
	what := e.Type
	if what == "" {
		what = "no content type"
	}
	return fmt.Sprintf("%v: it answered %s (%s): pass the Kubo API address (usually http://127.0.0.1:5001, not a gateway or web server), or use --car FILE",
		ErrNotKubo, e.Status, what)
}

// Is makes errors.Is(err, ErrNotKubo) hold.
func (e *NotKuboError) Is(target error) bool { return target == ErrNotKubo }
