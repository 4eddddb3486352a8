package pipeline

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/internal/fsatomic"
	"github.com/genmint/genmint/internal/termtext"
	"github.com/genmint/genmint/postprocess"
	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/provenance/c2pa"
	"github.com/genmint/genmint/state"
)

// storedResult is a provider generate.Result without its image, as kept in state so
// that a re-run can post-process the original without asking again.
type storedResult struct {
	MediaType     string          `json:"media_type"`
	Seed          *uint64         `json:"seed"`
	Reproducible  bool            `json:"reproducible"`
	Model         string          `json:"model,omitempty"`
	ModelVersion  string          `json:"model_version,omitempty"`
	ModelHash     string          `json:"model_hash,omitempty"`
	RequestID     string          `json:"request_id,omitempty"`
	RevisedPrompt string          `json:"revised_prompt,omitempty"`
	Infotext      string          `json:"infotext,omitempty"`
	Params        generate.Params `json:"params,omitempty"`
	Facts         map[string]any  `json:"facts,omitempty"`
	Paid          bool            `json:"paid"`
	CostUSD       float64         `json:"cost_usd"`
	RequestedAt   time.Time       `json:"requested_at"`
	GeneratedAt   time.Time       `json:"generated_at"`
	// DigitalSourceType is the provider's own, when it gave one.
	DigitalSourceType string `json:"digital_source_type,omitempty"`
}

// errItem marks a failure of one item, as opposed to the whole run.
type errItem struct {
	status state.Status
	err    error
}

func (e *errItem) Error() string { return e.err.Error() }
func (e *errItem) Unwrap() error { return e.err }

// do works one item. It returns an error only when the run must stop
// (state or disk failures, cancellation); item failures become events.
func (r *runner) do(ctx context.Context, j job) error {
	start := time.Now()
	db := r.o.DB
	id := j.item.ID
	dir := filepath.Join(r.o.Spec.Dir, ItemDir(id))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fsatomic.Explain(fmt.Errorf("create %s: %w", dir, err))
	}
	if err := fsatomic.Clean(dir); err != nil {
		return fsatomic.Explain(fmt.Errorf("clean %s: %w", dir, err))
	}
	if j.force {
		p := state.Planned{ID: id, Seed: j.item.Seed, Prompt: j.item.Prompt, NegativePrompt: j.item.NegativePrompt,
			Traits: j.item.Traits, GenHash: j.genHash}
		if err := db.Reset(ctx, p); err != nil {
			return err
		}
	}

	// A provided animation file is read first: an item without one fails
	// before any paid work.
	provided, err := r.providedAnimation(id)
	if err != nil {
		return r.fail(ctx, id, err.(*errItem), time.Since(start))
	}

	// Load the stored original when there is one; a missing or changed file
	// sends the item back to the provider.
	var original []byte
	var res *storedResult
	if j.kind == jobProcess {
		it, err := db.Item(ctx, id)
		if err != nil {
			return err
		}
		original, res, err = r.loadOriginal(it)
		if err != nil {
			if ferr := db.ForgetOriginal(ctx, id); ferr != nil {
				return ferr
			}
			if !r.canAfford() {
				return nil
			}
			j.kind = jobGenerate
		}
	}
	outcome := OutcomeReprocessed
	if j.kind == jobGenerate {
		var err error
		original, res, err = r.ask(ctx, j)
		if errors.Is(err, ErrSpendCap) {
			return nil // stays pending; the summary says the cap was hit
		}
		if err != nil {
			var ie *errItem
			if errors.As(err, &ie) {
				return r.fail(ctx, id, ie, time.Since(start))
			}
			return err
		}
		outcome = OutcomeGenerated
	}
	if ctx.Err() != nil {
		return ctx.Err() // the original is safe; the next run post-processes it
	}
	if err := r.finish(ctx, j, original, res, provided); err != nil {
		var ie *errItem
		if errors.As(err, &ie) {
			if ferr := db.ForgetOriginal(context.WithoutCancel(ctx), id); ferr != nil {
				return ferr
			}
			return r.fail(ctx, id, ie, time.Since(start))
		}
		return err
	}
	if err := r.dropDuplicates(id); err != nil {
		return err
	}
	var cost float64
	if outcome == OutcomeGenerated {
		cost = res.CostUSD
	}
	r.event(Event{ID: id, Outcome: outcome, Duration: time.Since(start), CostUSD: cost})
	return nil
}

