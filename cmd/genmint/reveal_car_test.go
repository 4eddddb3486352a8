package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/provenance/merkle"
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
	dir := revealCollection(t, revealN, nil)
	ksDir, pwFile := keystore(t, keyHex(owner))
	if out, err := mintCmd(dir, an.URL, owner.Address, ksDir, pwFile).CombinedOutput(); err != nil {
		t.Fatalf("mint: %v\n%s", err, out)
	}
	rec, st, items := latestPin(t, dir)
	if rec.PlaceholderURI == "" || st.Record == nil || st.Record.PlaceholderURI != rec.PlaceholderURI {
		t.Fatalf("pin record %+v, deployment record %+v", rec, st.Record)
	}
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
	ctx := context.Background()
	cl, err := ethclient.Dial(an.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	c := chain.Open(cl, st.Deployment.Contract)

	// Before the reveal: every tokenURI is the placeholder, in the CAR.
	soon, err := os.ReadFile(filepath.Join(dir, "art", "soon.png"))
	if err != nil {
		t.Fatal(err)
	}
	var placeholder []byte
	for id := 1; id <= revealN; id++ {
		uri, err := c.TokenURI(ctx, uint64(id))
		if err != nil || uri != fmt.Sprintf("%s%d", rec.PlaceholderURI, id) {
			t.Fatalf("tokenURI(%d) = %s, %v", id, uri, err)
		}
		got := carCat(t, car, uri)
		if placeholder == nil {
			var md pin.TokenMetadata
			if err := json.Unmarshal(got, &md); err != nil || md.Name != "Veiled Glyph" || md.Description != "Revealed when the drop ends." {
				t.Fatalf("token %d's placeholder: %+v, %v\n%s", id, md, err, got)
			}
			if img := carCat(t, car, md.Image); sha256Hex(img) != sha256Hex(soon) {
				t.Fatalf("the placeholder's image %s is not art/soon.png", md.Image)
			}
			placeholder = got
		}
		if string(got) != string(placeholder) || strings.Contains(string(got), rec.Roots.Images) {
			t.Fatalf("token %d resolves to\n%s", id, got)
		}
	}

	// verify, from the CAR alone: the placeholder and the commitment.
	verifyCAR := func() verify.Report {
		t.Helper()
		v := genmint(dir, "verify", "--car", filepath.Join(dir, "c.car"), "--json")
		v.Env = append(v.Env, "ETH_RPC_URL="+an.URL)
		out, err := v.Output()
		var rep verify.Report
		if err != nil || json.Unmarshal(out, &rep) != nil || !rep.OK || rep.Revealed == nil || rep.Verified != revealN || rep.ProvenanceTokens != revealN || rep.ProvenanceHash != rep.ProvenanceRecomputed {
			t.Fatalf("verify --car: %v\n%.2000s", err, out)
		}
		return rep
	}
	if rep := verifyCAR(); *rep.Revealed || rep.PlaceholderURI != rec.PlaceholderURI {
		t.Fatalf("verify --car before the reveal: revealed %v, placeholder %s", *rep.Revealed, rep.PlaceholderURI)
	}

	// The reveal, with nothing to pin: the folder matches the CAR.
	out, err := ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "reveal", "--yes", "--json").Output()
	var res struct {
		Revealed     bool            `json:"revealed"`
		BaseURI      string          `json:"base_uri"`
		Pinned       *pin.Result     `json:"pinned"`
		Transactions []mint.TxRecord `json:"transactions"`
	}
	if err != nil || json.Unmarshal(out, &res) != nil || !res.Revealed || res.BaseURI != rec.BaseURI || res.Pinned != nil || len(res.Transactions) != 1 {
		t.Fatalf("reveal: %v\n%s", err, out)
	}
	rc, err := cl.TransactionReceipt(ctx, res.Transactions[0].Hash)
	if err != nil || rc.Status != 1 {
		t.Fatalf("reveal receipt: %v", err)
	}
	var ranges []string
	for _, l := range rc.Logs {
		if l.Address == st.Deployment.Contract && l.Topics[0] == batchMetadataUpdate {
			from, to := new(big.Int).SetBytes(l.Data[:32]), new(big.Int).SetBytes(l.Data[32:64])
			ranges = append(ranges, from.String()+".."+to.String())
			if from.Uint64() > 1 || to.Cmp(big.NewInt(revealN)) < 0 {
				t.Fatalf("BatchMetadataUpdate(%s, %s) does not cover 1..%d", from, to, revealN)
			}
		}
	}
	if len(ranges) != 1 {
		t.Fatalf("BatchMetadataUpdate events %v, want one", ranges)
	}

	// After it: every tokenURI resolves in the CAR to the real metadata,
	// whose image is the item's final image, byte for byte.
	byID := map[int]state.Item{}
	for _, it := range items {
		byID[it.ID] = it
	}
	if len(rec.Items) != revealN {
		t.Fatalf("%d items pinned", len(rec.Items))
	}
	for _, it := range rec.Items {
		uri, err := c.TokenURI(ctx, uint64(it.ID))
		if err != nil || uri != it.TokenURI || !strings.HasPrefix(uri, rec.BaseURI) {
			t.Fatalf("tokenURI(%d) after the reveal = %s, %v", it.ID, uri, err)
		}
		var md pin.TokenMetadata
		if err := json.Unmarshal(carCat(t, car, uri), &md); err != nil || md.Properties.Image.CID != it.ImageCID || md.Name == "Veiled Glyph" {
			t.Fatalf("token %d's metadata after the reveal: %+v, %v", it.ID, md, err)
		}
		if got, want := sha256Hex(carCat(t, car, md.Image)), byID[it.ID].Final.SHA256; want == "" || got != want {
			t.Fatalf("token %d's image %s: sha256 %s, the final image's %s", it.ID, md.Image, got, want)
		}
	}
	leaves, err := mint.Leaves(rec, items)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := merkle.Root(leaves)
	if h, err := c.ProvenanceHash(ctx); err != nil || h != common.Hash(root) {
		t.Fatalf("provenanceHash() = %s, recomputed %s (%v)", h.Hex(), root.Hex(), err)
	}

	if rep := verifyCAR(); !*rep.Revealed || rep.ProvenanceRecomputed != root.Hex() {
		t.Fatalf("verify --car after the reveal: revealed %v, recomputed %s", *rep.Revealed, rep.ProvenanceRecomputed)
	}

	// Frozen: every setter and mintBatch revert with their custom error.
	if out, err := ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "freeze", "--yes").CombinedOutput(); err != nil {
		t.Fatalf("freeze: %v\n%s", err, out)
	}
	frozenReverts(t, c, an, owner)
}
