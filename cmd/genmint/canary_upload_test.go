package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/genmint/genmint/internal/testenv"
)

// TestUploadSecretsAppearNowhere runs `genmint pin` against a remote Kubo
// (bearer token through --ipfs-api-auth-env) and an S3 service
// (AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), each with a unique canary secret (the
// Kubo RPC's URL carries one in its path, as a hosted RPC's may), through the
// failures users meet — a refused token (401), refused credentials (403),
// a wrong CID, 503s until the retries run out — and then successfully,
// with and without --json. No canary may appear in stdout, stderr, the
// state database's bytes or any file of the collection. Pinata's JWT is
// a canary refused (401) by the stand-in --pinata-api points at, then the
// stand-in's own JWT, accepted, is looked for the same way.
func TestUploadSecretsAppearNowhere(t *testing.T) {
	const (
		kuboCanary = "canary-kubo-bearer-3f9a1c"
		s3Canary   = "canary-s3-secret-b72d04"
		jwtCanary  = "canary-pinata-jwt-e51b8f"
		stsCanary  = "canary-aws-session-token-0c7e"
		pathCanary = "canary-rpc-path-key-9d2e61"
		// A Pinata-compatible API with a key in its path (--pinata-api).
		pinataPathCanary = "canary-pinata-path-key-4b7c20"
	)
	canaries := []string{kuboCanary, s3Canary, jwtCanary, stsCanary, pathCanary, pinataPathCanary, testenv.PinataJWT}
	remote := testenv.StartKubo(t, testenv.WithKuboAPIAuth("bearer:"+kuboCanary))
	// A hosted RPC whose key is in the path (https://host/KEY/api/v0/…):
	// a front that serves the remote node under /KEY only, and can answer
	// 503s or a broken HTTP response (whose error quotes the request URL).
	remoteURL, err := url.Parse(remote.API)
	if err != nil {
		t.Fatal(err)
	}
	var frontMode atomic.Value
	frontMode.Store("")
	toRemote := http.StripPrefix("/"+pathCanary, httputil.NewSingleHostReverseProxy(remoteURL))
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch frontMode.Load() {
		case "503":
			w.Header().Set("Retry-After", "0.01")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		case "garbage":
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Write([]byte("NOT HTTP\r\n\r\n"))
				conn.Close()
			}
			return
		}
		toRemote.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	srv := testenv.StartS3(t, testenv.StartKubo(t))
	srv.UseSecret(s3Canary) // signatures are checked: the canary is the secret
	var unavailable atomic.Bool
	inner := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if unavailable.Load() && r.Method == http.MethodPut {
			w.Header().Set("Retry-After", "0.01")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		inner.ServeHTTP(w, r)
	})
	spec := "name: Canary\nsymbol: CNR\ncount: 2\nseed: 9\nprovider:\n  name: procedural\n  params: {width: 64, height: 64}\nprompt: \"{{.palette}} rings\"\ntraits:\n  palette: [ocean, ember]\n"
	p := generatedInProcess(t, spec, map[string]string{"AWS_ACCESS_KEY_ID": testenv.S3AccessKey, "AWS_SECRET_ACCESS_KEY": s3Canary, "PINATA_JWT": jwtCanary, "AWS_SESSION_TOKEN": stsCanary})
	dir, env, all := p.dir, p.env, &p.all
	run := func(wantOK bool, args ...string) {
		t.Helper()
		if code, out, errOut := p.run(args...); (code == 0) != wantOK {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	psrv := testenv.StartPinata(t)
	psrvURL, err := url.Parse(psrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	pfront := httptest.NewServer(http.StripPrefix("/"+pinataPathCanary, httputil.NewSingleHostReverseProxy(psrvURL)))
	t.Cleanup(pfront.Close)
	pinata := []string{"pin", "--upload", "pinata", "--pinata-api", pfront.URL + "/" + pinataPathCanary + "/v3"}
	s3 := []string{"pin", "--upload", "s3://" + testenv.S3Bucket + "/drop", "--s3-endpoint", srv.URL}
	kubo := []string{"pin", "--ipfs-api", front.URL + "/" + pathCanary + "/", "--ipfs-api-auth-env", "KUBO_AUTH"}
	for _, json := range []string{"", "--json"} {
		with := func(args []string) []string {
			if json == "" {
				return args
			}
			return append(append([]string(nil), args...), json)
		}
		// Refused: a wrong token (Kubo answers 401), an unknown access key
		// (403), a wrong CID, 503 until the retries run out.
		env["KUBO_AUTH"] = "Bearer " + kuboCanary + "-wrong"
		run(false, with(kubo)...)
		env["AWS_ACCESS_KEY_ID"] = "AKIDUNKNOWN"
		run(false, with(s3)...)
		env["AWS_ACCESS_KEY_ID"] = testenv.S3AccessKey
		env["PINATA_JWT"] = jwtCanary
		run(false, with(pinata)...)
		env["PINATA_JWT"] = testenv.PinataJWT
		srv.ReportWrongCID("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")
		run(false, with(s3)...)
		srv.ReportWrongCID("")
		if json == "" {
			// Pinata reports a wrong CID for what it imports; the user
			// then deletes the files the errors name there (one per root
			// whose upload had begun). (With --json everything is at
			// Pinata already: nothing is imported again.)
			psrv.ReportWrongCID("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")
			run(false, with(pinata)...)
			psrv.ReportWrongCID("")
			if psrv.DeleteCID("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy") == 0 {
				t.Fatal("the wrong CID's files are not at the stand-in")
			}
			unavailable.Store(true)
			run(false, append([]string{"-q"}, s3...)...)
			unavailable.Store(false)
		}
		// Accepted, after a node that answers 503 until the retries run
		// out and one whose answer is not HTTP.
		env["KUBO_AUTH"] = "Bearer " + kuboCanary
		for _, mode := range []string{"503", "garbage"} {
			frontMode.Store(mode)
			run(false, with(kubo)...)
		}
		frontMode.Store("")
		run(true, with(kubo)...)
		run(true, with(s3)...)
		run(true, with(pinata)...)
	}
	run(true, "status")
	run(true, "verify", "--local")
	// verify reads through the same node: refused without the token and
	// with a wrong one (exit 2 naming the flag, then the variable), and
	// every token re-derived through it with the right one.
	verifyKubo := []string{"verify", "--ipfs-api", front.URL + "/" + pathCanary}
	if code, out, errOut := p.run(verifyKubo...); code != 2 || !strings.Contains(out+errOut, "--ipfs-api-auth-env") {
		t.Fatalf("verify without the token: exit %d, want 2 naming --ipfs-api-auth-env\n%s%s", code, out, errOut)
	}
	verifyKubo = append(verifyKubo, "--ipfs-api-auth-env", "KUBO_AUTH")
	env["KUBO_AUTH"] = "Bearer " + kuboCanary + "-wrong"
	if code, out, errOut := p.run(verifyKubo...); code != 2 || !strings.Contains(out+errOut, "KUBO_AUTH") {
		t.Fatalf("verify with a wrong token: exit %d, want 2 naming KUBO_AUTH\n%s%s", code, out, errOut)
	}
	env["KUBO_AUTH"] = "Bearer " + kuboCanary
	run(true, verifyKubo...)
	run(true, append(verifyKubo, "--json")...)
	if !strings.Contains(all.String(), "kubo "+front.URL+"/…") {
		t.Errorf("the node is not shown as kubo %s/…:\n%s", front.URL, all.String())
	}
	if !strings.Contains(all.String(), "pinata "+pfront.URL+"/…") {
		t.Errorf("Pinata is not shown as pinata %s/…:\n%s", pfront.URL, all.String())
	}

	for _, c := range canaries {
		if strings.Contains(all.String(), c) {
			t.Errorf("canary %s in genmint's output", c)
		}
	}
	files := 0
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, c := range canaries {
			if bytes.Contains(b, []byte(c)) {
				t.Errorf("canary %s in %s", c, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The state database was written (and is among the files read).
	if _, err := os.Stat(filepath.Join(dir, ".genmint", "state.db")); err != nil || files < 10 {
		t.Fatalf("state.db: %v; %d files read", err, files)
	}
	if srv.SecurityTokens()[stsCanary] == 0 {
		t.Fatal("the session token was never sent")
	}
	if !strings.Contains(all.String(), "KUBO_AUTH") || !strings.Contains(all.String(), "AWS_SECRET_ACCESS_KEY") {
		t.Fatalf("the refusals do not name the variables:\n%s", all.String())
	}
}
