package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/verify"
)

// carCat resolves an ipfs://CID/path URI inside the CAR file alone, through
// its own directory and file blocks.
func carCat(t *testing.T, car *verify.CAR, uri string) []byte {
	t.Helper()
	rest, ok := strings.CutPrefix(uri, "ipfs://")
	if !ok {
		t.Fatalf("%s is not an ipfs:// URI", uri)
	}
	root, path, _ := strings.Cut(rest, "/")
	c, err := cid.Decode(root)
	if err != nil {
		t.Fatalf("%s: %v", uri, err)
	}
	b, err := car.Cat(context.Background(), c, path, 64<<20)
	if err != nil {
		t.Fatalf("%s in the CAR: %v", uri, err)
	}
	return b
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestRevealCAR: the flow with `pin --car` only, no node at all. A
// collection with a placeholder is deployed on anvil; through the CAR's own
// blocks every tokenURI resolves to the placeholder JSON, whose image is
// the spec's placeholder image. genmint reveal emits BatchMetadataUpdate
// over 1..N; every tokenURI then resolves, in the CAR, to the token's real
// metadata, whose image is the item's final image; provenanceHash() equals
// the root recomputed from the folder's records, and `verify --car` passes
// before and after the reveal; after the freeze every
// setter and mintBatch revert with their custom error.
func TestRevealCAR(t *testing.T) {
	an := testenv.StartAnvil(t)
	owner := an.Accounts[0]
	m := mintReveal(t, an, owner, nil)
	dir, rec := m.dir, m.rec
	for _, p := range rec.Pinned {
		if !strings.HasPrefix(p.Destination, "car ") {
			t.Fatalf("pinned to %s, want the CAR file only", p.Destination)
		}
	}
	car, err := verify.OpenCAR(filepath.Join(dir, "c.car"))
	if err != nil {
		t.Fatal(err)
	}
	defer car.Close()
	cat := func(uri string) []byte { return carCat(t, car, uri) }

	// Before the reveal: every tokenURI is the placeholder, in the CAR.
	soon, err := os.ReadFile(filepath.Join(dir, "art", "soon.png"))
	if err != nil {
		t.Fatal(err)
	}
	placeholder := m.placeholderTokens(t, cat)
	var md pin.TokenMetadata
	if err := json.Unmarshal(placeholder, &md); err != nil || md.Name != "Veiled Glyph" || md.Description != "Revealed when the drop ends." {
		t.Fatalf("the placeholder: %+v, %v\n%s", md, err, placeholder)
	}
	if img := cat(md.Image); sha256Hex(img) != sha256Hex(soon) {
		t.Fatalf("the placeholder's image %s is not art/soon.png", md.Image)
	}

	// verify, from the CAR alone: the placeholder and the commitment.
	if rep := m.verifyReport(t, an.URL, "--car", filepath.Join(dir, "c.car")); *rep.Revealed || rep.PlaceholderURI != rec.PlaceholderURI {
		t.Fatalf("verify --car before the reveal: revealed %v, placeholder %s", *rep.Revealed, rep.PlaceholderURI)
	}

	// The reveal, with nothing to pin: the folder matches the CAR.
	out, err := ownerCmd(dir, an.URL, owner.Address, m.ksDir, m.pwFile, "reveal", "--yes", "--json").Output()
	var res struct {
		Revealed     bool            `json:"revealed"`
		BaseURI      string          `json:"base_uri"`
		Pinned       *pin.Result     `json:"pinned"`
		Transactions []mint.TxRecord `json:"transactions"`
	}
	if err != nil || json.Unmarshal(out, &res) != nil || !res.Revealed || res.BaseURI != rec.BaseURI || res.Pinned != nil || len(res.Transactions) != 1 {
		t.Fatalf("reveal: %v\n%s", err, out)
	}
	m.revealedIn(t, res.Transactions[0].Hash)

	// After it: every tokenURI resolves in the CAR to the real metadata,
	// whose image is the item's final image, byte for byte.
	byID := map[int]state.Item{}
	for _, it := range m.items {
		byID[it.ID] = it
	}
	m.revealedTokens(t, cat, func(it pin.ItemCIDs, md pin.TokenMetadata) {
		if got, want := sha256Hex(cat(md.Image)), byID[it.ID].Final.SHA256; want == "" || got != want {
			t.Fatalf("token %d's image %s: sha256 %s, the final image's %s", it.ID, md.Image, got, want)
		}
	})
	root := m.provenanceCommitted(t)
	if rep := m.verifyReport(t, an.URL, "--car", filepath.Join(dir, "c.car")); !*rep.Revealed || rep.ProvenanceRecomputed != root {
		t.Fatalf("verify --car after the reveal: revealed %v, recomputed %s", *rep.Revealed, rep.ProvenanceRecomputed)
	}

	// Frozen: every setter and mintBatch revert with their custom error.
	if out, err := ownerCmd(dir, an.URL, owner.Address, m.ksDir, m.pwFile, "freeze", "--yes").CombinedOutput(); err != nil {
		t.Fatalf("freeze: %v\n%s", err, out)
	}
	frozenReverts(t, m.c, an, owner)
}