func (r *runner) fail(ctx context.Context, id int, ie *errItem, d time.Duration) error {
	if err := r.o.DB.Fail(context.WithoutCancel(ctx), id, ie.status, termtext.Collapse(ie.err.Error(), 0)); err != nil {
		return err
	}
	outcome := OutcomeFailed
	if ie.status == state.Refused {
		outcome = OutcomeRefused
	}
	r.event(Event{ID: id, Outcome: outcome, Err: ie.err, Duration: d})
	return nil
}

// ask makes the provider request (every attempt journalled), then stores
// the original before anything else can go wrong.
func (r *runner) ask(ctx context.Context, j job) ([]byte, *storedResult, error) {
	db, s, id := r.o.DB, r.o.Spec, j.item.ID
	keep := context.WithoutCancel(ctx)
	requested := r.o.Now().UTC()
	width, _ := intParam(s.Provider.Params, "width")
	height, _ := intParam(s.Provider.Params, "height")
	req := generate.Request{
		Item: id, Prompt: j.item.Prompt, NegativePrompt: j.item.NegativePrompt, Seed: j.item.Seed,
		Model: s.Provider.Model, Width: width, Height: height, Params: s.Provider.Params, Traits: j.item.Traits,
	}
	// Files of this item the state does not record (a lost database, a crash
	// before the record, a folder that no longer verifies) are paid work:
	// never overwritten, kept as a variant.
	if !j.replace {
		moved, err := archiveUnrecorded(s.Dir, id)
		if err != nil {
			return nil, nil, err
		}
		if moved != "" {
			r.mu.Lock()
			r.sum.Archived = append(r.sum.Archived, moved)
			if r.archived == nil {
				r.archived = map[int]string{}
			}
			r.archived[id] = moved
			r.mu.Unlock()
		}
	}
	// A job the service took for this item in a run that died is taken up
	// again where the provider can (Replicate), instead of paid for twice.
	resume, err := db.InDoubtJob(ctx, id, r.o.Info.Name)
	if err != nil {
		return nil, nil, err
	}
	req.Resume = resume
	ctx = generate.WithAccepted(ctx, func(serviceID string) { r.accepted(ctx, id, serviceID) })
	var res *generate.Result
	if r.observed {
		res, err = r.provider.Generate(ctx, req)
	} else {
		// A plain provider makes one attempt per call: journal the call.
		finish, berr := journal{r}.Begin(ctx, req, 1)
		if berr != nil {
			return nil, nil, berr
		}
		res, err = r.provider.Generate(ctx, req)
		finish(res, err)
	}
	if err != nil {
		switch {
		case errors.Is(err, ErrSpendCap):
			return nil, nil, ErrSpendCap
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		case errors.Is(err, generate.ErrRefused):
			return nil, nil, &errItem{state.Refused, err}
		default:
			return nil, nil, &errItem{state.Failed, fmt.Errorf("%s: %w", r.o.Info.Name, err)}
		}
	}
	stored := &storedResult{
		MediaType: res.MediaType, Seed: res.Seed, Reproducible: res.Reproducible,
		Model: res.Model, ModelVersion: res.ModelVersion, ModelHash: res.ModelHash, RequestID: res.RequestID,
		RevisedPrompt: res.RevisedPrompt, Infotext: res.Infotext, Params: res.Params, Facts: res.Facts,
		Paid: r.o.Info.Paid, CostUSD: r.costOf(res, nil), RequestedAt: requested, GeneratedAt: r.o.Now().UTC(),
		DigitalSourceType: res.DigitalSourceType,
	}
	ext, ok := extensions[res.MediaType]
	if !ok || len(res.Image) == 0 {
		err := fmt.Errorf("%s returned %s instead of a PNG, JPEG or WebP image", r.o.Info.Name, describeMedia(res.MediaType, len(res.Image)))
		if a := r.takeAnswer(id); a != nil {
			if ferr := db.FinishRequest(keep, a.Request, state.RequestFailed, a.ServiceID, err.Error(), a.CostUSD); ferr != nil {
				return nil, nil, ferr
			}
		}
		return nil, nil, &errItem{state.Failed, err}
	}
	// Paid output is stored whatever happens to ctx from here on.
	rel := filepath.Join(ItemDir(id), "original"+ext)
	if err := fsatomic.WriteFile(filepath.Join(s.Dir, rel), res.Image, 0o644); err != nil {
		return nil, nil, err
	}
	facts, err := json.Marshal(stored)
	if err != nil {
		return nil, nil, fmt.Errorf("item %d: record provider result: %w", id, err)
	}
	if err := db.SaveOriginal(keep, id, j.genHash, state.File{Path: filepath.ToSlash(rel), SHA256: sha256hex(res.Image), MediaType: res.MediaType}, facts, r.takeAnswer(id)); err != nil {
		return nil, nil, err
	}
	return res.Image, stored, nil
}

