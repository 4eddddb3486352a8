package mint

import (
	"context"
	"fmt"
	"math/big"
)

// fees returns an EIP-1559 tip and fee cap from the node: the suggested tip,
// and 2 × the latest base fee + tip (room for six full blocks of base fee
// rises). With a cap, the fee cap never exceeds it (the tip shrinks to fit);
// a base fee already above the cap is ErrFeeCap: nothing could be mined.
func fees(ctx context.Context, b Backend, limit *big.Int) (tip, maxFee *big.Int, err error) {
	head, err := b.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("read the latest block: %w", err)
	}
	if head.BaseFee == nil {
		return nil, nil, fmt.Errorf("%w: genmint sends EIP-1559 transactions only", ErrNoEIP1559)
	}
	tip, err = b.SuggestGasTipCap(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read the suggested priority fee: %w", err)
	}
	base := head.BaseFee
	maxFee = new(big.Int).Add(new(big.Int).Mul(base, big.NewInt(2)), tip)
	if limit != nil {
		if base.Cmp(limit) >= 0 {
			return nil, nil, fmt.Errorf("%w: the base fee is %s gwei, at or above --max-fee-gwei %s: raise the cap, or re-run when fees fall; nothing was sent",
				ErrFeeCap, FormatGwei(base), FormatGwei(limit))
		}
		if maxFee.Cmp(limit) > 0 {
			maxFee = new(big.Int).Set(limit)
		}
		if room := new(big.Int).Sub(maxFee, base); tip.Cmp(room) > 0 {
			tip = room
		}
	}
	return tip, maxFee, nil
}

// bump raises a fee by 12.5% and one wei: more than the 10% geth's pool (and
// anvil's) requires of a replacement.
func bump(v *big.Int) *big.Int {
	out := new(big.Int).Rsh(v, 3)
	out.Add(out, v)
	return out.Add(out, big.NewInt(1))
}

func bigMax(a, b *big.Int) *big.Int {
	if a.Cmp(b) >= 0 {
		return new(big.Int).Set(a)
	}
	return new(big.Int).Set(b)
}
