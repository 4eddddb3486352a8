package mint

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"

	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/provenance/merkle"
	"github.com/genmint/genmint/state"
)

// Leaves are the provenance commitment's leaves (docs/provenance.md) of the
// given items, in id order: each item's image and provenance record CIDs
// from the pin run, and its final image's sha256 from the state. Every item
// must be in the pin run.
func Leaves(rec *pin.Record, items []state.Item) ([]merkle.Leaf, error) {
	cids := make(map[int]pin.ItemCIDs, len(rec.Items))
	for _, c := range rec.Items {
		cids[c.ID] = c
	}
	out := make([]merkle.Leaf, 0, len(items))
	for _, it := range items {
		c, ok := cids[it.ID]
		if !ok {
			return nil, fmt.Errorf("item %d is not in pin run %d: run 'genmint pin' again", it.ID, rec.ID)
		}
		sum, err := merkle.ParseSHA256(it.Final.SHA256)
		if err != nil {
			return nil, fmt.Errorf("item %d's final image hash: %w: run 'genmint repair'", it.ID, err)
		}
		out = append(out, merkle.Leaf{ID: uint64(it.ID), ImageCID: c.ImageCID, ProvenanceCID: c.ProvenanceCID, FinalSHA256: sum})
	}
	return out, nil
}

// provenanceHash is the commitment the contract is deployed with.
func provenanceHash(rec *pin.Record, items []state.Item) (common.Hash, error) {
	leaves, err := Leaves(rec, items)
	if err != nil {
		return common.Hash{}, err
	}
	root, err := merkle.Root(leaves)
	if err != nil {
		return common.Hash{}, fmt.Errorf("provenance commitment: %w", err)
	}
	return common.Hash(root), nil
}
