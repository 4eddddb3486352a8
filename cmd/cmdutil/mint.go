package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"

	"github.com/dustin/go-humanize"
	"github.com/ethereum/go-ethereum/params"

	"github.com/genmint/genmint/mint"
)

// What `genmint mint` and `genmint run` share when they send transactions:
// the question asked before spending on a chain that is not a test chain,
// the progress lines, the fee cap's unit.

// ConfirmMint asks on a terminal before spending on a chain that is not a
// test chain (mint.Options.Confirm); without a terminal it is a usage error
// naming --yes.
func ConfirmMint(s *IOStreams) func(ctx context.Context, est mint.Estimate) error {
	return func(ctx context.Context, est mint.Estimate) error {
		what := fmt.Sprintf("mint %d tokens", est.Tokens)
		if est.Deploy {
			what = fmt.Sprintf("deploy the collection and mint %d tokens", est.Tokens)
		}
		q := fmt.Sprintf("%s on %s (chain %d) from %s, estimated cost %s ETH (at most %s ETH, %d transactions, %s gas)?",
			what, est.Network.Name, est.Network.ChainID, est.From.Hex(), mint.FormatETH(est.ExpectedCost), mint.FormatETH(est.MaxCost), est.Txs, humanize.Comma(int64(est.Gas)))
		return ConfirmSend(s, q, q+": confirm on a terminal, or pass --yes")
	}
}

// ConfirmSend asks question on a terminal before a transaction is signed: a
// "no" is mint.ErrDeclined ("nothing was sent"); without a terminal it is the
// usage error noTTY, which names --yes.
func ConfirmSend(s *IOStreams, question, noTTY string) error {
	ok, err := s.Confirm(question)
	if errors.Is(err, ErrNoTTY) {
		return UsageError("%s", noTTY)
	}
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: nothing was sent", mint.ErrDeclined)
	}
	return nil
}

// MintProgress prints one line per transaction event to w (nil when quiet).
func MintProgress(w io.Writer, quiet bool) func(mint.Event) {
	if quiet {
		return nil
	}
	return func(e mint.Event) {
		t := e.Tx
		switch e.Kind {
		case mint.EventPlanned:
			est := e.Estimate
			fmt.Fprintf(w, "plan: %d transactions, %d tokens, ~%s gas, about %s ETH at current fees (at most %s)\n",
				est.Txs, est.Tokens, humanize.Comma(int64(est.Gas)), mint.FormatETH(est.ExpectedCost), mint.FormatETH(est.MaxCost))
		case mint.EventPending:
			fmt.Fprintf(w, "settling %s (nonce %d) from an earlier run\n", t.Hash.Hex(), t.Nonce)
		case mint.EventSent:
			fmt.Fprintf(w, "sent     %s %s (nonce %d)\n", txStep(t), t.Hash.Hex(), t.Nonce)
		case mint.EventRebroadcast:
			fmt.Fprintf(w, "re-sent  %s: the node did not have it\n", t.Hash.Hex())
		case mint.EventReplaced:
			fmt.Fprintf(w, "stuck    %s: replaced by %s with a higher fee\n", t.Hash.Hex(), e.New.Hash.Hex())
		case mint.EventFeeCapped:
			fmt.Fprintf(w, "stuck    %s: --max-fee-gwei leaves no room for a higher fee; waiting (Ctrl-C and re-run later is safe)\n", t.Hash.Hex())
		case mint.EventDropped:
			fmt.Fprintf(w, "dropped  %s: its nonce was used by a transaction genmint did not send; planning again\n", t.Hash.Hex())
		case mint.EventNewDeployment:
			fmt.Fprintf(w, "--new-deployment: deployed a second contract on %s; the record of %s (block %d) is kept as %s\n",
				e.Record.Network, e.Record.Address.Hex(), e.Record.Block, e.Path)
		case mint.EventMined:
			fmt.Fprintf(w, "mined    %s %s in block %d, %s gas (%d minted)\n", txStep(t), t.Hash.Hex(), t.Block, humanize.Comma(int64(t.GasUsed)), e.Minted)
		}
	}
}

// txStep says what t does, in a progress line.
func txStep(t mint.TxRecord) string { return mint.DescribeTx(t.Kind, t.First, t.Last, "", mint.TxStep) }

// GweiToWei converts a --max-fee-gwei style value; 0 (no cap) is nil.
func GweiToWei(g float64) *big.Int {
	if g <= 0 || math.IsInf(g, 0) || math.IsNaN(g) {
		return nil
	}
	v, _ := new(big.Float).Mul(big.NewFloat(g), big.NewFloat(params.GWei)).Int(nil)
	return v
}
