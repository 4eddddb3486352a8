package pin

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/mediatype"
)

// This file publishes an item's animation (spec postprocess animation:):
// the file its provenance record names is pinned in the images directory
// beside the image, as <id><ext> (7.gif, 7.mp4, …), and the token's
// metadata links it as animation_url and properties.animation.

// layoutAnim is an item's animation in the layout.
type layoutAnim struct {
	path, name string // absolute; the name in the images directory
	sha, media string
	size       int64
	cid        cid.Cid
}

// loadRecord reads the item's provenance record once: it keeps what the
// token's metadata takes from it (recordFacts), and the animation it
// names, if any, checking the file is there with the recorded size.
func (li *layoutItem) loadRecord() error {
	rec, err := readRecord(li)
	if err != nil {
		return err
	}
	li.facts = factsOf(rec)
	a := rec.Content.Animation
	if a == nil {
		return nil
	}
	if a.Path == "" || a.Path != filepath.Base(a.Path) || a.Path == "." || a.Path == ".." {
		return fmt.Errorf("item %d: provenance record %s names the animation %q outside the item's folder: re-run 'genmint generate' for the item", li.it.ID, li.provPath, a.Path)
	}
	ext := strings.ToLower(filepath.Ext(a.Path))
	p := filepath.Join(filepath.Dir(li.provPath), a.Path)
	fi, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("item %d: %w: restore it, or re-run 'genmint generate' for the item", li.it.ID, err)
	}
	if fi.Size() != a.Bytes {
		return fmt.Errorf("item %d: %w: %s has %d bytes, its provenance record %d: restore it, or re-run 'genmint generate' for the item", li.it.ID, ErrFileChanged, p, fi.Size(), a.Bytes)
	}
	media := a.MediaType
	if media == "" {
		media = mediatype.FromName(a.Path)
	}
	li.anim = &layoutAnim{path: p, name: strconv.Itoa(li.it.ID) + ext, sha: a.SHA256, media: media, size: a.Bytes}
	return nil
}

// animationCIDs takes each animation's CID from the images directory just
// imported and checks the file is the one the record hashed: for free when
// the CID's digest is the file's sha256, by reading it otherwise.
func (lay *layout) animationCIDs() error {
	entries := lay.entries[RootImages]
	digestIsSHA256 := lay.profile.RawLeaves && lay.profile.Hash == "sha2-256"
	for _, li := range lay.items {
		a := li.anim
		if a == nil {
			continue
		}
		e, ok := entries[a.name]
		if !ok {
			return fmt.Errorf("item %d: the images directory has no %s", li.it.ID, a.name)
		}
		a.cid = e.CID
		got := ""
		if digestIsSHA256 && a.size <= lay.profile.ChunkSize {
			got = sha256Of(e.CID)
		} else {
			var err error
			if got, err = fileSHA256(a.path); err != nil {
				return fmt.Errorf("item %d: %w", li.it.ID, err)
			}
		}
		if got != a.sha {
			return fmt.Errorf("item %d: %w: %s has sha256 %s, its provenance record %s: restore it, or re-run 'genmint generate' for the item",
				li.it.ID, ErrFileChanged, a.path, short(got), short(a.sha))
		}
	}
	return nil
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// addAnimation links the item's animation from its token metadata.
func (lay *layout) addAnimation(md *TokenMetadata, li *layoutItem) {
	a := li.anim
	if a == nil {
		return
	}
	uri := ipfsURI(lay.roots[RootImages], a.name)
	md.AnimationURL = uri
	md.Properties.Animation = &FileRef{URI: uri, CID: a.cid.String(), SHA256: a.sha, MediaType: a.media}
}
