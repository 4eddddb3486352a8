// Package docs holds the test that keeps docs/ARCHITECTURE.md true: the
// layer rule written there, in its ```layers block, is checked against every
// package's imports (tests' imports included), so the document cannot drift
// from the code. Beside it, imports_test.go holds every file's imports in
// three groups (standard library; third-party; genmint).
package docs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// document is the file whose layer rule the test enforces.
const document = "ARCHITECTURE.md"

// TestLayers checks every package of the module against the layer rule.
func TestLayers(t *testing.T) {
	text, err := os.ReadFile(document)
	if err != nil {
		t.Fatal(err)
	}
	rule, err := parseLayers(text)
	if err != nil {
		t.Fatalf("%s: %v", document, err)
	}
	module, pkgs := listPackages(t)
	for _, msg := range rule.check(module, pkgs) {
		t.Error(msg)
	}
}

// TestLayerRule checks the checker on a small rule: a test that cannot
// fail would not hold the layers in place.
func TestLayerRule(t *testing.T) {
	rule, err := parseLayers([]byte("intro\n```layers\n# top first\ncmd/root\ncmd/*\ncmd/util/...\nlib/a lib/b\nlib/c/... # the base\n```\nmore\n"))
	if err != nil {
		t.Fatal(err)
	}
	pkgs := func(imports map[string][]string) []pkg {
		var out []pkg
		for p, imps := range imports {
			q := pkg{ImportPath: "m/" + p}
			for _, i := range imps {
				q.Imports = append(q.Imports, "m/"+i, "fmt")
			}
			out = append(out, q)
		}
		return out
	}
	ok := map[string][]string{
		"cmd/root":          {"cmd/x", "cmd/y", "cmd/util", "lib/a"},
		"cmd/x":             {"cmd/util/sub", "lib/b", "lib/c"},
		"cmd/y":             nil,
		"cmd/util":          {"cmd/util/sub", "lib/c/deep"},
		"cmd/util/sub":      {"cmd/util"},
		"lib/a":             {"lib/c"},
		"lib/b":             nil,
		"lib/c":             {"lib/c/deep"},
		"lib/c/deep":        {"lib/c"},
		"lib/c/deep/deeper": nil,
	}
	if msgs := rule.check("m", pkgs(ok)); len(msgs) != 0 {
		t.Errorf("a graph that follows the rule fails it:\n%s", strings.Join(msgs, "\n"))
	}
	for _, bad := range []struct{ from, to string }{
		{"cmd/x", "cmd/y"},      // commands are leaves
		{"cmd/util", "cmd/x"},   // upwards
		{"lib/a", "lib/b"},      // two units of one layer
		{"lib/c", "cmd/util"},   // a library into cmd/
		{"cmd/x", "cmd/root"},   // a command into the root
		{"lib/c/deep", "lib/a"}, // upwards from inside a subtree
	} {
		g := map[string][]string{}
		for k, v := range ok {
			g[k] = slices.Clone(v)
		}
		g[bad.from] = append(g[bad.from], bad.to)
		msgs := rule.check("m", pkgs(g))
		if len(msgs) != 1 || !strings.HasPrefix(msgs[0], bad.from+" imports "+bad.to+":") {
			t.Errorf("%s → %s: got %q, want one violation", bad.from, bad.to, msgs)
		}
	}
	g := map[string][]string{"cmd/root": nil, "cmd/x": nil, "cmd/util": nil, "lib/a": nil, "lib/b": nil, "lib/c": nil, "other": nil}
	if msgs := rule.check("m", pkgs(g)); len(msgs) != 1 || !strings.Contains(msgs[0], "other is in no layer") {
		t.Errorf("a package in no layer: %q", msgs)
	}
	delete(g, "other")
	delete(g, "lib/b")
	if msgs := rule.check("m", pkgs(g)); len(msgs) != 1 || !strings.Contains(msgs[0], "lists lib/b, which names no package") {
		t.Errorf("a unit with no package: %q", msgs)
	}
	for _, doc := range []string{"no block", "```layers\ncmd/*\n", "```layers\n```\n", "```layers\na\n```\n```layers\nb\n```\n", "```layers\na b a\n```\n", "```layers\n/x\n```\n"} {
		if _, err := parseLayers([]byte(doc)); err == nil {
			t.Errorf("%q parsed", doc)
		}
	}
}

// unit is one entry of the layer rule: a package ("verify"), a package and
// everything under it whose packages may import each other ("mint/..."), or
// every package under a folder, each a unit of its own ("cmd/*").
type unit struct {
	pattern string
	layer   int // 0 is the top
}

// prefix is the folder the unit covers, and how: exact, subtree or each.
func (u unit) prefix() (string, string) {
	switch {
	case strings.HasSuffix(u.pattern, "/..."):
		return strings.TrimSuffix(u.pattern, "/..."), "subtree"
	case strings.HasSuffix(u.pattern, "/*"):
		return strings.TrimSuffix(u.pattern, "/*"), "each"
	}
	return u.pattern, "exact"
}

