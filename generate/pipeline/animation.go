package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"os"
	"path/filepath"
	"strings"

	"github.com/genmint/genmint/internal/fsatomic"
	"github.com/genmint/genmint/internal/mediatype"
	"github.com/genmint/genmint/postprocess"
	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/state"
)

// AnimationName is the animation's file name in the item folder, by its
// extension (".gif", ".mp4", …).
func AnimationName(ext string) string { return "animation" + ext }

// animation makes item id's animation when the spec has an animation:
// entry — derived from the post-processed image out, or the item's
// provided file — writes it durably beside the final image, and returns
// its facts for the provenance record (nil without an entry). Any other
// animation.* left in the folder by an earlier spec is removed once the
// final image is written (see dropOtherAnimations).
func (r *runner) animation(id int, out image.Image, provided *postprocess.AnimationFile) (*provenance.FileFact, error) {
	an := r.o.Spec.Animation
	if an == nil {
		return nil, nil
	}
	f := provided
	if an.Effect != "" {
		b, err := an.Render(out)
		if err != nil {
			return nil, &errItem{state.Failed, fmt.Errorf("animation: %w", err)}
		}
		f = &postprocess.AnimationFile{Ext: ".gif", MediaType: mediatype.FromName(".gif"), Data: b}
	}
	if f == nil {
		return nil, fmt.Errorf("item %d: animation: the provided file was not read", id)
	}
	name := AnimationName(f.Ext)
	if err := fsatomic.WriteFile(filepath.Join(r.o.Spec.Dir, ItemDir(id), name), f.Data, 0o644); err != nil {
		return nil, err
	}
	ff := &provenance.FileFact{Path: name, MediaType: f.MediaType, SHA256: sha256hex(f.Data), Bytes: int64(len(f.Data))}
	if f.Ext == ".gif" {
		if cfg, err := gif.DecodeConfig(bytes.NewReader(f.Data)); err == nil {
			ff.Width, ff.Height = cfg.Width, cfg.Height
		}
	}
	return ff, nil
}

// providedAnimation reads item id's provided animation file (spec
// animation: {files: …}), before anything is asked of the provider: an
// item whose file is missing or refused fails without paid work, and
// without losing a stored original. nil when the spec provides none.
func (r *runner) providedAnimation(id int) (*postprocess.AnimationFile, error) {
	an := r.o.Spec.Animation
	if an == nil || an.Files == "" {
		return nil, nil
	}
	f, err := an.Provided(r.o.Spec.Dir, id)
	if err != nil {
		return nil, &errItem{state.Failed, fmt.Errorf("animation: %w", err)}
	}
	return f, nil
}

// dropOtherAnimations removes the item folder's animation.* files other
// than keep ("" removes them all): what an earlier spec left behind.
func dropOtherAnimations(dir, keep string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // nothing to tidy
	}
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(n, "animation.") || n == keep {
			continue
		}
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fsatomic.Explain(fmt.Errorf("remove %s: %w", filepath.Join(dir, n), err))
		}
	}
	return nil
}
