package docs

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Imports are grouped the goimports way, with genmint's own packages last:
//
//	import (
//		"fmt"                              // the standard library
//
//		"github.com/ipfs/go-cid"           // third-party modules
//
//		"github.com/genmint/genmint/state" // this module
//	)
//
// `goimports -local github.com/genmint/genmint -l` (scripts/test.sh) checks
// the order inside each group and splits a group that mixes the classes, but
// it leaves groups in whatever order they stand: a genmint group before the
// third-party one passes it. This test holds the three groups in place.

// importClass is which of the three groups an import belongs in.
type importClass int

const (
	classStd importClass = iota
	classThirdParty
	classLocal
)

func (c importClass) String() string {
	return [...]string{"standard-library", "third-party", "genmint"}[c]
}

func classOf(path, module string) importClass {
	switch first, _, _ := strings.Cut(path, "/"); {
	case path == module || strings.HasPrefix(path, module+"/"):
		return classLocal
	case strings.Contains(first, "."):
		return classThirdParty
	}
	return classStd
}

// TestImportGroups checks every Go file of the module.
func TestImportGroups(t *testing.T) {
	root, module := moduleRoot(t)
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); path != root && err == nil {
				return filepath.SkipDir // another module (tools/kubo)
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		msgs, err := importGroupProblems(rel, src, module)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			t.Errorf("%s: %s: put the standard library, third-party modules and %s/… in three groups, in that order (goimports -local %s)", rel, m, module, module)
		}
		files++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("found only %d Go files under %s", files, root)
	}
}

// importGroupProblems returns what is wrong with src's import groups: a
// group mixing classes, a class in two groups, or groups out of order.
// Groups are runs of imports not separated by a blank line (or by the end
// of an import declaration).
func importGroupProblems(name string, src []byte, module string) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	lines := bytes.Split(src, []byte("\n"))
	blankBetween := func(from, to int) bool { // lines are 1-based, exclusive
		for l := from + 1; l < to; l++ {
			if len(bytes.TrimSpace(lines[l-1])) == 0 {
				return true
			}
		}
		return false
	}
	type group struct {
		class importClass
		first string
		mixed bool // reported once
	}
	var groups []group
	var msgs []string
	prevEnd, prevDecl := 0, -1
	for _, spec := range f.Imports {
		path := strings.Trim(spec.Path.Value, "`\"")
		class := classOf(path, module)
		line := fset.Position(spec.Pos()).Line
		decl := declIndex(f.Decls, spec.Pos())
		if len(groups) == 0 || decl != prevDecl || blankBetween(prevEnd, line) {
			groups = append(groups, group{class: class, first: path})
		} else if g := &groups[len(groups)-1]; g.class != class && !g.mixed {
			g.mixed = true
			msgs = append(msgs, fmt.Sprintf("%q (%s) is in one group with %q (%s)", path, class, g.first, g.class))
		}
		prevEnd, prevDecl = fset.Position(spec.End()).Line, decl
	}
	for i := 1; i < len(groups); i++ {
		a, b := groups[i-1], groups[i]
		switch {
		case a.class == b.class:
			msgs = append(msgs, fmt.Sprintf("the %s imports are in two groups (%q, %q)", b.class, a.first, b.first))
		case a.class > b.class:
			msgs = append(msgs, fmt.Sprintf("the %s group (%q) comes after the %s group (%q)", b.class, b.first, a.class, a.first))
		}
	}
	return msgs, nil
}

// declIndex is the index of the declaration holding pos.
func declIndex(decls []ast.Decl, pos token.Pos) int {
	for i, d := range decls {
		if d.Pos() <= pos && pos < d.End() {
			return i
		}
	}
	return -1
}

// TestImportGroupRule checks the checker on small files.
func TestImportGroupRule(t *testing.T) {
	const m = "example.com/m"
	file := func(imports string) []byte { return []byte("package p\n\n" + imports + "\n") }
	for _, ok := range []string{
		"",
		`import "fmt"`,
		"import (\n\t\"fmt\"\n\t\"os\"\n)",
		"import (\n\t\"fmt\"\n\n\t\"github.com/x/y\"\n\n\t\"example.com/m/a\"\n\tb \"example.com/m/b\"\n)",
		"import (\n\t\"fmt\"\n\n\t\"example.com/m\"\n)",
		"import (\n\t\"github.com/x/y\"\n\t// a comment in the group\n\t\"golang.org/x/z\"\n)",
		"import \"fmt\"\n\nimport \"example.com/m/a\"",
	} {
		msgs, err := importGroupProblems("ok.go", file(ok), m)
		if err != nil || len(msgs) != 0 {
			t.Errorf("%q: %v %q", ok, err, msgs)
		}
	}
	for _, bad := range []struct{ imports, want string }{
		{"import (\n\t\"example.com/m/a\"\n\t\"fmt\"\n)", `"fmt" (standard-library) is in one group with "example.com/m/a" (genmint)`},
		{"import (\n\t\"fmt\"\n\n\t\"example.com/m/a\"\n\n\t\"github.com/x/y\"\n)", `the third-party group ("github.com/x/y") comes after the genmint group`},
		{"import (\n\t\"fmt\"\n\n\t\"github.com/x/y\"\n\n\t\"golang.org/x/z\"\n)", "the third-party imports are in two groups"},
		{"import (\n\t\"github.com/x/y\"\n\n\t\"fmt\"\n)", "the standard-library group"},
		{"import (\n\t\"fmt\"\n\t\"github.com/x/y\"\n)", "is in one group with"},
		{"import \"example.com/m/a\"\n\nimport \"fmt\"", "comes after the genmint group"},
	} {
		msgs, err := importGroupProblems("bad.go", file(bad.imports), m)
		if err != nil || len(msgs) != 1 || !strings.Contains(msgs[0], bad.want) {
			t.Errorf("%q: %v %q, want one problem saying %q", bad.imports, err, msgs, bad.want)
		}
	}
}
