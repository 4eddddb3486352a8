package repaircmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/neterr"
	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// rebuildMint adopts the mint records from deployments/<network>.json and
// the chain at --rpc (mint.Rebuild). Nothing is sent.
func rebuildMint(ctx context.Context, o *RepairOptions, s *spec.Spec, db *state.DB) (*mint.RebuildReport, error) {
	shown := redact.URL(o.RPC)
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cl, err := ethclient.DialContext(dctx, o.RPC)
	if err != nil {
		return nil, cmdutil.UsageError("bad --rpc %s: %v", shown, err)
	}
	defer cl.Close()
	if _, err := cl.ChainID(dctx); err != nil {
		if ce, ok := neterr.CertURL(neterr.RPCNode, o.RPC, err); ok {
			return nil, cmdutil.AsUsage(ce)
		}
		return nil, fmt.Errorf("cannot reach the node at %s: check --rpc and that the node is running", shown)
	}
	rep, err := mint.Rebuild(ctx, mint.RebuildOptions{DB: db, Dir: o.Dir, Network: s.Network, Backend: cl, Node: shown})
	if err != nil {
		if errors.Is(err, mint.ErrChainReset) {
			return nil, cmdutil.AsUsage(err)
		}
		return nil, err
	}
	return rep, nil
}

// printMint says what rebuildMint adopted and what it could not.
func printMint(w io.Writer, rep *mint.RebuildReport) {
	switch {
	case rep.Already:
		fmt.Fprintln(w, "Mint records: the journal already records the deployment; nothing rebuilt.")
	case rep.Record != nil:
		fmt.Fprintf(w, "Rebuilt the mint records of %s on chain %d from %s: %d of %d tokens minted in %d transactions.\n",
			rep.Record.Address.Hex(), rep.Record.ChainID, mint.DeploymentsDir+"/", rep.Tokens, rep.TotalSupply, rep.Txs)
	}
	for _, s := range rep.NotRebuilt {
		fmt.Fprintf(w, "  not rebuilt: %s\n", s)
	}
}
