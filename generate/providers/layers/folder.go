package layers

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Delimiter separates a value's name from its weight in a HashLips file
// name: "Blue Sky#20.png" is the value "Blue Sky" with weight 20.
const Delimiter = "#"

// None is the value that draws nothing when its trait folder has no file
// for it (HashLips folders often carry an empty none#N.png instead, which
// works too).
const None = "none"

// File is one layer file of a trait folder.
type File struct {
	Value  string // the trait value: the file name without ".png" and "#weight"
	Weight int    // the weight in the name; 0 when the name has none
	Name   string // the file name, e.g. "Blue Sky#20.png"
}

// ParseName reads a layer file name: "<value>[#<weight>].png". ok is false
// for names that are not PNG files.
func ParseName(name string) (f File, ok bool) {
	base, found := strings.CutSuffix(name, ".png")
	if !found {
		if base, found = strings.CutSuffix(name, ".PNG"); !found {
			return File{}, false
		}
	}
	f = File{Value: base, Name: name}
	if i := strings.LastIndex(base, Delimiter); i >= 0 {
		if w, err := strconv.Atoi(base[i+1:]); err == nil && w > 0 {
			f.Value, f.Weight = base[:i], w
		}
	}
	f.Value = strings.TrimSpace(f.Value)
	return f, f.Value != ""
}

// Trait is one trait folder: its name and its values' files, sorted by
// value.
type Trait struct {
	Name  string
	Files []File
}

// ReadTrait lists the layer files of one trait folder. Two files for the
// same value ("Blue.png" and "Blue#3.png") are refused, naming both.
func ReadTrait(dir, name string) (Trait, error) {
	ents, err := os.ReadDir(filepath.Join(dir, name))
	if err != nil {
		return Trait{}, fmt.Errorf("layers: trait %q: %w (make a folder %s with one PNG per value)", name, err, filepath.Join(dir, name))
	}
	t := Trait{Name: name}
	seen := map[string]string{}
	for _, e := range ents {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		f, ok := ParseName(e.Name())
		if !ok {
			continue
		}
		if other, dup := seen[f.Value]; dup {
			return Trait{}, fmt.Errorf("layers: %s and %s are both the value %q of trait %q; rename or remove one", other, f.Name, f.Value, name)
		}
		seen[f.Value] = f.Name
		t.Files = append(t.Files, f)
	}
	sort.Slice(t.Files, func(i, j int) bool { return t.Files[i].Value < t.Files[j].Value })
	return t, nil
}

// ReadFolder lists every trait folder of a HashLips-style layers folder,
// sorted by name (HashLips' layer order lives in its config, not in the
// folder, so `genmint init --from-hashlips` writes this order and asks the
// artist to check it).
func ReadFolder(dir string) ([]Trait, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	var out []Trait
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		t, err := ReadTrait(dir, e.Name())
		if err != nil {
			return nil, err
		}
		if len(t.Files) == 0 {
			continue
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("layers: %s has no trait folders with PNG files (expected %s/<trait>/<value>.png)", dir, dir)
	}
	return out, nil
}

// Lookup finds value's file in t, or ok false.
func (t Trait) Lookup(value string) (File, bool) {
	for _, f := range t.Files {
		if f.Value == value {
			return f, true
		}
	}
	return File{}, false
}
