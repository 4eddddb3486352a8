package pin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/genmint/genmint/pin/unixfs"
)

// This file computes a run's CIDs locally (through pin/unixfs), checking
// each file against the hash the state recorded as it is read.

// compute runs steps 1–3 locally and returns the roots to pin, in order.
// Each root's blocks go to streams as they are made (nil: nowhere).
func (lay *layout) compute(ctx context.Context, progress func(Event), streams *runStreams) ([]Root, error) {
	byName := map[string]map[string]*layoutItem{}
	index := func(root string, name func(*layoutItem) string) {
		m := map[string]*layoutItem{}
		for _, li := range lay.items {
			m[name(li)] = li
		}
		byName[root] = m
	}
	index(RootImages, func(li *layoutItem) string { return li.imageName })
	index(RootOriginals, func(li *layoutItem) string { return li.originalName })
	index(RootProvenance, func(li *layoutItem) string { return li.provName })
	index(RootMetadata, func(li *layoutItem) string { return li.metaName })

	// A file of at most one chunk, imported with raw leaves and sha2-256,
	// has the file's own sha256 as its CID's digest: it is checked against
	// the state for free. Larger files are hashed as they are read.
	sizes := map[string]uint64{} // each root's cumulative size
	digestIsSHA256 := lay.profile.RawLeaves && lay.profile.Hash == "sha2-256"
	importRoot := func(name string, d *unixfs.Dir, set func(*layoutItem, cid.Cid), verify func(*layoutItem) (want, label string, size int64)) (cid.Cid, error) {
		if err := d.Check(); err != nil {
			return cid.Undef, fmt.Errorf("%s: %w", name, err)
		}
		entries := map[string]unixfs.Imported{}
		total := d.Len()
		var checks []*hashCheck
		var mu sync.Mutex // Wrap runs on the importer's goroutines
		put, streamed := streams.sink(name)
		opts := unixfs.ImportOptions{
			Put:      put,
			Parallel: runtime.GOMAXPROCS(0),
			Entry: func(e unixfs.Imported) error {
				entries[e.Path] = e
				if li := byName[name][e.Path]; li != nil {
					set(li, e.CID)
					if verify != nil {
						if want, label, size := verify(li); want != "" && digestIsSHA256 && size <= lay.profile.ChunkSize {
							if got := sha256Of(e.CID); got != want {
								return fmt.Errorf("item %d: %w: %s has sha256 %s, the state recorded %s: restore it, or re-run 'genmint generate' for the item",
									li.it.ID, ErrFileChanged, label, short(got), short(want))
							}
						}
					}
				}
				progress(Event{Kind: EventComputing, Root: name, Path: e.Path, CID: e.CID.String(), Done: len(entries), Total: total})
				return nil
			},
		}
		if verify != nil {
			opts.Wrap = func(path string, r io.Reader) io.Reader {
				li := byName[name][path]
				if li == nil {
					return r
				}
				want, label, size := verify(li)
				if want == "" || (digestIsSHA256 && size <= lay.profile.ChunkSize) {
					return r
				}
				hc := &hashCheck{r: r, h: sha256.New(), want: want, label: label, id: li.it.ID}
				mu.Lock()
				checks = append(checks, hc)
				mu.Unlock()
				return hc
			}
		}
		c, size, err := unixfs.ImportDir(ctx, d, lay.profile, opts)
		if err != nil {
			return cid.Undef, fmt.Errorf("compute %s CIDs: %w", name, err)
		}
		sizes[name] = size
		for _, hc := range checks {
			if err := hc.verdict(); err != nil {
				return cid.Undef, err
			}
		}
		lay.entries[name] = entries
		lay.roots[name] = c
		streamed(c)
		progress(Event{Kind: EventComputed, Root: name, CID: c.String(), Done: total, Total: total})
		return c, nil
	}

	rel := func(p string) string {
		if r, err := filepath.Rel(lay.dir, p); err == nil {
			return filepath.ToSlash(r)
		}
		return p
	}
	var roots []Root
	add := func(name string, d *unixfs.Dir, c cid.Cid) {
		known := lay.entries[name]
		roots = append(roots, Root{Name: name, CID: c, Dir: d, Profile: lay.profile, PinName: lay.pinName(name), Size: sizes[name],
			Known: func(path string) (cid.Cid, uint64, bool) {
				e, ok := known[path]
				return e.CID, e.Size, ok && !e.Dir
			}})
	}

	// 1. The files.
	c, err := importRoot(RootImages, lay.imagesDir(), func(li *layoutItem, c cid.Cid) { li.imageCID = c },
		func(li *layoutItem) (string, string, int64) { return li.finalSHA, rel(li.finalPath), li.finalSize })
	if err != nil {
		return nil, err
	}
	add(RootImages, lay.imagesDir(), c)
	if err := lay.animationCIDs(); err != nil {
		return nil, err
	}
	c, err = importRoot(RootOriginals, lay.originalsDir(), func(li *layoutItem, c cid.Cid) { li.originalCID = c },
		func(li *layoutItem) (string, string, int64) {
			return li.originalSHA, rel(li.originalPath), li.originalSize
		})
	if err != nil {
		return nil, err
	}
	add(RootOriginals, lay.originalsDir(), c)
	c, err = importRoot(RootProvenance, lay.provenanceDir(), func(li *layoutItem, c cid.Cid) { li.provCID = c }, nil)
	if err != nil {
		return nil, err
	}
	add(RootProvenance, lay.provenanceDir(), c)

	// 2–3. The metadata, which names the CIDs above.
	c, err = importRoot(RootMetadata, lay.metadataDir(), func(li *layoutItem, c cid.Cid) { li.metaCID = c }, nil)
	if err != nil {
		return nil, err
	}
	add(RootMetadata, lay.metadataDir(), c)

	// With a placeholder: its image, then its metadata folder.
	if lay.coll.Placeholder != nil {
		if d := lay.placeholderImageDir(); d != nil {
			c, err = importRoot(RootPlaceholderImage, d, func(*layoutItem, cid.Cid) {}, nil)
			if err != nil {
				return nil, err
			}
			add(RootPlaceholderImage, lay.placeholderImageDir(), c)
		}
		ph, err := lay.placeholderJSON()
		if err != nil {
			return nil, err
		}
		c, err = importRoot(RootPlaceholder, lay.placeholderDir(ph), func(*layoutItem, cid.Cid) {}, nil)
		if err != nil {
			return nil, err
		}
		add(RootPlaceholder, lay.placeholderDir(ph), c)
	}

	contract, err := lay.contractJSON()
	if err != nil {
		return nil, err
	}
	open := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(string(contract))), nil }
	put, streamed := streams.sink(RootContract)
	cc, csize, err := unixfs.ImportFile(ctx, open, lay.profile, unixfs.ImportOptions{Put: put})
	if err != nil {
		return nil, fmt.Errorf("compute contract metadata CID: %w", err)
	}
	streamed(cc)
	lay.roots[RootContract] = cc
	lay.entries[RootContract] = map[string]unixfs.Imported{}
	progress(Event{Kind: EventComputed, Root: RootContract, CID: cc.String(), Done: 1, Total: 1})
	roots = append(roots, Root{Name: RootContract, CID: cc, File: open, Profile: lay.profile, PinName: lay.pinName(RootContract), Size: csize})
	return roots, nil
}

