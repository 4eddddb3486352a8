package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint/wallet"
)

// TestCIStep runs docs/examples/genmint-ci.sh, the shell step both example
// pipelines run, the way a CI runner does: on a fresh clone of a repository
// holding only genmint.yaml, with the key and passphrase as files named by
// ETH_KEYSTORE and ETH_PASSWORD, the node in ETH_RPC_URL. The spec's chain
// is not a test chain, so --yes must come from GENMINT_NETWORK naming it:
// with another network configured the step exits 2 and sends nothing.
func TestCIStep(t *testing.T) {
	step, err := filepath.Abs("../../docs/examples/genmint-ci.sh")
	if err != nil {
		t.Fatal(err)
	}
	an := testenv.StartAnvil(t, "--chain-id", "4242")
	owner := an.Accounts[2]

	// The collection's repository, and a fresh clone of it.
	repo := t.TempDir()
	spec := fmt.Sprintf(runSpec, 3) + "network: {name: devnet, chain_id: 4242, test: false}\n"
	if err := os.WriteFile(filepath.Join(repo, "genmint.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git(repo, "init", "-q")
	git(repo, "add", "genmint.yaml")
	git(repo, "commit", "-qm", "collection")
	clone := filepath.Join(t.TempDir(), "clone")
	git(repo, "clone", "-q", repo, clone)

	// The secret store's files.
	secrets := t.TempDir()
	if _, err := wallet.ImportNamed(secrets, "deployer", []byte(keyHex(owner)), keyCanary, wallet.Light); err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(secrets, "password")
	if err := os.WriteFile(pw, []byte(keyCanary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// genmint on PATH is this test binary running the real main.
	bin := t.TempDir()
	wrapper := fmt.Sprintf("#!/bin/sh\n%s=1 exec %q \"$@\"\n", runMainEnv, os.Args[0])
	if err := os.WriteFile(filepath.Join(bin, "genmint"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	step1 := func(network string) (int, string) {
		cmd := exec.Command("sh", step)
		cmd.Dir = clone
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+t.TempDir(), "CI=true",
			"GENMINT_NETWORK="+network, "GENMINT_MAX_SPEND=1", "GENMINT_MAX_FEE_GWEI=50",
			"ETH_RPC_URL="+an.URL, "ETH_KEYSTORE="+filepath.Join(secrets, "deployer"), "ETH_PASSWORD="+pw)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}

	code, out := step1("base")
	if code != 2 || !strings.Contains(out, "genmint.yaml mints on 'devnet', not 'base': no --yes") || !strings.Contains(out, "pass --yes") {
		t.Fatalf("another network configured: exit %d\n%s", code, out)
	}
	if n := nonceOf(t, an.URL, owner.Address); n != 0 {
		t.Fatalf("%d transactions sent without --yes", n)
	}

	code, out = step1("devnet")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	raw, err := os.ReadFile(filepath.Join(clone, "genmint-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc runDoc
	if err := json.Unmarshal(raw, &doc); err != nil || doc.Mint == nil || doc.Mint.Minted != 3 || doc.Verify == nil || !doc.Verify.OK {
		t.Fatalf("report: %v %s", err, raw)
	}
	if _, err := os.Stat(filepath.Join(clone, "collection.car")); err != nil {
		t.Fatalf("the step's default pin destination: %v", err)
	}
	noSecrets(t, clone, keyHex(owner), []byte(out), raw)
}