// archiveUnrecorded moves the item's original, final image and provenance
// record, when its folder holds any, to items/NNNN/variants/unrecorded-<n>/
// (the first n free), each rename durable, and returns that folder relative
// to the collection ("" when there was nothing to move). Only called when
// the state records no original for the item.
func archiveUnrecorded(collectionDir string, id int) (string, error) {
	dir := filepath.Join(collectionDir, ItemDir(id))
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("read %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && (n == "provenance.json" || strings.HasPrefix(n, "original.") || strings.HasPrefix(n, "final.") || strings.HasPrefix(n, "animation.")) {
			names = append(names, n)
		}
	}
	var move []string
	for _, n := range names {
		if !archivedAlready(dir, n) {
			move = append(move, n)
			continue
		}
		// A curation variant holds these very bytes (a regenerate that did
		// not finish): they are safe there.
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			return "", fsatomic.Explain(fmt.Errorf("keep unrecorded files of item %d: %w", id, err))
		}
	}
	if len(move) == 0 {
		return "", nil
	}
	var rel string
	for n := 1; ; n++ {
		rel = filepath.Join(ItemDir(id), "variants", "unrecorded-"+strconv.Itoa(n))
		if _, err := os.Lstat(filepath.Join(collectionDir, rel)); errors.Is(err, os.ErrNotExist) {
			break
		}
	}
	vdir := filepath.Join(collectionDir, rel)
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return "", fsatomic.Explain(fmt.Errorf("keep unrecorded files of item %d: %w", id, err))
	}
	if err := fsatomic.SyncDir(filepath.Dir(vdir)); err != nil {
		return "", err
	}
	for _, n := range move {
		if err := os.Rename(filepath.Join(dir, n), filepath.Join(vdir, n)); err != nil {
			return "", fsatomic.Explain(fmt.Errorf("keep unrecorded files of item %d: %w", id, err))
		}
	}
	if err := fsatomic.SyncDir(vdir); err != nil {
		return "", err
	}
	if err := fsatomic.SyncDir(dir); err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}

// dropDuplicates removes, from the files archiveUnrecorded kept for item
// id in this run, those byte-identical to the item's new files (a
// deterministic provider asked again after a crash), and the folder when
// nothing is left: no byte is lost, and no copy is kept for nothing.
func (r *runner) dropDuplicates(id int) error {
	r.mu.Lock()
	rel := r.archived[id]
	r.mu.Unlock()
	if rel == "" {
		return nil
	}
	vdir := filepath.Join(r.o.Spec.Dir, filepath.FromSlash(rel))
	entries, err := os.ReadDir(vdir)
	if err != nil {
		return nil // nothing to tidy
	}
	left := len(entries)
	for _, e := range entries {
		kept, err := os.ReadFile(filepath.Join(vdir, e.Name()))
		if err != nil {
			continue
		}
		now, err := os.ReadFile(filepath.Join(r.o.Spec.Dir, ItemDir(id), e.Name()))
		if err != nil || !bytes.Equal(kept, now) {
			continue
		}
		if err := os.Remove(filepath.Join(vdir, e.Name())); err != nil {
			return fsatomic.Explain(fmt.Errorf("tidy %s: %w", rel, err))
		}
		left--
	}
	if left > 0 {
		return nil
	}
	if err := os.Remove(vdir); err != nil {
		return nil
	}
	_ = os.Remove(filepath.Dir(vdir)) // variants/, when it is empty
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.archived, id)
	for i, a := range r.sum.Archived {
		if a == rel {
			r.sum.Archived = append(r.sum.Archived[:i], r.sum.Archived[i+1:]...)
			break
		}
	}
	return nil
}

