package layers

import (
	"fmt"
	"image"
	_ "image/png" // DecodeConfig reads PNG headers
	"os"
	"path/filepath"
	"strings"

	"github.com/genmint/genmint/generate"
)

// SpecTrait is a trait of the spec as Check needs it: its values and their
// weights, in spec order.
type SpecTrait struct {
	Name    string
	Values  []string
	Weights []int
}

// Finding is one thing Check found: an error (the collection cannot be
// generated) or a warning, at a spec path, with a hint.
type Finding struct {
	Path    string
	Message string
	Hint    string
	Warning bool
}

// Check reads the header of every layer file the spec can draw, without
// compositing anything, for `genmint validate`: a trait in order that the
// spec lacks, a value without a file, a file that is not a readable PNG,
// and layers of different sizes (naming the files) are errors; a file
// weight that differs from the spec's and a file no value draws are
// warnings.
func Check(cfg generate.ProviderConfig, traits []SpecTrait) []Finding {
	o, err := parseParams(cfg)
	if err != nil {
		return []Finding{{Path: "provider.params", Message: err.Error()}}
	}
	var out []Finding
	order := o.order
	if order == nil {
		for _, t := range traits {
			order = append(order, t.Name)
		}
	}
	byName := map[string]SpecTrait{}
	for _, t := range traits {
		byName[t.Name] = t
	}
	var first string
	var size image.Point
	for _, name := range order {
		st, ok := byName[name]
		if !ok {
			out = append(out, Finding{Path: "provider.params.order", Message: fmt.Sprintf("trait %q is not in traits:", name), Hint: "add it to traits: or remove it from order"})
			continue
		}
		t, err := ReadTrait(o.dir, name)
		if err != nil {
			out = append(out, Finding{Path: "traits." + name, Message: err.Error()})
			continue
		}
		drawn := map[string]bool{}
		for i, v := range st.Values {
			f, ok := t.Lookup(v)
			if !ok {
				if !strings.EqualFold(v, None) {
					out = append(out, Finding{Path: "traits." + name + "." + v, Message: fmt.Sprintf("no layer file for %s %q", name, v),
						Hint: fmt.Sprintf("add %s, or name the value %s to draw nothing", filepath.ToSlash(filepath.Join(o.rel, name, v+".png")), None)})
				}
				continue
			}
			drawn[f.Name] = true
			rel := filepath.ToSlash(filepath.Join(o.rel, name, f.Name))
			if f.Weight != 0 && i < len(st.Weights) && st.Weights[i] != f.Weight {
				out = append(out, Finding{Path: "traits." + name + "." + v, Warning: true,
					Message: fmt.Sprintf("the spec weighs %q %d but its file %s says %d; the spec's weight is used", v, st.Weights[i], rel, f.Weight)})
			}
			fh, err := os.Open(filepath.Join(o.dir, name, f.Name))
			if err != nil {
				out = append(out, Finding{Path: "traits." + name + "." + v, Message: err.Error()})
				continue
			}
			c, format, err := image.DecodeConfig(fh)
			fh.Close()
			if err != nil || format != "png" {
				out = append(out, Finding{Path: "traits." + name + "." + v, Message: fmt.Sprintf("%s is not a readable PNG", rel), Hint: "save it again as PNG"})
				continue
			}
			p := image.Pt(c.Width, c.Height)
			if first == "" {
				first, size = rel, p
			} else if p != size {
				out = append(out, Finding{Path: "traits." + name + "." + v,
					Message: fmt.Sprintf("layers differ in size: %s is %dx%d but %s is %dx%d", rel, p.X, p.Y, first, size.X, size.Y),
					Hint:    "make every layer the same size"})
			}
		}
		for _, f := range t.Files {
			if !drawn[f.Name] {
				out = append(out, Finding{Path: "traits." + name, Warning: true,
					Message: fmt.Sprintf("%s is never drawn: no value of %s is %q", filepath.ToSlash(filepath.Join(o.rel, name, f.Name)), name, f.Value),
					Hint:    "add the value to the trait, or remove the file"})
			}
		}
	}
	return out
}
