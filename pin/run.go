package pin

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"golang.org/x/sync/errgroup"

	"github.com/genmint/genmint/pin/unixfs"
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
	// With a placeholder (MetadataFacts.Placeholder): the placeholder
	// image (with a file cover image, the collection's picture too, so
	// that nothing published before the reveal names the real images)
	// and the placeholder metadata folder, the baseURI until the reveal.
	RootPlaceholderImage = "placeholder-image"
	RootPlaceholder      = "placeholder"
)

// Options are Run's inputs. The caller (cmd/pincmd) fills them from flags
// and the spec.
type Options struct {
	// Dir is the collection folder; DB its open state (the caller holds the
	// collection lock).
	Dir string
	DB  *state.DB
	// Collection holds the spec's collection facts.
	Collection MetadataFacts
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
	// Services are remote services that take a CAR upload (S3 with CAR
	// import, Pinata), after the Pinners and the CAR file: each root goes
	// up as its own CAR, unless the service already holds it, and every
	// confirmed upload is recorded in the state and in uploads/<service>.json.
	Services []CARService
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
	EventSending      EventKind = "sending"       // Root's CAR (Total bytes) is going to Destination
	EventAlreadyThere EventKind = "already-there" // Destination already holds Root
	EventGone         EventKind = "gone"          // Destination no longer holds Root (CID), which it was recorded holding: Note says so
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
	Note        string // the line to show, for EventGone
}

