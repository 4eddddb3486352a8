package mint

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"
)

// DeploymentRecord is a deployment's place in one chain's history: what
// genmint checks against the node before it sends anything to the
// contract, and the content of deployments/<network>.json (meant to be
// committed with the spec; it outlives the state database).
type DeploymentRecord struct {
	Network     string         `json:"network"`
	ChainID     uint64         `json:"chain_id"`
	Address     common.Address `json:"address"`
	GenesisHash common.Hash    `json:"genesis_hash"`
	DeployTx    common.Hash    `json:"deploy_tx"`
	Block       uint64         `json:"block"`
	BlockHash   common.Hash    `json:"block_hash"`
	// CodeHash is keccak256 of the contract's runtime code.
	CodeHash    common.Hash    `json:"code_hash"`
	Owner       common.Address `json:"owner"`
	BaseURI     string         `json:"base_uri"`
	ContractURI string         `json:"contract_uri"`
	// InitialSupply is how many tokens the constructor minted (1..N).
	InitialSupply uint64 `json:"initial_supply"`
	// PlaceholderURI is the placeholder folder the tokens pointed at
	// before the reveal ("" for a collection deployed revealed; see
	// spec reveal:), and Revealed whether `genmint reveal` moved the
	// baseURI to the real metadata. Read them through IsRevealed, which
	// also asks the chain.
	PlaceholderURI string `json:"placeholder_uri,omitempty"`
	Revealed       bool   `json:"revealed,omitempty"`
}

// ErrChainReset: the node's chain does not hold the recorded deployment or
// the journalled transactions (the chain was reset, or it is another
// network with the same chain id). Nothing is sent.
var ErrChainReset = errors.New("the chain has no record of this collection's deployment")

// ChainResetError is ErrChainReset with what was seen, in one line.
type ChainResetError struct {
	// Node names the node: "http://127.0.0.1:8545" (any key redacted).
	Node string
	// Detail is what differs, e.g. "block 1 is 0x…, recorded 0x…".
	Detail string

	moved []common.Hash // the journalled transactions whose blocks changed (a reorganisation may have moved them)
}

func (e *ChainResetError) Error() string {
	node := e.Node
	if node == "" {
		node = "the node"
	}
	return fmt.Sprintf("the chain at %s has no record of this collection's deployment (%s): the chain was reset or this is another network; nothing was sent",
		node, e.Detail)
}

func (e *ChainResetError) Unwrap() error { return ErrChainReset }

// ChainReader is what checking a deployment reads from a node (ethclient
// has it; over JSON-RPC the reads go in one batch).
type ChainReader interface {
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	CodeAt(ctx context.Context, account common.Address, blockNumber *big.Int) ([]byte, error)
	NonceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (uint64, error)
}

// CheckDeployment compares rec with the chain behind b in one round trip:
// the genesis hash, the block hash at the deployment's height and the hash
// of the code at its address. node names the node in the error. The error
// is a *ChainResetError on a mismatch.
func CheckDeployment(ctx context.Context, b ChainReader, rec *DeploymentRecord, node string) error {
	return checkIdentity(ctx, b, rec, node, identityExtra{})
}

// identityExtra is what a mint run checks besides the deployment: the
// account's nonce against the highest one the journal holds as mined, and
// the block of every journalled receipt.
//
// Every receipt, not only the latest: a block hash commits to its parent,
// so a matching latest block proves its own ancestors, but not a receipt
// the journal took from a branch the chain later abandoned. A
// reorganisation between two settled transactions of one run (the earlier
// one's block replaced, its nonce used by another transaction of the same
// key) leaves the journal holding the earlier receipt in a block that is no
// longer on the chain while the later one matches. All the heights go in
// the same batch as the deployment's, so it is still one round trip.
type identityExtra struct {
	account  common.Address // zero: no nonce check
	minedMax uint64         // highest nonce journalled as mined (valid with hasMined)
	hasMined bool
	receipts []minedReceipt // every journalled receipt with a block hash, by block
}

