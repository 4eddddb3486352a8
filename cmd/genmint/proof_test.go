package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/genmint/genmint/cmd/showcmd"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/provenance/merkle"
	"github.com/genmint/genmint/state"
)

// TestShowProof prints each token's proof with the real command and checks
// it against an independent recomputation from the state and the pin run.
func TestShowProof(t *testing.T) {
	dir := pinnedCollection(t, 5, "")
	ctx := context.Background()
	db, err := state.Open(ctx, dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := pin.Latest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	items, err := db.Items(ctx, state.Query{})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	leaves, err := mint.Leaves(rec, items)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := merkle.Root(leaves)
	for _, l := range leaves {
		out, err := genmint(dir, "show", "--json", "--proof", "#"+strconv.FormatUint(l.ID, 10)).Output()
		if err != nil {
			t.Fatalf("show %d --proof: %v", l.ID, err)
		}
		var d showcmd.ProofDetail
		if err := json.Unmarshal(out, &d); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		got := merkle.Leaf{ID: d.Leaf.ID, ImageCID: d.Leaf.ImageCID, ProvenanceCID: d.Leaf.ProvenanceCID, FinalSHA256: d.Leaf.FinalSHA256}
		if d.Root != root || got != l || d.LeafHash != l.Hash() || d.Tokens != 5 || !merkle.Verify(root, got, d.Proof) {
			t.Fatalf("token %d: %s", l.ID, out)
		}
	}
	// The text form names the root; an item outside the collection is bad input.
	out, err := genmint(dir, "show", "3", "--proof").Output()
	if err != nil || !strings.Contains(string(out), "Root:       "+root.Hex()) {
		t.Fatalf("%v: %s", err, out)
	}
	cmd := genmint(dir, "show", "9", "--proof")
	if out, err := cmd.CombinedOutput(); err == nil || cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "not in the provenance commitment") {
		t.Fatalf("item 9: %v %s", err, out)
	}
}
