package contracts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint/contracts/solcgen"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, ok := testenv.RepoRoot()
	if !ok {
		t.Fatal("not inside the genmint repository")
	}
	return root
}

// TestArtifactsMatchSource recompiles the Solidity sources with the pinned
// solc and libraries and checks that every committed artifact and the Go
// bindings are byte for byte what the compile produces, and that nothing
// stale is left in the artifacts folder.
func TestArtifactsMatchSource(t *testing.T) {
	solcjs := testenv.Path(t, testenv.Solcjs)
	node, _ := testenv.Lookup(testenv.Node)
	root := repoRoot(t)
	// A hang guard only: solcjs compiles every contract in wasm, which took
	// over 5 minutes on a 2-core machine busy with other builds.
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	res, err := solcgen.Generate(ctx, solcgen.Options{Root: root, Solcjs: solcjs, Node: node})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Warnings {
		t.Errorf("solc warning (fix the source): %s", w)
	}
	for rel, want := range res.Files {
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			t.Errorf("%s: %v: run 'go generate ./mint/contracts' and commit the result", rel, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from a fresh compile: run 'go generate ./mint/contracts' and commit the result", rel)
		}
	}
	onDisk, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(solcgen.ArtifactsDir), "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range onDisk {
		rel := solcgen.ArtifactsDir + "/" + filepath.Base(p)
		if _, ok := res.Files[rel]; !ok {
			t.Errorf("%s is not produced by the compile any more: run 'go generate ./mint/contracts'", rel)
		}
	}
}

// TestInputIndependentOfCheckout builds the standard-JSON input from a copy of
// the sources at another path and checks it is identical and names no
// absolute path. solc sees nothing but this input (it runs in a neutral
// directory with no import callback), so equal inputs give equal bytecode.
func TestInputIndependentOfCheckout(t *testing.T) {
	root := repoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "tools", "node_modules", "@openzeppelin", "contracts")); err != nil {
		if testenv.InCI() {
			t.Fatalf("Solidity libraries missing: run 'make tools' (%v)", err)
		}
		t.Skipf("Solidity libraries missing: run 'make tools' (%v)", err)
	}
	want, err := solcgen.BuildInput(root)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(solcgen.InputFile)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, committed) {
		t.Fatalf("%s is stale: run 'go generate ./mint/contracts'", solcgen.InputFile)
	}

	other := filepath.Join(t.TempDir(), "somewhere", "else entirely")
	for _, dir := range solcgen.SourceDirs {
		src := filepath.Join(root, filepath.FromSlash(solcgen.ContractsDir), dir)
		dst := filepath.Join(other, filepath.FromSlash(solcgen.ContractsDir), dir)
		if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(other, "tools"), 0o755); err != nil {
		t.Fatal(err)
	}
	nm, err := filepath.EvalSymlinks(filepath.Join(root, "tools", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(nm, filepath.Join(other, "tools", "node_modules")); err != nil {
		t.Fatal(err)
	}
	got, err := solcgen.BuildInput(other)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the solc input depends on where the repository is checked out")
	}
	for _, p := range []string{root, other, nm, os.TempDir()} {
		if strings.Contains(string(want), p) {
			t.Fatalf("the solc input contains the local path %q", p)
		}
	}

	var in struct {
		Settings struct {
			ViaIR      bool   `json:"viaIR"`
			EVMVersion string `json:"evmVersion"`
			Optimizer  struct {
				Enabled bool
				Runs    int
			} `json:"optimizer"`
			Metadata struct {
				BytecodeHash string `json:"bytecodeHash"`
			} `json:"metadata"`
		} `json:"settings"`
		Sources map[string]struct{ Content string } `json:"sources"`
	}
	if err := json.Unmarshal(want, &in); err != nil {
		t.Fatal(err)
	}
	s := in.Settings
	if s.EVMVersion != solcgen.EVMVersion || !s.Optimizer.Enabled || s.Optimizer.Runs != solcgen.OptimizerRuns ||
		s.Metadata.BytecodeHash != "none" || s.ViaIR != solcgen.ViaIR {
		t.Fatalf("settings %+v", s)
	}
	// Every source of ours pins the compiler exactly.
	for name, src := range in.Sources {
		if slices.ContainsFunc(solcgen.SourceDirs, func(d string) bool { return strings.HasPrefix(name, d+"/") }) &&
			!strings.Contains(src.Content, "pragma solidity "+solcgen.SolcVersion+";") {
			t.Errorf("%s does not pin pragma solidity %s", name, solcgen.SolcVersion)
		}
	}
}

// TestCursorSharesOwnableSlot guards a gas decision: mintBatch's cursor
// (_nextId, _curPages) lives in the same storage slot as Ownable's _owner,
// which onlyOwner has just read. An inheritance change that moved it would
// silently add a cold storage access to every later mint.
func TestCursorSharesOwnableSlot(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(solcgen.ArtifactsDir), "GenmintCollection.storage.json"))
	if err != nil {
		t.Fatal(err)
	}
	var layout []struct{ Label, Slot string }
	if err := json.Unmarshal(raw, &layout); err != nil {
		t.Fatal(err)
	}
	slot := map[string]string{}
	for _, v := range layout {
		slot[v.Label] = v.Slot
	}
	owner, next, pages := slot["_owner"], slot["_nextId"], slot["_curPages"]
	if owner == "" || owner != next || next != pages {
		t.Fatalf("_owner in slot %q, _nextId in %q, _curPages in %q: want one slot", owner, next, pages)
	}
}
