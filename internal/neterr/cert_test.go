package neterr

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/usage"
)

// TestCert makes real TLS handshakes with a server whose certificate this
// process does not trust, and with one it trusts under another name: each
// becomes one line naming the host and the fix, a usage error, without the
// URL (whose path may hold a key) that the client's error quotes.
func TestCert(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")
	get := func(c *http.Client) error {
		resp, err := c.Get(srv.URL + "/api/SECRETKEY/v0/version")
		if err == nil {
			resp.Body.Close()
			t.Fatal("the handshake succeeded")
		}
		return fmt.Errorf("version: %w", err)
	}

	untrusted := get(&http.Client{})
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	otherName := get(&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "other.example"}}})
	expired := fmt.Errorf("wrapped: %w", x509.CertificateInvalidError{Reason: x509.Expired, Detail: "current time is after 2020"})

	for _, c := range []struct {
		err  error
		want string
	}{
		{untrusted, "kubo at " + host + ": its TLS certificate is signed by an authority this machine does not trust (x509: certificate signed by unknown authority): for a private CA, point SSL_CERT_FILE at its PEM file"},
		{otherName, "kubo at " + host + ": its TLS certificate is for another name (x509: certificate is valid for example.com, *.example.com, not other.example): use a host name the certificate names"},
		{expired, "kubo at " + host + ": its TLS certificate is outside its validity period (x509: certificate has expired or is not yet valid: current time is after 2020): renew it on the server, or check this machine's clock"},
	} {
		ce, ok := Cert("kubo", host, c.err)
		if !ok {
			t.Fatalf("Cert(%v) = false", c.err)
		}
		if got := ce.Error(); got != c.want || strings.Contains(got, "SECRETKEY") {
			t.Errorf("Cert(%v):\n got %s\nwant %s", c.err, got, c.want)
		}
		if !errors.Is(ce, usage.Err) {
			t.Errorf("%v is not a usage error", ce)
		}
	}

	// CertURL names the URL's host alone, never its path.
	if ce, ok := CertURL(RPCNode, srv.URL+"/v3/SECRETKEY", untrusted); !ok || !strings.HasPrefix(ce.Error(), "JSON-RPC node at "+host+": its TLS certificate") || strings.Contains(ce.Error(), "SECRETKEY") {
		t.Errorf("CertURL: %v, %v", ce, ok)
	}

	// Not a certificate: a refused connection, a timeout.
	for _, err := range []error{get(&http.Client{Transport: &http.Transport{}, Timeout: time.Nanosecond}), errors.New("HTTP 500")} {
		if _, ok := Cert("kubo", host, err); ok {
			t.Errorf("Cert(%v) = true", err)
		}
	}
}
