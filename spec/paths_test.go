package spec

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pathSpec is a valid spec with one file-naming field set to name.
func pathSpec(field, name string) string {
	base := "name: P\nsymbol: P\ncount: 1\nseed: 1\ntraits:\n  c: [red]\n"
	switch field {
	case "prompt.file":
		return base + "prompt:\n  file: " + name + "\n"
	case "image":
		return base + "prompt: \"{{.c}}\"\nimage: " + name + "\n"
	case "postprocess[0].watermark.image":
		return base + "prompt: \"{{.c}}\"\npostprocess:\n  - watermark: {image: " + name + "}\n"
	case "reveal.placeholder.image":
		return base + "prompt: \"{{.c}}\"\nreveal:\n  placeholder: {image: " + name + ", name: Soon}\n"
	case "banner_image", "featured_image":
		return base + "prompt: \"{{.c}}\"\n" + field + ": " + name + "\n"
	}
	panic(field)
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestFileFieldsStayInTheCollection: every spec field that names a file is
// refused, at its own line, when it names a file outside the collection
// folder: with .., as an absolute path, or through a symlink.
func TestFileFieldsStayInTheCollection(t *testing.T) {
	img := pngBytes(t)
	for _, field := range []string{"prompt.file", "image", "postprocess[0].watermark.image", "reveal.placeholder.image", "banner_image", "featured_image"} {
		for _, tc := range []struct{ name, value, reason string }{
			{"dotdot", "../secret.png", "it climbs out with .."},
			{"absolute", "OUTSIDE", "it is an absolute path"},
			{"symlink", "link.png", "a symlink leads to"},
			{"symlinked folder", "dir/secret.png", "a symlink leads to"},
		} {
			t.Run(field+"/"+tc.name, func(t *testing.T) {
				base := t.TempDir()
				dir := filepath.Join(base, "coll")
				secret := filepath.Join(base, "secret.png")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				// The file outside is a real image and a real template, so
				// only the path rule can refuse it.
				if err := os.WriteFile(secret, img, 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(secret, filepath.Join(dir, "link.png")); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(base, filepath.Join(dir, "dir")); err != nil {
					t.Fatal(err)
				}
				value := tc.value
				if value == "OUTSIDE" {
					value = secret
				}
				src := pathSpec(field, value)
				if err := os.WriteFile(filepath.Join(dir, FileName), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
				_, problems, err := Load(dir, Options{})
				if err == nil {
					t.Fatalf("accepted %s: %s", field, value)
				}
				line := 0
				for i, l := range strings.Split(src, "\n") {
					if strings.Contains(l, value) {
						line = i + 1
					}
				}
				var found bool
				for _, p := range problems {
					if p.Path == field && p.Line == line && strings.Contains(p.Message, "is outside the collection folder: "+tc.reason) {
						found = true
					}
				}
				if !found {
					t.Fatalf("no problem at %s line %d saying %q:\n%v", field, line, tc.reason, problems)
				}
			})
		}
	}
}

func TestFileFieldsInsideAreRead(t *testing.T) {
	img := pngBytes(t)
	for _, field := range []string{"prompt.file", "image", "postprocess[0].watermark.image", "reveal.placeholder.image", "banner_image", "featured_image"} {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "assets"), 0o755); err != nil {
			t.Fatal(err)
		}
		content := img
		if field == "prompt.file" {
			content = []byte("a {{.c}} thing")
		}
		if err := os.WriteFile(filepath.Join(dir, "assets", "f.png"), content, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("assets/f.png", filepath.Join(dir, "link.png")); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"assets/f.png", "./assets/../link.png"} {
			if err := os.WriteFile(filepath.Join(dir, FileName), []byte(pathSpec(field, name)), 0o644); err != nil {
				t.Fatal(err)
			}
			s, problems, err := Load(dir, Options{})
			if err != nil {
				t.Fatalf("%s: %s refused: %v", field, name, problems)
			}
			if field == "prompt.file" && s.Prompt.Text != "a {{.c}} thing" {
				t.Fatalf("prompt file read as %q", s.Prompt.Text)
			}
		}
	}
}

func TestCoverImageMustDecode(t *testing.T) {
	dir := write(t, pathSpec("image", "cover.png"))
	if err := os.WriteFile(filepath.Join(dir, "cover.png"), []byte("not a picture at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, problems, err := Load(dir, Options{})
	if err == nil || !strings.Contains(problems.Error(), "genmint.yaml:8:8: image: cover.png is not an image") {
		t.Fatalf("got %v", problems)
	}
	dir = write(t, pathSpec("image", "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"))
	if _, problems, err := Load(dir, Options{}); err != nil {
		t.Fatalf("a URI is taken as written: %v", problems)
	}
}

// TestRevealSection reads reveal: and reports each problem at its line,
// with a did-you-mean for a misspelt key.
func TestRevealSection(t *testing.T) {
	base := "name: P\nsymbol: P\ncount: 1\nseed: 1\ntraits:\n  c: [red]\nprompt: \"{{.c}}\"\n"
	dir := write(t, base+"reveal:\n  placeholder:\n    image: soon.png\n    name: Coming soon\n    description: Revealed on Friday\n")
	if err := os.WriteFile(filepath.Join(dir, "soon.png"), pngBytes(t), 0o644); err != nil {
		t.Fatal(err)
	}
	s, problems, err := Load(dir, Options{})
	if err != nil {
		t.Fatal(problems)
	}
	if s.Reveal == nil || s.Reveal.Placeholder != (Placeholder{Image: "soon.png", Name: "Coming soon", Description: "Revealed on Friday"}) {
		t.Fatalf("reveal = %+v", s.Reveal)
	}
	if s, _, _ := Load(write(t, base), Options{}); s.Reveal != nil {
		t.Fatal("no reveal: section gives a reveal")
	}
	for _, tc := range []struct{ src, want string }{
		{"reveal:\n  placeholder:\n    imag: soon.png\n", `genmint.yaml:10:5: reveal.placeholder.imag: unknown key "imag" (did you mean "image"?)`},
		{"reveal:\n  placeholder:\n    name: Soon\n", `genmint.yaml:10:5: reveal.placeholder.image: missing`},
		{"reveal:\n  placehodler: {image: soon.png}\n", `genmint.yaml:9:3: reveal.placehodler: unknown key "placehodler" (did you mean "placeholder"?)`},
		{"reveal:\n  placehodler: {image: soon.png}\n", `genmint.yaml:9:3: reveal.placeholder: missing`},
		{"reveal:\n  placeholder: {image: nothere.png}\n", `genmint.yaml:9:24: reveal.placeholder.image: cannot read nothere.png`},
		{"reveal: yes\n", `genmint.yaml:8:9: reveal: expected a mapping`},
	} {
		_, problems, err := Load(write(t, base+tc.src), Options{})
		var all []string
		for _, p := range problems {
			all = append(all, p.String())
		}
		if err == nil || !strings.Contains(strings.Join(all, "\n"), tc.want) {
			t.Errorf("%q: want %q in\n%v", tc.src, tc.want, problems)
		}
	}
}
