package mint

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/genmint/genmint/state"
)

// Component is the state component name mint's tables are migrated under.
const Component = "mint"

var migrations = []state.Migration{
	// 1: the transaction journal and the minted tokens.
	//
	// mint_txs holds every transaction genmint signed, committed BEFORE it is
	// broadcast, with its raw bytes so a dropped one can be sent again
	// byte-identical. Rows sharing (chain_id, sender, nonce) are one action
	// and its fee-bumped replacements: at most one of them can ever be mined.
	//
	// mint_tokens holds, per item, the token minted for it (token id = item
	// id) and the transaction that minted it; it is written only after the
	// receipt and an on-chain check.
	`CREATE TABLE mint_txs(
		id          INTEGER PRIMARY KEY AUTOINCREMENT,
		chain_id    INTEGER NOT NULL,
		sender      TEXT NOT NULL,
		nonce       INTEGER NOT NULL,
		kind        TEXT NOT NULL,
		contract    TEXT NOT NULL,
		first_id    INTEGER NOT NULL DEFAULT 0,
		last_id     INTEGER NOT NULL DEFAULT 0,
		recipient   TEXT NOT NULL DEFAULT '',
		base_uri    TEXT NOT NULL DEFAULT '',
		hash        TEXT NOT NULL UNIQUE,
		raw         BLOB NOT NULL,
		gas_limit   INTEGER NOT NULL,
		max_fee     TEXT NOT NULL,
		tip         TEXT NOT NULL,
		replaces    INTEGER REFERENCES mint_txs(id),
		status      TEXT NOT NULL,
		block       INTEGER NOT NULL DEFAULT 0,
		gas_used    INTEGER NOT NULL DEFAULT 0,
		gas_price   TEXT NOT NULL DEFAULT '',
		error       TEXT NOT NULL DEFAULT '',
		created_at  TEXT NOT NULL,
		sent_at     TEXT NOT NULL DEFAULT '',
		settled_at  TEXT NOT NULL DEFAULT ''
	) STRICT;
	CREATE INDEX mint_txs_nonce ON mint_txs(chain_id, sender, nonce);
	CREATE INDEX mint_txs_status ON mint_txs(status);
	CREATE TABLE mint_tokens(
		item_id    INTEGER PRIMARY KEY,
		token_id   INTEGER NOT NULL,
		chain_id   INTEGER NOT NULL,
		contract   TEXT NOT NULL,
		owner      TEXT NOT NULL,
		tx_hash    TEXT NOT NULL,
		block      INTEGER NOT NULL,
		minted_at  TEXT NOT NULL
	) STRICT;`,
	// 2: chain identity. mint_deployment holds, per chain, the deployment's
	// place in that chain's history (genesis hash, deploy transaction, its
	// block number and hash, the runtime code hash): what every run checks
	// against the node before it sends anything (see identity.go). The
	// same record is the file deployments/<network>.json. mint_txs gains
	// each receipt's block hash, so a journal the chain forgot is noticed.
	`CREATE TABLE mint_deployment(
		chain_id   INTEGER PRIMARY KEY,
		address    TEXT NOT NULL,
		record     TEXT NOT NULL
	) STRICT;
	ALTER TABLE mint_txs ADD COLUMN block_hash TEXT NOT NULL DEFAULT '';`,
}

// Migrate brings mint's tables up to date. Run calls it; readers (status,
// verify) call it too before reading.
func Migrate(ctx context.Context, db *state.DB) error {
	return db.Migrate(ctx, Component, migrations)
}

// txRow is one row of mint_txs.
type txRow struct {
	ID          int64
	ChainID     uint64
	Sender      common.Address
	Nonce       uint64
	Kind        Kind
	Contract    common.Address
	First, Last uint64
	Recipient   common.Address
	BaseURI     string // the URI set: a deploy's or set-base-uri's baseURI, a set-contract-uri's contractURI
	Hash        common.Hash
	Raw         []byte
	GasLimit    uint64
	MaxFee, Tip *big.Int
	Replaces    int64
	Status      TxStatus
	Block       uint64
	GasUsed     uint64
	GasPrice    *big.Int
	Error       string
	CreatedAt   time.Time
	SentAt      time.Time

	blockHash common.Hash // the receipt's block (Rebuild; settle reads it from the receipt)
}

