package pin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
	"golang.org/x/sync/errgroup"

	"github.com/genmint/genmint/pin/unixfs"
	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/state"
)

// Sentinels callers branch on.
var (
	// ErrNothingToPin: no item is kept (or already pinned or minted).
	ErrNothingToPin = errors.New("no kept items to pin: keep some first with 'genmint curate'")
	// ErrFileChanged: an item's file on disk is not the one the state recorded.
	ErrFileChanged = errors.New("file changed since it was recorded")
	// ErrMinted: the set of items would change a baseURI already minted with.
	ErrMinted = errors.New("the collection is already minted")
)

// Root names, in the order Run pins them.
const (
	RootImages     = "images"
	RootOriginals  = "originals"
	RootProvenance = "provenance"
	RootMetadata   = "metadata"
	RootContract   = "contract"
)

// Options are Run's inputs. The caller (cmd/pincmd) fills them from flags
// and the spec.
type Options struct {
	// Dir is the collection folder; DB its open state (the caller holds the
	// collection lock).
	Dir string
	DB  *state.DB
	// Collection holds the spec's collection facts.
	Collection Collection
	// Profile is the import profile; the zero value means unixfs.DefaultProfile.
	Profile unixfs.Profile
	// DryRun computes every CID locally and returns them, touching neither
	// the state nor any destination.
	DryRun bool
	// Pinners are the destinations, in order (typically a Kubo node, then
	// a pinning service that fetches from it). Wrap them with WithRetry.
	Pinners []Pinner
	// CAR, when set, writes every block to this CAR file as a destination
	// (after any Pinners). No node is needed.
	CAR string
	// Concurrency is how many roots go to one destination at once
	// (default DefaultConcurrency); a CAR file takes them one by one.
	Concurrency int
	// Progress, when set, hears what Run is doing. Calls never overlap,
	// and it must not block.
	Progress func(Event)
	// Metadata, when set, receives each token's metadata JSON as it is
	// built from the files on disk (once per token in a dry run; again
	// for each destination that uploads the metadata). Calls never
	// overlap; b must not be modified. `genmint verify --local` checks
	// the files' links with it.
	Metadata func(id int, b []byte)
}

// DefaultConcurrency: the images, originals and provenance directories
// upload side by side, which keeps a Kubo node's disk and CPUs busy.
const DefaultConcurrency = 3

// EventKind says what an Event reports.
type EventKind string

// Event kinds, in the order a run produces them.
const (
	EventComputing    EventKind = "computing"     // a file of Root was hashed locally (Done of Total)
	EventComputed     EventKind = "computed"      // Root's CID is known locally
	EventRecorded     EventKind = "recorded"      // every CID is in the state database
	EventUploading    EventKind = "uploading"     // Destination reported a file of Root (Done of Total)
	EventAlreadyThere EventKind = "already-there" // Destination already holds Root
	EventPinned       EventKind = "pinned"        // Destination now holds Root
	EventDone         EventKind = "done"          // items moved to pinned
)

// Event is one step of a run, for progress output.
type Event struct {
	Kind        EventKind
	Root        string
	Destination string
	Path        string // the file within Root, for computing/uploading
	CID         string
	Done, Total int
}

// Result is what Run did.
type Result struct {
	DryRun      bool           `json:"dry_run"`
	RunID       int64          `json:"run_id,omitempty"`
	Profile     unixfs.Profile `json:"profile"`
	Roots       Roots          `json:"roots"`
	BaseURI     string         `json:"base_uri"`
	ContractURI string         `json:"contract_uri"`
	Items       []ItemCIDs     `json:"items"`
	// Destinations lists, per destination, which roots were pinned now and
	// which were already there.
	Destinations []DestinationResult `json:"destinations"`
	// NewlyPinned counts the items moved from kept to pinned by this run.
	NewlyPinned int `json:"newly_pinned"`
}

// DestinationResult is one destination's share of a run.
type DestinationResult struct {
	Destination string   `json:"destination"`
	Pinned      []string `json:"pinned"`
	Already     []string `json:"already"`
}

