package mint

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"sort"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// RebuildOptions are Rebuild's inputs.
type RebuildOptions struct {
	// DB is the collection's (rebuilt) state; the caller holds the lock.
	DB *state.DB
	// Dir is the collection folder: deployments/<network>.json is read there.
	Dir string
	// Network is genmint.yaml's network.
	Network spec.Network
	// Backend is a node of that network.
	Backend Backend
	// Node names the node in messages (the --rpc URL, any key redacted).
	Node string
	// LogRange is how many blocks one eth_getLogs asks for; 0 means 10,000.
	LogRange uint64
}

// RebuildReport is what Rebuild adopted and what it could not.
type RebuildReport struct {
	// Record is the deployment adopted (nil: none on file).
	Record *DeploymentRecord `json:"record,omitempty"`
	// Already is true when the journal already recorded the deployment.
	Already bool `json:"already,omitempty"`
	// TotalSupply is the contract's totalSupply; Tokens how many were
	// adopted as minted items; Txs the transactions rebuilt.
	TotalSupply uint64 `json:"total_supply"`
	Tokens      int    `json:"tokens"`
	Txs         int    `json:"transactions"`
	// NotRebuilt says, one line each, what could not be rebuilt.
	NotRebuilt []string `json:"not_rebuilt"`
}