// match reports whether the package at path rel (module-relative) is in u,
// how specifically (longer folders are more specific; an exact match beats
// a pattern), and the name of the unit it belongs to.
func (u unit) match(rel string) (ok bool, specificity int, name string) {
	p, how := u.prefix()
	switch how {
	case "exact":
		return rel == p, 2*len(p) + 1, u.pattern
	case "subtree":
		return rel == p || strings.HasPrefix(rel, p+"/"), 2 * len(p), u.pattern
	}
	return strings.HasPrefix(rel, p+"/"), 2 * len(p), rel
}

type layerRule struct{ units []unit }

// parseLayers reads the one ```layers block of the document: one layer a
// line, top first, units separated by spaces, # starting a comment.
func parseLayers(doc []byte) (layerRule, error) {
	var r layerRule
	blocks, in, layer := 0, false, 0
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case !in && line == "```layers":
			in, blocks = true, blocks+1
			continue
		case in && line == "```":
			in = false
			continue
		case !in:
			continue
		}
		line, _, _ = strings.Cut(line, "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		for _, f := range fields {
			if seen[f] {
				return r, fmt.Errorf("layers: %s is listed twice", f)
			}
			seen[f] = true
			if strings.HasPrefix(f, "/") || strings.HasSuffix(f, "/") || f == "*" || f == "..." {
				return r, fmt.Errorf("layers: %q is not a module-relative package pattern", f)
			}
			r.units = append(r.units, unit{pattern: f, layer: layer})
		}
		layer++
	}
	switch {
	case in:
		return r, errors.New("the ```layers block is not closed")
	case blocks != 1:
		return r, fmt.Errorf("want one ```layers block, found %d", blocks)
	case len(r.units) == 0:
		return r, errors.New("the ```layers block is empty")
	}
	return r, nil
}

// unitOf finds the most specific unit holding rel.
func (r layerRule) unitOf(rel string) (u unit, name string, ok bool) {
	best := -1
	for _, c := range r.units {
		if m, spec, n := c.match(rel); m && spec > best {
			best, u, name, ok = spec, c, n, true
		}
	}
	return u, name, ok
}

// pkg is what `go list -json` says of a package.
type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Error        *struct{ Err string }
}

// check returns one message per violation: a package in no layer, a unit
// naming no package, or an import that is neither inside the importer's unit
// nor into a lower layer. Tests' imports count like the package's own.
func (r layerRule) check(module string, pkgs []pkg) []string {
	var msgs []string
	used := map[string]bool{}
	rel := func(path string) (string, bool) {
		if path == module {
			return ".", true
		}
		s, ok := strings.CutPrefix(path, module+"/")
		return s, ok
	}
	for _, p := range pkgs {
		from, _ := rel(p.ImportPath)
		if from == "docs" {
			continue // this test
		}
		uf, nf, ok := r.unitOf(from)
		if !ok {
			msgs = append(msgs, fmt.Sprintf("%s is in no layer: add it to the ```layers block of docs/%s", from, document))
			continue
		}
		used[uf.pattern] = true
		imports := slices.Concat(p.Imports, p.TestImports, p.XTestImports)
		slices.Sort(imports)
		for _, imp := range slices.Compact(imports) {
			to, inModule := rel(imp)
			if !inModule || to == from {
				continue
			}
			ut, nt, ok := r.unitOf(to)
			switch {
			case !ok:
				continue // reported as a package of its own
			case nt == nf, ut.layer > uf.layer:
				continue
			case ut.layer == uf.layer:
				msgs = append(msgs, fmt.Sprintf("%s imports %s: %s and %s are units of one layer, which never import each other (docs/%s)", from, to, nf, nt, document))
			default:
				msgs = append(msgs, fmt.Sprintf("%s imports %s: %s is in a higher layer than %s; imports go down only (docs/%s)", from, to, nt, nf, document))
			}
		}
	}
	for _, u := range r.units {
		if !used[u.pattern] {
			msgs = append(msgs, fmt.Sprintf("the ```layers block of docs/%s lists %s, which names no package: remove it", document, u.pattern))
		}
	}
	slices.Sort(msgs)
	return msgs
}

// listPackages runs `go list -json` over the module the test sits in.
func listPackages(t *testing.T) (module string, pkgs []pkg) {
	t.Helper()
	root, module := moduleRoot(t)
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,TestImports,XTestImports,Error", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if p.Error != nil {
			t.Errorf("go list %s: %s", p.ImportPath, p.Error.Err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages under %s", len(pkgs), root)
	}
	return module, pkgs
}

// moduleRoot returns the folder of the module the test sits in and the
// module's path.
func moduleRoot(t *testing.T) (root, module string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(gomod), "\n") {
		if m, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			module = strings.Trim(strings.TrimSpace(m), `"`)
			break
		}
	}
	if module == "" {
		t.Fatal("go.mod names no module")
	}
	return root, module
}