// Run pins the collection's kept items, in the order the pipeline needs:
//
//  1. import the final images, the originals and the provenance records as
//     three UnixFS directories, computing their CIDs locally (and checking
//     each image against the hash the state recorded);
//  2. build one metadata JSON per token, named by token id, from those CIDs;
//  3. import the metadata folder (baseURI = ipfs://<cid>/) and the contract
//     metadata (contractURI = ipfs://<cid>);
//  4. record every CID in the state database — before any upload, so a
//     killed run resumes with the same CIDs;
//  5. pin each root at each destination, skipping what is already there,
//     failing loudly when a destination computes a different CID;
//  6. mark the run complete and move the items from kept to pinned.
//
// Items already pinned or minted stay in the set, so re-running changes no
// CID and pins nothing new.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Profile.Name == "" {
		o.Profile = unixfs.DefaultProfile
	}
	if err := o.Profile.Validate(); err != nil {
		return nil, err
	}
	if !o.DryRun && len(o.Pinners) == 0 && o.CAR == "" {
		return nil, errors.New("pin: no destination: give a Kubo node, a CAR file, or ask for a dry run")
	}
	if !o.DryRun {
		if err := Migrate(ctx, o.DB); err != nil {
			return nil, err
		}
	}
	// Progress is never called concurrently, whatever runs in parallel.
	var progressMu sync.Mutex
	progress := func(e Event) {
		if o.Progress != nil {
			progressMu.Lock()
			defer progressMu.Unlock()
			o.Progress(e)
		}
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}

	items, err := o.DB.Items(ctx, state.Query{Statuses: []state.Status{state.Kept, state.Pinned, state.Minted}})
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, ErrNothingToPin
	}
	pl, err := newPlan(o.Dir, items, o.Collection, o.Profile)
	if err != nil {
		return nil, err
	}
	if o.Metadata != nil {
		var mu sync.Mutex
		pl.onMetadata = func(id int, b []byte) {
			mu.Lock()
			defer mu.Unlock()
			o.Metadata(id, b)
		}
	}

	// Steps 1–3: every CID, locally.
	roots, err := pl.compute(ctx, progress)
	if err != nil {
		return nil, err
	}
	res := pl.result(o.DryRun)
	if o.DryRun {
		return res, nil
	}
	if err := checkMinted(ctx, o.DB, items, res); err != nil {
		return nil, err
	}

	// Step 4: record before uploading.
	rec := &Record{Profile: o.Profile, ItemIDs: pl.ids(), Roots: res.Roots, BaseURI: res.BaseURI, ContractURI: res.ContractURI, Items: res.Items}
	runID, err := saveRun(context.WithoutCancel(ctx), o.DB, rec)
	if err != nil {
		return nil, err
	}
	res.RunID = runID
	progress(Event{Kind: EventRecorded, CID: res.Roots.Metadata})

	// Step 5: each destination, each root.
	pinners := o.Pinners
	if o.CAR != "" {
		list := make([]cid.Cid, len(roots))
		for i, r := range roots {
			list[i] = r.CID
		}
		car, err := NewCAR(o.CAR, list)
		if err != nil {
			return nil, err
		}
		pinners = append(slices.Clone(pinners), car)
	}
	for _, p := range pinners {
		dr, err := pinAll(ctx, o.DB, runID, p, roots, pl, progress, o.Concurrency)
		if err != nil {
			return nil, err
		}
		res.Destinations = append(res.Destinations, dr)
	}

	// Step 6: complete. The work is done; record it even if ctx just ended.
	done := context.WithoutCancel(ctx)
	if err := completeRun(done, o.DB, runID); err != nil {
		return nil, err
	}
	var kept []int
	for _, it := range items {
		if it.Status == state.Kept {
			kept = append(kept, it.ID)
		}
	}
	if len(kept) > 0 {
		n, err := o.DB.SetStatus(done, kept, state.Pinned, state.Kept)
		if err != nil {
			return nil, err
		}
		res.NewlyPinned = n
	}
	progress(Event{Kind: EventDone, Done: res.NewlyPinned, Total: len(items)})
	return res, nil
}

