package verify

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/mint/contracts"
	"github.com/genmint/genmint/provenance/merkle"
)

// committer is a Chain that can read the collection's provenance commitment
// (GenmintCollection's provenanceHash(); see docs/provenance.md).
type committer interface {
	ProvenanceHash(ctx context.Context) (common.Hash, error)
}

// ProvenanceHash implements committer. A contract without the function (an
// older deployment) answers the zero hash: no commitment.
func (c *ContractChain) ProvenanceHash(ctx context.Context) (common.Hash, error) {
	h, err := c.c.ProvenanceHash(ctx)
	if err != nil && isEmptyRevert(err) {
		return common.Hash{}, nil
	}
	return h, err
}

// isEmptyRevert: the call reverted without data, as a missing function does.
func isEmptyRevert(err error) bool {
	var re *chain.RevertError
	if errors.As(err, &re) {
		return false
	}
	if data, ok := chain.RevertData(err); ok {
		return len(data) == 0
	}
	return strings.Contains(err.Error(), "execution reverted")
}

// commitment recomputes the Merkle root over every token's re-derived image
// CID, provenance record CID and image sha256 and compares it with the
// chain's provenanceHash(): it must be the root over tokens 1..k for some k
// (k = totalSupply unless tokens were added after the deployment). It runs only when every token was checked; a
// token whose content could not be re-derived makes the root unknowable
// (its own failure already says why).
func commitment(ctx context.Context, ch Chain, supply uint64, res []TokenResult, r *Report) error {
	cm, ok := ch.(committer)
	if !ok || uint64(len(res)) != supply || supply == 0 {
		return nil
	}
	onChain, err := cm.ProvenanceHash(ctx)
	if err != nil {
		return chainError(ch.Source(), fmt.Errorf("read provenanceHash: %w", err))
	}
	if onChain == (common.Hash{}) {
		return nil // deployed without a commitment
	}
	r.ProvenanceHash = onChain.Hex()
	if err := fixedInCode(ctx, ch, onChain, r); err != nil {
		return err
	}
	leaves := make([]merkle.Leaf, 0, len(res))
	for _, t := range res {
		sum, err := merkle.ParseSHA256(t.ImageSHA256)
		if t.ImageCID == "" || t.ProvenanceCID == "" || err != nil {
			return nil
		}
		leaves = append(leaves, merkle.Leaf{ID: uint64(t.ID), ImageCID: t.ImageCID, ProvenanceCID: t.ProvenanceCID, FinalSHA256: sum})
	}
	root, err := merkle.Root(leaves)
	if err != nil {
		return err
	}
	r.ProvenanceRecomputed = root.Hex()
	// Tokens minted after the deployment are not in its commitment: the
	// committed tokens are the first k.
	if k, ok := merkle.MatchPrefix(leaves, merkle.Hash(onChain)); ok {
		pr, _ := merkle.Root(leaves[:k])
		r.ProvenanceRecomputed, r.ProvenanceTokens = pr.Hex(), k
		return nil
	}
	if common.Hash(root) != onChain {
		r.Collection = append(r.Collection, Failure{Link: LinkChain, Check: "provenance-hash",
			Message:  "the content does not match the provenance commitment the contract stored at deployment",
			Expected: onChain.Hex(), Got: root.Hex(),
			Fix: "the published images, records or their order differ from what was committed (docs/provenance.md): restore the committed content"})
	}
	return nil
}

// coder is a Chain that reads its contract's deployed (runtime) bytecode.
type coder interface {
	Code(ctx context.Context) ([]byte, error)
}

// Code implements coder.
func (c *ContractChain) Code(ctx context.Context) ([]byte, error) {
	return c.backend.CodeAt(ctx, c.Address(), nil)
}

// pendingCommitment checks the commitment of a collection not revealed yet,
// read without its pin record: the content it binds is not published, so
// what can be checked is that provenanceHash() is set and fixed. The
// report says "commitment pending"; verify after the reveal recomputes it.
func pendingCommitment(ctx context.Context, ch Chain, r *Report) error {
	cm, ok := ch.(committer)
	if !ok {
		return nil
	}
	h, err := cm.ProvenanceHash(ctx)
	if err != nil {
		return chainError(ch.Source(), fmt.Errorf("read provenanceHash: %w", err))
	}
	if h == (common.Hash{}) {
		r.Collection = append(r.Collection, Failure{Link: LinkChain, Check: "provenance-hash",
			Message:  "the collection is not revealed and its contract commits to no content (provenanceHash() is zero): the reveal can show anything",
			Expected: "a non-zero provenanceHash()", Got: h.Hex(),
			Fix: "do not rely on the reveal: a collection launched with a placeholder commits to its content at deployment (docs/provenance.md)"})
		return nil
	}
	r.ProvenanceHash, r.Commitment = h.Hex(), CommitmentPending
	return fixedInCode(ctx, ch, h, r)
}

