package c2pa

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/genmint/genmint/internal/testenv"
)

// fakeTSA is an RFC 3161 time-stamping authority over HTTP built with
// github.com/digitorus/timestamp (the library sigstore's timestamp-authority
// uses): a CA-issued certificate with the timeStamping extended key usage
// signs each response.
func fakeTSA(t *testing.T) (*httptest.Server, *x509.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	caT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test TSA Root"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caT, caT, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	tsaT := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test TSA"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}
	der, err := x509.CreateCertificate(rand.Reader, tsaT, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	var serial atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/timestamp-query" {
			http.Error(w, "POST application/timestamp-query", http.StatusBadRequest)
			return
		}
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ts := timestamp.Timestamp{HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage, Time: time.Now().UTC(),
			Nonce: req.Nonce, Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, SerialNumber: big.NewInt(serial.Add(1)),
			AddTSACertificate: req.Certificates}
		resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv, cert
}

func TestTimestampedSignature(t *testing.T) {
	srv, tsaCert := fakeTSA(t)
	creds := testCreds(t)
	s := creds.Signer()
	s.Timestamper = &TSA{URL: srv.URL}
	dir := t.TempDir()
	var files []string
	for _, format := range []string{"png", "jpeg"} {
		out, err := Sign(context.Background(), testImage(t, format, 64), testManifest(), s)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Verify(out, Options{Roots: roots(creds)})
		if err != nil || r.Err() != nil {
			t.Fatalf("%s: %v %v", format, err, r.Err())
		}
		if r.Timestamp == nil || time.Since(*r.Timestamp) > time.Minute || r.TimestampAuthority != tsaCert.Subject.String() {
			t.Fatalf("%s: timestamp %v by %q", format, r.Timestamp, r.TimestampAuthority)
		}
		p := filepath.Join(dir, "ts."+format)
		must(t, os.WriteFile(p, out, 0o644))
		files = append(files, p)
	}
	for _, res := range testenv.C2PATS(t, append([]string{"validate"}, files...)...) {
		if res["valid"] != true || !strings.Contains(strings.Join(strs(res["codes"]), " "), "timeStamp.trusted") {
			t.Errorf("%s: c2pa-ts: %v %v", res["file"], res["codes"], res["errors"])
		}
	}

	// Without an authority there is no timestamp, and the report says so.
	out, err := Sign(context.Background(), testImage(t, "png", 16), testManifest(), creds.Signer())
	must(t, err)
	if r, _ := Verify(out, Options{Roots: roots(creds)}); r.Timestamp != nil {
		t.Fatal("a timestamp appeared without an authority")
	}

	// An authority answering something else fails the signing, clearly.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write([]byte("<html>proxy error</html>"))
	}))
	defer bad.Close()
	s.Timestamper = &TSA{URL: bad.URL}
	if _, err := Sign(context.Background(), testImage(t, "png", 16), testManifest(), s); err == nil || !strings.Contains(err.Error(), "not a granted, validly signed RFC 3161 response") {
		t.Fatalf("garbage TSA: %v", err)
	}
}