// hashCheck verifies a file's sha256 against the state while the importer
// reads it, so the file is read once for both.
type hashCheck struct {
	r     io.Reader
	h     hash.Hash
	want  string
	label string
	id    int
	eof   bool
	got   string
}

func (hc *hashCheck) Read(p []byte) (int, error) {
	if hc.eof {
		return 0, io.EOF
	}
	n, err := hc.r.Read(p)
	hc.h.Write(p[:n])
	if err == io.EOF {
		hc.eof = true
		hc.got = hex.EncodeToString(hc.h.Sum(nil))
		hc.h, hc.r = nil, nil // keep only the verdict
		if err := hc.verdict(); err != nil {
			return n, err
		}
	}
	return n, err
}

func (hc *hashCheck) verdict() error {
	if !hc.eof {
		return fmt.Errorf("item %d: %s was not read to the end", hc.id, hc.label)
	}
	if hc.got != hc.want {
		return fmt.Errorf("item %d: %w: %s has sha256 %s, the state recorded %s: restore it, or re-run 'genmint generate' for the item",
			hc.id, ErrFileChanged, hc.label, short(hc.got), short(hc.want))
	}
	return nil
}

// sha256Of returns the hex digest of a sha2-256 CID ("" for other hashes).
func sha256Of(c cid.Cid) string {
	d, err := mh.Decode(c.Hash())
	if err != nil || d.Code != mh.SHA2_256 {
		return ""
	}
	return hex.EncodeToString(d.Digest)
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}