// Rebuild adopts the collection's mint records from deployments/<network>.json
// and the chain, for a state database that lost them: the deployment is
// checked against the node (as every mint run does), then the contract's
// totalSupply and its Transfer and ConsecutiveTransfer events from the zero
// address name each token, its recipient and the transaction that minted it;
// each transaction's signed bytes and receipt are read back into the
// journal, each token recorded, and its item (token id = item id) moved to
// minted. Nothing is sent. A journal that already records a deployment is
// left alone.
func Rebuild(ctx context.Context, o RebuildOptions) (*RebuildReport, error) {
	if err := Migrate(ctx, o.DB); err != nil {
		return nil, err
	}
	rep := &RebuildReport{NotRebuilt: []string{}}
	j := &journal{db: o.DB}
	if dep, err := j.deployment(ctx); err != nil {
		return nil, err
	} else if dep != nil {
		rep.Already = true
		return rep, nil
	}
	rec, err := ReadDeploymentFile(o.Dir, o.Network.Name)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		rep.NotRebuilt = append(rep.NotRebuilt, fmt.Sprintf("mint records: %s does not exist (the collection was never deployed on %s, or the file was not kept)",
			rel(o.Dir, DeploymentFile(o.Dir, o.Network.Name)), o.Network.Name))
		return rep, nil
	}
	rep.Record = rec
	id, err := o.Backend.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the node's chain id: %w", err)
	}
	if id.Uint64() != rec.ChainID {
		return nil, &ChainResetError{Node: o.Node, Detail: fmt.Sprintf("it is chain %d, recorded %d", id, rec.ChainID)}
	}
	if err := CheckDeployment(ctx, o.Backend, rec, o.Node); err != nil {
		return nil, err
	}
	c := chain.Open(o.Backend, rec.Address)
	if rep.TotalSupply, err = c.TotalSupply(ctx); err != nil {
		return nil, err
	}
	mints, err := mintEvents(ctx, o.Backend, rec, rep.TotalSupply, o.LogRange)
	if err != nil {
		return nil, err
	}

	// The transactions, read back: the deployment, then each mint.
	hashes := []common.Hash{rec.DeployTx}
	seen := map[common.Hash]bool{rec.DeployTx: true}
	for id := uint64(1); id <= rep.TotalSupply; id++ {
		m, ok := mints[id]
		if !ok {
			continue
		}
		if !seen[m.tx] {
			seen[m.tx] = true
			hashes = append(hashes, m.tx)
		}
	}
	signer := types.LatestSignerForChainID(new(big.Int).SetUint64(rec.ChainID))
	var rows []txRow
	byTx := map[common.Hash]int{}
	for _, h := range hashes {
		tx, _, err := o.Backend.TransactionByHash(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("read transaction %s: %w", h.Hex(), err)
		}
		rc, err := o.Backend.TransactionReceipt(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("receipt of %s: %w", h.Hex(), err)
		}
		from, err := types.Sender(signer, tx)
		if err != nil {
			return nil, fmt.Errorf("sender of %s: %w", h.Hex(), err)
		}
		raw, err := tx.MarshalBinary()
		if err != nil {
			return nil, err
		}
		r := txRow{ChainID: rec.ChainID, Sender: from, Nonce: tx.Nonce(), Kind: KindMint, Contract: rec.Address, Hash: h, Raw: raw,
			GasLimit: tx.Gas(), MaxFee: tx.GasFeeCap(), Tip: tx.GasTipCap(), Status: TxMined, Block: rc.BlockNumber.Uint64(),
			GasUsed: rc.GasUsed, GasPrice: rc.EffectiveGasPrice}
		if rc.Status != types.ReceiptStatusSuccessful {
			r.Status = TxReverted
		}
		if h == rec.DeployTx {
			r.Kind, r.BaseURI = KindDeploy, rec.BaseURI
			if rec.InitialSupply > 0 {
				r.First, r.Last = 1, rec.InitialSupply
			}
		}
		r.blockHash = rc.BlockHash
		byTx[h] = len(rows)
		rows = append(rows, r)
	}
	var tokens []adoptedToken
	var missing []uint64
	for id := uint64(1); id <= rep.TotalSupply; id++ {
		m, ok := mints[id]
		if !ok {
			missing = append(missing, id)
			continue
		}
		r := &rows[byTx[m.tx]]
		if r.Kind == KindMint {
			if r.First == 0 || id < r.First {
				r.First = id
			}
			if id > r.Last {
				r.Last = id
			}
		}
		r.Recipient = m.to
		tokens = append(tokens, adoptedToken{id: id, owner: m.to, tx: m.tx, block: m.block})
	}
	if len(missing) > 0 {
		rep.NotRebuilt = append(rep.NotRebuilt, fmt.Sprintf("tokens %s: the node returned no mint event for them (an archive or indexing node may)", rangeText(missing)))
	}

	// Items: token id = item id; an item the folder did not give back
	// cannot be adopted.
	items, err := o.DB.Items(ctx, state.Query{})
	if err != nil {
		return nil, err
	}
	have := map[int]bool{}
	for _, it := range items {
		have[it.ID] = true
	}
	var ids []int
	var absent []uint64
	for _, t := range tokens {
		if have[int(t.id)] {
			ids = append(ids, int(t.id))
		} else {
			absent = append(absent, t.id)
		}
	}
	if len(absent) > 0 {
		rep.NotRebuilt = append(rep.NotRebuilt, fmt.Sprintf("items %s are minted on chain but not in items/: their tokens are recorded, the items are not", rangeText(absent)))
	}
	if err := j.adopt(ctx, rows, tokens, rec); err != nil {
		return nil, err
	}
	if _, err := o.DB.SetStatus(ctx, ids, state.Minted, state.Pending, state.Generated, state.Failed, state.Refused, state.Kept, state.Rejected, state.Pinned); err != nil {
		return nil, err
	}
	rep.Tokens, rep.Txs = len(tokens), len(rows)
	if o.Dir != "" {
		if err := WriteDeploymentFile(o.Dir, rec); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// mintEvent is a token's creation, as the contract's logs tell it.
type mintEvent struct {
	to    common.Address
	tx    common.Hash
	block uint64
}

// consecutiveTopic is ERC-2309's ConsecutiveTransfer event.
var consecutiveTopic = crypto.Keccak256Hash([]byte("ConsecutiveTransfer(uint256,uint256,address,address)"))

// mintEvents reads the contract's Transfer and ConsecutiveTransfer events
// from the zero address, from the deployment's block on, until tokens
// 1..supply are all found or the head is reached.
func mintEvents(ctx context.Context, b Backend, rec *DeploymentRecord, supply, step uint64) (map[uint64]mintEvent, error) {
	if step == 0 {
		step = 10_000
	}
	head, err := b.BlockNumber(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the block number: %w", err)
	}
	out := map[uint64]mintEvent{}
	zero := common.Hash{}
	for from := rec.Block; from <= head && uint64(len(out)) < supply; from += step {
		to := min(from+step-1, head)
		logs, err := b.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(from), ToBlock: new(big.Int).SetUint64(to),
			Addresses: []common.Address{rec.Address}, Topics: [][]common.Hash{{transferTopic, consecutiveTopic}}})
		if err != nil {
			return nil, fmt.Errorf("read the contract's events (blocks %d–%d): %w", from, to, err)
		}
		sort.SliceStable(logs, func(i, k int) bool { return logs[i].BlockNumber < logs[k].BlockNumber })
		for _, l := range logs {
			if l.Removed || len(l.Topics) != 4 {
				continue
			}
			ev := mintEvent{tx: l.TxHash, block: l.BlockNumber}
			switch {
			case l.Topics[0] == transferTopic && l.Topics[1] == zero:
				ev.to = common.BytesToAddress(l.Topics[2].Bytes())
				out[new(big.Int).SetBytes(l.Topics[3].Bytes()).Uint64()] = ev
			case l.Topics[0] == consecutiveTopic && l.Topics[2] == zero && len(l.Data) >= 32:
				ev.to = common.BytesToAddress(l.Topics[3].Bytes())
				first := new(big.Int).SetBytes(l.Topics[1].Bytes()).Uint64()
				last := new(big.Int).SetBytes(l.Data[:32]).Uint64()
				for id := first; id <= last && id <= supply; id++ {
					out[id] = ev
				}
			}
		}
	}
	return out, nil
}

