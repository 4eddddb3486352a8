package gasbench

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
)

// txGasLimit keeps every benchmark transaction under EIP-7825's per-transaction
// cap (2^24), as on mainnet since Osaka, so the reference mints are batched the
// way a real deployment would have to batch them.
const txGasLimit = 16_000_000

// chain sends transactions from one funded key to anvil and waits for their
// receipts. It tracks the nonce itself and sets gas explicitly, so a
// transaction costs one eth_sendRawTransaction plus a few receipt polls
// (anvil mines each transaction at once), not the 1 s polling of bind.WaitMined
// nor an eth_estimateGas that would execute big mints several times.
type chain struct {
	t       testing.TB
	ctx     context.Context
	cl      *ethclient.Client
	key     *ecdsa.PrivateKey
	from    common.Address
	signer  types.Signer
	chainID *big.Int
	nonce   uint64
}

func newChain(ctx context.Context, t testing.TB, url string, chainID uint64, key *ecdsa.PrivateKey) *chain {
	t.Helper()
	cl, err := ethclient.DialContext(ctx, url)
	if err != nil {
		t.Fatalf("dial anvil: %v", err)
	}
	t.Cleanup(cl.Close)
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, err := cl.PendingNonceAt(ctx, from)
	if err != nil {
		t.Fatalf("nonce: %v", err)
	}
	id := new(big.Int).SetUint64(chainID)
	return &chain{t: t, ctx: ctx, cl: cl, key: key, from: from, signer: types.LatestSignerForChainID(id), chainID: id, nonce: nonce}
}

// send executes a transaction (a deployment when to is nil) and returns its
// receipt, failing the test if it reverts.
func (c *chain) send(to *common.Address, data []byte) *types.Receipt {
	c.t.Helper()
	tx := types.MustSignNewTx(c.key, c.signer, &types.DynamicFeeTx{
		ChainID:   c.chainID,
		Nonce:     c.nonce,
		GasTipCap: big.NewInt(1),
		GasFeeCap: big.NewInt(100e9),
		Gas:       txGasLimit,
		To:        to,
		Data:      data,
	})
	if err := c.cl.SendTransaction(c.ctx, tx); err != nil {
		c.t.Fatalf("send transaction: %v", err)
	}
	c.nonce++
	deadline := time.Now().Add(time.Minute)
	for {
		r, err := c.cl.TransactionReceipt(c.ctx, tx.Hash())
		if err == nil {
			if r.Status != types.ReceiptStatusSuccessful {
				c.t.Fatalf("transaction %s reverted (gas used %d)", tx.Hash(), r.GasUsed)
			}
			return r
		}
		if !errors.Is(err, ethereum.NotFound) {
			c.t.Fatalf("receipt: %v", err)
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("no receipt for %s after a minute", tx.Hash())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// deploy creates a contract from creation code plus packed constructor arguments.
func (c *chain) deploy(code, args []byte) (common.Address, uint64) {
	c.t.Helper()
	r := c.send(nil, append(append([]byte{}, code...), args...))
	return r.ContractAddress, r.GasUsed
}

// call runs a read-only call at the latest block.
func (c *chain) call(to common.Address, data []byte) []byte {
	c.t.Helper()
	out, err := c.cl.CallContract(c.ctx, ethereum.CallMsg{From: c.from, To: &to, Data: data}, nil)
	if err != nil {
		c.t.Fatalf("call: %v", err)
	}
	return out
}
