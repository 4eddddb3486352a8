package testenv

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// NodeModule finds node and the npm package pkg installed in
// tools/node_modules (by `make tools`), failing under CI and skipping
// elsewhere when either is missing. It returns node's path and the
// node_modules folder, for NODE_PATH or a script's imports.
func NodeModule(t testing.TB, pkg string) (node, modules string) {
	t.Helper()
	node = Path(t, Node)
	root, ok := RepoRoot()
	modules = filepath.Join(root, "tools", "node_modules")
	if _, err := os.Stat(filepath.Join(modules, pkg, "package.json")); !ok || err != nil {
		msg := pkg + " is not installed in tools/node_modules: run 'make tools' (npm install in tools/)"
		if InCI() {
			t.Fatal(msg + " (CI=true: integration tests may not skip)")
		}
		t.Skip(msg)
	}
	return node, modules
}

// C2PATS runs testdata/c2pa-ts.mjs over the independent C2PA implementation
// (@trustnxt/c2pa-ts) and returns the JSON object it prints per line:
//
//	C2PATS(t, "validate", FILE...)   one {file, found, valid, errors, codes, actions, ingredients} per file
//	C2PATS(t, "sign", IN, OUT, CERT_CHAIN_PEM, KEY_PKCS8_PEM)   an "upstream provider" image
//
// A failing script fails the test with its stderr.
func C2PATS(t testing.TB, args ...string) []map[string]any {
	t.Helper()
	node, modules := NodeModule(t, filepath.Join("@trustnxt", "c2pa-ts"))
	root, _ := RepoRoot()
	script := filepath.Join(root, "internal", "testenv", "testdata", "c2pa-ts.mjs")
	out, err := exec.Command(node, append([]string{script, filepath.Dir(modules)}, args...)...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("c2pa-ts %s: %v\n%s", args[0], err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var res []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("c2pa-ts printed %q: %v", line, err)
		}
		res = append(res, m)
	}
	return res
}
