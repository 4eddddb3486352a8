package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/internal/testenv"
)

// TestPinUploadOverTLS runs `genmint pin --upload s3://… --s3-endpoint
// https://…` and `pin --upload pinata --pinata-api https://…` against the
// S3 server and the Pinata stand-in behind a TLS reverse proxy whose
// certificate no system trusts, as a service behind a private CA would be.
// Without the CA, each is refused at once (exit 2) in one line naming the
// host and SSL_CERT_FILE, as the Kubo RPC client is; with SSL_CERT_FILE
// pointing at the certificate, every root is uploaded and confirmed. The
// credentials appear in no output.
func TestPinUploadOverTLS(t *testing.T) {
	kubo := testenv.StartKubo(t)
	s3 := testenv.StartS3(t, kubo)
	pinata := testenv.StartPinata(t)
	for _, tc := range []struct {
		name    string
		backend string
		secret  string
		env     []string
		args    func(front string) []string
	}{
		{"s3", s3.URL, testenv.S3SecretKey,
			[]string{"AWS_ACCESS_KEY_ID=" + testenv.S3AccessKey, "AWS_SECRET_ACCESS_KEY=" + testenv.S3SecretKey},
			func(front string) []string {
				return []string{"--upload", "s3://" + testenv.S3Bucket + "/tls", "--s3-endpoint", front}
			}},
		{"pinata", pinata.URL, testenv.PinataJWT,
			[]string{"PINATA_JWT=" + testenv.PinataJWT},
			func(front string) []string { return []string{"--upload", "pinata", "--pinata-api", front + "/v3"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			front, certFile := privateCAFront(t, tc.backend)
			dir := keptTLSCollection(t, "Upload TLS", 8)
			pinCmd := func(caFile string) (int, string, string) {
				cmd := genmint(dir, append([]string{"pin"}, tc.args(front.URL)...)...)
				cmd.Env = append(cmd.Env, append(tc.env, "SSL_CERT_DIR="+t.TempDir(), "SSL_CERT_FILE="+caFile)...)
				return outputs(cmd)
			}

			host := strings.TrimPrefix(front.URL, "https://")
			code, out, errOut := pinCmd(filepath.Join(t.TempDir(), "none.pem"))
			line := errorLine(errOut)
			if code != 2 || !strings.Contains(line, "point SSL_CERT_FILE at its PEM file") || !strings.Contains(line, host) ||
				strings.Contains(out+errOut, tc.secret) {
				t.Fatalf("untrusted certificate: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
			}

			code, out, errOut = pinCmd(certFile)
			if code != 0 || !strings.Contains(out, "baseURI:") || strings.Contains(out+errOut, tc.secret) {
				t.Fatalf("pin over TLS with SSL_CERT_FILE: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
			}
			ledger, err := os.ReadFile(filepath.Join(dir, "uploads", tc.name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(out, "\n") {
				if c, ok := strings.CutPrefix(l, "baseURI:     ipfs://"); ok && !strings.Contains(string(ledger), strings.TrimSuffix(c, "/")) {
					t.Fatalf("the metadata root %s is not in uploads/%s.json:\n%s", c, tc.name, ledger)
				}
			}
		})
	}
}
