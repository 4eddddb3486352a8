package pin

import (
	"context"
	"fmt"
	"slices"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/pin/unixfs"
	"github.com/genmint/genmint/state"
)

// RebuildOptions are Rebuild's inputs.
type RebuildOptions struct {
	Dir        string    // the collection folder
	DB         *state.DB // its (rebuilt) state; the caller holds the lock
	Collection MetadataFacts
	Profile    unixfs.Profile // zero: unixfs.DefaultProfile
	// Pinners are destinations to ask whether they hold the roots (a Kubo
	// node); nothing is uploaded to them.
	Pinners []Pinner
	// CAR names a CAR file a run wrote; it is read, never written.
	CAR string
	// Services are upload services to ask (RecordedServices: those the
	// uploads ledger names); nothing is uploaded to them. The uploads
	// they confirm go back into the state database.
	Services []CARService
}

// RebuildReport says what Rebuild found.
type RebuildReport struct {
	// Rebuilt is the run recorded again, nil when none could be.
	Rebuilt *Record `json:"rebuilt,omitempty"`
	// Newly counts the items moved to pinned.
	Newly int `json:"newly_pinned"`
	// Tried lists the item sets whose CIDs were recomputed, with the
	// metadata root each gave, when no destination held them.
	Tried []Candidate `json:"tried,omitempty"`
	// Reason says why nothing was rebuilt ("" when a run was).
	Reason string `json:"reason,omitempty"`
	// Checked is set when Rebuilt is a run the state already held (carried
	// over from the old database) whose roots the files gave again.
	Checked bool `json:"checked,omitempty"`
	// Mismatched lists recorded runs whose roots the files no longer give
	// (kept as they are, as the record of what was published, but not used).
	Mismatched []Candidate `json:"mismatched,omitempty"`
	// Restored are the uploads put back in the state database from
	// uploads/<service>.json, each confirmed again by its service.
	Restored []Upload `json:"restored_uploads,omitempty"`
	// Gone are the uploads uploads/<service>.json recorded that their
	// service no longer holds: moved to the file's "gone" list (the next
	// pin uploads them again if they are its roots).
	Gone []GoneNote `json:"gone_uploads,omitempty"`
}

// GoneNote is an upload its service no longer holds, with the line that
// says so.
type GoneNote struct {
	Upload
	Note string `json:"note"`
}

// Candidate is one item set Rebuild recomputed.
type Candidate struct {
	ItemIDs  []int  `json:"item_ids"`
	Metadata string `json:"metadata_cid"`
	BaseURI  string `json:"base_uri"`
}

// Rebuild recovers the pin record of a collection whose state database was
// rebuilt: it recomputes every CID from the item folders (the same import
// as Run, so the same files give the same CIDs) for the likely item sets —
// the items kept, pinned or minted, then every item with an image — and
// records the first set whose five roots a destination confirms it holds
// (a Kubo node's pins, a complete CAR file with exactly those roots), as a
// completed run with those destinations, moving its items to pinned.
// Nothing is uploaded and nothing is recorded on a belief: a set no
// destination confirms is reported in Tried, with Reason.
//
// Runs the state already records (carried over from an old database) are
// checked first, newest first: the first whose roots the folders give again
// under its profile stands, and its items are moved to pinned; the others
// are reported in Mismatched and left as they are.
func Rebuild(ctx context.Context, o RebuildOptions) (*RebuildReport, error) {
	if o.Profile.Name == "" {
		o.Profile = unixfs.DefaultProfile
	}
	if err := Migrate(ctx, o.DB); err != nil {
		return nil, err
	}
	rep := &RebuildReport{}
	// The upload records first: each confirmed by its service, or an error
	// (a CID the service reports differently) before anything is rebuilt.
	led := &ledger{dir: o.Dir, db: o.DB}
	if err := led.relabel(ctx); err != nil {
		return nil, err
	}
	for _, svc := range o.Services {
		up := &uploader{svc: svc, ledger: led}
		up.gone = func(u Upload, note string) { rep.Gone = append(rep.Gone, GoneNote{Upload: u, Note: note}) }
		back, err := up.restore(ctx)
		if err != nil {
			return nil, err
		}
		rep.Restored = append(rep.Restored, back...)
		o.Pinners = append(slices.Clone(o.Pinners), up)
	}
	// A remote Kubo's pins uploads/kubo.json records, each confirmed by pin/ls.
	for _, p := range o.Pinners {
		back, err := restoreKubo(ctx, led, p)
		if err != nil {
			return nil, err
		}
		rep.Restored = append(rep.Restored, back...)
	}
	ok, err := checkRecorded(ctx, o, rep)
	if err != nil || ok {
		return rep, err
	}
	all, err := o.DB.Items(ctx, state.Query{Statuses: []state.Status{state.Generated, state.Kept, state.Pinned, state.Minted}})
	if err != nil {
		return nil, err
	}
	var chosen, withImage []state.Item
	for _, it := range all {
		if it.Status != state.Generated {
			chosen = append(chosen, it)
		}
		withImage = append(withImage, it)
	}
	sets := [][]state.Item{}
	if len(chosen) > 0 {
		sets = append(sets, chosen)
	}
	if len(withImage) > len(chosen) {
		sets = append(sets, withImage)
	}
	if len(sets) == 0 {
		rep.Reason = "no item has an image"
		return rep, nil
	}
	noDest := len(o.Pinners) == 0 && o.CAR == ""
	var unusable string // why a set's CIDs could not be computed
	for _, items := range sets {
		lay, err := newLayout(o.Dir, items, o.Collection, o.Profile)
		if err != nil {
			unusable = err.Error()
			continue
		}
		roots, err := lay.compute(ctx, func(Event) {}, nil)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			unusable = err.Error()
			continue
		}
		res := lay.result(false)
		cand := Candidate{ItemIDs: lay.ids(), Metadata: res.Roots.Metadata, BaseURI: res.BaseURI}
		if noDest {
			rep.Tried = append(rep.Tried, cand)
			continue
		}
		held, err := holders(ctx, o, roots)
		if err != nil {
			return nil, err
		}
		if len(held) == 0 {
			rep.Tried = append(rep.Tried, cand)
			continue
		}
		rec := &Record{Profile: o.Profile, ItemIDs: lay.ids(), Roots: res.Roots, BaseURI: res.BaseURI, ContractURI: res.ContractURI, PlaceholderURI: res.PlaceholderURI, Items: res.Items}
		done := context.WithoutCancel(ctx)
		runID, err := saveRun(done, o.DB, rec)
		if err != nil {
			return nil, err
		}
		for _, dest := range held {
			for _, r := range roots {
				if err := savePinned(done, o.DB, runID, dest, r.Name, r.CID.String()); err != nil {
					return nil, err
				}
			}
		}
		if err := completeRun(done, o.DB, runID); err != nil {
			return nil, err
		}
		n, err := o.DB.SetStatus(done, lay.ids(), state.Pinned, state.Generated, state.Kept)
		if err != nil {
			return nil, err
		}
		rep.Newly = n
		if rep.Rebuilt, err = ReadRun(done, o.DB, runID); err != nil {
			return nil, err
		}
		return rep, nil
	}
	switch {
	case len(rep.Tried) == 0:
		rep.Reason = "the CIDs cannot be computed: " + unusable
	case noDest:
		rep.Reason = "no destination to check: give --ipfs-api ADDR or --car FILE (or the credentials of a service uploads/ names)"
	default:
		rep.Reason = "no destination given holds these roots"
	}
	return rep, nil
}

