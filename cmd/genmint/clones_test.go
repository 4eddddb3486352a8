package main

import (
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/genmint/genmint/internal/testenv"
)

// TestRunTwoFreshClones is the CI case of issue 11: a collection lives in
// git (spec, item folders, deployments/; never .genmint/), and each CI run
// starts from a fresh clone. The first clone pays for every image, pins them
// on Kubo and mints on anvil, and commits what it made; a second, fresh
// clone of that repository, running the same command against the same
// chain, provider and node, must pay for nothing, pin nothing new and send
// no transaction, and still verify every token.
func TestRunTwoFreshClones(t *testing.T) {
	an := testenv.StartAnvil(t)
	kubo := testenv.StartKubo(t)
	api := &openAIImages{calls: map[string]int{}, limited: map[string]bool{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	paid := func() int {
		api.mu.Lock()
		defer api.mu.Unlock()
		n := 0
		for _, c := range api.calls {
			n += c
		}
		return n
	}
	owner := an.Accounts[2]
	ksDir, pwFile := keystore(t, keyHex(owner))
	home := t.TempDir()

	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+home, "GIT_AUTHOR_NAME=ci", "GIT_AUTHOR_EMAIL=ci@example.com",
			"GIT_COMMITTER_NAME=ci", "GIT_COMMITTER_EMAIL=ci@example.com", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	origin := filepath.Join(t.TempDir(), "origin.git")
	git(t.TempDir(), "init", "-q", "--bare", "-b", "main", origin)
	clone := func() string {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "clone")
		git(filepath.Dir(dir), "clone", "-q", origin, dir)
		return dir
	}

	// The artist's repository: the spec and a .gitignore for the state.
	seed := clone()
	spec := fmt.Sprintf(`name: Clones
symbol: CLON
count: 3
seed: 7
provider:
  name: openai
  base_url: %s/v1
  model: gpt-image-1
  params: {size: 1024x1024, quality: low}
prompt: "{{.subject}} in the rain"
traits:
  subject: [fox, owl, hare]
`, srv.URL)
	if err := os.WriteFile(filepath.Join(seed, "genmint.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(seed, ".gitignore"), []byte(".genmint/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(seed, "add", "-A")
	git(seed, "commit", "-q", "-m", "the spec")
	git(seed, "push", "-q", "origin", "HEAD:main")

	env := []string{"OPENAI_API_KEY=" + canaryKey}
	args := []string{"--keep-all", "--ipfs-api", kubo.APIAddr, "--rpc", an.URL, "--account", owner.Address.Hex(),
		"--keystore", ksDir, "--password-file", pwFile}

	// CI run 1, on a fresh clone: everything is made, then committed.
	first := clone()
	code, doc1, stderr := genmintRun(t, first, home, env, args...)
	if code != 0 {
		t.Fatalf("first CI run: exit %d %+v\n%s", code, doc1, stderr)
	}
	checkFirstRun(t, an.URL, 3, doc1)
	if n := paid(); n != 3 {
		t.Fatalf("the first run made %d paid requests, want 3", n)
	}
	if _, err := os.Stat(filepath.Join(first, "deployments", "local.json")); err != nil {
		t.Fatalf("the first run wrote no deployment record: %v", err)
	}
	git(first, "add", "-A")
	git(first, "commit", "-q", "-m", "CI: generated, pinned, minted")
	git(first, "push", "-q", "origin", "HEAD:main")

	nonce := nonceOf(t, an.URL, owner.Address)
	pins := func() string {
		l := strings.Fields(kubo.IPFS(t, "pin", "ls", "--type=recursive", "-q"))
		slices.Sort(l)
		return strings.Join(l, " ")
	}
	pinsBefore := pins()

	// CI run 2, on another fresh clone: nothing paid, pinned or sent.
	second := clone()
	if _, err := os.Stat(filepath.Join(second, ".genmint")); !os.IsNotExist(err) {
		t.Fatalf("a fresh clone has .genmint/: %v", err)
	}
	code, doc2, stderr := genmintRun(t, second, home, env, args...)
	if code != 0 {
		t.Fatalf("second CI run: exit %d %+v\n%s", code, doc2, stderr)
	}
	if n := paid(); n != 3 {
		t.Errorf("the second run made %d paid requests", n-3)
	}
	if doc2.Generate.Generated != 0 || doc2.Generate.Requests != 0 {
		t.Errorf("second run generated %d items with %d requests", doc2.Generate.Generated, doc2.Generate.Requests)
	}
	// (newly_pinned counts items this clone's state moves to pinned: all of
	// them, in a fresh clone; what the node holds is checked below.)
	if doc2.Pin == nil || doc2.Pin.BaseURI != doc1.Pin.BaseURI || !maps.Equal(doc2.Pin.Roots, doc1.Pin.Roots) {
		t.Errorf("second run pin: %+v, first %+v", *doc2.Pin, *doc1.Pin)
	}
	if doc2.Mint == nil || doc2.Mint.Minted != 0 || len(doc2.Mint.TxHashes) != 0 || doc2.Mint.Contract != doc1.Mint.Contract || doc2.Mint.Total != 3 {
		t.Errorf("second run mint: %+v, first contract %s", doc2.Mint, doc1.Mint.Contract)
	}
	if doc2.Verify == nil || !doc2.Verify.OK || doc2.Verify.Verified != 3 {
		t.Errorf("second run verify: %+v", doc2.Verify)
	}
	if n := nonceOf(t, an.URL, owner.Address); n != nonce {
		t.Errorf("the account's nonce moved %d → %d: the second run sent transactions", nonce, n)
	}
	if after := pins(); after != pinsBefore {
		t.Errorf("the second run pinned new roots:\nbefore %s\nafter %s", pinsBefore, after)
	}
	// Nothing the second run made differs from what the repository holds.
	cmd := exec.Command("git", "status", "--porcelain")
	cmd.Dir = second
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("the second run changed the committed collection:\n%s", s)
	}
	noSecrets(t, second, keyHex(owner), []byte(stderr))
}
