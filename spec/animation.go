package spec

import (
	"errors"
	"os"
	"path"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/genmint/genmint/internal/collpath"
	"github.com/genmint/genmint/postprocess"
)

// animation reads the postprocess list's animation: entry (k its key, v
// its value node): once, and, for provided files, a folder inside the
// collection whose every file is one genmint publishes.
func (l *loader) animation(k, v *yaml.Node, where string, val any) {
	if l.s.Animation != nil {
		l.errorf(k, where, "keep one animation: entry", "animation is given twice")
		return
	}
	an, err := postprocess.ParseAnimation(val)
	if err != nil {
		l.stepError(v, where, err)
		return
	}
	l.s.Animation = &an
	if an.Files == "" {
		return
	}
	at := v
	if v.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(v.Content); i += 2 {
			if v.Content[i].Value == "files" {
				at = v.Content[i+1]
			}
		}
	}
	fpath := where + ".files"
	dir, err := collpath.Resolve(l.dir, an.Files)
	switch {
	case errors.Is(err, collpath.ErrOutside):
		l.errorf(at, fpath, "put the animation files in a folder of the collection, e.g. files: animations", "%v", err)
		return
	case errors.Is(err, os.ErrNotExist):
		l.errorf(at, fpath, "create the folder and put one file per item in it (7.gif, 7.mp4, …)", "folder %s does not exist", an.Files)
		return
	case err != nil:
		l.errorf(at, fpath, "create the folder and put one file per item in it (7.gif, 7.mp4, …)", "cannot read %s: %v", an.Files, unwrapPathErr(err))
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		l.errorf(at, fpath, "name a folder holding one file per item (7.gif, 7.mp4, …)", "cannot read %s: %v", an.Files, unwrapPathErr(err))
		return
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		if _, err := strconv.Atoi(strings.TrimSuffix(n, path.Ext(n))); err != nil {
			continue // not an item's file
		}
		var ee *postprocess.ExtError
		if errors.As(postprocess.CheckAnimationExt(an.Files+"/"+n), &ee) {
			l.errorf(at, fpath, ee.Fix, "%s: %s files are not published as animations", ee.Name, ee.Ext)
		}
	}
}
