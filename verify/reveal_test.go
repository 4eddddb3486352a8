package verify

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/provenance/merkle"
	"github.com/genmint/genmint/state"
)

// codeChain is a chain whose deployed code is replaced, as if the contract
// kept its commitment elsewhere than in its code.
type codeChain struct {
	*ContractChain
	code func([]byte) []byte
}

func (c codeChain) Code(ctx context.Context) ([]byte, error) {
	b, err := c.ContractChain.Code(ctx)
	return c.code(b), err
}

// TestCollectorBeforeReveal verifies a collection deployed with a
// placeholder as a collector does: chain and content only, no pin record.
// Every token shows the placeholder, which is checked; the commitment is
// set and fixed in the contract's code: "commitment pending". A zero
// commitment, or one the code does not hold as a constant, fails; after the
// reveal the same collector check recomputes the commitment from the content.
func TestCollectorBeforeReveal(t *testing.T) {
	ctx := context.Background()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf(fixtureSpec, 3, false, 32, 32) + "license: CC0-1.0\nreveal:\n  placeholder: {image: soon.png, name: Soon}\n"
	f := newFixtureText(t, 3, text, map[string][]byte{"soon.png": b.Bytes()})
	f.coll = pin.MetadataFactsFromSpec(f.spec)
	carPath, rec := f.pinCAR(t)
	if rec.PlaceholderURI == "" {
		t.Fatalf("no placeholder pinned: %+v", rec)
	}
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
	content := memFromCAR(t, carPath)
	unrevealed := *rec
	unrevealed.BaseURI = rec.PlaceholderURI // deployed showing the placeholder

	deploy := func(commitment common.Hash) *simChain {
		return deploySimConfig(t, &unrevealed, func(c *chain.Config) {
			c.ProvenanceHash, c.License = commitment, chain.License{Name: f.spec.License.ChainName, URI: f.spec.License.ChainURI}
		})
	}
	sc := deploy(common.Hash(root))
	r, err := Run(ctx, Options{Chain: sc.chain(), Content: content})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Verified != 3 || r.Revealed == nil || *r.Revealed || r.PlaceholderURI != rec.PlaceholderURI ||
		r.Commitment != CommitmentPending || r.ProvenanceHash != root.Hex() || !r.ProvenanceFixed || r.ProvenanceRecomputed != "" ||
		!slices.Equal(r.Links, []Link{LinkChain, LinkPlaceholder}) {
		t.Fatalf("before the reveal: %+v %v", r, r.Failures())
	}
	if !r.CodeMatchesSource || !strings.Contains(r.Summary(), "commitment pending: provenanceHash() "+root.Hex()+" is fixed in the contract's code (GenmintCollection as compiled from genmint's source)") {
		t.Fatalf("code matches source %v, summary %q", r.CodeMatchesSource, r.Summary())
	}

	// The deployed code holds another commitment in _PROVENANCE than
	// provenanceHash() answers.
	moved := codeChain{sc.chain().(*ContractChain), func(code []byte) []byte {
		return bytes.ReplaceAll(code, root[:], bytes.Repeat([]byte{0xaa}, 32))
	}}
	r, err = Run(ctx, Options{Chain: moved, Content: content})
	if err != nil {
		t.Fatal(err)
	}
	if fl := only(t, r); r.OK || fl.Check != "provenance-fixed" || r.ProvenanceFixed || !r.CodeMatchesSource || fl.Got != "0x"+strings.Repeat("aa", 32) {
		t.Fatalf("another commitment in the code: %+v", fl)
	}

	// Code that is not this genmint's GenmintCollection (one byte of its
	// trailer differs, as for a contract an older genmint deployed): the
	// commitment is still found as a PUSH32 operand, and only there.
	other := func(code []byte) []byte {
		code = bytes.Clone(code)
		code[len(code)-1] ^= 0xff
		return code
	}
	r, err = Run(ctx, Options{Chain: codeChain{sc.chain().(*ContractChain), other}, Content: content})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || !r.ProvenanceFixed || r.CodeMatchesSource || strings.Contains(r.Summary(), "compiled from genmint's source") {
		t.Fatalf("older code with the commitment as a PUSH32: %+v %v", r, r.Failures())
	}
	otherMoved := codeChain{sc.chain().(*ContractChain), func(code []byte) []byte { return other(moved.code(code)) }}
	r, err = Run(ctx, Options{Chain: otherMoved, Content: content})
	if err != nil {
		t.Fatal(err)
	}
	if fl := only(t, r); r.OK || fl.Check != "provenance-fixed" || r.ProvenanceFixed || r.CodeMatchesSource || !strings.Contains(fl.Message, "PUSH32") {
		t.Fatalf("older code without the commitment: %+v", fl)
	}

	// No commitment: the reveal is bound to nothing.
	r, err = Run(ctx, Options{Chain: deploy(common.Hash{}).chain(), Content: content})
	if err != nil {
		t.Fatal(err)
	}
	if fl := only(t, r); r.OK || fl.Check != "provenance-hash" || r.Commitment != "" {
		t.Fatalf("zero commitment: %+v", fl)
	}

	// A placeholder's image that is not served fails the placeholder link.
	bad := memFromCAR(t, carPath)
	for c := range bad.blocks {
		if c.String() == rec.Roots.PlaceholderImage {
			delete(bad.blocks, c)
		}
	}
	r, err = Run(ctx, Options{Chain: sc.chain(), Content: bad})
	if err != nil {
		t.Fatal(err)
	}
	if fs := r.Failures(); r.OK || len(fs) == 0 || fs[0].Link != LinkPlaceholder {
		t.Fatalf("placeholder image missing: %v", fs)
	}

	// The reveal: the collector now checks the real content against the
	// commitment.
	tx, err := sc.coll.SetBaseURI(ctx, sc.opts, rec.BaseURI)
	sc.mine(t, tx, err)
	r, err = Run(ctx, Options{Chain: sc.chain(), Content: content})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Revealed != nil || r.Commitment != "" || r.ProvenanceRecomputed != root.Hex() || !r.ProvenanceFixed {
		t.Fatalf("after the reveal: %+v %v", r, r.Failures())
	}
}

// pushes32 finds a PUSH32 operand only at an instruction, never inside
// another push's operand.
func TestPushes32(t *testing.T) {
	h := common.HexToHash("0x11223344556677889900aabbccddeeff11223344556677889900aabbccddeeff")
	push := append([]byte{0x7f}, h[:]...)
	for _, tc := range []struct {
		name string
		code []byte
		want bool
	}{
		{"at the start", append(slices.Clone(push), 0x00), true},
		{"after other code", append([]byte{0x60, 0x80, 0x60, 0x40, 0x52}, push...), true},
		{"inside a PUSH2 operand", append([]byte{0x61, 0x00}, push...), false},
		{"as a PUSH31 operand", append([]byte{0x7e}, h[:31]...), false},
		{"truncated", push[:32], false},
		{"another value", append([]byte{0x7f}, bytes.Repeat([]byte{1}, 32)...), false},
	} {
		if got := pushes32(tc.code, h); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