// adoptedToken is a token Rebuild records.
type adoptedToken struct {
	id    uint64
	owner common.Address
	tx    common.Hash
	block uint64
}

// adopt writes rebuilt transactions, tokens and the deployment record in
// one transaction.
func (j *journal) adopt(ctx context.Context, rows []txRow, tokens []adoptedToken, rec *DeploymentRecord) error {
	now := state.FormatTime(j.db.Now())
	return j.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			price := ""
			if r.GasPrice != nil {
				price = r.GasPrice.String()
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO mint_txs(chain_id, sender, nonce, kind, contract, first_id, last_id,
					recipient, base_uri, hash, raw, gas_limit, max_fee, tip, status, block, block_hash, gas_used, gas_price, created_at, sent_at, settled_at)
				VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				int64(r.ChainID), r.Sender.Hex(), int64(r.Nonce), string(r.Kind), r.Contract.Hex(), int64(r.First), int64(r.Last),
				addrOrEmpty(r.Recipient), r.BaseURI, r.Hash.Hex(), r.Raw, int64(r.GasLimit), r.MaxFee.String(), r.Tip.String(),
				string(r.Status), int64(r.Block), r.blockHash.Hex(), int64(r.GasUsed), price, now, now, now); err != nil {
				return fmt.Errorf("rebuild transaction %s: %w", r.Hash.Hex(), err)
			}
		}
		for _, t := range tokens {
			if _, err := tx.ExecContext(ctx, `INSERT INTO mint_tokens(item_id, token_id, chain_id, contract, owner, tx_hash, block, minted_at)
				VALUES(?, ?, ?, ?, ?, ?, ?, ?)`, int64(t.id), int64(t.id), int64(rec.ChainID), rec.Address.Hex(), t.owner.Hex(),
				t.tx.Hex(), int64(t.block), now); err != nil {
				return fmt.Errorf("rebuild token %d: %w", t.id, err)
			}
		}
		return putRecord(ctx, tx, rec)
	})
}