// minedReceipt is where the journal saw a transaction mined.
type minedReceipt struct {
	block uint64
	hash  common.Hash // the block's hash
	tx    common.Hash
}

// noteReceipt adds (or moves) tx's receipt.
func (x *identityExtra) noteReceipt(tx common.Hash, block uint64, hash common.Hash) {
	for i := range x.receipts {
		if x.receipts[i].tx == tx {
			x.receipts[i].block, x.receipts[i].hash = block, hash
			return
		}
	}
	x.receipts = append(x.receipts, minedReceipt{block: block, hash: hash, tx: tx})
}

// checkIdentity is CheckDeployment plus a mint run's checks of the journal.
func checkIdentity(ctx context.Context, b ChainReader, rec *DeploymentRecord, node string, x identityExtra) error {
	q := probeQuery{heights: []uint64{0, rec.Block}, code: rec.Address}
	if x.hasMined {
		q.nonceOf = x.account
	}
	asked := map[uint64]bool{0: true, rec.Block: true}
	for _, m := range x.receipts {
		if m.hash != (common.Hash{}) && !asked[m.block] {
			asked[m.block] = true
			q.heights = append(q.heights, m.block)
		}
	}
	got, err := probe(ctx, b, q)
	if err != nil {
		return fmt.Errorf("check the deployment at %s against the node: %w", rec.Address.Hex(), err)
	}
	reset := func(format string, a ...any) *ChainResetError {
		return &ChainResetError{Node: node, Detail: fmt.Sprintf(format, a...)}
	}
	h, ok := got.hashes[rec.Block]
	if !ok {
		return reset("block %d does not exist, recorded %s", rec.Block, rec.BlockHash.Hex())
	}
	if h != rec.BlockHash {
		return reset("block %d is %s, recorded %s", rec.Block, h.Hex(), rec.BlockHash.Hex())
	}
	if rec.GenesisHash != (common.Hash{}) {
		if h, ok := got.hashes[0]; !ok || h != rec.GenesisHash {
			return reset("block 0 is %s, recorded %s", h.Hex(), rec.GenesisHash.Hex())
		}
	}
	if len(got.code) == 0 {
		return reset("no code at %s, recorded code hash %s", rec.Address.Hex(), rec.CodeHash.Hex())
	}
	if ch := crypto.Keccak256Hash(got.code); rec.CodeHash != (common.Hash{}) && ch != rec.CodeHash {
		return reset("the code at %s hashes to %s, recorded %s", rec.Address.Hex(), ch.Hex(), rec.CodeHash.Hex())
	}
	if x.hasMined && got.nonce <= x.minedMax {
		return reset("the nonce of %s is %d, but the journal holds nonce %d as mined", x.account.Hex(), got.nonce, x.minedMax)
	}
	// Every journalled receipt's block; the error names the lowest that
	// differs (where the chains part) and carries every transaction whose
	// block differs, for the run to look up (a reorganisation may only
	// have moved them).
	var first *minedReceipt
	var moved []common.Hash
	for i, m := range x.receipts {
		if m.hash == (common.Hash{}) {
			continue
		}
		if h, ok := got.hashes[m.block]; ok && h == m.hash {
			continue
		}
		moved = append(moved, m.tx)
		if first == nil || m.block < first.block {
			first = &x.receipts[i]
		}
	}
	if first != nil {
		h := got.hashes[first.block]
		e := reset("block %d is %s, but transaction %s was recorded mined in %s", first.block, h.Hex(), first.tx.Hex(), first.hash.Hex())
		e.moved = moved
		return e
	}
	return nil
}

// probeQuery is what one probe reads: block hashes by height, the code at
// an address, an account's nonce (zero addresses: not read).
type probeQuery struct {
	heights []uint64
	code    common.Address
	nonceOf common.Address
}

type probeResult struct {
	hashes map[uint64]common.Hash // absent: no block at that height
	code   []byte
	nonce  uint64
}