// Result is what Run did.
type Result struct {
	DryRun      bool           `json:"dry_run"`
	RunID       int64          `json:"run_id,omitempty"`
	Profile     unixfs.Profile `json:"profile"`
	Roots       Roots          `json:"roots"`
	BaseURI     string         `json:"base_uri"`
	ContractURI string         `json:"contract_uri"`
	// PlaceholderURI is the placeholder folder's baseURI (with a
	// placeholder only): what the contract is deployed with until the reveal.
	PlaceholderURI string     `json:"placeholder_uri,omitempty"`
	Items          []ItemCIDs `json:"items"`
	// Destinations lists, per destination, which roots were pinned now and
	// which were already there.
	Destinations []DestinationResult `json:"destinations"`
	// NewlyPinned counts the items moved from kept to pinned by this run.
	NewlyPinned int `json:"newly_pinned"`
	// Uploads are the confirmed CAR uploads of this run's roots, as
	// recorded in uploads/<service>.json: the service reported each root
	// CID equal to genmint's.
	Uploads []Upload `json:"uploads,omitempty"`
	// Restored are the uploads put back in the state database from
	// uploads/<service>.json (it had lost them), each confirmed again by
	// its service first.
	Restored []Upload `json:"restored,omitempty"`
	// Aborted are the unfinished uploads of roots the collection no longer
	// has (an interrupted run, an item regenerated since) that this run
	// ended so that they stop billing (Sweeper).
	Aborted []string `json:"aborted,omitempty"`
	// Gone are the uploads uploads/<service>.json recorded that their
	// service no longer holds: moved to the file's "gone" list, and
	// uploaded again when they are this run's roots (then in Uploads).
	Gone []Upload `json:"gone,omitempty"`
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
	if !o.DryRun && len(o.Pinners) == 0 && o.CAR == "" && len(o.Services) == 0 {
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
	lay, err := newLayout(o.Dir, items, o.Collection, o.Profile)
	if err != nil {
		return nil, err
	}
	if o.Metadata != nil {
		var mu sync.Mutex
		lay.onMetadata = func(id int, b []byte) {
			mu.Lock()
			defer mu.Unlock()
			o.Metadata(id, b)
		}
	}

	// A destination that streams (a remote Kubo) takes each root's blocks
	// while steps 1–3 compute them, so the files are read once; nothing is
	// pinned there before step 5 commits it.
	var streams *runStreams
	led := &ledger{dir: o.Dir, db: o.DB}
	if !o.DryRun {
		if err := led.relabel(ctx); err != nil {
			return nil, err
		}
		if streams, err = openStreams(ctx, led, o.Pinners, lay.fileBytes, o.Concurrency); err != nil {
			return nil, err
		}
		defer streams.abort() // a no-op once committed
	}

	// Steps 1–3: every CID, locally.
	roots, err := lay.compute(ctx, progress, streams)
	if err != nil {
		var se *streamError
		if errors.As(err, &se) {
			return nil, se
		}
		return nil, err
	}
	res := lay.result(o.DryRun)
	if o.DryRun {
		return res, nil
	}
	if err := checkMinted(ctx, o.DB, items, res); err != nil {
		return nil, err
	}

	// A destination that takes its roots in order and commits them (a
	// remote Kubo, a CAR file) is asked which it has already for every
	// root at once, while the run is recorded: asking only reads.
	askCtx, stopAsking := context.WithCancel(ctx)
	asked := map[Pinner]*pinnedAnswers{}
	defer func() { // nothing asks on once Run has returned
		stopAsking()
		for _, a := range asked {
			<-a.done
		}
	}()
	for _, p := range o.Pinners {
		if _, ok := p.(Committer); ok {
			asked[p] = askPinned(askCtx, o.DB, p, roots, o.Concurrency)
		}
	}

	// Step 4: record before uploading.
	rec := &Record{Profile: o.Profile, ItemIDs: lay.ids(), Roots: res.Roots, BaseURI: res.BaseURI, ContractURI: res.ContractURI, PlaceholderURI: res.PlaceholderURI, Items: res.Items}
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
	if len(o.Services) > 0 {
		var goneMu sync.Mutex // Pinned runs for several roots at once
		carDir := filepath.Join(o.Dir, state.Dir, "uploads")
		keep := make([]cid.Cid, len(roots))
		for i, r := range roots {
			keep[i] = r.CID
		}
		started, err := startedUploads(carDir)
		if err != nil {
			return nil, err
		}
		for _, svc := range o.Services {
			up := runUploader(svc, led, carDir, keep)
			up.begin = func(root string, size int64) {
				progress(Event{Kind: EventSending, Root: root, Destination: svc.Destination(), Total: int(size)})
			}
			up.gone = func(u Upload, note string) {
				goneMu.Lock()
				res.Gone = append(res.Gone, u)
				goneMu.Unlock()
				progress(Event{Kind: EventGone, Root: u.Root, Destination: svc.Destination(), CID: u.CID, Note: note})
			}
			// A lost database: the uploads the file lists, confirmed
			// again by the service, before anything is asked or sent.
			back, err := up.restore(ctx)
			if err != nil {
				return nil, err
			}
			res.Restored = append(res.Restored, back...)
			// Unfinished uploads of roots no longer the collection's would
			// never be resumed: end them.
			if sw, ok := svc.(Sweeper); ok {
				ended, err := sw.Sweep(ctx, keep, started)
				res.Aborted = append(res.Aborted, ended...)
				if err != nil {
					return nil, err
				}
			}
			pinners = append(slices.Clone(pinners), up)
		}
		// Every service has ended what it had of them: the CARs of roots
		// the collection no longer has go too.
		if err := removeStaleCARs(carDir, keep, started); err != nil {
			return nil, err
		}
	}
	for _, p := range pinners {
		dr, err := pinAll(ctx, o.DB, runID, p, roots, lay, progress, o.Concurrency, asked[p])
		if err != nil {
			return nil, err
		}
		res.Destinations = append(res.Destinations, dr)
		// A remote Kubo's confirmed roots go in uploads/kubo.json too.
		if rk := asRemoteKubo(p); rk != nil {
			back, err := recordKubo(ctx, led, rk, roots, dr)
			res.Restored = append(res.Restored, back...)
			if err != nil {
				return nil, err
			}
			ups, err := kuboUploads(o.Dir, rk.UploadsDestination(), roots)
			if err != nil {
				return nil, err
			}
			res.Uploads = append(res.Uploads, ups...)
		}
	}

	for _, svc := range o.Services {
		ups, err := ReadUploads(o.Dir, svc.Service())
		if err != nil {
			return nil, err
		}
		for _, u := range ups {
			if u.Destination == svc.Destination() && slices.ContainsFunc(roots, func(r Root) bool { return r.CID.String() == u.CID }) {
				res.Uploads = append(res.Uploads, u)
			}
		}
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
// Committer, which is then committed; a Committer's answers to "do you
// have it?" come from asked (nil: asked here), all asked at once.
func pinAll(ctx context.Context, db *state.DB, runID int64, p Pinner, roots []Root, lay *layout, progress func(Event), parallel int, asked *pinnedAnswers) (DestinationResult, error) {
	dest := p.Destination()
	dr := DestinationResult{Destination: dest, Pinned: []string{}, Already: []string{}}
	committer, buffered := p.(Committer)
	already := make([]bool, len(roots))
	if buffered {
		if asked == nil {
			asked = askPinned(ctx, db, p, roots, parallel)
		}
		have, err := asked.wait()
		for i, r := range roots {
			if err != nil {
				break
			}
			already[i], err = pinGiven(ctx, db, runID, p, r, have[i], lay, progress, false)
		}
		if err == nil {
			err = committer.Commit(ctx)
		}
		if err != nil {
			committer.Abort()
			return dr, err
		}
	} else {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(max(parallel, 1))
		for i, r := range roots {
			g.Go(func() error {
				ok, err := p.Pinned(gctx, r.CID)
				if err != nil {
					return err
				}
				already[i], err = pinGiven(gctx, db, runID, p, r, ok, lay, progress, true)
				return err
			})
		}
		if err := g.Wait(); err != nil {
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

// pinnedAnswers are a destination's answers, root by root, to whether it
// has each already (Pinner.Pinned), asked at once.
type pinnedAnswers struct {
	done chan struct{}
	have []bool
	err  error // the first failure in the roots' order
}

// askPinned asks p about roots, up to limit at once. A root p's stream
// carried is asked about only when the state records p holding it (to
// tell "already there" from "gone"): otherwise the import pins it either
// way and confirms it after, and asking a node busy with that import would
// only hold the roots CAR back.
func askPinned(ctx context.Context, db *state.DB, p Pinner, roots []Root, limit int) *pinnedAnswers {
	a := &pinnedAnswers{done: make(chan struct{}), have: make([]bool, len(roots))}
	s := asStreamer(p)
	go func() {
		defer close(a.done)
		a.err = forEach(len(roots), limit, func(i int) (err error) {
			c := roots[i].CID
			if s != nil && s.Carried(c) {
				recorded, err := pinRecorded(ctx, db, p.Destination(), c.String())
				if err != nil || !recorded {
					return err
				}
			}
			a.have[i], err = p.Pinned(ctx, c)
			return err
		})
	}()
	return a
}

func (a *pinnedAnswers) wait() ([]bool, error) {
	<-a.done
	return a.have, a.err
}

// forEach runs f(0) … f(n-1), up to limit at once, each to its end (one
// failing cancels none of the others), and returns the first error in
// that order.
func forEach(n, limit int, f func(i int) error) error {
	errs := make([]error, n)
	slots := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for i := range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			errs[i] = f(i)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// pinGiven pins one root unless the destination has it (have, its answer
// to Pinned), checking every CID the destination reports against the
// local ones; record saves the pin at once (a Committer's is saved once
// committed).
func pinGiven(ctx context.Context, db *state.DB, runID int64, p Pinner, r Root, have bool, lay *layout, progress func(Event), record bool) (already bool, err error) {
	dest := p.Destination()
	if have {
		progress(Event{Kind: EventAlreadyThere, Root: r.Name, Destination: dest, CID: r.CID.String()})
		return true, savePinned(context.WithoutCancel(ctx), db, runID, dest, r.Name, r.CID.String())
	}
	if _, car := p.(*CARFile); !car {
		// A destination recorded holding r says it does not (unpinned,
		// garbage-collected, deleted): the records go, so that until it
		// holds r again nothing counts it as published. (A CAR file is
		// written whole again; an upload service's ledger has said so.)
		at, err := forgetPinned(context.WithoutCancel(ctx), db, dest, r.CID.String())
		if err != nil {
			return false, err
		}
		if !at.IsZero() {
			progress(Event{Kind: EventGone, Root: r.Name, Destination: dest, CID: r.CID.String(),
				Note: fmt.Sprintf("%s was recorded holding %s (%s) since %s, but no longer has it: sending it again", dest, r.Name, r.CID, at.UTC().Format(time.RFC3339))})
		}
	}
	want := lay.entries[r.Name]
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

// runStreams are the destinations that take a run's blocks while Run
// computes the CIDs, each with the roots it already holds.
type runStreams struct {
	list []runStream
}

type runStream struct {
	s    Streamer
	dest string
	have map[string]bool // root names whose last recorded CID is pinned there
}

// streamError is a streaming destination refusing a block: the run fails
// with the destination's own error, not as a failure to compute.
type streamError struct {
	dest string
	err  error
}

func (e *streamError) Error() string { return fmt.Sprintf("%s: %v", e.dest, e.err) }
func (e *streamError) Unwrap() error { return e.err }

// openStreams starts a stream at each Streamer among pinners, after asking
// it (through the retry wrapper) which roots it already pins, of the last
// completed run, of the newest run recorded (one that stopped after this
// destination took its roots, at a later destination) and, for a remote
// Kubo, those uploads/kubo.json and pin_uploads record there (a fresh
// runner or a lost state.db has only the file): those are not streamed, so
// a re-run that changes nothing sends nothing. A recorded root the run then
// computes differently is sent at Commit, its blocks read again.
// fileBytes(name) estimates a root's bytes, for progress; limit bounds
// the questions asked at once.
func openStreams(ctx context.Context, led *ledger, pinners []Pinner, fileBytes func(root string) int64, limit int) (*runStreams, error) {
	db := led.db
	rs := &runStreams{}
	var known map[string][]cid.Cid // root name → the CIDs recorded for it
	for _, p := range pinners {
		s := asStreamer(p)
		if s == nil {
			continue
		}
		if known == nil {
			var err error
			if known, err = recordedRoots(ctx, db); err != nil {
				return nil, err
			}
		}
		var recorded map[string][]string
		if rk := asRemoteKubo(p); rk != nil {
			var err error
			if recorded, err = recordedKubo(ctx, led, rk.UploadsDestination()); err != nil {
				return nil, err
			}
		}
		// Each root's candidates in turn, several roots at once: the node
		// answers each in a round trip, and the run waits for all.
		names := []string{RootImages, RootOriginals, RootProvenance, RootMetadata, RootContract, RootPlaceholderImage, RootPlaceholder}
		found := make([]bool, len(names))
		err := forEach(len(names), limit, func(i int) error {
			for _, k := range recordedCandidates(known[names[i]], recorded[names[i]]) {
				ok, err := p.Pinned(ctx, k)
				if err != nil || ok {
					found[i] = ok
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		have := map[string]bool{}
		for i, name := range names {
			if found[i] {
				have[name] = true
			}
		}
		var estimate int64
		for _, name := range []string{RootImages, RootOriginals, RootProvenance, RootMetadata, RootContract} {
			if !have[name] {
				estimate += fileBytes(name)
			}
		}
		s.StartStream(ctx, estimate)
		rs.list = append(rs.list, runStream{s: s, dest: p.Destination(), have: have})
	}
	return rs, nil
}

// recordedRoots are the root CIDs of the last completed run and of the
// newest run recorded, by root name.
func recordedRoots(ctx context.Context, db *state.DB) (map[string][]cid.Cid, error) {
	known := map[string][]cid.Cid{}
	for _, run := range []func(context.Context, *state.DB) (int64, error){latestRunID, newestRunID} {
		id, err := run(ctx, db)
		if errors.Is(err, ErrNoPinRun) {
			continue
		}
		if err != nil {
			return nil, err
		}
		roots, err := runRoots(ctx, db, id)
		if err != nil {
			return nil, err
		}
		for name, c := range map[string]string{RootImages: roots.Images, RootOriginals: roots.Originals,
			RootProvenance: roots.Provenance, RootMetadata: roots.Metadata, RootContract: roots.Contract,
			RootPlaceholderImage: roots.PlaceholderImage, RootPlaceholder: roots.Placeholder} {
			k, err := cid.Decode(c)
			if err != nil || slices.ContainsFunc(known[name], k.Equals) {
				continue // none recorded, or the same
			}
			known[name] = append(known[name], k)
		}
	}
	return known, nil
}

// sink returns where root name's blocks go as they are computed (nil: no
// stream wants them) and what to call once the root is complete.
func (rs *runStreams) sink(name string) (put func(context.Context, blocks.Block) error, done func(cid.Cid)) {
	if rs == nil {
		return nil, func(cid.Cid) {}
	}
	var to []runStream
	for _, st := range rs.list {
		if !st.have[name] {
			to = append(to, st)
		}
	}
	if len(to) == 0 {
		return nil, func(cid.Cid) {}
	}
	put = func(ctx context.Context, b blocks.Block) error {
		for _, st := range to {
			if err := st.s.PutBlock(ctx, b); err != nil {
				return &streamError{dest: st.dest, err: err}
			}
		}
		return nil
	}
	done = func(c cid.Cid) {
		for _, st := range to {
			st.s.Streamed(c)
		}
	}
	return put, done
}

// abort ends every stream not committed.
func (rs *runStreams) abort() {
	if rs == nil {
		return
	}
	for _, st := range rs.list {
		st.s.Abort()
	}
}