// checkRecorded recomputes the roots of each completed run the state holds
// and keeps the first that matches.
func checkRecorded(ctx context.Context, o RebuildOptions, rep *RebuildReport) (bool, error) {
	rows, err := o.DB.SQL().QueryContext(ctx, `SELECT id FROM pin_runs WHERE completed_at <> '' ORDER BY completed_at DESC, id DESC`)
	if err != nil {
		return false, fmt.Errorf("read pin runs: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return false, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, id := range ids {
		rec, err := ReadRun(ctx, o.DB, id)
		if err != nil {
			return false, err
		}
		items, err := o.DB.Items(ctx, state.Query{IDs: rec.ItemIDs})
		if err != nil {
			return false, err
		}
		cand := Candidate{ItemIDs: rec.ItemIDs, Metadata: rec.Roots.Metadata, BaseURI: rec.BaseURI}
		if len(items) != len(rec.ItemIDs) {
			rep.Mismatched = append(rep.Mismatched, cand)
			continue
		}
		lay, err := newLayout(o.Dir, items, o.Collection, rec.Profile)
		if err != nil {
			rep.Mismatched = append(rep.Mismatched, cand)
			continue
		}
		if _, err := lay.compute(ctx, func(Event) {}, nil); err != nil {
			if ctx.Err() != nil {
				return false, err
			}
			rep.Mismatched = append(rep.Mismatched, cand)
			continue
		}
		if got := lay.result(false); got.Roots != rec.Roots || got.BaseURI != rec.BaseURI || got.ContractURI != rec.ContractURI || got.PlaceholderURI != rec.PlaceholderURI {
			rep.Mismatched = append(rep.Mismatched, cand)
			continue
		}
		n, err := o.DB.SetStatus(context.WithoutCancel(ctx), rec.ItemIDs, state.Pinned, state.Generated, state.Kept)
		if err != nil {
			return false, err
		}
		rep.Rebuilt, rep.Newly, rep.Checked = rec, n, true
		return true, nil
	}
	return false, nil
}

// holders lists the destinations that hold every root.
func holders(ctx context.Context, o RebuildOptions, roots []Root) ([]string, error) {
	pinners := slices.Clone(o.Pinners)
	if o.CAR != "" {
		list := make([]cid.Cid, len(roots))
		for i, r := range roots {
			list[i] = r.CID
		}
		car, err := NewCAR(o.CAR, list)
		if err != nil {
			return nil, err
		}
		pinners = append(pinners, car)
	}
	var held []string
	for _, p := range pinners {
		all := true
		for _, r := range roots {
			ok, err := p.Pinned(ctx, r.CID)
			if err != nil {
				return nil, fmt.Errorf("ask %s for %s: %w", p.Destination(), r.Name, err)
			}
			if !ok {
				all = false
				break
			}
		}
		if all {
			held = append(held, p.Destination())
		}
	}
	return held, nil
}
