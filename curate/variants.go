package curate

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/state"
)

// Variant is an earlier candidate of an item, kept when the item was
// regenerated: never deleted, so an artist can compare and go back.
type Variant struct {
	ItemID         int
	No             int          // 1 for the first candidate replaced, then 2, …
	Status         state.Status // the item's status when it was replaced
	Seed           uint32
	Prompt         string
	NegativePrompt string
	GenHash        string
	PostHash       string
	Original       state.File // copies under items/NNNN/variants/<No>/, relative to the collection
	Final          state.File
	ProvenancePath string
	RecordSHA256   string
	CreatedAt      time.Time
}

// Regenerated is what a regeneration returns to the curation view.
type Regenerated struct {
	// Entry is the item's list row after regeneration: the new candidate,
	// status generated (undecided).
	Entry Entry
	// Previous is the candidate it replaced, kept as a variant; nil when the
	// item had no image (refused, failed).
	Previous *Variant
}

// ArchiveCandidate keeps item id's current candidate as its next variant,
// before a regeneration overwrites the item's files. It copies the item's
// original, final image, provenance sidecar and the animation the sidecar
// names (spec animation:; it is sealed in the record, so it goes with it)
// into <item folder>/variants/<No>/ (each copy durable before the next step), then
// records the variant in one transaction. An item with no image yet returns
// (nil, nil): there is nothing to keep.
//
// It is idempotent under crashes: files copied by an attempt that died before
// its row was written are overwritten by the next attempt, which takes the
// same number.
func ArchiveCandidate(ctx context.Context, db *state.DB, collectionDir string, id int) (*Variant, error) {
	if err := Migrate(ctx, db); err != nil {
		return nil, err
	}
	it, err := db.Item(ctx, id)
	if err != nil {
		return nil, err
	}
	if it.Original.Path == "" && it.Final.Path == "" {
		return nil, nil
	}
	var no int
	if err := db.SQL().QueryRowContext(ctx, `SELECT coalesce(max(variant), 0) + 1 FROM curate_variants WHERE item_id = ?`, id).Scan(&no); err != nil {
		return nil, fmt.Errorf("archive item %d: %w", id, err)
	}
	base := it.Final.Path
	if base == "" {
		base = it.Original.Path
	}
	vdir := path.Join(path.Dir(base), "variants", strconv.Itoa(no))
	v := &Variant{
		ItemID: id, No: no, Status: it.Status, Seed: it.Seed, Prompt: it.Prompt, NegativePrompt: it.NegativePrompt,
		GenHash: it.GenHash, PostHash: it.PostHash, RecordSHA256: it.RecordSHA256, CreatedAt: db.Now(),
		Original: it.Original, Final: it.Final,
	}
	cp := func(rel string) (string, error) {
		if rel == "" {
			return "", nil
		}
		dst := path.Join(vdir, path.Base(rel))
		if err := copyDurable(filepath.Join(collectionDir, filepath.FromSlash(rel)), filepath.Join(collectionDir, filepath.FromSlash(dst))); err != nil {
			return "", fmt.Errorf("archive item %d: %w", id, err)
		}
		return dst, nil
	}
	if v.Original.Path, err = cp(it.Original.Path); err != nil {
		return nil, err
	}
	if v.Final.Path, err = cp(it.Final.Path); err != nil {
		return nil, err
	}
	if v.ProvenancePath, err = cp(it.ProvenancePath); err != nil {
		return nil, err
	}
	if anim := animationOf(collectionDir, it.ProvenancePath); anim != "" {
		if _, err := os.Stat(filepath.Join(collectionDir, filepath.FromSlash(anim))); err == nil {
			if _, err := cp(anim); err != nil {
				return nil, err
			}
		}
	}
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO curate_variants(item_id, variant, status, seed, prompt, negative_prompt,
				gen_hash, post_hash, original_path, original_sha256, original_type, final_path, final_sha256,
				provenance_path, record_sha256, created_at)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, no, string(v.Status), int64(v.Seed), v.Prompt, v.NegativePrompt, v.GenHash, v.PostHash,
			v.Original.Path, v.Original.SHA256, v.Original.MediaType, v.Final.Path, v.Final.SHA256,
			v.ProvenancePath, v.RecordSHA256, stamp(v.CreatedAt))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("archive item %d: %w", id, err)
	}
	return v, nil
}