// pinAll pins every root at one destination: several at once (roots are
// independent and their CIDs known), or one after another into a
// Committer, which is then committed.
func pinAll(ctx context.Context, db *state.DB, runID int64, p Pinner, roots []Root, pl *plan, progress func(Event), parallel int) (DestinationResult, error) {
	dest := p.Destination()
	dr := DestinationResult{Destination: dest}
	committer, buffered := p.(Committer)
	if buffered || parallel < 1 {
		parallel = 1
	}
	already := make([]bool, len(roots))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for i, r := range roots {
		g.Go(func() error {
			var err error
			already[i], err = pinOne(gctx, db, runID, p, r, pl, progress, !buffered)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		if buffered {
			committer.Abort()
		}
		return dr, err
	}
	if buffered {
		if err := committer.Commit(ctx); err != nil {
			committer.Abort()
			return dr, err
		}
	}
	for i, r := range roots {
		if already[i] {
			dr.Already = append(dr.Already, r.Name)
			continue
		}
		dr.Pinned = append(dr.Pinned, r.Name)
		if buffered { // durable only now
			if err := savePinned(context.WithoutCancel(ctx), db, runID, dest, r.Name, r.CID.String()); err != nil {
				return dr, err
			}
		}
	}
	return dr, nil
}

// pinOne pins one root unless the destination has it, checking every CID
// the destination reports against the local ones.
func pinOne(ctx context.Context, db *state.DB, runID int64, p Pinner, r Root, pl *plan, progress func(Event), record bool) (already bool, err error) {
	dest := p.Destination()
	ok, err := p.Pinned(ctx, r.CID)
	if err != nil {
		return false, err
	}
	if ok {
		progress(Event{Kind: EventAlreadyThere, Root: r.Name, Destination: dest, CID: r.CID.String()})
		return true, savePinned(context.WithoutCancel(ctx), db, runID, dest, r.Name, r.CID.String())
	}
	want := pl.entries[r.Name]
	done := 0
	r.Entry = func(path string, c cid.Cid) error {
		w, ok := want[path]
		if !ok {
			return fmt.Errorf("%s returned %s for %s/%s, which genmint did not send", dest, c, r.Name, path)
		}
		if !w.CID.Equals(c) {
			return fmt.Errorf("%w: %s computed %s for %s/%s, genmint computed %s with profile %s: the node imports differently; nothing was marked pinned (report it with the output of 'ipfs version --all')",
				ErrCIDMismatch, dest, c, r.Name, path, w.CID, r.Profile.Name)
		}
		done++
		progress(Event{Kind: EventUploading, Root: r.Name, Destination: dest, Path: path, CID: c.String(), Done: done, Total: len(want)})
		return nil
	}
	got, err := p.Pin(ctx, r)
	if err != nil {
		return false, fmt.Errorf("pin %s to %s: %w", r.Name, dest, err)
	}
	if !got.Equals(r.CID) {
		return false, fmt.Errorf("%w: %s holds %s as %s, genmint computed %s with profile %s: nothing was marked pinned",
			ErrCIDMismatch, dest, r.Name, got, r.CID, r.Profile.Name)
	}
	progress(Event{Kind: EventPinned, Root: r.Name, Destination: dest, CID: got.String()})
	if record {
		return false, savePinned(context.WithoutCancel(ctx), db, runID, dest, r.Name, got.String())
	}
	return false, nil
}

// checkMinted refuses a run that would change what a minted token is. Adding
// items changes the images directory, and so every token's metadata (its
// image URI names the directory) and the baseURI: that is allowed — mint then
// moves the contract to the new baseURI with an ERC-4906 event — as long as
// every minted token keeps exactly its image, original and provenance record
// (the same file CIDs, so the same bytes) and its metadata file name.
func checkMinted(ctx context.Context, db *state.DB, items []state.Item, res *Result) error {
	minted := map[int]bool{}
	for _, it := range items {
		if it.Status == state.Minted {
			minted[it.ID] = true
		}
	}
	if len(minted) == 0 {
		return nil
	}
	if err := Migrate(ctx, db); err != nil {
		return err
	}
	last, err := Latest(ctx, db)
	if errors.Is(err, ErrNoPinRun) {
		return nil
	}
	if err != nil {
		return err
	}
	if last.Roots.Metadata == res.Roots.Metadata && last.Roots.Contract == res.Roots.Contract {
		return nil
	}
	now := map[int]ItemCIDs{}
	for _, it := range res.Items {
		now[it.ID] = it
	}
	for _, was := range last.Items {
		if !minted[was.ID] {
			continue
		}
		is, ok := now[was.ID]
		switch {
		case !ok:
			return fmt.Errorf("%w: token %d is minted with baseURI %s but would leave the collection: keep it (genmint keep %d)", ErrMinted, was.ID, last.BaseURI, was.ID)
		case is.ImageCID != was.ImageCID || is.OriginalCID != was.OriginalCID || is.ProvenanceCID != was.ProvenanceCID || is.ImageName != was.ImageName:
			return fmt.Errorf("%w: token %d is minted, but its image, original or provenance record changed since (image %s, now %s): put the minted files back, or start a new collection",
				ErrMinted, was.ID, was.ImageCID, is.ImageCID)
		}
	}
	return nil
}

// plan is a run's items with their file names and, once computed, CIDs.
type plan struct {
	dir     string
	coll    Collection
	profile unixfs.Profile
	items   []*planItem
	// collection image added to the images directory, if any
	coverName, coverPath string

	roots   map[string]cid.Cid
	entries map[string]map[string]unixfs.Imported // root → path → CID and size, to check destinations file by file

	onMetadata func(id int, b []byte) // Options.Metadata, serialised
}

type planItem struct {
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
}

func newPlan(dir string, items []state.Item, c Collection, p unixfs.Profile) (*plan, error) {
	pl := &plan{dir: dir, coll: c, profile: p, roots: map[string]cid.Cid{}, entries: map[string]map[string]unixfs.Imported{}}
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
		pi := &planItem{
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
		pi.finalMedia = it.Final.MediaType
		if pi.finalMedia == "" {
			pi.finalMedia = mediaTypeOfName(it.Final.Path)
		}
		pi.originalMedia = it.Original.MediaType
		if pi.originalMedia == "" {
			pi.originalMedia = mediaTypeOfName(it.Original.Path)
		}
		for i, f := range []string{pi.finalPath, pi.originalPath, pi.provPath} {
			fi, err := os.Stat(f)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w: restore it, or re-run 'genmint generate' for the item", it.ID, err)
			}
			switch i {
			case 0:
				pi.finalSize = fi.Size()
			case 1:
				pi.originalSize = fi.Size()
			}
		}
		pl.items = append(pl.items, pi)
	}
	if c.Image != "" && !isURI(c.Image) {
		pl.coverPath = filepath.Join(dir, filepath.FromSlash(c.Image))
		if _, err := os.Stat(pl.coverPath); err != nil {
			return nil, fmt.Errorf("collection image: %w", err)
		}
		pl.coverName = "collection" + strings.ToLower(extOf(c.Image))
	}
	return pl, nil
}

func isURI(s string) bool {
	i := strings.Index(s, "://")
	return i > 0 && !strings.ContainsAny(s[:i], "/\\.")
}

func (pl *plan) ids() []int {
	ids := make([]int, len(pl.items))
	for i, pi := range pl.items {
		ids[i] = pi.it.ID
	}
	return ids
}

// Directory trees. Each is rebuilt on demand from the plan: building is
// cheap and holds no file data.
func (pl *plan) imagesDir() *unixfs.Dir {
	d := &unixfs.Dir{}
	for _, pi := range pl.items {
		d.AddPath(pi.imageName, pi.finalPath)
	}
	if pl.coverName != "" {
		d.AddPath(pl.coverName, pl.coverPath)
	}
	return d
}

func (pl *plan) originalsDir() *unixfs.Dir {
	d := &unixfs.Dir{}
	for _, pi := range pl.items {
		d.AddPath(pi.originalName, pi.originalPath)
	}
	return d
}

func (pl *plan) provenanceDir() *unixfs.Dir {
	d := &unixfs.Dir{}
	for _, pi := range pl.items {
		d.AddPath(pi.provName, pi.provPath)
	}
	return d
}

func (pl *plan) metadataDir() *unixfs.Dir {
	d := &unixfs.Dir{}
	for _, pi := range pl.items {
		pi := pi
		d.AddFile(pi.metaName, func() (io.ReadCloser, error) {
			b, err := pl.tokenJSON(pi)
			if err != nil {
				return nil, err
			}
			if pl.onMetadata != nil {
				pl.onMetadata(pi.it.ID, b)
			}
			return io.NopCloser(strings.NewReader(string(b))), nil
		})
	}
	return d
}

// compute runs steps 1–3 locally and returns the roots to pin, in order.
func (pl *plan) compute(ctx context.Context, progress func(Event)) ([]Root, error) {
	byName := map[string]map[string]*planItem{}
	index := func(root string, name func(*planItem) string) {
		m := map[string]*planItem{}
		for _, pi := range pl.items {
			m[name(pi)] = pi
		}
		byName[root] = m
	}
	index(RootImages, func(pi *planItem) string { return pi.imageName })
	index(RootOriginals, func(pi *planItem) string { return pi.originalName })
	index(RootProvenance, func(pi *planItem) string { return pi.provName })
	index(RootMetadata, func(pi *planItem) string { return pi.metaName })

	// A file of at most one chunk, imported with raw leaves and sha2-256,
	// has the file's own sha256 as its CID's digest: it is checked against
	// the state for free. Larger files are hashed as they are read.
	digestIsSHA256 := pl.profile.RawLeaves && pl.profile.Hash == "sha2-256"
	importRoot := func(name string, d *unixfs.Dir, set func(*planItem, cid.Cid), verify func(*planItem) (want, label string, size int64)) (cid.Cid, error) {
		if err := d.Check(); err != nil {
			return cid.Undef, fmt.Errorf("%s: %w", name, err)
		}
		entries := map[string]unixfs.Imported{}
		total := d.Len()
		var checks []*hashCheck
		var mu sync.Mutex // Wrap runs on the importer's goroutines
		opts := unixfs.ImportOptions{
			Parallel: runtime.GOMAXPROCS(0),
			Entry: func(e unixfs.Imported) error {
				entries[e.Path] = e
				if pi := byName[name][e.Path]; pi != nil {
					set(pi, e.CID)
					if verify != nil {
						if want, label, size := verify(pi); want != "" && digestIsSHA256 && size <= pl.profile.ChunkSize {
							if got := sha256Of(e.CID); got != want {
								return fmt.Errorf("item %d: %w: %s has sha256 %s, the state recorded %s: restore it, or re-run 'genmint generate' for the item",
									pi.it.ID, ErrFileChanged, label, short(got), short(want))
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
				pi := byName[name][path]
				if pi == nil {
					return r
				}
				want, label, size := verify(pi)
				if want == "" || (digestIsSHA256 && size <= pl.profile.ChunkSize) {
					return r
				}
				hc := &hashCheck{r: r, h: sha256.New(), want: want, label: label, id: pi.it.ID}
				mu.Lock()
				checks = append(checks, hc)
				mu.Unlock()
				return hc
			}
		}
		c, _, err := unixfs.ImportDir(ctx, d, pl.profile, opts)
		if err != nil {
			return cid.Undef, fmt.Errorf("compute %s CIDs: %w", name, err)
		}
		for _, hc := range checks {
			if err := hc.verdict(); err != nil {
				return cid.Undef, err
			}
		}
		pl.entries[name] = entries
		pl.roots[name] = c
		progress(Event{Kind: EventComputed, Root: name, CID: c.String(), Done: total, Total: total})
		return c, nil
	}

	rel := func(p string) string {
		if r, err := filepath.Rel(pl.dir, p); err == nil {
			return filepath.ToSlash(r)
		}
		return p
	}
	var roots []Root
	add := func(name string, d *unixfs.Dir, c cid.Cid) {
		known := pl.entries[name]
		roots = append(roots, Root{Name: name, CID: c, Dir: d, Profile: pl.profile, PinName: pl.pinName(name),
			Known: func(path string) (cid.Cid, uint64, bool) {
				e, ok := known[path]
				return e.CID, e.Size, ok && !e.Dir
			}})
	}

	// 1. The files.
	c, err := importRoot(RootImages, pl.imagesDir(), func(pi *planItem, c cid.Cid) { pi.imageCID = c },
		func(pi *planItem) (string, string, int64) { return pi.finalSHA, rel(pi.finalPath), pi.finalSize })
	if err != nil {
		return nil, err
	}
	add(RootImages, pl.imagesDir(), c)
	c, err = importRoot(RootOriginals, pl.originalsDir(), func(pi *planItem, c cid.Cid) { pi.originalCID = c },
		func(pi *planItem) (string, string, int64) {
			return pi.originalSHA, rel(pi.originalPath), pi.originalSize
		})
	if err != nil {
		return nil, err
	}
	add(RootOriginals, pl.originalsDir(), c)
	c, err = importRoot(RootProvenance, pl.provenanceDir(), func(pi *planItem, c cid.Cid) { pi.provCID = c }, nil)
	if err != nil {
		return nil, err
	}
	add(RootProvenance, pl.provenanceDir(), c)

	// 2–3. The metadata, which names the CIDs above.
	c, err = importRoot(RootMetadata, pl.metadataDir(), func(pi *planItem, c cid.Cid) { pi.metaCID = c }, nil)
	if err != nil {
		return nil, err
	}
	add(RootMetadata, pl.metadataDir(), c)

	contract, err := pl.contractJSON()
	if err != nil {
		return nil, err
	}
	open := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(string(contract))), nil }
	cc, _, err := unixfs.ImportFile(ctx, open, pl.profile, unixfs.ImportOptions{})
	if err != nil {
		return nil, fmt.Errorf("compute contract metadata CID: %w", err)
	}
	pl.roots[RootContract] = cc
	pl.entries[RootContract] = map[string]unixfs.Imported{}
	progress(Event{Kind: EventComputed, Root: RootContract, CID: cc.String(), Done: 1, Total: 1})
	roots = append(roots, Root{Name: RootContract, CID: cc, File: open, Profile: pl.profile, PinName: pl.pinName(RootContract)})
	return roots, nil
}

func (pl *plan) pinName(root string) string {
	name := pl.coll.Name
	if name == "" {
		name = filepath.Base(pl.dir)
	}
	return "genmint " + name + " " + root
}

func ipfsURI(root cid.Cid, name string) string { return "ipfs://" + root.String() + "/" + name }

// tokenJSON builds one token's metadata file from the state, the provenance
// record on disk and the CIDs computed so far.
func (pl *plan) tokenJSON(pi *planItem) ([]byte, error) {
	rec, err := readRecord(pi)
	if err != nil {
		return nil, err
	}
	images, originals, provs := pl.roots[RootImages], pl.roots[RootOriginals], pl.roots[RootProvenance]
	c := rec.Content
	seed := uint64(c.Seed.Requested)
	if c.Seed.Actual != nil {
		seed = *c.Seed.Actual
	}
	prompt := pi.it.Prompt
	if prompt == "" {
		prompt = c.Prompt
	}
	md := TokenMetadata{
		Name:        tokenName(pl.coll, pi.it.ID),
		Description: pl.coll.Description,
		Image:       ipfsURI(images, pi.imageName),
		ExternalURL: tokenExternalURL(pl.coll, pi.it.ID),
		Attributes:  make([]Attribute, 0, len(pi.it.Traits)),
		Properties: TokenProperties{
			Generation: Generation{
				Provider:          c.Provider,
				Model:             c.Model,
				ModelVersion:      c.ModelVersion,
				Prompt:            prompt,
				RevisedPrompt:     c.RevisedPrompt,
				NegativePrompt:    pi.it.NegativePrompt,
				Seed:              seed,
				SeedRequested:     pi.it.Seed,
				Reproducible:      c.Reproducible,
				DigitalSourceType: c.DigitalSourceType,
			},
			Image: FileRef{URI: ipfsURI(images, pi.imageName), CID: pi.imageCID.String(),
				SHA256: pi.finalSHA, MediaType: pi.finalMedia},
			Original: FileRef{URI: ipfsURI(originals, pi.originalName), CID: pi.originalCID.String(),
				SHA256: pi.originalSHA, MediaType: pi.originalMedia},
			Provenance: ProvenanceRef{URI: ipfsURI(provs, pi.provName), CID: pi.provCID.String(),
				Schema: rec.Schema, ContentSHA256: rec.ContentSHA256},
			Creator: firstNonEmpty(c.Creator, pl.coll.Creator),
		},
	}
	for _, t := range pi.it.Traits {
		md.Attributes = append(md.Attributes, Attribute{TraitType: t.Type, Value: t.Value})
	}
	if pl.coll.ERC7007 {
		md.Prompt = prompt
		md.AIGCType = strings.SplitN(pi.finalMedia, "/", 2)[0]
		md.AIGCData = md.Image
	}
	return marshalMetadata(md)
}

func (pl *plan) contractJSON() ([]byte, error) {
	cm := ContractMetadata{
		Name:         pl.coll.Name,
		Symbol:       pl.coll.Symbol,
		Description:  pl.coll.Description,
		ExternalLink: contractExternalLink(pl.coll),
	}
	if cm.Name == "" {
		cm.Name = filepath.Base(pl.dir)
	}
	switch {
	case pl.coverName != "":
		cm.Image = ipfsURI(pl.roots[RootImages], pl.coverName)
	case pl.coll.Image != "":
		cm.Image = pl.coll.Image
	default:
		cm.Image = ipfsURI(pl.roots[RootImages], pl.items[0].imageName)
	}
	if pl.coll.RoyaltyReceiver != "" {
		bps := pl.coll.RoyaltyBPS
		cm.SellerFeeBasisPoints = &bps
		cm.FeeRecipient = pl.coll.RoyaltyReceiver
	}
	return marshalMetadata(cm)
}

func (pl *plan) result(dry bool) *Result {
	res := &Result{
		DryRun:  dry,
		Profile: pl.profile,
		Roots: Roots{
			Images:     pl.roots[RootImages].String(),
			Originals:  pl.roots[RootOriginals].String(),
			Provenance: pl.roots[RootProvenance].String(),
			Metadata:   pl.roots[RootMetadata].String(),
			Contract:   pl.roots[RootContract].String(),
		},
		BaseURI:     "ipfs://" + pl.roots[RootMetadata].String() + "/",
		ContractURI: "ipfs://" + pl.roots[RootContract].String(),
	}
	for _, pi := range pl.items {
		res.Items = append(res.Items, ItemCIDs{
			ID:             pi.it.ID,
			ImageName:      pi.imageName,
			ImageCID:       pi.imageCID.String(),
			OriginalName:   pi.originalName,
			OriginalCID:    pi.originalCID.String(),
			ProvenanceName: pi.provName,
			ProvenanceCID:  pi.provCID.String(),
			MetadataCID:    pi.metaCID.String(),
			TokenURI:       res.BaseURI + pi.metaName,
		})
	}
	return res
}

// readRecord reads an item's provenance sidecar and checks it is the record
// the final image embeds.
func readRecord(pi *planItem) (*provenance.Record, error) {
	b, err := os.ReadFile(pi.provPath)
	if err != nil {
		return nil, fmt.Errorf("item %d: %w", pi.it.ID, err)
	}
	var rec provenance.Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("item %d: provenance record %s is not valid JSON (%v): re-run 'genmint generate' for the item", pi.it.ID, pi.provPath, err)
	}
	if rec.Content.Item != 0 && rec.Content.Item != pi.it.ID {
		return nil, fmt.Errorf("item %d: provenance record %s describes item %d: restore the item's folder", pi.it.ID, pi.provPath, rec.Content.Item)
	}
	if pi.it.RecordSHA256 != "" && rec.ContentSHA256 != pi.it.RecordSHA256 {
		return nil, fmt.Errorf("item %d: %w: provenance record %s has content hash %s, the state recorded %s: restore it or re-run 'genmint generate' for the item",
			pi.it.ID, ErrFileChanged, pi.provPath, short(rec.ContentSHA256), short(pi.it.RecordSHA256))
	}
	return &rec, nil
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

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