// tx decodes the signed transaction.
func (r *txRow) tx() (*types.Transaction, error) {
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(r.Raw); err != nil {
		return nil, fmt.Errorf("journalled transaction %s is damaged: %w", r.Hash, err)
	}
	return tx, nil
}

const txColumns = `id, chain_id, sender, nonce, kind, contract, first_id, last_id, recipient, base_uri,
	hash, raw, gas_limit, max_fee, tip, COALESCE(replaces, 0), status, block, gas_used, gas_price, error, created_at, sent_at`

func scanTx(sc interface{ Scan(...any) error }) (txRow, error) {
	var r txRow
	var sender, contract, recipient, hash, maxFee, tip, gasPrice, created, sent string
	var chainID, nonce, first, last, gasLimit, block, gasUsed int64
	err := sc.Scan(&r.ID, &chainID, &sender, &nonce, &r.Kind, &contract, &first, &last, &recipient, &r.BaseURI,
		&hash, &r.Raw, &gasLimit, &maxFee, &tip, &r.Replaces, &r.Status, &block, &gasUsed, &gasPrice, &r.Error, &created, &sent)
	if err != nil {
		return r, err
	}
	r.ChainID, r.Nonce, r.First, r.Last = uint64(chainID), uint64(nonce), uint64(first), uint64(last)
	r.GasLimit, r.Block, r.GasUsed = uint64(gasLimit), uint64(block), uint64(gasUsed)
	r.Sender, r.Contract, r.Recipient = common.HexToAddress(sender), common.HexToAddress(contract), common.HexToAddress(recipient)
	r.Hash = common.HexToHash(hash)
	r.MaxFee, r.Tip, r.GasPrice = parseBig(maxFee), parseBig(tip), parseBig(gasPrice)
	r.CreatedAt, r.SentAt = state.ParseTime(created), state.ParseTime(sent)
	return r, nil
}

// journal is mint's view of its tables.
type journal struct {
	db *state.DB
	// clock times sent_at, which await compares with Options.Now to find
	// a stuck transaction: both must be the same wall clock (the state
	// database's clock follows SOURCE_DATE_EPOCH, made for reproducible
	// records, and would make every pending transaction look stuck).
	clock func() time.Time
}

// now is the journal's wall clock.
func (j *journal) now() time.Time {
	if j.clock != nil {
		return j.clock()
	}
	return time.Now()
}

// insert commits a signed transaction before it is broadcast.
func (j *journal) insert(ctx context.Context, r *txRow) error {
	var replaces any
	if r.Replaces != 0 {
		replaces = r.Replaces
	}
	return j.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO mint_txs(chain_id, sender, nonce, kind, contract, first_id, last_id,
				recipient, base_uri, hash, raw, gas_limit, max_fee, tip, replaces, status, created_at)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			int64(r.ChainID), r.Sender.Hex(), int64(r.Nonce), string(r.Kind), r.Contract.Hex(), int64(r.First), int64(r.Last),
			addrOrEmpty(r.Recipient), r.BaseURI, r.Hash.Hex(), r.Raw, int64(r.GasLimit), r.MaxFee.String(), r.Tip.String(),
			replaces, string(TxSigned), state.FormatTime(j.db.Now()))
		if err != nil {
			return fmt.Errorf("journal transaction %s: %w", r.Hash, err)
		}
		r.ID, err = res.LastInsertId()
		r.Status = TxSigned
		r.CreatedAt = j.db.Now()
		return err
	})
}

