package preview

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/genmint/genmint/curate/curatetest"
)

func writePNG(t *testing.T, dir, name string, img image.Image) Source {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return Source{Path: p, SHA256: hex.EncodeToString(sum[:])}
}

var ctx = context.Background()

func TestCacheDecodesOnce(t *testing.T) {
	dir := t.TempDir()
	big := writePNG(t, dir, "big.png", noise(1200, 800))
	c := NewCache("", 8)
	var wg sync.WaitGroup
	imgs := make([]image.Image, 8)
	for i := range imgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			img, err := c.Thumb(ctx, big)
			if err != nil {
				t.Error(err)
			}
			imgs[i] = img
		}()
	}
	wg.Wait()
	if st := c.Stats(); st.Decodes != 1 {
		t.Fatalf("8 concurrent requests decoded %d times, want 1", st.Decodes)
	}
	if b := imgs[0].Bounds(); b.Dx() != ThumbSide || b.Dy() != ThumbSide*800/1200 {
		t.Errorf("thumbnail %v, want %d wide keeping the aspect", b, ThumbSide)
	}
	// Every preview size comes from the thumbnail: rendering at new sizes
	// (a resize) decodes nothing.
	p := &Previewer{Cache: c, Renderer: blocksRenderer{}}
	for _, box := range [][2]int{{20, 10}, {60, 20}, {8, 4}} {
		if _, err := p.Frame(ctx, big, box[0], box[1]); err != nil {
			t.Fatal(err)
		}
	}
	if st := c.Stats(); st.Decodes != 1 || st.MemHits < 3 {
		t.Errorf("after three more sizes: %+v, want still 1 decode", st)
	}
	// Small images are kept at their own size.
	small := writePNG(t, dir, "small.png", curatetest.Image(0, 48))
	img, err := c.Thumb(ctx, small)
	if err != nil || img.Bounds().Dx() != 48 {
		t.Errorf("small image thumbnail %v, %v", img.Bounds(), err)
	}
}

func TestCacheLRUAndDisk(t *testing.T) {
	dir := t.TempDir()
	disk := DiskDir(dir)
	var srcs []Source
	for i := 0; i < 3; i++ {
		srcs = append(srcs, writePNG(t, dir, "img"+string(rune('a'+i))+".png", curatetest.Image(i, 40)))
	}
	c := NewCache(disk, 2)
	for _, s := range srcs {
		if _, err := c.Thumb(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	// srcs[0] fell out of memory (capacity 2) but is on disk.
	if _, err := c.Thumb(ctx, srcs[0]); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Decodes != 3 || st.DiskHits != 1 {
		t.Errorf("after evicting and re-reading: %+v, want 3 decodes and 1 disk hit", st)
	}
	// A new session (new cache, same folder) starts warm.
	c2 := NewCache(disk, 8)
	for _, s := range srcs {
		img, err := c2.Thumb(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := c.Thumb(ctx, s)
		if !bytes.Equal(img.(*image.NRGBA).Pix, want.(*image.NRGBA).Pix) {
			t.Errorf("disk thumbnail of %s differs from the decoded one", s.Path)
		}
	}
	if st := c2.Stats(); st.Decodes != 0 || st.DiskHits != 3 {
		t.Errorf("second session: %+v, want 0 decodes and 3 disk hits", st)
	}
	// A damaged cache file is rebuilt from the image.
	files, _ := filepath.Glob(filepath.Join(disk, "*.png"))
	if len(files) != 3 {
		t.Fatalf("disk cache holds %d files, want 3", len(files))
	}
	os.WriteFile(files[0], []byte("garbage"), 0o644)
	c3 := NewCache(disk, 8)
	for _, s := range srcs {
		if _, err := c3.Thumb(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if st := c3.Stats(); st.Decodes != 1 || st.DiskHits != 2 {
		t.Errorf("with one damaged cache file: %+v", st)
	}
}

func TestCacheBadImages(t *testing.T) {
	dir := t.TempDir()
	c := NewCache("", 4)

	if _, err := c.Thumb(ctx, Source{Path: filepath.Join(dir, "missing.png"), SHA256: strings.Repeat("a", 64)}); err == nil || !strings.Contains(err.Error(), "missing.png") {
		t.Errorf("missing file: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "text.png"), []byte("not an image"), 0o644)
	if _, err := c.Thumb(ctx, Source{Path: filepath.Join(dir, "text.png")}); err == nil || !strings.Contains(err.Error(), "not a PNG, JPEG or WebP") {
		t.Errorf("non-image: %v", err)
	}
	// A truncated PNG: the header is fine, the pixels are cut off.
	var buf bytes.Buffer
	png.Encode(&buf, noise(64, 64))
	os.WriteFile(filepath.Join(dir, "cut.png"), buf.Bytes()[:buf.Len()/2], 0o644)
	if _, err := c.Thumb(ctx, Source{Path: filepath.Join(dir, "cut.png")}); err == nil || !strings.Contains(err.Error(), "damaged image") {
		t.Errorf("truncated PNG: %v", err)
	}
	// A header claiming 50000×50000 pixels is refused before decoding.
	b := buf.Bytes()
	hdr := append([]byte(nil), b[:33]...)
	binary.BigEndian.PutUint32(hdr[16:], 50000)
	binary.BigEndian.PutUint32(hdr[20:], 50000)
	binary.BigEndian.PutUint32(hdr[29:], crc32.ChecksumIEEE(hdr[12:29]))
	os.WriteFile(filepath.Join(dir, "huge.png"), append(hdr, b[33:]...), 0o644)
	if _, err := c.Thumb(ctx, Source{Path: filepath.Join(dir, "huge.png")}); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "50000×50000") {
		t.Errorf("huge PNG: %v", err)
	}
	// Failures are not cached as successes, and nothing was decoded fully
	// except the truncated file's attempt.
	if st := c.Stats(); st.Decodes != 1 || st.MemHits != 0 {
		t.Errorf("stats after bad images: %+v", st)
	}
}
