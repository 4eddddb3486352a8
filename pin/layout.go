package pin

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/collpath"
	"github.com/genmint/genmint/pin/unixfs"
	"github.com/genmint/genmint/state"
)

// layout is how a run lays the collection out on IPFS: each item's final
// image, original, provenance record and metadata file under its name in
// the images, originals, provenance and metadata directories (plus the
// collection image, if a file), and, once compute has run, every CID. It is
// built from the state and the folder alone, so the same items always give
// the same layout. (It is not a plan: spec plans items, mint plans
// transactions; this is where files go.)
type layout struct {
	dir     string
	coll    MetadataFacts
	profile unixfs.Profile
	items   []*layoutItem
	// pictures: the contract metadata's pictures that are files of the
	// collection, added to the images directory (with a placeholder: the
	// placeholder image directory)
	pictures []picture
	// the placeholder image, when MetadataFacts.Placeholder names a file
	placeholderName, placeholderPath string

	roots   map[string]cid.Cid
	entries map[string]map[string]unixfs.Imported // root → path → CID and size, to check destinations file by file

	onMetadata func(id int, b []byte) // Options.Metadata, serialised

	ranksOnce sync.Once
	ranks     map[int]int // item id → rarity rank, with MetadataFacts.RarityRank
}

type layoutItem struct {
	it                        state.Item
	finalPath, originalPath   string // absolute
	provPath                  string
	imageName, originalName   string
	provName, metaName        string
	imageCID, originalCID     cid.Cid
	provCID, metaCID          cid.Cid
	finalSHA, originalSHA     string
	finalSize, originalSize   int64
	finalMedia, originalMedia string
	anim                      *layoutAnim // nil: the item has no animation (animation.go)
	facts                     recordFacts // from the provenance record (loadRecord)
}

func newLayout(dir string, items []state.Item, c MetadataFacts, p unixfs.Profile) (*layout, error) {
	lay := &layout{dir: dir, coll: c, profile: p, roots: map[string]cid.Cid{}, entries: map[string]map[string]unixfs.Imported{}}
	for _, it := range items {
		id := strconv.Itoa(it.ID)
		switch {
		case it.Final.Path == "":
			return nil, fmt.Errorf("item %d is %s but has no final image: run 'genmint generate' for it", it.ID, it.Status)
		case it.Original.Path == "":
			return nil, fmt.Errorf("item %d is %s but has no original image: run 'genmint generate' for it", it.ID, it.Status)
		case it.ProvenancePath == "":
			return nil, fmt.Errorf("item %d is %s but has no provenance record: run 'genmint generate' for it", it.ID, it.Status)
		}
		li := &layoutItem{
			it:           it,
			finalPath:    filepath.Join(dir, filepath.FromSlash(it.Final.Path)),
			originalPath: filepath.Join(dir, filepath.FromSlash(it.Original.Path)),
			provPath:     filepath.Join(dir, filepath.FromSlash(it.ProvenancePath)),
			imageName:    id + strings.ToLower(extOf(it.Final.Path)),
			originalName: id + strings.ToLower(extOf(it.Original.Path)),
			provName:     id + ".json",
			metaName:     id,
			finalSHA:     it.Final.SHA256,
			originalSHA:  it.Original.SHA256,
		}
		li.finalMedia = it.Final.MediaType
		if li.finalMedia == "" {
			li.finalMedia = mediaTypeOfName(it.Final.Path)
		}
		li.originalMedia = it.Original.MediaType
		if li.originalMedia == "" {
			li.originalMedia = mediaTypeOfName(it.Original.Path)
		}
		for i, f := range []string{li.finalPath, li.originalPath, li.provPath} {
			fi, err := os.Stat(f)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w: restore it, or re-run 'genmint generate' for the item", it.ID, err)
			}
			switch i {
			case 0:
				li.finalSize = fi.Size()
			case 1:
				li.originalSize = fi.Size()
			}
		}
		lay.items = append(lay.items, li)
	}
	// Each item's provenance record, read on every core: with 1,000 items
	// this was the serial time before the first block could go to a
	// remote node. The record is not kept, only its animation and the few
	// facts the token's metadata shows (a reading during the metadata step
	// was most of that step's time, when nothing was left for a remote
	// node to take). The first item's error, in the items' order, is the
	// one returned.
	errs := make([]error, len(lay.items))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(lay.items)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(lay.items); i = int(next.Add(1) - 1) {
				errs[i] = lay.items[i].loadRecord()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for _, p := range []struct{ field, spec, name string }{
		{"image", c.Image, "collection"},
		{"banner_image", c.BannerImage, "banner"},
		{"featured_image", c.FeaturedImage, "featured"},
	} {
		if p.spec == "" || isURI(p.spec) {
			continue
		}
		path, err := collpath.Resolve(dir, p.spec)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w: fix %s in genmint.yaml", p.field, p.spec, err, p.field)
		}
		lay.pictures = append(lay.pictures, picture{field: p.field, name: p.name + strings.ToLower(extOf(p.spec)), path: path})
	}
	if ph := c.Placeholder; ph != nil && ph.Image != "" && !isURI(ph.Image) {
		p, err := collpath.Resolve(dir, ph.Image)
		if err != nil {
			return nil, fmt.Errorf("placeholder image: %w", err)
		}
		lay.placeholderPath = p
		lay.placeholderName = "placeholder" + strings.ToLower(extOf(ph.Image))
	}
	return lay, nil
}

func isURI(s string) bool { return collpath.IsURI(s) }

