package main

import (
	"encoding/pem"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/internal/testenv"
)

// TestPinToRemoteKuboOverTLS runs `genmint pin --ipfs-api https://…` with
// a bearer token against a second, real Kubo behind a TLS reverse proxy
// whose certificate no system trusts. genmint has no option of its own for
// a private CA: a user points SSL_CERT_FILE at it (Go reads it on Linux),
// so the test does exactly that, in a child process. Without it the pin
// fails (exit 2) in one line naming SSL_CERT_FILE; with it every root is
// pinned on the remote node.
func TestPinToRemoteKuboOverTLS(t *testing.T) {
	const token = "cmd-remote-tls-token-41c7"
	remote := testenv.StartKubo(t, testenv.WithKuboAPIAuth("bearer:"+token))
	u, err := url.Parse(remote.API)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(u))
	t.Cleanup(front.Close)
	certFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	spec := "name: Remote TLS\nsymbol: RTLS\ncount: 2\nseed: 4\nprovider:\n  name: procedural\n  params: {width: 48, height: 48}\nprompt: \"{{.palette}} rings\"\ntraits:\n  palette: [ocean, ember]\n"
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := genmint(dir, "generate", "--keep-all", "-q").CombinedOutput(); err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	if !strings.HasPrefix(front.URL, "https://") {
		t.Fatalf("the proxy is not TLS: %s", front.URL)
	}
	pinCmd := func(extraEnv ...string) (int, string, string) {
		cmd := genmint(dir, "pin", "--ipfs-api", front.URL, "--ipfs-api-auth-env", "KUBO_AUTH")
		cmd.Env = append(cmd.Env, append([]string{"KUBO_AUTH=Bearer " + token, "SSL_CERT_DIR=" + t.TempDir()}, extraEnv...)...)
		return outputs(cmd)
	}

	// The certificate is not trusted: one line about it, nothing pinned.
	code, out, errOut := pinCmd("SSL_CERT_FILE=" + filepath.Join(t.TempDir(), "none.pem"))
	if code != 2 || !strings.Contains(errorLine(errOut), "point SSL_CERT_FILE at its PEM file") || strings.Contains(out+errOut, token) {
		t.Fatalf("untrusted certificate: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}

	code, out, errOut = pinCmd("SSL_CERT_FILE=" + certFile)
	if code != 0 || !strings.Contains(out, "baseURI:") || strings.Contains(out+errOut, token) {
		t.Fatalf("pin over TLS: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	pins := remote.IPFS(t, "pin", "ls", "--type=recursive", "--quiet")
	found := false
	for _, line := range strings.Split(out, "\n") {
		if c, ok := strings.CutPrefix(line, "baseURI:     ipfs://"); ok {
			found = true
			if !strings.Contains(pins, strings.TrimSuffix(c, "/")) {
				t.Fatalf("the metadata root %s is not pinned on the remote node:\n%s", c, pins)
			}
		}
	}
	if !found {
		t.Fatalf("no baseURI in the output:\n%s", out)
	}
}