// fixedInCode checks that the commitment h is a constant of the deployed
// code: GenmintCollection keeps provenanceHash() in an immutable, which
// the compiler writes into the runtime bytecode as the operand of a PUSH32
// at every read, so no transaction can change it (storage could). Code
// that is GenmintCollection's as compiled from this repository's source
// (immutables aside) must hold h in its _PROVENANCE immutable; other code
// (an older genmint's contract) must hold a PUSH32 of h. Chains that
// cannot read code are not checked.
func fixedInCode(ctx context.Context, ch Chain, h common.Hash, r *Report) error {
	cc, ok := ch.(coder)
	if !ok {
		return nil
	}
	code, err := cc.Code(ctx)
	if err != nil {
		return chainError(ch.Source(), fmt.Errorf("read the contract's code: %w", err))
	}
	rt, err := contracts.GenmintCollection()
	if err != nil {
		return fmt.Errorf("genmint's embedded contract artifacts: %w", err)
	}
	if values, ok := rt.Match(code); ok {
		r.CodeMatchesSource = true
		if got := values[provenanceImmutable]; !bytes.Equal(got, h[:]) {
			r.Collection = append(r.Collection, Failure{Link: LinkChain, Check: "provenance-fixed",
				Message:  "the contract's code fixes another commitment than provenanceHash() answers",
				Expected: h.Hex(), Got: "0x" + hex.EncodeToString(got),
				Fix: "do not rely on the commitment: the node's answers disagree; verify against another RPC endpoint"})
			return nil
		}
		r.ProvenanceFixed = true
		return nil
	}
	if !pushes32(code, h) {
		r.Collection = append(r.Collection, Failure{Link: LinkChain, Check: "provenance-fixed",
			Message:  "provenanceHash() is not a constant of the contract's deployed code (no PUSH32 of it): the owner may be able to change the commitment",
			Expected: "PUSH32 " + h.Hex() + " in the runtime code", Got: fmt.Sprintf("%d bytes of code without it", len(code)),
			Fix: "do not rely on the commitment: check --contract is the collection's own GenmintCollection, not a proxy or another contract"})
		return nil
	}
	r.ProvenanceFixed = true
	return nil
}

// provenanceImmutable is GenmintCollection's immutable holding the
// commitment (mint/contracts/artifacts/GenmintCollection.immutables.json).
const provenanceImmutable = "_PROVENANCE"

// pushes32 reports whether code has a PUSH32 instruction (0x7f) whose
// operand is h. It walks the instructions, so bytes inside another push's
// operand are never taken for one.
func pushes32(code []byte, h common.Hash) bool {
	for i := 0; i < len(code); i++ {
		op := code[i]
		if op < 0x60 || op > 0x7f { // not PUSH1..PUSH32
			continue
		}
		n := int(op-0x60) + 1
		if op == 0x7f && i+1+n <= len(code) && bytes.Equal(code[i+1:i+1+n], h[:]) {
			return true
		}
		i += n
	}
	return false
}

// licenser is a Chain that reports its licence (a16z's ICantBeEvil).
type licenser interface {
	License(ctx context.Context) (chain.License, error)
}

// License implements licenser. A contract without the interface (an older
// deployment) reports none.
func (c *ContractChain) License(ctx context.Context) (chain.License, error) {
	l, err := c.c.License(ctx)
	if err != nil && isEmptyRevert(err) {
		return chain.License{}, nil
	}
	return l, err
}

// licenseAgrees checks that the licence on chain is the one every checked
// token's metadata and image state (getLicenseURI() = license_url).
func licenseAgrees(ctx context.Context, ch Chain, res []TokenResult, r *Report) error {
	lc, ok := ch.(licenser)
	if !ok {
		return nil
	}
	l, err := lc.License(ctx)
	if err != nil {
		return chainError(ch.Source(), fmt.Errorf("read the licence: %w", err))
	}
	r.License = l.Name
	for _, t := range res {
		if len(t.Failures) > 0 {
			continue
		}
		getter, want, got := "getLicenseURI", l.URI, t.LicenseURL
		if want == got {
			if sameLicenseName(t.License, l.Name) {
				continue
			}
			getter, want, got = "getLicenseName", l.Name, t.License
		}
		r.Collection = append(r.Collection, Failure{Link: LinkChain, Check: "license",
			Message:  fmt.Sprintf("the contract's licence (%s) is not the one token %d's metadata and image state", getter, t.ID),
			Expected: orNone(want), Got: orNone(got),
			Fix: "the collection was deployed with another licence than it was generated with: the contract's licence is fixed, so regenerate under it"})
		break
	}
	return nil
}
