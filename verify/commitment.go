package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/genmint/genmint/mint/chain"
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
		if len(t.Failures) > 0 || t.LicenseURL == l.URI {
			continue
		}
		r.Collection = append(r.Collection, Failure{Link: LinkChain, Check: "license",
			Message:  fmt.Sprintf("the contract's licence (getLicenseURI) is not the one token %d's metadata and image state", t.ID),
			Expected: orNone(l.URI), Got: orNone(t.LicenseURL),
			Fix: "the collection was deployed with another licence than it was generated with: the contract's licence is fixed, so regenerate under it"})
		break
	}
	return nil
}
