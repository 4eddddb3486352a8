package mint

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/genmint/genmint/pin"
)

// ErrRecordConflict: deployments/<network>.json and the state database name
// different deployments.
var ErrRecordConflict = errors.New("the deployment record and the state database disagree")

// checkChain checks, before anything is settled or sent, that the node's
// chain holds the collection's deployment (its recorded identity) and
// everything the journal saw mined: one batched round trip. It loads the
// deployment record (backfilling one for a journal older than chain
// identity) and writes deployments/<network>.json when it is missing.
func (r *runner) checkChain(ctx context.Context, dep *Deployment) error {
	var err error
	if r.mined, err = r.j.lastMined(ctx, r.chainID.Uint64(), r.from); err != nil {
		return err
	}
	if dep == nil || r.o.unchecked {
		return nil // nothing deployed: plan refuses a deployment the folder records
	}
	if r.o.NewDeployment {
		return fmt.Errorf("%w: --new-deployment: the state database already records this collection's contract %s on %s; to deploy another one, copy the collection folder without .genmint/ and deployments/",
			ErrDeployed, dep.Contract.Hex(), r.o.Network.Name)
	}
	rec, err := r.j.record(ctx, dep.ChainID)
	if err != nil {
		return err
	}
	if rec == nil {
		if rec, err = r.backfill(ctx, dep); err != nil {
			return err
		}
	}
	var file *DeploymentRecord
	if r.o.Dir != "" {
		if file, err = ReadDeploymentFile(r.o.Dir, r.o.Network.Name); err != nil {
			return err
		}
		if file != nil && (file.Address != rec.Address || file.ChainID != rec.ChainID || file.BlockHash != rec.BlockHash) {
			return fmt.Errorf("%w: %s records contract %s (block %d on chain %d) but the state database %s (block %d on chain %d): restore the file from version control, or move .genmint/state.db aside and run 'genmint repair --rpc URL' to rebuild the state from the file",
				ErrRecordConflict, rel(r.o.Dir, DeploymentFile(r.o.Dir, r.o.Network.Name)), file.Address.Hex(), file.Block, file.ChainID, rec.Address.Hex(), rec.Block, rec.ChainID)
		}
	}
	if err := checkIdentity(ctx, r.b, rec, r.o.Node, r.mined); err != nil {
		if err = r.reorganised(ctx, err); err != nil {
			return err
		}
	}
	r.rec = rec
	if r.o.Dir != "" && file == nil {
		rec.Network = r.o.Network.Name
		return WriteDeploymentFile(r.o.Dir, rec)
	}
	return nil
}

// reorganised accepts journalled receipts whose blocks changed when the
// node still has each of those transactions mined (a reorganisation moved
// them to other blocks): the journal takes the new blocks. Anything else
// (one of them is not on the chain) stays the chain-reset error it was.
func (r *runner) reorganised(ctx context.Context, err error) error {
	var ce *ChainResetError
	if !errors.As(err, &ce) || len(ce.moved) == 0 {
		return err
	}
	found := make([]*types.Receipt, len(ce.moved))
	for i, h := range ce.moved {
		rc, rerr := r.b.TransactionReceipt(ctx, h)
		if rerr != nil && !notFound(rerr) {
			return fmt.Errorf("receipt of %s: %w", h.Hex(), rerr)
		}
		if rc == nil {
			ce.Detail += fmt.Sprintf("; transaction %s is not on the chain", h.Hex())
			return err
		}
		found[i] = rc
	}
	for i, h := range ce.moved {
		rc := found[i]
		if uerr := r.j.moveReceipt(context.WithoutCancel(ctx), h, rc.BlockNumber.Uint64(), rc.BlockHash); uerr != nil {
			return uerr
		}
		r.mined.noteReceipt(h, rc.BlockNumber.Uint64(), rc.BlockHash)
	}
	return nil
}

