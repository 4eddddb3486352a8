package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/internal/collpath"
	"github.com/genmint/genmint/internal/mediatype"
	"github.com/genmint/genmint/internal/termtext"
	"github.com/genmint/genmint/postprocess"
	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// RepairReport says what Repair rebuilt.
type RepairReport struct {
	Planned   int         `json:"planned"` // items recorded from the spec's plan
	Adopted   int         `json:"adopted"` // items whose files verified and are generated again
	Custom    int         `json:"custom"`  // of those, items whose inputs differ from the plan (regenerated in curation)
	Skipped   []ItemError `json:"skipped,omitempty"`
	MovedAway string      `json:"moved_away,omitempty"` // where the damaged database went

	// Recorded counts items the state already held as done, left as they
	// are (a repair of a database that opens).
	Recorded int `json:"recorded,omitempty"`
	// Missing lists items the state holds as done whose final image is no
	// longer in their folder.
	Missing []ItemError `json:"missing,omitempty"`
}

// Repair rebuilds a collection's generation state from its files: it plans
// every item from the spec, then adopts each item folder whose
// provenance.json verifies against its final image and original, marking
// it generated. Items that do not verify stay pending (the next generate
// remakes them) and are reported. Items db already holds as done are left
// as they are (their folder is only checked to be there), so Repair also
// completes a database that opens but lost track of some folders.
//
// Only what the files prove is rebuilt here: the request journal, curation
// decisions and the mint journal are carried over from an old database
// (state.DB.CarryOver), and pin records rebuilt by pin.Rebuild.
func Repair(ctx context.Context, s *spec.Spec, db *state.DB) (*RepairReport, error) {
	rep := &RepairReport{}
	planner := s.Planner()
	for start := 1; start <= s.Count; start += planBatch {
		plan := make([]spec.Item, 0, min(planBatch, s.Count-start+1))
		for range cap(plan) {
			it, err := planner.Next()
			if err != nil {
				return nil, err
			}
			plan = append(plan, it)
		}
		if err := repairBatch(ctx, s, db, plan, rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// repairBatch is Repair over a run of consecutive planned items.
func repairBatch(ctx context.Context, s *spec.Spec, db *state.DB, plan []spec.Item, rep *RepairReport) error {
	planned := make([]state.Planned, len(plan))
	ids := make([]int, len(plan))
	for i, it := range plan {
		ids[i] = it.ID
		planned[i] = state.Planned{ID: it.ID, Seed: it.Seed, Prompt: it.Prompt, NegativePrompt: it.NegativePrompt, Traits: it.Traits, GenHash: GenHash(s, it)}
	}
	if err := db.Plan(ctx, planned); err != nil {
		return err
	}
	rep.Planned += len(planned)
	have, err := db.Items(ctx, state.Query{IDs: ids})
	if err != nil {
		return err
	}
	done := map[int]state.Item{}
	for _, it := range have {
		if it.Status.Done() {
			done[it.ID] = it
		}
	}
	for i, it := range plan {
		if cur, ok := done[it.ID]; ok {
			rep.Recorded++
			if _, err := os.Stat(filepath.Join(s.Dir, filepath.FromSlash(cur.Final.Path))); err != nil {
				rep.Missing = append(rep.Missing, ItemError{ID: it.ID, Status: cur.Status, Error: termtext.Collapse(err.Error(), 0)})
			}
			continue
		}
		err := adopt(ctx, s, db, it, planned[i].GenHash, rep)
		if err == nil {
			rep.Adopted++
			continue
		}
		if errors.Is(err, os.ErrNotExist) {
			continue // never generated
		}
		var skip *errItem
		if !errors.As(err, &skip) {
			return err
		}
		rep.Skipped = append(rep.Skipped, ItemError{ID: it.ID, Status: state.Pending, Error: termtext.Collapse(skip.err.Error(), 0)})
	}
	return nil
}

// adopt verifies one item folder and records it as generated.
func adopt(ctx context.Context, s *spec.Spec, db *state.DB, it spec.Item, planHash string, rep *RepairReport) error {
	f, err := checkFolder(s, it.ID)
	if err != nil {
		return err
	}
	custom, err := f.record(ctx, s, db, planHash)
	if err != nil {
		return err
	}
	if custom {
		rep.Custom++
	}
	return nil
}

// folder is an item folder whose provenance.json verifies against its final
// image and original.
type folder struct {
	id  int
	dir string // relative to the collection
	rec *provenance.Record
}

// checkFolder verifies item id's folder without writing anything. An
// error wrapping os.ErrNotExist means the folder holds no record; an
// *errItem says why the record does not verify.
func checkFolder(s *spec.Spec, id int) (*folder, error) {
	dir := ItemDir(id)
	raw, err := os.ReadFile(filepath.Join(s.Dir, dir, "provenance.json"))
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return &errItem{state.Pending, fmt.Errorf(format, args...)}
	}
	rec, err := provenance.ParseRecord(raw)
	if err != nil {
		return nil, bad("%s/provenance.json: %v", dir, err)
	}
	c := rec.Content
	if c.Item != id {
		return nil, bad("%s/provenance.json describes item %d", dir, c.Item)
	}
	if !localName(rec.Final.Path) || !localName(c.Original.Path) {
		return nil, bad("%s/provenance.json names files outside the item's folder", dir)
	}
	final, err := os.ReadFile(filepath.Join(s.Dir, dir, rec.Final.Path))
	if err != nil {
		return nil, bad("%s: %v", dir, err)
	}
	if err := provenance.Verify(rec, final); err != nil {
		return nil, bad("%s/%s: %v", dir, rec.Final.Path, err)
	}
	original, err := os.ReadFile(filepath.Join(s.Dir, dir, c.Original.Path))
	if err != nil {
		return nil, bad("%s: %v", dir, err)
	}
	if sha256hex(original) != c.Original.SHA256 {
		return nil, bad("%s/%s does not match its record", dir, c.Original.Path)
	}
	if a := c.Animation; a != nil {
		if !localName(a.Path) {
			return nil, bad("%s/provenance.json names files outside the item's folder", dir)
		}
		b, err := os.ReadFile(filepath.Join(s.Dir, dir, a.Path))
		if err != nil {
			return nil, bad("%s: %v", dir, err)
		}
		if sha256hex(b) != a.SHA256 {
			return nil, bad("%s/%s does not match its record", dir, a.Path)
		}
	}
	return &folder{id: id, dir: dir, rec: rec}, nil
}

// localName reports whether a record's file name stays in the item folder.
func localName(name string) bool {
	return name != "" && name == filepath.Base(name) && name != "." && name != ".."
}

// genHash is GenHash of the inputs the folder's record proves.
func (f *folder) genHash(s *spec.Spec) string {
	c := f.rec.Content
	return GenHash(s, spec.Item{ID: f.id, Seed: c.Seed.Requested, Traits: c.Traits, Prompt: c.Prompt, NegativePrompt: c.NegativePrompt})
}

// record writes a verified folder to the state as a generated item. When
// the record's inputs differ from the plan (planHash), the item becomes
// custom: its record is its plan.
func (f *folder) record(ctx context.Context, s *spec.Spec, db *state.DB, planHash string) (custom bool, err error) {
	rec, dir := f.rec, f.dir
	c := rec.Content
	// The item's inputs, as the record proves them.
	actual := spec.Item{ID: f.id, Seed: c.Seed.Requested, Traits: c.Traits, Prompt: c.Prompt, NegativePrompt: c.NegativePrompt}
	genHash := f.genHash(s)
	if genHash != planHash {
		if err := db.Override(ctx, f.id, actual.Seed, actual.Prompt, genHash); err != nil {
			return false, err
		}
		custom = true
	}
	facts := c.ProviderFacts
	infotext, _ := facts["infotext"].(string)
	if infotext != "" {
		facts = withoutKey(facts, "infotext")
	}
	stored, err := json.Marshal(storedResult{
		MediaType: c.Original.MediaType, Seed: c.Seed.Actual, Reproducible: c.Reproducible,
		Model: c.Model, ModelVersion: c.ModelVersion, ModelHash: c.ModelHash, RequestID: c.RequestID,
		RevisedPrompt: c.RevisedPrompt, Infotext: infotext, Params: generate.Params(c.Parameters), Facts: facts,
		RequestedAt: rec.Times.Requested, GeneratedAt: rec.Times.Generated,
	})
	if err != nil {
		return custom, err
	}
	if err := db.SaveOriginal(ctx, f.id, genHash, state.File{Path: filepath.ToSlash(filepath.Join(dir, c.Original.Path)),
		SHA256: c.Original.SHA256, MediaType: c.Original.MediaType}, stored, nil); err != nil {
		return custom, err
	}
	return custom, db.SaveFinal(ctx, f.id, state.Finished{
		Final:          state.File{Path: filepath.ToSlash(filepath.Join(dir, rec.Final.Path)), SHA256: rec.Final.SHA256, MediaType: rec.Final.MediaType},
		ProvenancePath: filepath.ToSlash(filepath.Join(dir, "provenance.json")),
		RecordSHA256:   rec.ContentSHA256,
		PostHash:       f.postHash(s),
	})
}

// postHash is PostHash of the steps the record says were applied, so an
// unchanged spec is not reprocessed after a repair. The record does not
// hold the animation's parameters: its animation counts as the spec's when
// it is the file the spec makes now (animationIsSpecs); otherwise the next
// generate makes it again from the original.
func (f *folder) postHash(s *spec.Spec) string {
	c := f.rec.Content
	steps := make([]map[string]any, len(c.PostProcess))
	for i, st := range c.PostProcess {
		steps[i] = map[string]any{"op": st.Op, "params": st.Params}
	}
	format := "png"
	if strings.HasSuffix(c.Output.MediaType, "jpeg") {
		format = "jpeg"
	}
	h := map[string]any{"steps": steps, "format": format, "quality": c.Output.Quality}
	if f.animationIsSpecs(s) {
		h["animation"] = s.Animation.Params()
	}
	return hashJSON(h)
}

// animationIsSpecs reports whether the folder's animation is the one the
// spec's animation: entry makes now: the provided file the record hashed,
// or the GIF the spec's effect renders from the final image. Only a PNG
// final is rendered from (its pixels are the ones the animation was made
// from; a JPEG's are not).
func (f *folder) animationIsSpecs(s *spec.Spec) bool {
	an, a := s.Animation, f.rec.Content.Animation
	if an == nil || a == nil {
		return false
	}
	if an.Files != "" {
		name, err := an.ProvidedName(s.Dir, f.id)
		if err != nil || !strings.EqualFold(path.Ext(name), path.Ext(a.Path)) {
			return false
		}
		b, err := collpath.ReadFile(s.Dir, name, postprocess.MaxAnimationBytes)
		return err == nil && sha256hex(b) == a.SHA256
	}
	if f.rec.Final.MediaType != provenance.MediaPNG || a.MediaType != mediatype.FromName(".gif") {
		return false
	}
	final, err := os.ReadFile(filepath.Join(s.Dir, f.dir, f.rec.Final.Path))
	if err != nil {
		return false
	}
	img, _, err := postprocess.Decode(final, MaxPixels)
	if err != nil {
		return false
	}
	b, err := an.Render(img)
	return err == nil && sha256hex(b) == a.SHA256
}

func withoutKey(m map[string]any, k string) map[string]any {
	out := make(map[string]any, len(m))
	for kk, v := range m {
		if kk != k {
			out[kk] = v
		}
	}
	return out
}
