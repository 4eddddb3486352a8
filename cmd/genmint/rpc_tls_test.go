package main

import (
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRPCOverTLSPrivateCA: `mint` and `verify --rpc https://…` against a
// JSON-RPC endpoint whose certificate no system trusts, as a node behind a
// private CA would be. Without the CA each is refused at once (exit 2) in
// one line naming the host and SSL_CERT_FILE, not Go's raw x509 error, and
// never the URL (its path holds a key here); with SSL_CERT_FILE pointing
// at the certificate, the node is asked (and each command goes on to its
// next check).
func TestRPCOverTLSPrivateCA(t *testing.T) {
	const pathKey = "rpc-path-key-5b1e07"
	var asked atomic.Int32
	node := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		asked.Add(1)
		w.Header().Set("Content-Type", "application/json")
		switch req.Method {
		case "eth_chainId":
			json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": "0x7a69"})
		case "eth_getCode":
			json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": "0x"})
		default:
			json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "error": map[string]any{"code": -32601, "message": "method not found"}})
		}
	}))
	node.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	node.StartTLS()
	t.Cleanup(node.Close)
	certFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: node.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(twoItems), 0o644); err != nil {
		t.Fatal(err)
	}
	car := filepath.Join(dir, "c.car")
	for _, args := range [][]string{{"generate", "-q"}, {"keep", "--all"}, {"pin", "--car", car}} {
		if out, err := genmint(dir, args...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	rpc := node.URL + "/" + pathKey
	host := strings.TrimPrefix(node.URL, "https://")
	elsewhere := t.TempDir() // verify as a collector would: no collection folder
	for _, tc := range []struct {
		name string
		dir  string
		args []string
	}{
		{"mint", dir, []string{"mint", "--rpc", rpc, "--account", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "--password-env", "NOPE", "--yes"}},
		{"verify", elsewhere, []string{"verify", "--car", car, "--rpc", rpc, "--contract", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(caFile string) (int, string, string) {
				cmd := genmint(tc.dir, tc.args...)
				cmd.Env = append(cmd.Env, "SSL_CERT_DIR="+t.TempDir(), "SSL_CERT_FILE="+caFile)
				return outputs(cmd)
			}
			code, out, errOut := run(filepath.Join(t.TempDir(), "none.pem"))
			line := errorLine(errOut)
			if code != 2 || !strings.Contains(line, "point SSL_CERT_FILE at its PEM file") || !strings.Contains(line, host) ||
				strings.Contains(out+errOut, pathKey) || strings.Contains(out+errOut, "tls: failed to verify") {
				t.Fatalf("untrusted certificate: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
			}
			t.Logf("refused: %s", line)
			before := asked.Load()
			code, out, errOut = run(certFile)
			if asked.Load() == before || strings.Contains(out+errOut, "certificate") || strings.Contains(out+errOut, pathKey) {
				t.Fatalf("with SSL_CERT_FILE: exit %d, %d requests\nstdout: %s\nstderr: %s", code, asked.Load()-before, out, errOut)
			}
			t.Logf("trusted: exit %d: %s", code, errorLine(errOut))
		})
	}
}