// backfill builds the identity of a deployment journalled before genmint
// recorded one, from its receipt: a chain without the receipt was reset.
func (r *runner) backfill(ctx context.Context, dep *Deployment) (*DeploymentRecord, error) {
	rc, err := r.b.TransactionReceipt(ctx, dep.TxHash)
	if notFound(err) {
		return nil, &ChainResetError{Node: r.o.Node, Detail: fmt.Sprintf("its deployment transaction %s is not on the chain", dep.TxHash.Hex())}
	}
	if err != nil {
		return nil, fmt.Errorf("receipt of %s: %w", dep.TxHash.Hex(), err)
	}
	if rc.ContractAddress != dep.Contract || rc.BlockNumber.Uint64() != dep.Block {
		return nil, &ChainResetError{Node: r.o.Node, Detail: fmt.Sprintf("its deployment transaction %s created %s in block %s, recorded %s in block %d",
			dep.TxHash.Hex(), rc.ContractAddress.Hex(), rc.BlockNumber, dep.Contract.Hex(), dep.Block)}
	}
	w := &txRow{Hash: dep.TxHash, Sender: dep.Owner, Kind: KindDeploy}
	if dep.InitialSupply > 0 {
		w.First, w.Last = 1, dep.InitialSupply
	}
	rec, err := identify(ctx, r.b, r.o.Network.Name, dep.ChainID, w, rc)
	if err != nil {
		return nil, err
	}
	if err := r.j.putRecord(context.WithoutCancel(ctx), rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// checkNoRecord refuses to deploy when deployments/<network>.json records
// a deployment the state database does not know, unless NewDeployment.
func (r *runner) checkNoRecord() error {
	if r.o.Dir == "" {
		return nil
	}
	file, err := ReadDeploymentFile(r.o.Dir, r.o.Network.Name)
	if err != nil || file == nil || r.o.NewDeployment {
		return err
	}
	return fmt.Errorf("%w: %s records contract %s (block %d on chain %d), which the state database does not know: run 'genmint repair --rpc URL' to adopt it, or pass --new-deployment to deploy a second contract; nothing was sent",
		ErrDeployed, rel(r.o.Dir, DeploymentFile(r.o.Dir, r.o.Network.Name)), file.Address.Hex(), file.Block, file.ChainID)
}

// recheck re-derives the pin record from the folder, with pin's own dry run
// (what `genmint verify --local` does), before a URI is published, and
// refuses when anything differs, naming what.
func (r *runner) recheck(ctx context.Context, rec *pin.Record) error {
	if r.o.Dir == "" || r.o.Metadata == nil || rec == nil {
		return nil
	}
	res, err := pin.Run(ctx, pin.Options{Dir: r.o.Dir, DB: r.o.DB, Collection: *r.o.Metadata, Profile: rec.Profile, DryRun: true})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: the pinned CIDs cannot be recomputed from the folder (%v): run 'genmint verify --local'; nothing was sent", ErrChanged, err)
	}
	return comparePin(rec, res)
}

// comparePin says how res (recomputed from the folder) differs from rec
// (the pin record), naming the item when one item differs.
func comparePin(rec *pin.Record, res *pin.Result) error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s: run 'genmint verify --local' to see what changed, restore it, or re-pin with 'genmint pin'; nothing was sent",
			ErrChanged, fmt.Sprintf(format, a...))
	}
	pinned := map[int]pin.ItemCIDs{}
	for _, it := range rec.Items {
		pinned[it.ID] = it
	}
	var extra []string
	for _, it := range res.Items {
		p, ok := pinned[it.ID]
		if !ok {
			extra = append(extra, fmt.Sprint(it.ID))
			continue
		}
		delete(pinned, it.ID)
		for _, c := range []struct{ what, want, got string }{
			{"final image", p.ImageCID, it.ImageCID},
			{"original", p.OriginalCID, it.OriginalCID},
			{"provenance record", p.ProvenanceCID, it.ProvenanceCID},
			{"metadata", p.MetadataCID, it.MetadataCID},
			{"token URI", p.TokenURI, it.TokenURI},
		} {
			if c.want != c.got {
				return fail("item %d's %s recomputes from the folder to %s, but the pin record says %s", it.ID, c.what, c.got, c.want)
			}
		}
	}
	if len(pinned) > 0 {
		ids := make([]int, 0, len(pinned))
		for id := range pinned {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		return fail("item %d is in the pin record but no longer kept in the folder", ids[0])
	}
	if len(extra) > 0 {
		what := "items " + strings.Join(extra, ", ") + " are"
		if len(extra) == 1 {
			what = "item " + extra[0] + " is"
		}
		return fmt.Errorf("%w: %s kept but not in the latest pin run: run 'genmint pin' first; nothing was sent", ErrChanged, what)
	}
	for _, c := range []struct{ what, want, got string }{
		{"images root", rec.Roots.Images, res.Roots.Images},
		{"originals root", rec.Roots.Originals, res.Roots.Originals},
		{"provenance root", rec.Roots.Provenance, res.Roots.Provenance},
		{"metadata root", rec.Roots.Metadata, res.Roots.Metadata},
		{"contract metadata (genmint.yaml's collection facts)", rec.Roots.Contract, res.Roots.Contract},
		{"baseURI", rec.BaseURI, res.BaseURI},
		{"contractURI", rec.ContractURI, res.ContractURI},
		{"placeholder baseURI (genmint.yaml's reveal:)", rec.PlaceholderURI, res.PlaceholderURI},
	} {
		if c.want != c.got {
			return fail("the %s recomputes from the folder to %s, but the pin record says %s", c.what, c.got, c.want)
		}
	}
	return nil
}
