package neterr

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"

	"github.com/genmint/genmint/internal/usage"
)

// CertError is a server certificate this machine refused, said in one line
// that names the host and the fix. It is a usage error (exit 2): trying
// again cannot help, trusting the authority (or using the right name) can.
// Every HTTPS client of genmint's destinations reports it the same way.
type CertError struct {
	What string // what was asked: "kubo", "s3 endpoint", "pinata", …
	Host string // the host[:port] dialled, never a URL (a path may hold a key)
	Err  error  // the x509 error
}

func (e *CertError) Error() string {
	var (
		unknown  x509.UnknownAuthorityError
		roots    x509.SystemRootsError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	head := fmt.Sprintf("%s at %s: its TLS certificate", e.What, e.Host)
	switch {
	case errors.As(e.Err, &hostname):
		return fmt.Sprintf("%s is for another name (%v): use a host name the certificate names", head, hostname)
	case errors.As(e.Err, &invalid) && invalid.Reason == x509.Expired:
		return fmt.Sprintf("%s is outside its validity period (%v): renew it on the server, or check this machine's clock", head, invalid)
	case errors.As(e.Err, &invalid):
		return fmt.Sprintf("%s is not valid (%v): fix the certificate chain on the server", head, invalid)
	case errors.As(e.Err, &unknown):
		return fmt.Sprintf("%s is signed by an authority this machine does not trust (%v): for a private CA, point SSL_CERT_FILE at its PEM file", head, unknown)
	case errors.As(e.Err, &roots):
		return fmt.Sprintf("%s cannot be checked (%v): point SSL_CERT_FILE at a PEM file of trusted authorities", head, roots)
	}
	return fmt.Sprintf("%s was refused (%v): for a private CA, point SSL_CERT_FILE at its PEM file", head, e.Err)
}

// Unwrap makes the error both a usage error and the x509 error.
func (e *CertError) Unwrap() []error { return []error{usage.Err, e.Err} }

// RPCNode is what a refused certificate of a JSON-RPC endpoint (--rpc)
// names: "JSON-RPC node at host: its TLS certificate …".
const RPCNode = "JSON-RPC node"

// CertURL is Cert for a request to rawURL: the host is taken from the URL,
// and only the host is shown (its path or query may hold a key).
func CertURL(what, rawURL string, err error) (*CertError, bool) {
	host := "the address given"
	if u, perr := url.Parse(rawURL); perr == nil && u.Host != "" {
		host = u.Host
	}
	return Cert(what, host, err)
}

// Cert reports whether err means the TLS certificate of host (host[:port])
// was refused, and returns the one-line error to show for it (what names
// the service: "kubo", "pinata", …). Only the x509 error is kept: the
// *url.Error around it quotes the whole URL. Any other error gives nil,
// false.
func Cert(what, host string, err error) (*CertError, bool) {
	var (
		unknown  x509.UnknownAuthorityError
		roots    x509.SystemRootsError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
	)
	var found error
	switch {
	case errors.As(err, &unknown):
		found = unknown
	case errors.As(err, &roots):
		found = roots
	case errors.As(err, &hostname):
		found = hostname
	case errors.As(err, &invalid):
		found = invalid
	case errors.As(err, &verify) && verify.Err != nil:
		found = verify.Err
	case verify != nil:
		found = verify
	default:
		return nil, false
	}
	return &CertError{What: what, Host: host, Err: found}, true
}
