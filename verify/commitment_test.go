package verify

import (
	"context"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/provenance/merkle"
	"github.com/genmint/genmint/state"
)

// TestProvenanceCommitment deploys the pinned collection with its
// provenance commitment and verifies it: the root recomputed from the
// re-derived content equals provenanceHash(); a contract committed to the
// same content in another order fails with exit-4 material (a collection
// failure), and a partial run (--only) does not claim either.
func TestProvenanceCommitment(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 5, false)
	car, rec := f.pinCAR(t)
	items, err := f.db.Items(ctx, state.Query{})
	if err != nil {
		t.Fatal(err)
	}
	leaves, err := mint.Leaves(rec, items)
	if err != nil {
		t.Fatal(err)
	}
	root, err := merkle.Root(leaves)
	if err != nil {
		t.Fatal(err)
	}
	content := publish(t, car, rec).mem

	sc := deploySimCommitted(t, rec, false, common.Hash(root))
	r, err := Run(ctx, Options{Chain: sc.chain(), Content: content, Pin: rec})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.ProvenanceHash != root.Hex() || r.ProvenanceRecomputed != root.Hex() || r.ProvenanceTokens != 5 {
		t.Fatalf("committed collection: ok=%v hash=%s recomputed=%s failures=%v", r.OK, r.ProvenanceHash, r.ProvenanceRecomputed, r.Failures())
	}

	orig := slices.Clone(leaves)
	// Items 2 and 3 swapped in the commitment: every token still verifies on
	// its own, the collection does not.
	leaves[1].ImageCID, leaves[2].ImageCID = leaves[2].ImageCID, leaves[1].ImageCID
	leaves[1].FinalSHA256, leaves[2].FinalSHA256 = leaves[2].FinalSHA256, leaves[1].FinalSHA256
	other, _ := merkle.Root(leaves)
	bad := deploySimCommitted(t, rec, false, common.Hash(other))
	r, err = Run(ctx, Options{Chain: bad.chain(), Content: content, Pin: rec})
	if err != nil {
		t.Fatal(err)
	}
	fl := only(t, r)
	if r.OK || r.Verified != 5 || fl.Check != "provenance-hash" || fl.Expected != other.Hex() || fl.Got != root.Hex() {
		t.Fatalf("swapped commitment: %+v %v", r, fl)
	}
	// Committed to the first three: tokens 4 and 5 were added later.
	first3, _ := merkle.Root(orig[:3])
	r, err = Run(ctx, Options{Chain: deploySimCommitted(t, rec, false, common.Hash(first3)).chain(), Content: content, Pin: rec})
	if err != nil || !r.OK || r.ProvenanceTokens != 3 || r.ProvenanceRecomputed != first3.Hex() {
		t.Fatalf("prefix commitment: %+v %v", r, err)
	}
	// A partial run cannot recompute the root and says nothing about it.
	r, err = Run(ctx, Options{Chain: bad.chain(), Content: content, Pin: rec, IDs: []int{1, 2}})
	if err != nil || !r.OK || r.ProvenanceRecomputed != "" {
		t.Fatalf("--only: %+v %v", r, err)
	}
	// A collection deployed without a commitment is not failed for it.
	r, err = Run(ctx, Options{Chain: deploySim(t, rec, false).chain(), Content: content, Pin: rec})
	if err != nil || !r.OK || r.ProvenanceHash != "" {
		t.Fatalf("no commitment: %+v %v", r, err)
	}
}
