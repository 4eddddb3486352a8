// Package unixfstest builds the directories and file contents the UnixFS
// tests of pin and pin/unixfs import: the same trees, the same bytes, from
// one place.
package unixfstest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/pin/unixfs"
)

// Tree describes a test directory: files by slash path, plus empty dirs.
type Tree struct {
	Files map[string][]byte
	Dirs  []string
}

// Write creates the tree on disk under root.
func (tr Tree) Write(t *testing.T, root string) {
	t.Helper()
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range tr.Dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for p, b := range tr.Files {
		fp := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fp, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Dir is the tree as a unixfs.Dir to import, its files held in memory.
func (tr Tree) Dir() *unixfs.Dir {
	root := &unixfs.Dir{}
	dirs := map[string]*unixfs.Dir{"": root}
	var get func(p string) *unixfs.Dir
	get = func(p string) *unixfs.Dir {
		if d, ok := dirs[p]; ok {
			return d
		}
		parent, name := "", p
		if i := strings.LastIndex(p, "/"); i >= 0 {
			parent, name = p[:i], p[i+1:]
		}
		d := get(parent).AddDir(name)
		dirs[p] = d
		return d
	}
	for _, d := range tr.Dirs {
		get(d)
	}
	for p, b := range tr.Files {
		parent, name := "", p
		if i := strings.LastIndex(p, "/"); i >= 0 {
			parent, name = p[:i], p[i+1:]
		}
		get(parent).AddBytes(name, b)
	}
	return root
}

// RandBytes returns n pseudo-random bytes, the same for the same seed.
func RandBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// ManyFiles is a flat tree of n small files named by name.
func ManyFiles(n int, name func(int) string) Tree {
	tr := Tree{Files: map[string][]byte{}}
	for i := range n {
		tr.Files[name(i)] = []byte(fmt.Sprintf("file %d\n", i))
	}
	return tr
}
