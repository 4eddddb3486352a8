package postprocess

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/gif"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseAnimation(t *testing.T) {
	for _, tt := range []struct {
		value any
		want  Animation
	}{
		{map[string]any{"effect": "zoom"}, Animation{Effect: "zoom", Frames: 24, DelayMS: 80, Size: 256, Amount: 10}},
		{"pan", Animation{Effect: "pan", Frames: 24, DelayMS: 80, Size: 256, Amount: 10}},
		{map[string]any{"effect": "Zoom", "frames": 12, "delay": 120, "size": 128, "amount": 25},
			Animation{Effect: "zoom", Frames: 12, DelayMS: 120, Size: 128, Amount: 25}},
		{map[string]any{"files": "animations/"}, Animation{Files: "animations"}},
		{"media/anim", Animation{Files: "media/anim"}},
	} {
		got, err := ParseAnimation(tt.value)
		if err != nil || got != tt.want {
			t.Errorf("ParseAnimation(%#v) = %+v, %v; want %+v", tt.value, got, err, tt.want)
		}
	}
}

func TestParseAnimationErrors(t *testing.T) {
	for _, tt := range []struct {
		value      any
		param, msg string
	}{
		{map[string]any{"effect": "zom"}, "effect", "unknown effect"},
		{map[string]any{"effect": "zoom", "frames": 1}, "frames", "1 is out of range"},
		{map[string]any{"effect": "zoom", "delay": 85}, "delay", "not a multiple of 10"},
		{map[string]any{"effect": "zoom", "size": 4096}, "size", "out of range"},
		{map[string]any{"effect": "zoom", "files": "a"}, "files", "cannot go with effect"},
		{map[string]any{"files": "a", "frames": 8}, "frames", "applies to effect: only"},
		{map[string]any{"frames": 8}, "", "effect is missing"},
		{map[string]any{"efect": "zoom"}, "efect", "unknown parameter"},
		{map[string]any{"files": ""}, "files", "is empty"},
	} {
		_, err := ParseAnimation(tt.value)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Op != AnimationOp || pe.Param != tt.param || !strings.Contains(pe.Msg, tt.msg) {
			t.Errorf("ParseAnimation(%#v) = %v; want param %q, message containing %q", tt.value, err, tt.param, tt.msg)
		}
	}
	// An effect typo is answered with the effect meant.
	_, err := ParseAnimation(map[string]any{"effect": "zom"})
	if !strings.Contains(err.Error(), "did you mean zoom?") {
		t.Errorf("effect typo: %v; want a did-you-mean hint", err)
	}
	// animation is not a step.
	if _, err := Parse(AnimationOp, "zoom", ""); err == nil || !strings.Contains(err.Error(), "not a step") {
		t.Errorf("Parse(animation) = %v; want it refused as a step", err)
	}
}

// TestRenderGolden pins the derived GIFs' bytes: integer arithmetic only,
// so every architecture must produce these very files.
func TestRenderGolden(t *testing.T) {
	img := photo(512, 384)
	for _, tt := range []struct {
		an   Animation
		want string
	}{
		{Animation{Effect: "zoom", Frames: 24, DelayMS: 80, Size: 256, Amount: 10}, "b3691e36cd51329da65abde96848b0f5aa738a244a11139417a797cafee5dbfc"},
		{Animation{Effect: "pan", Frames: 16, DelayMS: 50, Size: 200, Amount: 20}, "e509383923a0b24280840ff19e4c7994adaed20f4c3712dbb873bf78d052ec91"},
	} {
		b, err := tt.an.Render(img)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != tt.want {
			t.Errorf("%s: sha256 %s, want %s (%d bytes)", tt.an.Effect, got, tt.want, len(b))
		}
		again, _ := tt.an.Render(img)
		if !bytes.Equal(b, again) {
			t.Errorf("%s: two renders differ", tt.an.Effect)
		}
	}
}

