package merkle

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/crypto"
)

func leaves(n int) []Leaf {
	out := make([]Leaf, n)
	for i := range out {
		id := uint64(i + 1)
		out[i] = Leaf{ID: id,
			ImageCID:      fmt.Sprintf("bafkreiimage%03d", id),
			ProvenanceCID: fmt.Sprintf("bafkreiprovenancerecordwithalongername%03d", id),
			FinalSHA256:   sha256.Sum256([]byte(fmt.Sprint("final", id)))}
	}
	return out
}

// The leaf preimage is exactly the Solidity ABI encoding, checked against
// go-ethereum's own encoder.
func TestEncodeIsABI(t *testing.T) {
	ty := func(s string) abi.Type {
		v, err := abi.NewType(s, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	args := abi.Arguments{{Type: ty("uint256")}, {Type: ty("string")}, {Type: ty("string")}, {Type: ty("bytes32")}}
	for _, l := range append(leaves(3), Leaf{ID: 1<<31 - 2, ImageCID: "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", ProvenanceCID: "x", FinalSHA256: Hash{0xff}}) {
		want, err := args.Pack(new(big.Int).SetUint64(l.ID), l.ImageCID, l.ProvenanceCID, [32]byte(l.FinalSHA256))
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Encode(); !bytes.Equal(got, want) {
			t.Fatalf("leaf %d:\n got %x\nwant %x", l.ID, got, want)
		}
	}
}

// The tree's shape, written out by hand for small sizes.
func TestRootShape(t *testing.T) {
	ls := leaves(5)
	h := make([]Hash, len(ls))
	for i, l := range ls {
		h[i] = Hash(crypto.Keccak256Hash(append([]byte{0}, l.Encode()...)))
	}
	n := func(a, b Hash) Hash { return Hash(crypto.Keccak256Hash([]byte{1}, a[:], b[:])) }
	for _, tc := range []struct {
		n    int
		want Hash
	}{
		{0, Hash{}},
		{1, h[0]},
		{2, n(h[0], h[1])},
		{3, n(n(h[0], h[1]), h[2])},          // the odd leaf is promoted, not paired with itself
		{4, n(n(h[0], h[1]), n(h[2], h[3]))}, //
		{5, n(n(n(h[0], h[1]), n(h[2], h[3])), h[4])}, // promoted twice
	} {
		got, err := Root(ls[:tc.n])
		if err != nil || got != tc.want {
			t.Errorf("%d leaves: %s, %v; want %s", tc.n, got, err, tc.want)
		}
	}
}

func TestProofs(t *testing.T) {
	for n := 1; n <= 17; n++ {
		ls := leaves(n)
		root, err := Root(ls)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			p, err := Proof(ls, l.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !Verify(root, l, p) {
				t.Fatalf("n=%d: proof of %d does not verify", n, l.ID)
			}
			// Any change to the committed content breaks the proof.
			for _, bad := range []Leaf{
				{ID: l.ID + 100, ImageCID: l.ImageCID, ProvenanceCID: l.ProvenanceCID, FinalSHA256: l.FinalSHA256},
				{ID: l.ID, ImageCID: l.ImageCID + "x", ProvenanceCID: l.ProvenanceCID, FinalSHA256: l.FinalSHA256},
				{ID: l.ID, ImageCID: l.ImageCID, ProvenanceCID: l.ProvenanceCID + "x", FinalSHA256: l.FinalSHA256},
				{ID: l.ID, ImageCID: l.ImageCID, ProvenanceCID: l.ProvenanceCID, FinalSHA256: Hash{1}},
			} {
				if Verify(root, bad, p) {
					t.Fatalf("n=%d: a changed leaf %+v verifies", n, bad)
				}
			}
		}
		if _, err := Proof(ls, uint64(n+1)); err == nil {
			t.Fatal("proof of a token not committed")
		}
	}
	// Moving content between tokens changes the root.
	ls := leaves(4)
	a, _ := Root(ls)
	ls[1].ImageCID, ls[2].ImageCID = ls[2].ImageCID, ls[1].ImageCID
	if b, _ := Root(ls); a == b {
		t.Fatal("swapping two images kept the root")
	}
}

func TestOrderAndMissing(t *testing.T) {
	ls := leaves(3)
	ls[1], ls[2] = ls[2], ls[1]
	if _, err := Root(ls); !errors.Is(err, ErrOrder) {
		t.Fatal(err)
	}
	ls = leaves(2)
	ls[1].ID = 1
	if _, err := Root(ls); !errors.Is(err, ErrOrder) {
		t.Fatal(err)
	}
	ls = leaves(2)
	ls[0].ProvenanceCID = ""
	if _, err := Root(ls); err == nil {
		t.Fatal("empty CID accepted")
	}
}

func TestHashText(t *testing.T) {
	h := Hash{0xab, 0x01}
	b, _ := h.MarshalText()
	var back Hash
	if err := back.UnmarshalText(b); err != nil || back != h {
		t.Fatal(back, err)
	}
	if _, err := ParseHash("0x12"); err == nil {
		t.Fatal("short hash parsed")
	}
}

// Every prefix's root is found by MatchPrefix, at its own length.
func TestMatchPrefix(t *testing.T) {
	ls := leaves(40)
	for k := 1; k <= len(ls); k++ {
		root, _ := Root(ls[:k])
		if got, ok := MatchPrefix(ls, root); !ok || got != k {
			t.Fatalf("prefix %d: found %d, %v", k, got, ok)
		}
	}
	if _, ok := MatchPrefix(ls, Hash{1}); ok {
		t.Fatal("a foreign root matched")
	}
	other := leaves(40)
	other[0].ImageCID = "changed"
	root, _ := Root(ls[:10])
	if _, ok := MatchPrefix(other, root); ok {
		t.Fatal("a changed first leaf still matched")
	}
}