// archivedAlready reports whether some variants/<n>/ of the item folder dir
// holds a file named name with the same bytes as dir/name.
func archivedAlready(dir, name string) bool {
	want, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return false
	}
	vs, _ := os.ReadDir(filepath.Join(dir, "variants"))
	for _, v := range vs {
		if b, err := os.ReadFile(filepath.Join(dir, "variants", v.Name(), name)); err == nil && bytes.Equal(b, want) {
			return true
		}
	}
	return false
}

var extensions = map[string]string{"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}

func describeMedia(mt string, n int) string {
	if n == 0 {
		return "an empty body"
	}
	if mt == "" {
		mt = "an unknown type"
	}
	return fmt.Sprintf("%d bytes of %s", n, mt)
}

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func intParam(p generate.Params, key string) (int, bool) {
	switch v := p[key].(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case float64:
		return int(v), v == float64(int(v))
	}
	return 0, false
}

// loadOriginal reads a stored original and checks it is what was recorded.
func (r *runner) loadOriginal(it state.Item) ([]byte, *storedResult, error) {
	data, err := os.ReadFile(filepath.Join(r.o.Spec.Dir, it.Original.Path))
	if err != nil {
		return nil, nil, err
	}
	if sha256hex(data) != it.Original.SHA256 {
		return nil, nil, fmt.Errorf("%s changed since it was generated", it.Original.Path)
	}
	var res storedResult
	if err := json.Unmarshal(it.Result, &res); err != nil {
		return nil, nil, fmt.Errorf("item %d: stored provider result: %w", it.ID, err)
	}
	return data, &res, nil
}

// finish post-processes the original, embeds provenance, and writes the
// final image and the sidecar record, then marks the item generated.
func (r *runner) finish(ctx context.Context, j job, original []byte, res *storedResult, provided *postprocess.AnimationFile) error {
	s, id := r.o.Spec, j.item.ID
	img, _, err := postprocess.Decode(original, MaxPixels)
	if err != nil {
		return &errItem{state.Failed, fmt.Errorf("%s's image cannot be used: %w", r.o.Info.Name, err)}
	}
	ob := img.Bounds()
	out, err := postprocess.Run(img, s.PostProcess)
	if err != nil {
		return &errItem{state.Failed, fmt.Errorf("post-process: %w", err)}
	}
	anim, err := r.animation(id, out, provided)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := postprocess.Encode(&buf, out, s.Output); err != nil {
		return &errItem{state.Failed, fmt.Errorf("encode final image: %w", err)}
	}

	params := res.Params
	if params == nil {
		params = s.Provider.Params
	}
	if params == nil {
		params = generate.Params{}
	}
	facts := res.Facts
	if res.Infotext != "" {
		facts = mergeFacts(facts, "infotext", res.Infotext)
	}
	model := res.Model
	if model == "" {
		model = s.Provider.Model
	}
	source := provenance.SourceTrainedAlgorithmic
	if r.o.Info.Algorithmic {
		source = provenance.SourceAlgorithmic
	}
	if res.DigitalSourceType != "" {
		source = res.DigitalSourceType
	}
	origExt := extensions[res.MediaType]
	content := &provenance.Content{
		Collection: s.Name, Creator: s.Creator, Item: id,
		Provider: r.o.Info.Name, Model: model, ModelVersion: res.ModelVersion, ModelHash: res.ModelHash,
		Prompt: j.item.Prompt, RevisedPrompt: res.RevisedPrompt, NegativePrompt: j.item.NegativePrompt,
		Seed:         provenance.Seed{Requested: j.item.Seed, Actual: res.Seed},
		Reproducible: res.Reproducible, Parameters: params, RequestID: res.RequestID, Traits: j.item.Traits,
		DigitalSourceType: source,
		Original: provenance.FileFact{Path: "original" + origExt, MediaType: res.MediaType, SHA256: sha256hex(original),
			Bytes: int64(len(original)), Width: ob.Dx(), Height: ob.Dy()},
		PostProcess:   steps(s.PostProcess),
		Output:        provenance.Output{MediaType: s.Output.MediaType(), Width: out.Bounds().Dx(), Height: out.Bounds().Dy(), Quality: quality(s.Output)},
		ProviderFacts: facts,
		Animation:     anim,
	}
	if !s.License.IsZero() {
		content.License = &provenance.License{Name: cmp.Or(s.License.Key, s.License.Name), URL: s.License.URL}
	}
	finalName := "final" + s.Output.Ext()
	var sign provenance.Signer
	if r.o.C2PA != nil {
		sign = func(final []byte, recordSHA256 string) ([]byte, error) {
			m := contentCredentials(content, finalName, recordSHA256)
			if !r.o.Info.Algorithmic {
				// The provider's original, with whatever Content Credentials
				// it sent, becomes the parent ingredient.
				m.Parent, m.ParentTitle, m.ParentFormat = original, content.Original.Path, res.MediaType
			}
			return c2pa.Sign(ctx, final, m, r.o.C2PA)
		}
	}
	final, rec, err := provenance.SealSigned(*content, buf.Bytes(), finalName,
		provenance.Times{Requested: res.RequestedAt, Generated: res.GeneratedAt, Processed: r.o.Now().UTC()}, sign)
	if err != nil {
		return &errItem{state.Failed, fmt.Errorf("embed provenance: %w", err)}
	}
	sidecar, err := provenance.MarshalRecord(rec)
	if err != nil {
		return fmt.Errorf("item %d: provenance record: %w", id, err)
	}
	dir := ItemDir(id)
	if err := fsatomic.WriteFile(filepath.Join(s.Dir, dir, finalName), final, 0o644); err != nil {
		return err
	}
	if err := fsatomic.WriteFile(filepath.Join(s.Dir, dir, "provenance.json"), sidecar, 0o644); err != nil {
		return err
	}
	// A changed output format leaves the other final behind: remove it.
	for _, other := range []string{"final.png", "final.jpg"} {
		if other != finalName {
			_ = os.Remove(filepath.Join(s.Dir, dir, other))
		}
	}
	keepAnim := ""
	if anim != nil {
		keepAnim = anim.Path
	}
	if err := dropOtherAnimations(filepath.Join(s.Dir, dir), keepAnim); err != nil {
		return err
	}
	return r.o.DB.SaveFinal(context.WithoutCancel(ctx), id, state.Finished{
		Final:          state.File{Path: filepath.ToSlash(filepath.Join(dir, finalName)), SHA256: rec.Final.SHA256, MediaType: rec.Final.MediaType},
		ProvenancePath: filepath.ToSlash(filepath.Join(dir, "provenance.json")),
		RecordSHA256:   rec.ContentSHA256,
		PostHash:       r.postHash,
	})
}

// contentCredentials is the C2PA manifest of an item: c2pa.created with its
// digital source type, one action per post-process step with the step's
// parameters, and genmint's assertion naming the provenance record.
func contentCredentials(c *provenance.Content, title, recordSHA256 string) *c2pa.Manifest {
	seed := int64(c.Seed.Requested)
	if c.Seed.Actual != nil {
		seed = int64(*c.Seed.Actual)
	}
	m := &c2pa.Manifest{
		Title:             title,
		DigitalSourceType: c.DigitalSourceType,
		Genmint: c2pa.Genmint{RecordSHA256: recordSHA256, Collection: c.Collection, Item: c.Item,
			Provider: c.Provider, Model: c.Model, Prompt: c.Prompt, Seed: seed},
	}
	for _, st := range c.PostProcess {
		m.Steps = append(m.Steps, c2pa.Action{Action: c2pa.ActionForStep(st.Op), Description: "genmint post-process step " + st.Op, Parameters: st.Params})
	}
	return m
}

func steps(ss []postprocess.Step) []provenance.Step {
	out := make([]provenance.Step, len(ss))
	for i, st := range ss {
		out[i] = provenance.Step{Op: st.Op(), Params: st.Params()}
	}
	return out
}

func quality(o postprocess.Output) int {
	if o.Format == "jpeg" {
		return o.Quality
	}
	return 0
}

func mergeFacts(f map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(f)+1)
	for kk, vv := range f {
		out[kk] = vv
	}
	out[k] = v
	return out
}
