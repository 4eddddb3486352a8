package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/genmint/genmint/generate"
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
}

// Repair rebuilds a collection's generation state from its files: it plans
// every item from the spec, then adopts each item folder whose
// provenance.json verifies against its final image and original, marking
// it generated. Items that do not verify stay pending (the next generate
// remakes them) and are reported. db must be a new, empty database.
//
// Only what the files prove is rebuilt: curation decisions, the request
// journal, and pin and mint records lived only in the database.
func Repair(ctx context.Context, s *spec.Spec, db *state.DB) (*RepairReport, error) {
	plan, err := s.Plan(s.Count)
	if err != nil {
		return nil, err
	}
	planned := make([]state.Planned, len(plan))
	for i, it := range plan {
		planned[i] = state.Planned{ID: it.ID, Seed: it.Seed, Prompt: it.Prompt, NegativePrompt: it.NegativePrompt, Traits: it.Traits, GenHash: GenHash(s, it)}
	}
	if err := db.Plan(ctx, planned); err != nil {
		return nil, err
	}
	rep := &RepairReport{Planned: len(planned)}
	for i, it := range plan {
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
			return rep, err
		}
		rep.Skipped = append(rep.Skipped, ItemError{ID: it.ID, Status: state.Pending, Error: oneLine(skip.err.Error())})
	}
	return rep, nil
}

// adopt verifies one item folder and records it as generated.
func adopt(ctx context.Context, s *spec.Spec, db *state.DB, it spec.Item, planHash string, rep *RepairReport) error {
	dir := ItemDir(it.ID)
	raw, err := os.ReadFile(filepath.Join(s.Dir, dir, "provenance.json"))
	if err != nil {
		return err
	}
	bad := func(format string, args ...any) error {
		return &errItem{state.Pending, fmt.Errorf(format, args...)}
	}
	rec, err := provenance.ParseRecord(raw)
	if err != nil {
		return bad("%s/provenance.json: %v", dir, err)
	}
	c := rec.Content
	if c.Item != it.ID {
		return bad("%s/provenance.json describes item %d", dir, c.Item)
	}
	final, err := os.ReadFile(filepath.Join(s.Dir, dir, rec.Final.Path))
	if err != nil {
		return bad("%s: %v", dir, err)
	}
	if err := provenance.Verify(rec, final); err != nil {
		return bad("%s/%s: %v", dir, rec.Final.Path, err)
	}
	original, err := os.ReadFile(filepath.Join(s.Dir, dir, c.Original.Path))
	if err != nil {
		return bad("%s: %v", dir, err)
	}
	if sha256hex(original) != c.Original.SHA256 {
		return bad("%s/%s does not match its record", dir, c.Original.Path)
	}

	// The item's inputs, as the record proves them.
	actual := spec.Item{ID: it.ID, Seed: c.Seed.Requested, Traits: c.Traits, Prompt: c.Prompt, NegativePrompt: c.NegativePrompt}
	genHash := GenHash(s, actual)
	if genHash != planHash {
		if err := db.Override(ctx, it.ID, actual.Seed, actual.Prompt, genHash); err != nil {
			return err
		}
		rep.Custom++
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
		return err
	}
	if err := db.SaveOriginal(ctx, it.ID, genHash, state.File{Path: filepath.ToSlash(filepath.Join(dir, c.Original.Path)),
		SHA256: c.Original.SHA256, MediaType: c.Original.MediaType}, stored, nil); err != nil {
		return err
	}
	return db.SaveFinal(ctx, it.ID, state.Finished{
		Final:          state.File{Path: filepath.ToSlash(filepath.Join(dir, rec.Final.Path)), SHA256: rec.Final.SHA256, MediaType: rec.Final.MediaType},
		ProvenancePath: filepath.ToSlash(filepath.Join(dir, "provenance.json")),
		RecordSHA256:   rec.ContentSHA256,
		PostHash:       recordPostHash(c),
	})
}

// recordPostHash is PostHash of the steps a record says were applied, so an
// unchanged spec is not reprocessed after a repair.
func recordPostHash(c provenance.Content) string {
	steps := make([]map[string]any, len(c.PostProcess))
	for i, st := range c.PostProcess {
		steps[i] = map[string]any{"op": st.Op, "params": st.Params}
	}
	format := "png"
	if strings.HasSuffix(c.Output.MediaType, "jpeg") {
		format = "jpeg"
	}
	return hashJSON(map[string]any{"steps": steps, "format": format, "quality": c.Output.Quality})
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