// RestoreCandidate undoes a regeneration that did not finish (refused,
// failed, cancelled): before is the item as read just before
// ArchiveCandidate, and v the variant that call returned (nil when the item
// had no image). It copies the variant's files back over the item's (the
// regeneration may have overwritten the original already), restores the
// item's row (state.DB.Restore), then forgets the variant, whose files are
// the item's again, and removes its folder. An item the regeneration never
// changed is left as it is and only the variant is forgotten. Files the
// regeneration wrote under other names are removed.
//
// Each step is durable before the next: a crash part-way leaves either the
// unfinished regeneration (which 'genmint generate' completes, the old
// candidate safe as a variant) or the old candidate back with at most a
// spare copy of it as a variant.
func RestoreCandidate(ctx context.Context, db *state.DB, collectionDir string, before state.Item, v *Variant) error {
	cur, err := db.Item(ctx, before.ID)
	if err != nil {
		return err
	}
	untouched := cur.Status == before.Status && cur.GenHash == before.GenHash && cur.Final == before.Final &&
		cur.Original == before.Original && cur.RecordSHA256 == before.RecordSHA256
	if !untouched {
		switch cur.Status {
		case state.Pending, state.Failed, state.Refused:
		default:
			// It finished after all, or moved on: its files are not ours to overwrite.
			return fmt.Errorf("put back item %d's candidate: it is %s now, not left unfinished", before.ID, cur.Status)
		}
		// The animation the candidate's record names, which the
		// regeneration may have overwritten too.
		var vAnim, anim string
		if v != nil {
			if vAnim = animationOf(collectionDir, v.ProvenancePath); vAnim != "" {
				anim = path.Join(path.Dir(before.ProvenancePath), path.Base(vAnim))
				if _, err := os.Stat(filepath.Join(collectionDir, filepath.FromSlash(vAnim))); err != nil {
					vAnim, anim = "", "" // the candidate had lost it already
				}
			}
			for _, pair := range [][2]string{{v.Original.Path, before.Original.Path}, {v.Final.Path, before.Final.Path},
				{v.ProvenancePath, before.ProvenancePath}, {vAnim, anim}} {
				if pair[0] == "" || pair[1] == "" {
					continue
				}
				if err := copyDurable(filepath.Join(collectionDir, filepath.FromSlash(pair[0])),
					filepath.Join(collectionDir, filepath.FromSlash(pair[1]))); err != nil {
					return fmt.Errorf("put back item %d's candidate: %w", before.ID, err)
				}
			}
		}
		if err := db.Restore(ctx, before); err != nil {
			return err
		}
		// Files the regeneration wrote under other names than the
		// candidate's (an original of another image type) are nobody's now.
		for _, rel := range []string{cur.Original.Path, cur.Final.Path, cur.ProvenancePath} {
			if rel != "" && rel != before.Original.Path && rel != before.Final.Path && rel != before.ProvenancePath {
				_ = os.Remove(filepath.Join(collectionDir, filepath.FromSlash(rel)))
			}
		}
		// So is an animation it wrote that the candidate's record does not
		// name (the candidate had none, or one of another type).
		if before.ProvenancePath != "" {
			folder := filepath.Join(collectionDir, filepath.FromSlash(path.Dir(before.ProvenancePath)))
			entries, _ := os.ReadDir(folder)
			for _, e := range entries {
				if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, "animation.") && n != path.Base(anim) {
					_ = os.Remove(filepath.Join(folder, n))
				}
			}
		}
	}
	if v == nil {
		return nil
	}
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM curate_variants WHERE item_id = ? AND variant = ?`, v.ItemID, v.No)
		return err
	})
	if err != nil {
		return fmt.Errorf("put back item %d's candidate: %w", before.ID, err)
	}
	if dir := variantDir(v); dir != "" {
		_ = os.RemoveAll(filepath.Join(collectionDir, filepath.FromSlash(dir)))
	}
	return nil
}

// animationOf is the animation file the provenance record at rel (relative
// to the collection dir) names beside itself, relative to dir; "" when the
// record names none or cannot be read.
func animationOf(dir, rel string) string {
	if rel == "" {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return ""
	}
	rec, err := provenance.ParseRecord(b)
	if err != nil || rec.Content.Animation == nil {
		return ""
	}
	name := rec.Content.Animation.Path
	if name == "" || name != path.Base(name) || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return ""
	}
	return path.Join(path.Dir(rel), name)
}

// variantDir is the folder ArchiveCandidate copied v's files into.
func variantDir(v *Variant) string {
	for _, p := range []string{v.Final.Path, v.Original.Path, v.ProvenancePath} {
		if p != "" {
			d := path.Dir(p)
			if path.Base(d) == strconv.Itoa(v.No) && path.Base(path.Dir(d)) == "variants" {
				return d
			}
		}
	}
	return ""
}

// Variants lists item id's earlier candidates, oldest first.
func Variants(ctx context.Context, db *state.DB, id int) ([]Variant, error) {
	rows, err := db.SQL().QueryContext(ctx, `SELECT variant, status, seed, prompt, negative_prompt, gen_hash, post_hash,
			original_path, original_sha256, original_type, final_path, final_sha256, provenance_path, record_sha256, created_at
		FROM curate_variants WHERE item_id = ? ORDER BY variant`, id)
	if err != nil {
		return nil, fmt.Errorf("read variants of item %d: %w", id, err)
	}
	defer rows.Close()
	var out []Variant
	for rows.Next() {
		v := Variant{ItemID: id}
		var seed int64
		var created string
		if err := rows.Scan(&v.No, &v.Status, &seed, &v.Prompt, &v.NegativePrompt, &v.GenHash, &v.PostHash,
			&v.Original.Path, &v.Original.SHA256, &v.Original.MediaType, &v.Final.Path, &v.Final.SHA256,
			&v.ProvenancePath, &v.RecordSHA256, &created); err != nil {
			return nil, err
		}
		v.Seed = uint32(seed)
		v.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
		out = append(out, v)
	}
	return out, rows.Err()
}

// copyDurable copies src to dst through a temporary file, syncs it, renames
// it into place and syncs the folder, so dst is either absent or complete.
func copyDurable(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("keep old candidate: %w", err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("keep old candidate: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".tmp-"+filepath.Base(dst)+"-*")
	if err != nil {
		return fmt.Errorf("keep old candidate: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = io.Copy(tmp, in); err != nil {
		return fmt.Errorf("keep old candidate %s: %w", dst, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("keep old candidate %s: %w", dst, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("keep old candidate %s: %w", dst, err)
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("keep old candidate %s: %w", dst, err)
	}
	d, err := os.Open(filepath.Dir(dst))
	if err != nil {
		return fmt.Errorf("keep old candidate: %w", err)
	}
	defer d.Close()
	if err = d.Sync(); err != nil {
		return fmt.Errorf("keep old candidate: sync %s: %w", filepath.Dir(dst), err)
	}
	return nil
}