// markSent records that a node accepted r (the first time).
func (j *journal) markSent(ctx context.Context, r *txRow) error {
	now := j.now()
	err := j.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE mint_txs SET status = 'sent', sent_at = ? WHERE id = ? AND status = 'signed'`,
			state.FormatTime(now), r.ID)
		return err
	})
	if err == nil && r.Status == TxSigned {
		r.Status, r.SentAt = TxSent, now
	}
	return err
}

// open returns the open transactions grouped by action (chain, sender,
// nonce), oldest action first, each group in signing order.
func (j *journal) open(ctx context.Context, chainID uint64) ([][]txRow, error) {
	rows, err := j.db.SQL().QueryContext(ctx, `SELECT `+txColumns+` FROM mint_txs
		WHERE chain_id = ? AND (sender, nonce) IN (SELECT sender, nonce FROM mint_txs WHERE chain_id = ? AND status IN ('signed', 'sent'))
		ORDER BY sender, nonce, id`, int64(chainID), int64(chainID))
	if err != nil {
		return nil, fmt.Errorf("read mint journal: %w", err)
	}
	defer rows.Close()
	var groups [][]txRow
	for rows.Next() {
		r, err := scanTx(rows)
		if err != nil {
			return nil, err
		}
		n := len(groups)
		if n > 0 && groups[n-1][0].Sender == r.Sender && groups[n-1][0].Nonce == r.Nonce {
			groups[n-1] = append(groups[n-1], r)
		} else {
			groups = append(groups, []txRow{r})
		}
	}
	return groups, rows.Err()
}

// openElsewhere counts open transactions on chains other than chainID and
// names the lowest such chain.
func (j *journal) openElsewhere(ctx context.Context, chainID uint64) (uint64, int, error) {
	var other int64
	var n int
	err := j.db.SQL().QueryRowContext(ctx, `SELECT COALESCE(MIN(chain_id), 0), count(*) FROM mint_txs
		WHERE chain_id <> ? AND status IN ('signed', 'sent')`, int64(chainID)).Scan(&other, &n)
	return uint64(other), n, err
}

// deployment returns the mined deployment, if any.
func (j *journal) deployment(ctx context.Context) (*Deployment, error) {
	rows, err := j.db.SQL().QueryContext(ctx, `SELECT `+txColumns+` FROM mint_txs WHERE kind = 'deploy' AND status = 'mined' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read mint journal: %w", err)
	}
	defer rows.Close()
	var deps []txRow
	for rows.Next() {
		r, err := scanTx(rows)
		if err != nil {
			return nil, err
		}
		deps = append(deps, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	switch len(deps) {
	case 0:
		return nil, nil
	case 1:
		r := deps[0]
		return &Deployment{ChainID: r.ChainID, Contract: r.Contract, Owner: r.Sender, TxHash: r.Hash, Block: r.Block, InitialSupply: supplyOf(r)}, nil
	}
	var where []string
	for _, d := range deps {
		where = append(where, fmt.Sprintf("%s on chain %d", d.Contract.Hex(), d.ChainID))
	}
	return nil, fmt.Errorf("the journal records %d deployments of this collection (%s): genmint deploys one; move the extra records aside with care", len(deps), strings.Join(where, ", "))
}

func supplyOf(r txRow) uint64 {
	if r.First == 0 {
		return 0
	}
	return r.Last
}

// settled is what the chain said about an action.
type settled struct {
	winner   *txRow // the transaction that was mined (nil when dropped)
	receipt  *types.Receipt
	status   TxStatus // mined, reverted or dropped
	errText  string   // revert reason
	tokens   []uint64 // token ids minted (mined mint and deploy)
	owner    common.Address
	contract common.Address
	record   *DeploymentRecord // a deployment's chain identity, or its new URIs
}

// settle records an action's outcome in one transaction: the winner mined
// (or reverted), its siblings replaced (or all dropped), and the tokens it
// minted.
func (j *journal) settle(ctx context.Context, group []txRow, s settled) error {
	now := state.FormatTime(j.db.Now())
	return j.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, r := range group {
			st := TxReplaced
			if s.status == TxDropped {
				st = TxDropped
			}
			if s.winner != nil && r.ID == s.winner.ID {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE mint_txs SET status = ?, settled_at = ? WHERE id = ? AND status IN ('signed', 'sent')`,
				string(st), now, r.ID); err != nil {
				return err
			}
		}
		if s.winner == nil {
			return nil
		}
		rc := s.receipt
		price := ""
		if rc.EffectiveGasPrice != nil {
			price = rc.EffectiveGasPrice.String()
		}
		contract := s.winner.Contract
		if s.contract != (common.Address{}) {
			contract = s.contract
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mint_txs SET status = ?, block = ?, block_hash = ?, gas_used = ?, gas_price = ?, error = ?,
				contract = ?, settled_at = ? WHERE id = ?`,
			string(s.status), rc.BlockNumber.Int64(), rc.BlockHash.Hex(), int64(rc.GasUsed), price, s.errText, contract.Hex(), now, s.winner.ID); err != nil {
			return err
		}
		if s.record != nil {
			if err := putRecord(ctx, tx, s.record); err != nil {
				return err
			}
		}
		if len(s.tokens) == 0 {
			return nil
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO mint_tokens(item_id, token_id, chain_id, contract, owner, tx_hash, block, minted_at)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, id := range s.tokens {
			if _, err := stmt.ExecContext(ctx, int64(id), int64(id), int64(s.winner.ChainID), contract.Hex(), s.owner.Hex(),
				s.winner.Hash.Hex(), rc.BlockNumber.Int64(), now); err != nil {
				return fmt.Errorf("record token %d: %w (minted twice? run 'genmint status' and report it)", id, err)
			}
		}
		return nil
	})
}

// tokens reads every minted token, by item id.
func (j *journal) tokens(ctx context.Context) (map[int]Token, error) {
	rows, err := j.db.SQL().QueryContext(ctx, `SELECT item_id, token_id, chain_id, contract, owner, tx_hash, block FROM mint_tokens ORDER BY item_id`)
	if err != nil {
		return nil, fmt.Errorf("read minted tokens: %w", err)
	}
	defer rows.Close()
	out := map[int]Token{}
	for rows.Next() {
		var t Token
		var tokenID, chainID, block int64
		var contract, owner, hash string
		if err := rows.Scan(&t.ItemID, &tokenID, &chainID, &contract, &owner, &hash, &block); err != nil {
			return nil, err
		}
		t.TokenID, t.ChainID, t.Block = uint64(tokenID), uint64(chainID), uint64(block)
		t.Contract, t.Owner, t.TxHash = common.HexToAddress(contract), common.HexToAddress(owner), common.HexToHash(hash)
		out[t.ItemID] = t
	}
	return out, rows.Err()
}

// maxNonce is the highest nonce journalled for sender on chainID (ok false
// when none).
func (j *journal) maxNonce(ctx context.Context, chainID uint64, sender common.Address) (uint64, bool, error) {
	var n sql.NullInt64
	err := j.db.SQL().QueryRowContext(ctx, `SELECT MAX(nonce) FROM mint_txs WHERE chain_id = ? AND sender = ? AND status <> 'dropped'`,
		int64(chainID), sender.Hex()).Scan(&n)
	if err != nil {
		return 0, false, fmt.Errorf("read mint journal: %w", err)
	}
	return uint64(n.Int64), n.Valid, nil
}

// all reads every journalled transaction, in signing order.
func (j *journal) all(ctx context.Context) ([]TxRecord, error) {
	rows, err := j.db.SQL().QueryContext(ctx, `SELECT `+txColumns+` FROM mint_txs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read mint journal: %w", err)
	}
	defer rows.Close()
	var out []TxRecord
	for rows.Next() {
		r, err := scanTx(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r.record())
	}
	return out, rows.Err()
}

// record is the row as callers see it.
func (r *txRow) record() TxRecord {
	rec := TxRecord{Kind: r.Kind, Hash: r.Hash, Nonce: r.Nonce, ChainID: r.ChainID, Contract: r.Contract, First: r.First, Last: r.Last,
		BaseURI: r.BaseURI, Status: r.Status, Block: r.Block, GasUsed: r.GasUsed, Error: r.Error}
	if r.GasPrice != nil && r.GasUsed > 0 {
		rec.FeeWei = new(big.Int).Mul(r.GasPrice, new(big.Int).SetUint64(r.GasUsed))
	}
	return rec
}

func addrOrEmpty(a common.Address) string {
	if a == (common.Address{}) {
		return ""
	}
	return a.Hex()
}

func parseBig(s string) *big.Int {
	if s == "" {
		return nil
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil
	}
	return v
}
