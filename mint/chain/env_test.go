package chain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"

	"github.com/genmint/genmint/mint/bindings"
)

// env is an in-process chain (go-ethereum's simulated backend) with a few
// funded accounts. Transactions are mined by Commit, so tests are fast and
// deterministic. Gas figures here are not mainnet's: the benchmark in
// mint/gasbench measures gas on anvil.
type env struct {
	t                              *testing.T
	ctx                            context.Context
	sim                            *simulated.Backend
	cl                             simulated.Client
	owner, alice, bob, carol, dave account
}

type account struct {
	name string
	addr common.Address
	key  *ecdsa.PrivateKey
	opts *bind.TransactOpts
}

func newEnv(t *testing.T) *env { return newEnvOn(t, false) }

// newEnvOn with prague set runs the chain at Prague rules, before Osaka's
// 2^24 gas cap per transaction (EIP-7825), for mints too big for one
// transaction on mainnet today but possible on chains without the cap.
func newEnvOn(t *testing.T, prague bool) *env {
	t.Helper()
	ctx := context.Background()
	names := []string{"owner", "alice", "bob", "carol", "dave"}
	alloc := types.GenesisAlloc{}
	keys := make([]*ecdsa.PrivateKey, len(names))
	for i, n := range names {
		k, err := crypto.ToECDSA(crypto.Keccak256([]byte("genmint test account " + n)))
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
		alloc[crypto.PubkeyToAddress(k.PublicKey)] = types.Account{Balance: new(big.Int).Lsh(big.NewInt(1), 100)}
	}
	opts := []func(*node.Config, *ethconfig.Config){simulated.WithBlockGasLimit(1_000_000_000)}
	if prague {
		opts = append(opts, func(_ *node.Config, ec *ethconfig.Config) {
			cfg := *ec.Genesis.Config
			cfg.OsakaTime, cfg.BogotaTime = nil, nil
			ec.Genesis.Config = &cfg
		})
	}
	sim := simulated.NewBackend(alloc, opts...)
	t.Cleanup(func() { _ = sim.Close() })
	cl := sim.Client()
	chainID, err := cl.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	accs := make([]account, len(names))
	for i, n := range names {
		accs[i] = account{name: n, addr: crypto.PubkeyToAddress(keys[i].PublicKey), key: keys[i],
			opts: bind.NewKeyedTransactor(keys[i], chainID)}
	}
	return &env{t: t, ctx: ctx, sim: sim, cl: cl, owner: accs[0], alice: accs[1], bob: accs[2], carol: accs[3], dave: accs[4]}
}

// mine commits the block holding tx and returns its receipt; a send error or
// a failed transaction fails the test.
func (e *env) mine(tx *types.Transaction, err error) *types.Receipt {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("send: %v", err)
	}
	e.sim.Commit()
	r, err := WaitMined(e.ctx, e.cl, tx, time.Millisecond)
	if err != nil {
		e.t.Fatalf("mined: %v", err)
	}
	return r
}

// baseConfig is a 300-item collection owned by owner, royalty 5% to carol.
func (e *env) baseConfig() Config {
	return Config{
		Name: "Prompted Dreams", Symbol: "DREAM",
		BaseURI: "ipfs://bafybeibase/", ContractURI: "ipfs://bafybeicontract/collection.json",
		Owner: e.owner.addr, InitialSupply: 300, MaxSupply: 1000,
		Royalty: Royalty{Receiver: e.carol.addr, Bps: 500}, AIGC: true,
	}
}

func (e *env) deploy(cfg Config) (*Contract, *types.Receipt) {
	e.t.Helper()
	addr, tx, err := Deploy(e.ctx, e.cl, e.owner.opts, cfg)
	r := e.mine(tx, err)
	if r.ContractAddress != addr {
		e.t.Fatalf("deployed at %s, Deploy said %s", r.ContractAddress, addr)
	}
	return Open(e.cl, addr), r
}

// send calls the contract as `from` with raw calldata. A revert comes back
// as an error (from gas estimation), decoded.
func (e *env) send(from account, c *Contract, data []byte) (*types.Receipt, error) {
	e.t.Helper()
	tx, err := bind.Transact(c.contract, from.opts, data)
	if err != nil {
		return nil, DecodeRevert(err)
	}
	return e.mine(tx, nil), nil
}

// ok is send that must succeed.
func (e *env) ok(from account, c *Contract, data []byte) *types.Receipt {
	e.t.Helper()
	r, err := e.send(from, c, data)
	if err != nil {
		e.t.Fatalf("%s: %v", from.name, err)
	}
	return r
}

// reverts checks err is the named custom error and returns its decoded args.
func reverts[T any](t *testing.T, err error, name string) *T {
	t.Helper()
	var re *RevertError
	if !errors.As(err, &re) {
		t.Fatalf("want revert %s, got %v", name, err)
	}
	if re.Name != name {
		t.Fatalf("want revert %s, got %s", name, re)
	}
	args, ok := re.Args.(*T)
	if !ok {
		t.Fatalf("revert %s: args are %T", name, re.Args)
	}
	return args
}

// view calls a read-only method through the bindings.
func view[T any](t *testing.T, c *Contract, data []byte, unpack func([]byte) (T, error)) T {
	t.Helper()
	v, err := bind.Call(c.contract, nil, data, unpack)
	if err != nil {
		t.Fatalf("call: %v", DecodeRevert(err))
	}
	return v
}

func viewErr[T any](c *Contract, data []byte, unpack func([]byte) (T, error)) error {
	_, err := bind.Call(c.contract, nil, data, unpack)
	return DecodeRevert(err)
}

// events decodes every log of one kind in a receipt.
func events[T any](t *testing.T, r *types.Receipt, unpack func(*types.Log) (*T, error)) []*T {
	t.Helper()
	var out []*T
	for _, l := range r.Logs {
		if ev, err := unpack(l); err == nil {
			out = append(out, ev)
		}
	}
	return out
}

var gc = bindings.NewGenmintCollection()

func big64(v uint64) *big.Int { return new(big.Int).SetUint64(v) }
