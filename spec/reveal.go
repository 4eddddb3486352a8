package spec

import (
	"errors"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/genmint/genmint/internal/collpath"
	"github.com/genmint/genmint/postprocess"
)

// Reveal is the spec's reveal: section: the collection is deployed with
// every token showing Placeholder, while the provenance hash committed at
// deployment already binds the real collection; `genmint reveal` later
// points the contract at the real metadata.
type Reveal struct {
	Placeholder Placeholder
}

// Placeholder is what every token shows before the reveal.
type Placeholder struct {
	// Image is a picture in the collection folder (the collection path
	// rule) or a URI (ipfs://, ar://, https://) used as written.
	Image string
	// Name is every token's name before the reveal (default: the
	// collection's name); Description its description (default none).
	Name        string
	Description string
}

func (l *loader) reveal(n *yaml.Node) {
	r := &Reveal{}
	seen := l.mapping(n, "reveal", map[string]func(k, v *yaml.Node){
		"placeholder": func(k, v *yaml.Node) {
			p := &r.Placeholder
			ps := l.mapping(v, "reveal.placeholder", map[string]func(k, v *yaml.Node){
				"image": func(k, v *yaml.Node) {
					p.Image = strings.TrimSpace(l.str(v, "reveal.placeholder.image"))
					l.imageFile(v, "reveal.placeholder.image", p.Image)
				},
				"name":        func(k, v *yaml.Node) { p.Name = l.str(v, "reveal.placeholder.name") },
				"description": func(k, v *yaml.Node) { p.Description = l.str(v, "reveal.placeholder.description") },
			})
			if v.Kind == yaml.MappingNode && (ps["image"] == nil || p.Image == "") {
				l.errorf(v, "reveal.placeholder.image", "add image: a picture in the collection folder (or an ipfs:// URI) every token shows until 'genmint reveal'", "missing")
			}
		},
	})
	if n.Kind == yaml.MappingNode && seen["placeholder"] == nil {
		l.errorf(n, "reveal.placeholder", "add placeholder: {image: placeholder.png, name: …, description: …}", "missing")
	}
	l.s.Reveal = r
}

// imageFile checks a spec field naming a picture: a URI is taken as
// written; a file must be inside the collection folder (the collection
// path rule) and decode as an image, since it is published.
func (l *loader) imageFile(v *yaml.Node, path, name string) {
	if name == "" || IsURI(name) {
		return
	}
	b, err := collpath.ReadFile(l.dir, name, MaxCoverBytes)
	switch {
	case errors.Is(err, collpath.ErrOutside):
		l.errorf(v, path, collpath.Hint, "%v", err)
		return
	case errors.Is(err, collpath.ErrTooLarge):
		l.errorf(v, path, "use a smaller picture", "%s is over %d MiB", name, MaxCoverBytes>>20)
		return
	case errors.Is(err, os.ErrNotExist):
		l.errorf(v, path, "put the picture in the collection folder and name it here, or give an ipfs:// or https:// URI", "cannot read %s: no such file", name)
		return
	case err != nil:
		l.errorf(v, path, "put the picture in the collection folder and name it here, or give an ipfs:// or https:// URI", "cannot read %s: %v", name, unwrapPathErr(err))
		return
	}
	if _, _, err := postprocess.Decode(b, postprocess.MaxPixels); err != nil {
		l.errorf(v, path, "name a png, jpeg, gif or webp picture", "%s is not an image: %v", name, err)
	}
}
