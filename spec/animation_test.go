package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const animBase = "name: P\nsymbol: P\ncount: 2\nseed: 1\nprompt: \"x\"\npostprocess:\n  - resize: 64x64\n"

func TestAnimationEntry(t *testing.T) {
	s := mustLoad(t, animBase+"  - animation: {effect: pan, frames: 8}\n  - format: png\n")
	if s.Animation == nil || s.Animation.Effect != "pan" || s.Animation.Frames != 8 || s.Animation.DelayMS != 80 {
		t.Fatalf("Animation = %+v", s.Animation)
	}
	if len(s.PostProcess) != 1 {
		t.Errorf("animation became a step: %d steps", len(s.PostProcess))
	}
	if s := mustLoad(t, animBase); s.Animation != nil {
		t.Errorf("no animation: entry, Animation = %+v", s.Animation)
	}

	dir := write(t, animBase+"  - animation: {files: anim}\n")
	if err := os.MkdirAll(filepath.Join(dir, "anim"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"1.mp4", "2.gif", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, "anim", n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, problems, err := Load(dir, Options{})
	if err != nil || s.Animation.Files != "anim" {
		t.Fatalf("files: %v %v", err, problems)
	}
}

// TestAnimationErrorsPointAtTheLine: every problem of the animation: entry
// is reported at its own line, with the fix.
func TestAnimationErrorsPointAtTheLine(t *testing.T) {
	for _, tc := range []struct {
		name, entry string
		setup       func(dir string) error
		want        string
	}{
		{"typo", "  - animation:\n      effect: zom\n", nil,
			`genmint.yaml:9:15: postprocess[1].animation.effect: unknown effect "zom" (did you mean zoom?)`},
		{"range", "  - animation: {effect: zoom, frames: 500}\n", nil,
			"genmint.yaml:8:39: postprocess[1].animation.frames: 500 is out of range (use 2–120 (24 is the default))"},
		{"twice", "  - animation: zoom\n  - animation: pan\n", nil,
			"genmint.yaml:9:5: postprocess[2].animation: animation is given twice (keep one animation: entry)"},
		{"no folder", "  - animation: {files: anim}\n", nil,
			"genmint.yaml:8:24: postprocess[1].animation.files: folder anim does not exist (create the folder"},
		{"outside", "  - animation: {files: ../anim}\n", nil,
			"genmint.yaml:8:24: postprocess[1].animation.files: \"../anim\" is outside the collection folder"},
		{"mov", "  - animation: {files: anim}\n", func(dir string) error {
			if err := os.MkdirAll(filepath.Join(dir, "anim"), 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, "anim", "2.mov"), []byte("x"), 0o644)
		}, "genmint.yaml:8:24: postprocess[1].animation.files: anim/2.mov: .mov files are not published as animations (convert it to MP4 (H.264) or WebM, which every marketplace plays)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := write(t, animBase+tc.entry)
			if tc.setup != nil {
				if err := tc.setup(dir); err != nil {
					t.Fatal(err)
				}
			}
			_, problems, err := Load(dir, Options{})
			if err == nil || len(problems) != 1 {
				t.Fatalf("err %v, problems %v", err, problems)
			}
			if got := problems[0].String(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
