package preview

import (
	"bytes"
	"container/list"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // finals and originals may be JPEG
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	_ "golang.org/x/image/webp" // originals may be WebP
)

// ThumbSide is the longer side, in pixels, of the thumbnail kept for each
// image. Every preview size is scaled from it, so a resize or a second visit
// never decodes the full-size image again.
const ThumbSide = 512

// MaxPixels bounds the images the cache decodes (a corrupt or hostile
// header could otherwise ask for gigabytes).
const MaxPixels = 80_000_000

// ErrTooLarge is returned for an image over MaxPixels.
var ErrTooLarge = errors.New("image too large to preview")

// Source names an image to preview.
type Source struct {
	// Path is the file's path on disk.
	Path string
	// SHA256 is the file's content hash as recorded in the state database;
	// it keys the caches. Empty falls back to the path, size and time.
	SHA256 string
}

// Stats count what the cache did, for tests and benchmarks.
type Stats struct {
	Decodes  int // full-size images decoded
	DiskHits int // thumbnails read back from the disk cache
	MemHits  int // thumbnails served from memory
}

// Cache keeps thumbnails in memory (least recently used first out) and,
// optionally, on disk in .genmint/cache/thumbs/ so the next session starts
// warm. Concurrent requests for one image wait for a single decode. It is
// safe for concurrent use.
type Cache struct {
	diskDir string
	max     int

	mu       sync.Mutex
	lru      *list.List // of *thumb, most recent first
	idx      map[string]*list.Element
	inflight map[string]*flight
	stats    Stats
}

type thumb struct {
	key string
	img image.Image
}

type flight struct {
	done chan struct{}
	img  image.Image
	err  error
}

// NewCache returns a cache holding up to entries thumbnails in memory (a
// 512-pixel thumbnail is about 1 MiB) and writing them to diskDir when it is
// not empty.
func NewCache(diskDir string, entries int) *Cache {
	if entries < 1 {
		entries = 1
	}
	return &Cache{diskDir: diskDir, max: entries, lru: list.New(), idx: map[string]*list.Element{}, inflight: map[string]*flight{}}
}

// DiskDir is the disk cache folder inside a collection.
func DiskDir(collectionDir string) string {
	return filepath.Join(collectionDir, ".genmint", "cache", "thumbs")
}

// Stats returns a snapshot of the cache's counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Thumb returns src's thumbnail (at most ThumbSide pixels on its longer
// side), decoding the full-size file only when neither memory nor disk has it.
func (c *Cache) Thumb(ctx context.Context, src Source) (image.Image, error) {
	key := src.SHA256
	if key == "" {
		fi, err := os.Stat(src.Path)
		if err != nil {
			return nil, fmt.Errorf("preview %s: %w", src.Path, err)
		}
		key = "path:" + src.Path + ":" + strconv.FormatInt(fi.Size(), 10) + ":" + strconv.FormatInt(fi.ModTime().UnixNano(), 10)
	}
	c.mu.Lock()
	if el, ok := c.idx[key]; ok {
		c.lru.MoveToFront(el)
		c.stats.MemHits++
		img := el.Value.(*thumb).img
		c.mu.Unlock()
		return img, nil
	}
	if f, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.img, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	c.inflight[key] = f
	c.mu.Unlock()

	f.img, f.err = c.load(ctx, src, key)

	c.mu.Lock()
	delete(c.inflight, key)
	if f.err == nil {
		c.idx[key] = c.lru.PushFront(&thumb{key: key, img: f.img})
		for c.lru.Len() > c.max {
			old := c.lru.Remove(c.lru.Back()).(*thumb)
			delete(c.idx, old.key)
		}
	}
	c.mu.Unlock()
	close(f.done)
	return f.img, f.err
}

func (c *Cache) diskPath(key string) string {
	if c.diskDir == "" || src256(key) == "" {
		return ""
	}
	return filepath.Join(c.diskDir, key+"-"+strconv.Itoa(ThumbSide)+".png")
}

// src256 returns key when it is a hex sha256 (safe as a file name).
func src256(key string) string {
	if len(key) != 64 {
		return ""
	}
	for _, r := range key {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return ""
		}
	}
	return key
}

func (c *Cache) load(ctx context.Context, src Source, key string) (image.Image, error) {
	if p := c.diskPath(key); p != "" {
		if b, err := os.ReadFile(p); err == nil {
			if img, err := png.Decode(bytes.NewReader(b)); err == nil {
				c.mu.Lock()
				c.stats.DiskHits++
				c.mu.Unlock()
				// Same pixel layout as a fresh thumbnail, so renders match.
				return scale(img, img.Bounds().Dx(), img.Bounds().Dy()), nil
			}
			// A damaged cache file is rebuilt below.
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(src.Path)
	if err != nil {
		return nil, fmt.Errorf("preview %s: %w", src.Path, err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("preview %s: not a PNG, JPEG or WebP image (%v)", src.Path, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("preview %s: %w (%d×%d)", src.Path, ErrTooLarge, cfg.Width, cfg.Height)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	full, _, err := image.Decode(bytes.NewReader(b))
	c.mu.Lock()
	c.stats.Decodes++
	c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("preview %s: damaged image (%v)", src.Path, err)
	}
	w, h := fit(full.Bounds(), ThumbSide, ThumbSide)
	if fb := full.Bounds(); fb.Dx() <= ThumbSide && fb.Dy() <= ThumbSide {
		w, h = fb.Dx(), fb.Dy()
	}
	t := scale(full, w, h)
	if p := c.diskPath(key); p != "" {
		writeCache(p, t) // best effort: a read-only collection still previews
	}
	return t, nil
}

// writeCache stores a thumbnail atomically (temp file, rename); a cache
// needs no fsync: a lost file is rebuilt.
func writeCache(path string, img image.Image) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*.png")
	if err != nil {
		return
	}
	err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(tmp, img)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
}

// Previewer renders items' images for one protocol through a thumbnail cache.
type Previewer struct {
	Cache    *Cache
	Renderer Renderer
}

// Frame loads src's thumbnail and renders it for a cols×rows box.
func (p *Previewer) Frame(ctx context.Context, src Source, cols, rows int) (Frame, error) {
	if p.Renderer.Protocol() == None {
		return Frame{Protocol: None}, nil
	}
	img, err := p.Cache.Thumb(ctx, src)
	if err != nil {
		return Frame{}, err
	}
	return p.Renderer.Render(img, cols, rows)
}
