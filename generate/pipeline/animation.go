package pipeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/genmint/genmint/internal/collpath"
	"github.com/genmint/genmint/internal/fsatomic"
	"github.com/genmint/genmint/internal/mediatype"
	"github.com/genmint/genmint/postprocess"
	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/spec"
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

// animationChanged reports whether done item it's animation is no longer
// the one its provenance record seals, and what changed: the item folder's
// animation file is gone, of another size or other bytes, or the provided
// file (animation: {files: …}) now in the spec's folder is another one
// than was read. Such an item is post-processed again from its stored
// original (never asked of the provider again): the new animation is
// sealed in a new record and final image, which 'genmint pin' publishes.
//
// A file is hashed only when it was modified at or after the record was
// written (generate reads and writes the animation before the record), so
// a re-run over an unchanged collection reads no animation; a file of the
// recorded size put back with an older modification time is taken as the
// recorded one. A record without an animation is left to PostHash, and an
// unreadable record or provided folder to 'genmint verify --local' and the
// next post-process, which report them.
func animationChanged(s *spec.Spec, it state.Item) (changed bool, what string) {
	an := s.Animation
	if an == nil || it.ProvenancePath == "" {
		return false, ""
	}
	recPath := filepath.Join(s.Dir, filepath.FromSlash(it.ProvenancePath))
	fi, err := os.Stat(recPath)
	if err != nil {
		return false, ""
	}
	raw, err := os.ReadFile(recPath)
	if err != nil {
		return false, ""
	}
	rec, err := provenance.ParseRecord(raw)
	if err != nil || rec.Content.Animation == nil || !localName(rec.Content.Animation.Path) {
		return false, ""
	}
	a, sealed := rec.Content.Animation, fi.ModTime()
	own := path.Join(path.Dir(it.ProvenancePath), a.Path)
	if fileChanged(filepath.Join(s.Dir, filepath.FromSlash(own)), a, sealed) {
		return true, own
	}
	if an.Files == "" {
		return false, ""
	}
	name, err := an.ProvidedName(s.Dir, it.ID)
	if err != nil {
		return false, ""
	}
	if !strings.EqualFold(path.Ext(name), path.Ext(a.Path)) {
		return true, name
	}
	p, err := collpath.Resolve(s.Dir, name)
	if err != nil || fileChanged(p, a, sealed) {
		return true, name
	}
	return false, ""
}

// fileChanged reports whether the file at p is not the one f describes:
// gone, another size, or, modified at or after sealed, other bytes.
func fileChanged(p string, f *provenance.FileFact, sealed time.Time) bool {
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != f.Bytes {
		return true
	}
	if fi.ModTime().Before(sealed) {
		return false
	}
	fh, err := os.Open(p)
	if err != nil {
		return true
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return true
	}
	return hex.EncodeToString(h.Sum(nil)) != f.SHA256
}