// rpcClient is a backend that exposes its JSON-RPC client (ethclient).
type rpcClient interface{ Client() *rpc.Client }

// probe reads q from the node: one batch over JSON-RPC, else one call per
// read (the in-process simulated backend).
func probe(ctx context.Context, b ChainReader, q probeQuery) (*probeResult, error) {
	if rc, ok := b.(rpcClient); ok && rc.Client() != nil {
		return probeBatch(ctx, rc.Client(), q)
	}
	res := &probeResult{hashes: map[uint64]common.Hash{}}
	for _, n := range q.heights {
		h, err := b.HeaderByNumber(ctx, new(big.Int).SetUint64(n))
		if errors.Is(err, ethereum.NotFound) || (err == nil && h == nil) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read block %d: %w", n, err)
		}
		res.hashes[n] = h.Hash()
	}
	if q.code != (common.Address{}) {
		code, err := b.CodeAt(ctx, q.code, nil)
		if err != nil {
			return nil, fmt.Errorf("read the code at %s: %w", q.code.Hex(), err)
		}
		res.code = code
	}
	if q.nonceOf != (common.Address{}) {
		n, err := b.NonceAt(ctx, q.nonceOf, nil)
		if err != nil {
			return nil, fmt.Errorf("read the nonce of %s: %w", q.nonceOf.Hex(), err)
		}
		res.nonce = n
	}
	return res, nil
}

// maxProbeBatch is the most calls probe puts in one JSON-RPC batch.
const maxProbeBatch = 500

func probeBatch(ctx context.Context, cl *rpc.Client, q probeQuery) (*probeResult, error) {
	blocks := make([]json.RawMessage, len(q.heights))
	var elems []rpc.BatchElem
	for i, n := range q.heights {
		elems = append(elems, rpc.BatchElem{Method: "eth_getBlockByNumber", Args: []any{hexutil.EncodeUint64(n), false}, Result: &blocks[i]})
	}
	var code hexutil.Bytes
	var nonce hexutil.Uint64
	if q.code != (common.Address{}) {
		elems = append(elems, rpc.BatchElem{Method: "eth_getCode", Args: []any{q.code, "latest"}, Result: &code})
	}
	if q.nonceOf != (common.Address{}) {
		elems = append(elems, rpc.BatchElem{Method: "eth_getTransactionCount", Args: []any{q.nonceOf, "latest"}, Result: &nonce})
	}
	// One request for any journal a collection makes; a very long one is
	// split, below the batch limit nodes set (geth: 1,000 calls).
	for rest := elems; len(rest) > 0; {
		part := rest[:min(len(rest), maxProbeBatch)]
		if err := cl.BatchCallContext(ctx, part); err != nil {
			return nil, err
		}
		rest = rest[len(part):]
	}
	for _, e := range elems {
		if e.Error != nil {
			return nil, fmt.Errorf("%s: %w", e.Method, e.Error)
		}
	}
	res := &probeResult{hashes: map[uint64]common.Hash{}, code: code, nonce: uint64(nonce)}
	for i, n := range q.heights {
		if len(blocks[i]) == 0 || string(blocks[i]) == "null" {
			continue
		}
		var blk struct {
			Hash *common.Hash `json:"hash"`
		}
		if err := json.Unmarshal(blocks[i], &blk); err != nil || blk.Hash == nil {
			return nil, fmt.Errorf("eth_getBlockByNumber(%d): the node answered a block without a hash", n)
		}
		res.hashes[n] = *blk.Hash
	}
	return res, nil
}

