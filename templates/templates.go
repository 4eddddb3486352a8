// Package templates holds genmint's starter collections, embedded in the
// binary, from which `genmint init` writes a ready-to-run genmint.yaml.
package templates

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"text/template"
	"unicode"

	"github.com/genmint/genmint/internal/fsatomic"
)

//go:embed all:procedural all:openai all:automatic1111 all:layers
var starters embed.FS

// Starter is one embedded starter collection.
type Starter struct {
	Name    string `json:"name"`
	Summary string `json:"summary"`
	Default bool   `json:"default,omitempty"`
}

// Default is the starter `genmint init` uses without --template.
const Default = "procedural"

// List returns the starters.
func List() []Starter {
	return []Starter{
		{Name: "procedural", Summary: "offline, free, byte-reproducible art from genmint's built-in generator", Default: true},
		{Name: "openai", Summary: "OpenAI's image API (needs OPENAI_API_KEY; paid, shows cost first)"},
		{Name: "automatic1111", Summary: "a local Stable Diffusion web UI (AUTOMATIC1111/Forge with --api)"},
		{Name: "layers", Summary: "drawn PNG layers per trait, composited offline (HashLips folders work unchanged; see --from-hashlips)"},
	}
}

// Vars fill a starter's [[.Name]]-style placeholders.
type Vars struct {
	Name    string
	Symbol  string
	Slug    string
	Creator string
	Seed    uint64

	// The layers starter's: the layers folder (relative to the collection),
	// its traits in draw order, and the item count.
	LayersDir string
	Traits    []LayerTrait
	Count     int
}

// LayerTrait is one trait folder of a layered collection.
type LayerTrait struct {
	Name   string
	Values []LayerValue
}

// LayerValue is one value of a LayerTrait and its weight.
type LayerValue struct {
	Value  string
	Weight int
}

// ErrExists is returned when the folder already holds a collection.
var ErrExists = errors.New("already holds a genmint collection")

// Write renders starter name into dir, refusing to overwrite anything. It
// returns the files it wrote, relative to dir.
func Write(name, dir string, v Vars) ([]string, error) {
	known := false
	for _, s := range List() {
		known = known || s.Name == name
	}
	if !known {
		var names []string
		for _, s := range List() {
			names = append(names, s.Name)
		}
		return nil, fmt.Errorf("unknown template %q: use one of %s (see 'genmint init --list')", name, strings.Join(names, ", "))
	}
	sub, err := fs.Sub(starters, name)
	if err != nil {
		return nil, err
	}
	type file struct {
		rel  string
		data []byte
	}
	var files []file
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		t, err := template.New(p).Delims("[[", "]]").Option("missingkey=error").Funcs(funcs).Parse(string(raw))
		if err != nil {
			return fmt.Errorf("starter %s/%s: %w", name, p, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, v); err != nil {
			return fmt.Errorf("starter %s/%s: %w", name, p, err)
		}
		files = append(files, file{rel: p, data: b.Bytes()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Check every target first, so a refusal writes nothing.
	for _, f := range files {
		target := filepath.Join(dir, filepath.FromSlash(f.rel))
		if _, err := os.Stat(target); err == nil {
			if path.Base(f.rel) == "genmint.yaml" {
				return nil, fmt.Errorf("%s %w (genmint.yaml): pick another folder, or edit that one", dir, ErrExists)
			}
			return nil, fmt.Errorf("%s already exists: move it aside or pick another folder", target)
		}
	}
	var wrote []string
	for _, f := range files {
		target := filepath.Join(dir, filepath.FromSlash(f.rel))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return wrote, fsatomic.Explain(err)
		}
		if err := fsatomic.WriteFile(target, f.data, 0o644); err != nil {
			return wrote, err
		}
		wrote = append(wrote, f.rel)
	}
	return wrote, nil
}

// funcs are the starters' template functions: q quotes a string as a YAML
// double-quoted scalar (JSON's string syntax is valid YAML).
var funcs = template.FuncMap{"q": func(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}}

// NameFromDir turns a folder name like "tidal-glyphs" into "Tidal Glyphs"
// and a symbol like "TG".
func NameFromDir(dir string) (name, symbol, slug string) {
	base := filepath.Base(filepath.Clean(dir))
	if abs, err := filepath.Abs(dir); err == nil {
		base = filepath.Base(abs)
	}
	words := strings.FieldsFunc(base, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var sym strings.Builder
	for i, w := range words {
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		words[i] = string(rs)
		if sym.Len() < 6 {
			sym.WriteRune(rs[0])
		}
	}
	name = strings.Join(words, " ")
	if name == "" {
		name = "My Collection"
	}
	symbol = strings.ToUpper(sym.String())
	if len([]rune(symbol)) < 2 {
		symbol = strings.ToUpper(string([]rune(strings.ReplaceAll(name, " ", ""))[:min(4, len([]rune(strings.ReplaceAll(name, " ", ""))))]))
	}
	slug = strings.ToLower(strings.Join(words, "-"))
	if slug == "" {
		slug = "my-collection"
	}
	return name, symbol, slug
}
