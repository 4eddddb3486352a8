package pin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveKuboAPIOrder(t *testing.T) {
	home := t.TempDir()
	repo := filepath.Join(home, ".ipfs")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": home}
	getenv := func(k string) string { return env[k] }

	check := func(flag, wantAddr, wantSource string) {
		t.Helper()
		addr, src, err := ResolveKuboAPI(flag, getenv)
		if err != nil || addr != wantAddr || src != wantSource {
			t.Fatalf("ResolveKuboAPI(%q) = %q, %q, %v; want %q, %q", flag, addr, src, err, wantAddr, wantSource)
		}
	}
	check("", DefaultKuboAPI, "default")
	writeFile(t, filepath.Join(repo, "api"), []byte("/ip4/127.0.0.1/tcp/45001\n"))
	check("", "http://127.0.0.1:45001", filepath.Join(repo, "api"))
	env["IPFS_PATH"] = t.TempDir() // a repo without a running daemon: no api file
	check("", DefaultKuboAPI, "default")
	writeFile(t, filepath.Join(env["IPFS_PATH"], "api"), []byte("/ip4/127.0.0.1/tcp/45002"))
	check("", "http://127.0.0.1:45002", filepath.Join(env["IPFS_PATH"], "api"))
	env["IPFS_API"] = "127.0.0.1:45003"
	check("", "http://127.0.0.1:45003", "IPFS_API")
	check("/ip4/10.1.2.3/tcp/5001", "http://10.1.2.3:5001", "--ipfs-api")
}

func TestNormalizeKuboAPI(t *testing.T) {
	for in, want := range map[string]string{
		"/ip4/127.0.0.1/tcp/5001":          "http://127.0.0.1:5001",
		"/ip6/::1/tcp/5001":                "http://[::1]:5001",
		"/dns4/kubo.local/tcp/5001":        "http://kubo.local:5001",
		"/dns4/kubo.example/tcp/443/https": "https://kubo.example:443",
		"localhost:5001":                   "http://localhost:5001",
		"http://127.0.0.1:5001/":           "http://127.0.0.1:5001",
	} {
		got, err := NormalizeKuboAPI(in)
		if err != nil || got != want {
			t.Errorf("NormalizeKuboAPI(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "no-port", "/ip4/1.2.3.4", "/unix/tmp/api.sock", "http://"} {
		if got, err := NormalizeKuboAPI(bad); err == nil {
			t.Errorf("NormalizeKuboAPI(%q) = %q, want an error", bad, got)
		}
	}
	// Credentials in the address are refused, and never quoted back.
	const secret = "canary-kubo-pass-71c2"
	for _, in := range []string{"https://admin:" + secret + "@rpc.example.com", "http://" + secret + "@127.0.0.1:5001/",
		"admin:" + secret + "@127.0.0.1:5001", "https://admin:" + secret + "@[::1", "http://a b:" + secret + "@host:1/"} {
		got, err := NormalizeKuboAPI(in)
		if err == nil || strings.Contains(err.Error(), secret) || strings.Contains(got, secret) {
			t.Errorf("NormalizeKuboAPI(<%d bytes with a password>) = %q, %v", len(in), got, err)
		}
	}
}

func TestOlderThan(t *testing.T) {
	for v, want := range map[string]bool{"0.39.2": true, "0.40.0": false, "0.42.0-rc1": false, "0.9.1": true, "1.0.0": false, "garbage": false} {
		if got := olderThan(v, 0, 40); got != want {
			t.Errorf("olderThan(%q) = %t", v, got)
		}
	}
}
