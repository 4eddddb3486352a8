package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/fsatomic"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/state"
)

// Restore puts back the files of pinned or minted items whose folder was
// lost, from where the collection is pinned (a CAR file, a Kubo node): each
// item's final image, original and provenance record, read by the CIDs the
// pin record holds, written only when they are exactly the files the state
// recorded (the same sha256; the record verifies against the image). It
// returns the items restored; an item it cannot restore is an error naming
// it, and nothing of that item is written.
func Restore(ctx context.Context, src Content, dir string, rec *pin.Record, items []state.Item) ([]int, error) {
	roots := map[string]cid.Cid{}
	for name, s := range map[string]string{pin.RootImages: rec.Roots.Images, pin.RootOriginals: rec.Roots.Originals, pin.RootProvenance: rec.Roots.Provenance} {
		c, err := cid.Decode(s)
		if err != nil {
			return nil, fmt.Errorf("pin record: %s root %q: %w", name, s, err)
		}
		roots[name] = c
	}
	byID := map[int]pin.ItemCIDs{}
	for _, it := range rec.Items {
		byID[it.ID] = it
	}
	var done []int
	for _, it := range items {
		pc, ok := byID[it.ID]
		if !ok {
			return done, fmt.Errorf("item %d is not in the pin record (baseURI %s): it cannot be restored from the pin", it.ID, rec.BaseURI)
		}
		fetch := func(root, name, want string) ([]byte, error) {
			b, err := src.Cat(ctx, roots[root], name, DefaultMaxFileBytes)
			if err != nil {
				return nil, fmt.Errorf("restore item %d: %s/%s from %s: %w", it.ID, root, name, src.Source(), err)
			}
			if want != "" && sha256hex(b) != want {
				return nil, fmt.Errorf("restore item %d: %s/%s from %s is not the file the state recorded (sha256 %s, want %s)", it.ID, root, name, src.Source(), sha256hex(b), want)
			}
			return b, nil
		}
		final, err := fetch(pin.RootImages, pc.ImageName, it.Final.SHA256)
		if err != nil {
			return done, err
		}
		original, err := fetch(pin.RootOriginals, pc.OriginalName, it.Original.SHA256)
		if err != nil {
			return done, err
		}
		sidecar, err := fetch(pin.RootProvenance, pc.ProvenanceName, "")
		if err != nil {
			return done, err
		}
		pr, err := provenance.ParseRecord(sidecar)
		if err == nil {
			err = provenance.Verify(pr, final)
		}
		if err == nil && it.RecordSHA256 != "" && pr.ContentSHA256 != it.RecordSHA256 {
			err = fmt.Errorf("record %s, the state recorded %s", pr.ContentSHA256, it.RecordSHA256)
		}
		if err != nil {
			return done, fmt.Errorf("restore item %d: its provenance record from %s does not verify: %w", it.ID, src.Source(), err)
		}
		files := []struct {
			rel string
			b   []byte
		}{{it.Original.Path, original}, {it.ProvenancePath, sidecar}, {it.Final.Path, final}}
		for _, f := range files {
			if !filepath.IsLocal(filepath.FromSlash(f.rel)) {
				return done, fmt.Errorf("restore item %d: the state names %q, outside the collection", it.ID, f.rel)
			}
		}
		for _, f := range files {
			path := filepath.Join(dir, filepath.FromSlash(f.rel))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return done, fsatomic.Explain(fmt.Errorf("restore item %d: %w", it.ID, err))
			}
			if err := fsatomic.WriteFile(path, f.b, 0o644); err != nil {
				return done, fsatomic.Explain(fmt.Errorf("restore item %d: %w", it.ID, err))
			}
		}
		done = append(done, it.ID)
	}
	return done, nil
}

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
