package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/cmd/root"
)

// TestWrongKindOfServer: an --ipfs-api that is not Kubo and an --rpc that
// is not an Ethereum node (here a web server answering HTML) are each
// reported in one line that says what the address is not: no HTML, no
// go-ipfs-api warning, no usage text.
func TestWrongKindOfServer(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(twoItems), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (cmdutil.ExitCode, string, string) {
		io, _, out, errOut := cmdutil.Test()
		f := &cmdutil.Factory{IO: io, Dir: dir, Version: "test", Getenv: func(string) string { return "" }, Now: time.Now}
		code := root.Run(context.Background(), f, append([]string{"-C", dir}, args...))
		return code, out.String(), errOut.String()
	}
	car := filepath.Join(dir, "c.car")
	for _, args := range [][]string{{"generate"}, {"keep", "--all"}, {"pin", "--car", car}} {
		if code, _, errOut := run(args...); code != 0 {
			t.Fatalf("%v: %d %s", args, code, errOut)
		}
	}
	// go-ipfs-api writes its warnings straight to the process's stderr.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w
	defer func() { os.Stderr = stderr }()
	for _, answer := range []struct {
		status int
		ctype  string
	}{{200, "text/html"}, {405, "text/html; charset=utf-8"}, {404, "text/html"}, {500, "application/xml"}} {
		web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", answer.ctype)
			w.WriteHeader(answer.status)
			w.Write([]byte("<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n<body><h1>Welcome to nginx!</h1></body></html>\n"))
		}))
		for _, tc := range []struct {
			args []string
			says string
		}{
			{[]string{"pin", "--ipfs-api", web.URL}, "is not a Kubo RPC API"},
			{[]string{"verify", "--ipfs-api", web.URL, "--local=false", "--rpc", web.URL, "--contract", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}, "is not a Kubo RPC API"},
			// The content from a CAR file: --rpc is the only service.
			{[]string{"verify", "--car", car, "--rpc", web.URL, "--contract", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}, "is not an Ethereum JSON-RPC endpoint"},
			{[]string{"mint", "--rpc", web.URL, "--account", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "--password-env", "NOPE", "--yes"}, "is not an Ethereum JSON-RPC endpoint"},
		} {
			code, _, errOut := run(tc.args...)
			if code != cmdutil.ExitUsage || strings.Contains(errOut, "<") || strings.Contains(errOut, "ipfs-shell") || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.says) {
				t.Errorf("%d %s: %v: exit %d, stderr:\n%s", answer.status, answer.ctype, tc.args, code, errOut)
			}
		}
		web.Close()
	}
	w.Close()
	os.Stderr = stderr
	leaked, _ := io.ReadAll(r)
	if len(leaked) > 0 {
		t.Errorf("written to the process's stderr behind genmint's back:\n%s", leaked)
	}
}
