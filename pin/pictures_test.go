package pin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/internal/collpath"
	"github.com/genmint/genmint/internal/testenv"
)

// withPictures is c with a banner and a featured image that are files of
// the collection in dir; it returns their bytes too.
func withPictures(t *testing.T, dir string, c MetadataFacts) (MetadataFacts, []byte, []byte) {
	t.Helper()
	pic := func(name string, shade uint8) []byte {
		img := image.NewGray(image.Rect(0, 0, 6, 2))
		for i := range img.Pix {
			img.Pix[i] = shade
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, path, b.Bytes())
		return b.Bytes()
	}
	banner, featured := pic("assets/Banner.PNG", 40), pic("featured.png", 200)
	c.BannerImage, c.FeaturedImage = "assets/Banner.PNG", "./featured.png"
	return c, banner, featured
}

// TestLocalPicturesPinned: a banner_image and featured_image that are files
// of the collection are pinned beside the collection's images, to Kubo and
// into the CAR alike, and the contract metadata names them by ipfs:// URI.
// With a placeholder they go beside the placeholder image instead, so
// nothing published before the reveal names the real images.
func TestLocalPicturesPinned(t *testing.T) {
	k := testenv.StartKubo(t)
	ctx := context.Background()
	for _, placeholder := range []bool{false, true} {
		dir, db := newCollection(t, 3, 16)
		c := testCollection
		if placeholder {
			c = withPlaceholder(t, dir)
		}
		c, banner, featured := withPictures(t, dir, c)
		carPath := filepath.Join(t.TempDir(), "c.car")
		res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: c, Pinners: []Pinner{kuboPinner(t, k)}, CAR: carPath})
		if err != nil {
			t.Fatal(err)
		}
		root := res.Roots.Images
		if placeholder {
			root = res.Roots.PlaceholderImage
		}
		var cm ContractMetadata
		contract := k.IPFS(t, "cat", res.Roots.Contract)
		if err := json.Unmarshal([]byte(contract), &cm); err != nil {
			t.Fatal(err)
		}
		if cm.BannerImage != "ipfs://"+root+"/banner.png" || cm.FeaturedImage != "ipfs://"+root+"/featured.png" {
			t.Fatalf("placeholder %t: contract metadata names banner %q, featured %q (pictures root %s)", placeholder, cm.BannerImage, cm.FeaturedImage, root)
		}
		validate(t, compileSchema(t, "contract.schema.json", ContractSchema), []byte(contract))
		bs := loadCAR(t, carPath)
		fromCAR := unixfsDirFiles(t, bs, root)
		for uri, want := range map[string][]byte{cm.BannerImage: banner, cm.FeaturedImage: featured} {
			p := "/ipfs/" + strings.TrimPrefix(uri, "ipfs://")
			if got := gatewayGet(t, k, p); !bytes.Equal(got, want) {
				t.Fatalf("%s from Kubo differs from the file", p)
			}
			if got := fromCAR[p[strings.LastIndexByte(p, '/')+1:]]; !bytes.Equal(got, want) {
				t.Fatalf("%s from the CAR differs from the file", p)
			}
		}
		if placeholder {
			if real := unixfsDirFiles(t, bs, res.Roots.Images); real["banner.png"] != nil || real["featured.png"] != nil {
				t.Fatal("before the reveal the pictures are in the real images folder")
			}
		}
	}
}

// A picture outside the collection is refused before anything is computed,
// naming the field to fix.
func TestLocalPictureOutsideRefused(t *testing.T) {
	dir, db := newCollection(t, 1, 16)
	c := testCollection
	c.FeaturedImage = "../featured.png"
	_, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: c, DryRun: true})
	if !errors.Is(err, collpath.ErrOutside) || !strings.Contains(err.Error(), "fix featured_image in genmint.yaml") {
		t.Fatalf("got %v", err)
	}
	c.FeaturedImage, c.BannerImage = "", "missing.png"
	_, err = Run(context.Background(), Options{Dir: dir, DB: db, Collection: c, DryRun: true})
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "banner_image missing.png") {
		t.Fatalf("got %v", err)
	}
}
