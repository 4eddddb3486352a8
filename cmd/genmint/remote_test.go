package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/testenv"
)

// TestPinToRemoteKuboWithToken runs `genmint pin --ipfs-api URL
// --ipfs-api-auth-env NAME` against a second, real Kubo behind
// API.Authorizations: a refused token is exit 2 naming the variable; the
// right one publishes; `genmint repair` takes the same flag (a lost item
// folder, a lost state.db); the token is in no output and no file.
func TestPinToRemoteKuboWithToken(t *testing.T) {
	const token = "cmd-remote-token-90ab3e"
	remote := testenv.StartKubo(t, testenv.WithKuboAPIAuth("bearer:"+token))
	spec := "name: Remote\nsymbol: RMT\ncount: 2\nseed: 3\nprovider:\n  name: procedural\n  params: {width: 64, height: 64}\nprompt: \"{{.palette}} rings\"\ntraits:\n  palette: [ocean, ember]\n"
	p := generatedInProcess(t, spec, nil)
	dir, env, run := p.dir, p.env, p.run

	env["KUBO_AUTH"] = "Bearer not-" + token
	code, _, errOut := run("pin", "--ipfs-api", remote.API, "--ipfs-api-auth-env", "KUBO_AUTH")
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, "KUBO_AUTH") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("refused token: exit %d, %q", code, errOut)
	}
	env["KUBO_AUTH"] = ""
	if code, _, errOut := run("pin", "--ipfs-api", remote.API, "--ipfs-api-auth-env", "KUBO_AUTH"); code != cmdutil.ExitUsage || !strings.Contains(errOut, "KUBO_AUTH is empty") {
		t.Fatalf("empty variable: exit %d, %q", code, errOut)
	}

	env["KUBO_AUTH"] = "Bearer " + token
	code, out, errOut := run("pin", "--ipfs-api", remote.API, "--ipfs-api-auth-env", "KUBO_AUTH")
	if code != 0 || !strings.Contains(out, "baseURI:") {
		t.Fatalf("pin: %d %s %s", code, out, errOut)
	}
	pins := remote.IPFS(t, "pin", "ls", "--type=recursive", "--quiet")
	for _, line := range strings.Split(out, "\n") {
		if cid, ok := strings.CutPrefix(line, "baseURI:     ipfs://"); ok {
			if !strings.Contains(pins, strings.TrimSuffix(cid, "/")) {
				t.Fatalf("the metadata root %s is not pinned on the remote node:\n%s", cid, pins)
			}
		}
	}

	// repair takes the same flag: an item folder lost is restored from the
	// remote node, then, state.db lost, the pin record and the upload
	// records of uploads/kubo.json come back, each confirmed by the node.
	if err := os.RemoveAll(filepath.Join(dir, "items", "0001")); err != nil {
		t.Fatal(err)
	}
	env["KUBO_AUTH"] = "Bearer not-" + token
	if code, _, errOut := run("repair", "--ipfs-api", remote.API, "--ipfs-api-auth-env", "KUBO_AUTH"); code != cmdutil.ExitUsage || !strings.Contains(errOut, "KUBO_AUTH") {
		t.Fatalf("repair with a refused token: exit %d, %q", code, errOut)
	}
	env["KUBO_AUTH"] = "Bearer " + token
	if code, out, errOut := run("repair", "--ipfs-api", remote.API, "--ipfs-api-auth-env", "KUBO_AUTH"); code != 0 || !strings.Contains(out, "item 0001 (pinned) lost its files: restored from the pin") {
		t.Fatalf("repair of a lost item: %d %s %s", code, out, errOut)
	}
	if err := os.Remove(filepath.Join(dir, ".genmint", "state.db")); err != nil {
		t.Fatal(err)
	}
	// Without --ipfs-api, the node uploads/kubo.json names is said unchecked.
	host := strings.TrimPrefix(remote.API, "http://")
	if code, out, errOut := run("repair"); code != 0 || !strings.Contains(out, "uploads/ lists kubo http://"+host+" (give --ipfs-api URL") {
		t.Fatalf("repair without --ipfs-api: %d %s %s", code, out, errOut)
	}
	if code, out, errOut := run("repair", "--ipfs-api", remote.API, "--ipfs-api-auth-env", "KUBO_AUTH"); code != 0 ||
		!strings.Contains(out, "Pin records rebuilt") || !strings.Contains(out, "Upload records restored from uploads/: 5") {
		t.Fatalf("repair of a lost state.db: %d %s %s", code, out, errOut)
	}

	if strings.Contains(p.all.String(), token) {
		t.Fatal("the token is in genmint's output")
	}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(token)) {
			t.Errorf("the token is in %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
