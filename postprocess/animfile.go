package postprocess

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/genmint/genmint/internal/collpath"
	"github.com/genmint/genmint/internal/mediatype"
)

// AnimationExts are the extensions a provided animation file may have.
var AnimationExts = []string{".gif", ".mp4", ".webm", ".html", ".glb"}

// ErrNoAnimation is wrapped when an item has no file in the animation
// folder.
var ErrNoAnimation = errors.New("no animation file")

// AnimationFile is an item's animation, as it is written beside the final
// image and published.
type AnimationFile struct {
	Ext       string // ".gif", ".mp4", …
	MediaType string
	Data      []byte
}

// Provided reads item id's animation from the folder an.Files of the
// collection dir: the one file named by the id (7.mp4) or by its folder's
// name (0007.mp4), with one of AnimationExts, inside the collection, at
// most MaxAnimationBytes, and whose first bytes are what its extension
// says.
func (an Animation) Provided(dir string, id int) (*AnimationFile, error) {
	name, err := an.ProvidedName(dir, id)
	if err != nil {
		return nil, err
	}
	ext := strings.ToLower(path.Ext(name))
	b, err := collpath.ReadFile(dir, name, MaxAnimationBytes)
	switch {
	case errors.Is(err, collpath.ErrTooLarge):
		return nil, fmt.Errorf("%s is over %d MiB: make it smaller (marketplaces load it in a page)", name, MaxAnimationBytes>>20)
	case err != nil:
		return nil, err
	}
	if err := checkMagic(ext, b); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &AnimationFile{Ext: ext, MediaType: mediatype.FromName(ext), Data: b}, nil
}

// ProvidedName finds item id's file in the folder an.Files of the
// collection dir (see Provided) without reading it: its name relative to
// dir, slash-separated ("animations/7.mp4").
func (an Animation) ProvidedName(dir string, id int) (string, error) {
	names := []string{strconv.Itoa(id), fmt.Sprintf("%04d", id)}
	folder, err := collpath.Resolve(dir, an.Files)
	if err != nil {
		return "", fmt.Errorf("animation folder: %w", err)
	}
	entries, err := os.ReadDir(folder)
	if err != nil {
		return "", fmt.Errorf("animation folder %s: %w", an.Files, err)
	}
	var found []string
	for _, e := range entries {
		n := e.Name()
		stem := strings.TrimSuffix(n, path.Ext(n))
		if stem == names[0] || stem == names[1] {
			found = append(found, n)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("item %d: %w in %s: add %s/%d.gif (or .mp4, .webm, .html, .glb)", id, ErrNoAnimation, an.Files, an.Files, id)
	case 1:
	default:
		return "", fmt.Errorf("item %d: %s holds %s: keep one animation file per item", id, an.Files, strings.Join(found, " and "))
	}
	name := an.Files + "/" + found[0]
	if err := CheckAnimationExt(name); err != nil {
		return "", err
	}
	return name, nil
}

// ExtError refuses a file whose extension genmint does not publish as an
// animation; Fix says what to do.
type ExtError struct {
	Name, Ext, Fix string
}

func (e *ExtError) Error() string {
	return fmt.Sprintf("%s: %s files are not published as animations: %s", e.Name, e.Ext, e.Fix)
}

// CheckAnimationExt refuses (with an *ExtError) a file name whose
// extension is not one of AnimationExts.
func CheckAnimationExt(name string) error {
	ext := strings.ToLower(path.Ext(name))
	for _, e := range AnimationExts {
		if ext == e {
			return nil
		}
	}
	fix := "convert it to one of " + strings.Join(AnimationExts, ", ")
	switch ext {
	case ".mov", ".m4v", ".avi", ".mkv":
		fix = "convert it to MP4 (H.264) or WebM, which every marketplace plays"
	case ".jpg", ".jpeg", ".png", ".webp":
		fix = "a still image is the item's image, not its animation: give a .gif, .mp4, .webm, .html or .glb"
	}
	return &ExtError{Name: name, Ext: cmp.Or(ext, "extension-less"), Fix: fix}
}

// checkMagic checks that b starts the way files of extension ext do.
func checkMagic(ext string, b []byte) error {
	ok := false
	switch ext {
	case ".gif":
		ok = bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))
	case ".mp4":
		ok = len(b) >= 12 && string(b[4:8]) == "ftyp"
	case ".webm":
		head := b[:min(len(b), 4096)]
		ok = bytes.HasPrefix(b, []byte{0x1A, 0x45, 0xDF, 0xA3}) && bytes.Contains(head, []byte("webm"))
	case ".glb":
		ok = len(b) >= 12 && string(b[:4]) == "glTF" && b[4] == 2 && b[5] == 0 && b[6] == 0 && b[7] == 0
	case ".html":
		t := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n")
		low := bytes.ToLower(t[:min(len(t), 15)])
		ok = bytes.HasPrefix(low, []byte("<!doctype html")) || bytes.HasPrefix(low, []byte("<html"))
	}
	if !ok {
		return fmt.Errorf("the file's content is not %s: export it again as %s", strings.TrimPrefix(ext, "."), strings.TrimPrefix(ext, "."))
	}
	return nil
}

// DetectAnimation names the media type of animation bytes b by their
// first bytes, as checkMagic reads them ("" when none matches): for
// verify, which re-derives what a published animation is.
func DetectAnimation(b []byte) string {
	for _, ext := range AnimationExts {
		if checkMagic(ext, b) == nil {
			return mediatype.FromName(ext)
		}
	}
	return ""
}
