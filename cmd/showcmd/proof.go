package showcmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/provenance/merkle"
	"github.com/genmint/genmint/state"
)

// ProofDetail is `genmint show ID --proof --json`.
type ProofDetail struct {
	Leaf     ProofLeaf     `json:"leaf"`
	LeafHash merkle.Hash   `json:"leaf_hash"`
	Proof    []merkle.Step `json:"proof"`
	Root     merkle.Hash   `json:"root"`
	// Tokens is how many tokens (1..Tokens) the commitment covers.
	Tokens   int    `json:"tokens"`
	Contract string `json:"contract,omitempty"`
}

// ProofLeaf is the leaf's committed values (docs/provenance.md).
type ProofLeaf struct {
	ID            uint64      `json:"id"`
	ImageCID      string      `json:"image_cid"`
	ProvenanceCID string      `json:"provenance_cid"`
	FinalSHA256   merkle.Hash `json:"final_sha256"`
}

// proofRun prints the item's proof in the commitment over the pinned items
// the contract was (or will be) deployed with: the latest pin run's items,
// up to the deployment's initial supply when the collection is deployed.
func proofRun(ctx context.Context, o *ShowOptions) error {
	db, err := o.State(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	rec, err := pin.Latest(ctx, db)
	if errors.Is(err, pin.ErrNoPinRun) {
		return cmdutil.UsageError("the collection is not pinned yet, so it has no provenance commitment: run 'genmint pin' first")
	}
	if err != nil {
		return err
	}
	st, err := mint.ReadStatus(ctx, db)
	if err != nil {
		return err
	}
	limit := 0
	var contract string
	if d := st.Deployment; d != nil {
		contract = d.Contract.Hex()
		limit = int(d.InitialSupply)
	}
	ids := make(map[int]bool, len(rec.Items))
	for _, c := range rec.Items {
		if limit == 0 || c.ID <= limit {
			ids[c.ID] = true
		}
	}
	if !ids[o.ID] {
		return cmdutil.UsageError("item %d is not in the provenance commitment (it covers the %d items pinned at deployment): see 'genmint list'", o.ID, len(ids))
	}
	all, err := db.Items(ctx, state.Query{})
	if err != nil {
		return err
	}
	var items []state.Item
	for _, it := range all {
		if ids[it.ID] {
			items = append(items, it)
		}
	}
	leaves, err := mint.Leaves(rec, items)
	if err != nil {
		return err
	}
	root, err := merkle.Root(leaves)
	if err != nil {
		return err
	}
	proof, err := merkle.Proof(leaves, uint64(o.ID))
	if err != nil {
		return err
	}
	var leaf merkle.Leaf
	for _, l := range leaves {
		if l.ID == uint64(o.ID) {
			leaf = l
		}
	}
	if !merkle.Verify(root, leaf, proof) {
		return fmt.Errorf("internal error: the proof of item %d does not verify", o.ID)
	}
	if proof == nil {
		proof = []merkle.Step{}
	}
	d := ProofDetail{Leaf: ProofLeaf{ID: leaf.ID, ImageCID: leaf.ImageCID, ProvenanceCID: leaf.ProvenanceCID, FinalSHA256: leaf.FinalSHA256},
		LeafHash: leaf.Hash(), Proof: proof, Root: root, Tokens: len(leaves), Contract: contract}
	if o.JSON {
		return cmdutil.PrintJSON(o.IO.Out, d)
	}
	w := o.IO.Out
	fmt.Fprintf(w, "%s  provenance commitment over tokens 1..%d (docs/provenance.md)\n", o.IO.Color(cmdutil.Bold, fmt.Sprintf("Token %d", o.ID)), len(leaves))
	fmt.Fprintf(w, "%-11s %s\n", "Image:", leaf.ImageCID)
	fmt.Fprintf(w, "%-11s %s\n", "Record:", leaf.ProvenanceCID)
	fmt.Fprintf(w, "%-11s %s\n", "SHA-256:", leaf.FinalSHA256.Hex()[2:])
	fmt.Fprintf(w, "%-11s %s\n", "Leaf:", d.LeafHash.Hex())
	for i, s := range proof {
		side := "right"
		if s.Left {
			side = "left"
		}
		fmt.Fprintf(w, "%-11s %s (%s)\n", fmt.Sprintf("Proof %d:", i+1), s.Hash.Hex(), side)
	}
	fmt.Fprintf(w, "%-11s %s\n", "Root:", root.Hex())
	if contract != "" {
		fmt.Fprintf(w, "%-11s provenanceHash() of %s must equal the root\n", "Check:", contract)
	}
	return nil
}