// picture is a contract metadata picture (the collection's image,
// banner_image, featured_image) that is a file of the collection: field
// is its contract metadata field, name its entry in the folder it is
// published in ("collection.png", "banner.png", "featured.jpg").
type picture struct{ field, name, path string }

// pictureURI is the ipfs:// URI of the contract metadata's field when the
// spec names a file for it.
func (lay *layout) pictureURI(field string) (string, bool) {
	root := RootImages
	if lay.coll.Placeholder != nil {
		root = RootPlaceholderImage // before the reveal nothing may name the real images
	}
	for _, p := range lay.pictures {
		if p.field == field {
			return ipfsURI(lay.roots[root], p.name), true
		}
	}
	return "", false
}

func (lay *layout) ids() []int {
	ids := make([]int, len(lay.items))
	for i, li := range lay.items {
		ids[i] = li.it.ID
	}
	return ids
}

// Directory trees. Each is rebuilt on demand from the layout: building is
// cheap and holds no file data.
func (lay *layout) imagesDir() *unixfs.Dir {
	d := &unixfs.Dir{}
	for _, li := range lay.items {
		d.AddPath(li.imageName, li.finalPath)
		if li.anim != nil {
			d.AddPath(li.anim.name, li.anim.path)
		}
	}
	if lay.coll.Placeholder == nil {
		for _, p := range lay.pictures {
			d.AddPath(p.name, p.path)
		}
	}
	return d
}

// placeholderImageDir holds what is shown before the reveal: the
// placeholder image and the collection's pictures. nil when it has nothing.
func (lay *layout) placeholderImageDir() *unixfs.Dir {
	if lay.coll.Placeholder == nil || lay.placeholderName == "" && len(lay.pictures) == 0 {
		return nil
	}
	d := &unixfs.Dir{}
	if lay.placeholderName != "" {
		d.AddPath(lay.placeholderName, lay.placeholderPath)
	}
	for _, p := range lay.pictures {
		d.AddPath(p.name, p.path)
	}
	return d
}

// placeholderDir is the placeholder baseURI's folder: one file per token,
// named as tokenURI names it, every one the same JSON.
func (lay *layout) placeholderDir(b []byte) *unixfs.Dir {
	d := &unixfs.Dir{}
	for _, li := range lay.items {
		d.AddFile(li.metaName, func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(string(b))), nil })
	}
	return d
}

func (lay *layout) originalsDir() *unixfs.Dir {
	d := &unixfs.Dir{}
	for _, li := range lay.items {
		d.AddPath(li.originalName, li.originalPath)
	}
	return d
}

func (lay *layout) provenanceDir() *unixfs.Dir {
	d := &unixfs.Dir{}
	for _, li := range lay.items {
		d.AddPath(li.provName, li.provPath)
	}
	return d
}

func (lay *layout) metadataDir() *unixfs.Dir {
	d := &unixfs.Dir{}
	for _, li := range lay.items {
		li := li
		d.AddFile(li.metaName, func() (io.ReadCloser, error) {
			b, err := lay.tokenJSON(li)
			if err != nil {
				return nil, err
			}
			if lay.onMetadata != nil {
				lay.onMetadata(li.it.ID, b)
			}
			return io.NopCloser(strings.NewReader(string(b))), nil
		})
	}
	return d
}

func (lay *layout) pinName(root string) string {
	name := lay.coll.Name
	if name == "" {
		name = filepath.Base(lay.dir)
	}
	return "genmint " + name + " " + root
}

func (lay *layout) result(dry bool) *Result {
	res := &Result{
		DryRun:  dry,
		Profile: lay.profile,
		Roots: Roots{
			Images:     lay.roots[RootImages].String(),
			Originals:  lay.roots[RootOriginals].String(),
			Provenance: lay.roots[RootProvenance].String(),
			Metadata:   lay.roots[RootMetadata].String(),
			Contract:   lay.roots[RootContract].String(),
		},
		BaseURI:     "ipfs://" + lay.roots[RootMetadata].String() + "/",
		ContractURI: "ipfs://" + lay.roots[RootContract].String(),
		// Lists are [] in JSON, never null, even when empty.
		Items:        make([]ItemCIDs, 0, len(lay.items)),
		Destinations: []DestinationResult{},
	}
	if c, ok := lay.roots[RootPlaceholder]; ok {
		res.Roots.Placeholder = c.String()
		res.PlaceholderURI = "ipfs://" + c.String() + "/"
	}
	if c, ok := lay.roots[RootPlaceholderImage]; ok {
		res.Roots.PlaceholderImage = c.String()
	}
	for _, li := range lay.items {
		var animName, animCID string
		if li.anim != nil {
			animName, animCID = li.anim.name, li.anim.cid.String()
		}
		res.Items = append(res.Items, ItemCIDs{
			AnimationName:  animName,
			AnimationCID:   animCID,
			ID:             li.it.ID,
			ImageName:      li.imageName,
			ImageCID:       li.imageCID.String(),
			OriginalName:   li.originalName,
			OriginalCID:    li.originalCID.String(),
			ProvenanceName: li.provName,
			ProvenanceCID:  li.provCID.String(),
			MetadataCID:    li.metaCID.String(),
			TokenURI:       res.BaseURI + li.metaName,
		})
	}
	return res
}

// fileBytes is the size on disk of the files of root name that the state
// records (the images, with animations, and the originals; 0 for the small
// JSON roots): about the bytes of its blocks, for progress.
func (lay *layout) fileBytes(name string) int64 {
	var n int64
	for _, li := range lay.items {
		switch name {
		case RootImages:
			n += li.finalSize
			if li.anim != nil {
				n += li.anim.size
			}
		case RootOriginals:
			n += li.originalSize
		}
	}
	return n
}