// putRecord writes rec as its chain's deployment record (inside tx).
func putRecord(ctx context.Context, tx *sql.Tx, rec *DeploymentRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO mint_deployment(chain_id, address, record) VALUES(?, ?, ?)
		ON CONFLICT(chain_id) DO UPDATE SET address = excluded.address, record = excluded.record`,
		int64(rec.ChainID), rec.Address.Hex(), string(b))
	if err != nil {
		return fmt.Errorf("record the deployment: %w", err)
	}
	return nil
}

// record reads the deployment record of chainID (nil when none).
func (j *journal) record(ctx context.Context, chainID uint64) (*DeploymentRecord, error) {
	var raw string
	err := j.db.SQL().QueryRowContext(ctx, `SELECT record FROM mint_deployment WHERE chain_id = ?`, int64(chainID)).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the deployment record: %w", err)
	}
	rec := new(DeploymentRecord)
	if err := json.Unmarshal([]byte(raw), rec); err != nil {
		return nil, fmt.Errorf("the deployment record in the state database is damaged (%v): run 'genmint repair --rpc URL'", err)
	}
	return rec, nil
}

// putRecord stores rec in its own transaction.
func (j *journal) putRecord(ctx context.Context, rec *DeploymentRecord) error {
	return j.db.Tx(ctx, func(tx *sql.Tx) error { return putRecord(ctx, tx, rec) })
}

// lastMined is the highest nonce sender's journal holds as mined (or
// reverted: the nonce is used either way) on chainID, and every journalled
// receipt's block, hash and transaction.
func (j *journal) lastMined(ctx context.Context, chainID uint64, sender common.Address) (x identityExtra, err error) {
	x.account = sender
	var n sql.NullInt64
	err = j.db.SQL().QueryRowContext(ctx, `SELECT MAX(nonce) FROM mint_txs WHERE chain_id = ? AND sender = ? AND status IN ('mined', 'reverted')`,
		int64(chainID), sender.Hex()).Scan(&n)
	if err != nil {
		return x, fmt.Errorf("read mint journal: %w", err)
	}
	x.minedMax, x.hasMined = uint64(n.Int64), n.Valid
	rows, err := j.db.SQL().QueryContext(ctx, `SELECT block, block_hash, hash FROM mint_txs
		WHERE chain_id = ? AND status IN ('mined', 'reverted') AND block_hash <> '' ORDER BY block, id`, int64(chainID))
	if err != nil {
		return x, fmt.Errorf("read mint journal: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var block int64
		var hash, tx string
		if err := rows.Scan(&block, &hash, &tx); err != nil {
			return x, fmt.Errorf("read mint journal: %w", err)
		}
		x.receipts = append(x.receipts, minedReceipt{block: uint64(block), hash: common.HexToHash(hash), tx: common.HexToHash(tx)})
	}
	if err := rows.Err(); err != nil {
		return x, fmt.Errorf("read mint journal: %w", err)
	}
	return x, nil
}

// moveReceipt records that a journalled transaction's receipt is now in
// another block (a reorganisation).
func (j *journal) moveReceipt(ctx context.Context, hash common.Hash, block uint64, blockHash common.Hash) error {
	return j.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE mint_txs SET block = ?, block_hash = ? WHERE hash = ?`, int64(block), blockHash.Hex(), hash.Hex()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE mint_tokens SET block = ? WHERE tx_hash = ?`, int64(block), hash.Hex())
		return err
	})
}

// identify builds the record of a deployment mined in rc: one round trip
// for the genesis hash and the code.
func identify(ctx context.Context, b ChainReader, nw string, chainID uint64, w *txRow, rc *types.Receipt) (*DeploymentRecord, error) {
	got, err := probe(ctx, b, probeQuery{heights: []uint64{0}, code: rc.ContractAddress})
	if err != nil {
		return nil, fmt.Errorf("read the deployment's chain identity: %w", err)
	}
	if len(got.code) == 0 {
		return nil, fmt.Errorf("deployment %s left no code at %s", w.Hash.Hex(), rc.ContractAddress.Hex())
	}
	return &DeploymentRecord{
		Network: nw, ChainID: chainID, Address: rc.ContractAddress, GenesisHash: got.hashes[0],
		DeployTx: w.Hash, Block: rc.BlockNumber.Uint64(), BlockHash: rc.BlockHash, CodeHash: crypto.Keccak256Hash(got.code),
		Owner: w.Sender, BaseURI: w.BaseURI, InitialSupply: supplyOf(*w),
	}, nil
}