func TestRenderShape(t *testing.T) {
	img := photo(512, 384)
	an := Animation{Effect: "zoom", Frames: 10, DelayMS: 120, Size: 128, Amount: 30}
	b, err := an.Render(img)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 10 || g.Config.Width != 128 || g.Config.Height != 96 || g.LoopCount != 0 {
		t.Fatalf("got %d frames of %dx%d, loop %d; want 10 of 128x96 looping forever", len(g.Image), g.Config.Width, g.Config.Height, g.LoopCount)
	}
	for i, d := range g.Delay {
		if d != 12 {
			t.Errorf("frame %d: delay %d/100 s, want 12", i, d)
		}
	}
	// The loop is a triangle: frame f and frame F-f show the same window;
	// the widest zoom (frame F/2) differs from the first.
	for f := 1; f < 5; f++ {
		if !bytes.Equal(g.Image[f].Pix, g.Image[10-f].Pix) {
			t.Errorf("frames %d and %d differ; the loop must come back the way it went", f, 10-f)
		}
	}
	if bytes.Equal(g.Image[0].Pix, g.Image[5].Pix) {
		t.Error("frame 0 and frame 5 are the same: the zoom does nothing")
	}
	// A picture smaller than size is not enlarged.
	small, err := Animation{Effect: "pan", Frames: 4, DelayMS: 80, Size: 256, Amount: 10}.Render(photo(40, 60))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := gif.DecodeConfig(bytes.NewReader(small))
	if err != nil || cfg.Width != 40 || cfg.Height != 60 {
		t.Errorf("small image: %dx%d, %v; want 40x60", cfg.Width, cfg.Height, err)
	}
	if _, err := (Animation{Files: "x"}).Render(img); err == nil {
		t.Error("Render without an effect succeeded")
	}
	if _, err := an.Render(image.NewRGBA(image.Rect(0, 0, 0, 0))); err == nil {
		t.Error("Render of an empty image succeeded")
	}
}

func TestProvided(t *testing.T) {
	dir := t.TempDir()
	anim := filepath.Join(dir, "animations")
	if err := os.MkdirAll(anim, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(anim, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mp4 := append([]byte{0, 0, 0, 0x18}, []byte("ftypisom\x00\x00\x02\x00isomiso2")...)
	webm := append([]byte{0x1A, 0x45, 0xDF, 0xA3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84}, []byte("webm")...)
	glb := append([]byte("glTF\x02\x00\x00\x00"), 12, 0, 0, 0)
	write("1.gif", []byte("GIF89a\x01\x00\x01\x00"))
	write("0002.mp4", mp4)
	write("3.webm", webm)
	write("4.html", []byte("\n<!DOCTYPE html><html><body>hi</body></html>"))
	write("5.glb", glb)
	write("6.mov", []byte("\x00\x00\x00\x14ftypqt  "))
	write("7.gif", []byte("PNG, really"))
	write("8.gif", []byte("GIF89a"))
	write("8.mp4", mp4)
	an := Animation{Files: "animations"}
	for id, want := range map[int]string{1: "image/gif", 2: "video/mp4", 3: "video/webm", 4: "text/html", 5: "model/gltf-binary"} {
		f, err := an.Provided(dir, id)
		if err != nil {
			t.Errorf("item %d: %v", id, err)
			continue
		}
		if f.MediaType != want || DetectAnimation(f.Data) != want {
			t.Errorf("item %d: media type %q (detected %q), want %q", id, f.MediaType, DetectAnimation(f.Data), want)
		}
	}
	for id, msg := range map[int]string{
		6:  ".mov files are not published as animations: convert it to MP4",
		7:  "animations/7.gif: the file's content is not gif",
		8:  "holds 8.gif and 8.mp4: keep one animation file per item",
		9:  "no animation file in animations: add animations/9.gif",
		10: "over 100 MiB",
	} {
		if id == 10 {
			f, err := os.Create(filepath.Join(anim, "10.gif"))
			if err != nil {
				t.Fatal(err)
			}
			f.Write([]byte("GIF89a"))
			f.Truncate(MaxAnimationBytes + 1)
			f.Close()
		}
		_, err := an.Provided(dir, id)
		if err == nil || !strings.Contains(err.Error(), msg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("item %d: %v; want one line containing %q", id, err, msg)
		}
	}
	if _, err := an.Provided(dir, 9); !errors.Is(err, ErrNoAnimation) {
		t.Errorf("missing file: %v, want ErrNoAnimation", err)
	}
	// A folder that leads out of the collection is refused.
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "1.gif"), []byte("GIF89a"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "elsewhere")); err != nil {
		t.Fatal(err)
	}
	if _, err := (Animation{Files: "elsewhere"}).Provided(dir, 1); err == nil || !strings.Contains(err.Error(), "outside the collection") {
		t.Errorf("folder outside: %v; want it refused", err)
	}
	if got := (Animation{Files: "a"}).Params(); !reflect.DeepEqual(got, map[string]any{"files": "a"}) {
		t.Errorf("Params = %v", got)
	}
}
