package mint

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"

	"github.com/genmint/genmint/mint/chain"
)

// withMargin adds 20% to a gas estimate (gas used can grow a little between
// the estimate and the block, e.g. a storage slot another call warmed).
func withMargin(gas uint64) uint64 { return gas + gas/5 }

// TxGasCap is the most gas one transaction may use since Osaka (EIP-7825).
const TxGasCap = 1 << 24

// batchSize picks how many tokens the next mintBatch mints: at most
// remaining, chain.MaxMintPerTx and limit (when > 0), and few enough that the
// estimate plus margin stays within a quarter of the block gas limit and
// three quarters of the per-transaction cap. It returns the quantity and its
// gas estimate; a would-be revert comes back decoded.
func batchSize(ctx context.Context, b Backend, from, contract, to common.Address, remaining uint64, limit int) (uint64, uint64, error) {
	head, err := b.HeaderByNumber(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("read the latest block: %w", err)
	}
	budget := min(head.GasLimit/4, TxGasCap*3/4)
	q := min(remaining, chain.MaxMintPerTx)
	if limit > 0 {
		q = min(q, uint64(limit))
	}
	for {
		est, err := b.EstimateGas(ctx, ethereum.CallMsg{From: from, To: &contract, Data: abiGC.PackMintBatch(to, new(big.Int).SetUint64(q))})
		if err != nil {
			return 0, 0, fmt.Errorf("minting %d tokens would fail (nothing was sent): %w", q, chain.DecodeRevert(err))
		}
		if withMargin(est) <= budget || q == 1 {
			return q, est, nil
		}
		next := q * budget / withMargin(est)
		q = max(1, min(next, q-1))
	}
}
