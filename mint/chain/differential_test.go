package chain

import (
	"bytes"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint/bindings"
)

// FuzzAgainstOpenZeppelin is the differential suite: the same script of
// ERC-721 operations (transfers, safe transfers, approvals, operators,
// later mints) runs against GenmintCollection and OpenZeppelin's ERC721
// (mint/contracts/bench/BenchOZSafeMint.sol, compiled in the same
// artifacts), and after every operation both must agree: success or the
// same revert data, the same Transfer/Approval/ApprovalForAll logs, and the
// same ownerOf, balanceOf, getApproved and isApprovedForAll. Each input
// byte pair is one operation; `go test` runs the seeds, `go test -fuzz`
// explores.
func FuzzAgainstOpenZeppelin(f *testing.F) {
	rng := rand.New(rand.NewPCG(12, 2026))
	for range 4 {
		b := make([]byte, 240)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) > 600 {
			script = script[:600]
		}
		differential(t, script)
	})
}

func differential(t *testing.T, script []byte) {
	e := newEnv(t)
	const initial = 12
	accts := []account{e.owner, e.alice, e.bob, e.carol}

	// genmint: the constructor mints 1..initial to owner.
	cfg := e.baseConfig()
	cfg.InitialSupply, cfg.MaxSupply = initial, 200
	gm, _ := e.deploy(cfg)
	// OpenZeppelin: deployed by owner, then mintMany(owner, initial).
	root, ok := testenv.RepoRoot()
	if !ok {
		t.Fatal("not in the repository")
	}
	art := filepath.Join(root, "mint", "contracts", "artifacts", "BenchOZSafeMint")
	rawABI, err := os.ReadFile(art + ".abi.json")
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(art + ".bin")
	if err != nil {
		t.Fatal(err)
	}
	ozABI, err := abi.JSON(bytes.NewReader(rawABI))
	if err != nil {
		t.Fatal(err)
	}
	addr, tx, err := bind.DeployContract(e.owner.opts, common.FromHex(strings.TrimSpace(string(bin))), e.cl, nil)
	e.mine(tx, err)
	oz := bind.NewBoundContract(addr, ozABI, e.cl, e.cl, e.cl)
	gmb := gm.contract
	pack := func(method string, args ...any) []byte {
		b, err := ozABI.Pack(method, args...)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	send := func(c *bind.BoundContract, from account, data []byte) (*types.Receipt, []byte) {
		tx, err := bind.Transact(c, from.opts, data)
		if err != nil {
			d, ok := RevertData(err)
			if !ok {
				t.Fatalf("send: %v", err)
			}
			return nil, d
		}
		return e.mine(tx, nil), nil
	}
	e.mine(bind.Transact(oz, e.owner.opts, pack("mintMany", e.owner.addr, big.NewInt(initial))))

	supply := uint64(initial)
	gmAddr := gm.Address()
	call := func(c *bind.BoundContract, data []byte) ([]byte, error) {
		to := addr
		if c == gmb {
			to = gmAddr
		}
		return e.cl.CallContract(e.ctx, ethereum.CallMsg{To: &to, Data: data}, nil)
	}
	logs := func(r *types.Receipt) string {
		if r == nil {
			return ""
		}
		var b strings.Builder
		for _, l := range r.Logs {
			fmt.Fprintf(&b, "%x %x;", l.Topics, l.Data)
		}
		return b.String()
	}
	compare := func(step int, what string, ids []uint64) {
		t.Helper()
		check := func(q string, data []byte) {
			a, errA := call(gmb, data)
			b, errB := call(oz, data)
			da, _ := RevertData(errA)
			db, _ := RevertData(errB)
			if !bytes.Equal(a, b) || (errA == nil) != (errB == nil) || !bytes.Equal(da, db) {
				t.Fatalf("step %d (%s): %s differs: genmint %x %v, OpenZeppelin %x %v", step, what, q, a, errA, b, errB)
			}
		}
		for _, id := range ids {
			check(fmt.Sprintf("ownerOf(%d)", id), pack("ownerOf", big64(id)))
			check(fmt.Sprintf("getApproved(%d)", id), pack("getApproved", big64(id)))
		}
		for _, a := range accts {
			check("balanceOf("+a.name+")", pack("balanceOf", a.addr))
			for _, o := range accts {
				check("isApprovedForAll("+a.name+","+o.name+")", pack("isApprovedForAll", a.addr, o.addr))
			}
		}
	}

	var succeeded, reverted int
	defer func() {
		t.Logf("%d operations agreed: %d succeeded, %d reverted", succeeded+reverted, succeeded, reverted)
	}()
	for i := 0; i+1 < len(script); i += 2 {
		op, arg := script[i], script[i+1]
		from := accts[op>>6]
		other := accts[(arg>>6)&3]
		id := uint64(arg&63) % (supply + 3) // a few past the supply, and 0
		var data []byte
		var what string
		switch op % 6 {
		case 0, 1: // transferFrom(owner-ish, other, id), often with the right owner
			holder := from
			if op&8 != 0 {
				if o, err := gm.OwnerOf(e.ctx, id); err == nil {
					for _, a := range accts {
						if a.addr == o {
							holder = a
						}
					}
				}
			}
			to := other.addr
			if op&16 != 0 && op&32 != 0 {
				to = common.Address{}
			}
			what = fmt.Sprintf("%s transferFrom(%s, %s, %d)", from.name, holder.name, to.Hex()[:6], id)
			data = pack("transferFrom", holder.addr, to, big64(id))
		case 2: // safeTransferFrom to an account (no receiver hook)
			what = fmt.Sprintf("%s safeTransferFrom(%s, %s, %d)", from.name, from.name, other.name, id)
			data = pack("safeTransferFrom", from.addr, other.addr, big64(id))
		case 3: // approve
			to := other.addr
			if op&8 != 0 {
				to = common.Address{}
			}
			what = fmt.Sprintf("%s approve(%s, %d)", from.name, to.Hex()[:6], id)
			data = pack("approve", to, big64(id))
		case 4: // setApprovalForAll
			what = fmt.Sprintf("%s setApprovalForAll(%s, %v)", from.name, other.name, op&8 != 0)
			data = pack("setApprovalForAll", other.addr, op&8 != 0)
		case 5: // later mint by the owner: mintBatch vs mintMany
			q := uint64(arg%5) + 1
			if supply+q > 200 {
				continue
			}
			what = fmt.Sprintf("mint %d to %s", q, other.name)
			rg, dg := send(gmb, e.owner, gc.PackMintBatch(other.addr, big64(q)))
			ro, do := send(oz, e.owner, pack("mintMany", other.addr, big64(q)))
			if (rg == nil) != (ro == nil) || !bytes.Equal(dg, do) || logs(rg) != logs(ro) {
				t.Fatalf("step %d (%s): genmint %s %x, OpenZeppelin %s %x", i/2, what, logs(rg), dg, logs(ro), do)
			}
			supply += q
			compare(i/2, what, []uint64{supply - q + 1, supply})
			continue
		}
		rg, dg := send(gmb, from, data)
		ro, do := send(oz, from, data)
		if rg != nil {
			succeeded++
		} else {
			reverted++
		}
		if (rg == nil) != (ro == nil) || !bytes.Equal(dg, do) {
			t.Fatalf("step %d (%s): genmint reverted %v (%x), OpenZeppelin reverted %v (%x)", i/2, what, rg == nil, dg, ro == nil, do)
		}
		// Logs agree except for the emitting address.
		if logs(rg) != logs(ro) {
			t.Fatalf("step %d (%s): logs differ:\n genmint %s\n OpenZeppelin %s", i/2, what, logs(rg), logs(ro))
		}
		compare(i/2, what, []uint64{id, 1, supply})
	}
}

// TestSafeTransferReceiversAgainstOpenZeppelin sends a safe transfer to every
// kind of receiver (test/ReceiverProbe.sol: accepting, a wrong value, a
// revert with and without data, a return shorter than a word, a word that is
// not a clean bytes4, a longer return), with and without data, through
// GenmintCollection and OpenZeppelin's ERC721: both must succeed or revert
// with the same data, and emit the same logs.
func TestSafeTransferReceiversAgainstOpenZeppelin(t *testing.T) {
	e := newEnv(t)
	cfg := e.baseConfig()
	cfg.InitialSupply, cfg.MaxSupply = 40, 40
	gm, _ := e.deploy(cfg)
	root, ok := testenv.RepoRoot()
	if !ok {
		t.Fatal("not in the repository")
	}
	art := filepath.Join(root, "mint", "contracts", "artifacts", "BenchOZSafeMint")
	rawABI, err := os.ReadFile(art + ".abi.json")
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(art + ".bin")
	if err != nil {
		t.Fatal(err)
	}
	ozABI, err := abi.JSON(bytes.NewReader(rawABI))
	if err != nil {
		t.Fatal(err)
	}
	ozAddr, tx, err := bind.DeployContract(e.owner.opts, common.FromHex(strings.TrimSpace(string(bin))), e.cl, nil)
	e.mine(tx, err)
	oz := bind.NewBoundContract(ozAddr, ozABI, e.cl, e.cl, e.cl)
	mintMany, err := ozABI.Pack("mintMany", e.owner.addr, big.NewInt(40))
	if err != nil {
		t.Fatal(err)
	}
	e.mine(bind.Transact(oz, e.owner.opts, mintMany))

	probe := bindings.NewReceiverProbe()
	// Logs are compared without their address (each contract emits its own).
	logs := func(r *types.Receipt) string {
		var b strings.Builder
		for _, l := range r.Logs {
			who := "token"
			if l.Address != gm.Address() && l.Address != ozAddr {
				who = "receiver"
			}
			fmt.Fprintf(&b, "%s %x %x;", who, l.Topics, l.Data)
		}
		return b.String()
	}
	send := func(c *bind.BoundContract, data []byte) (string, []byte) {
		tx, err := bind.Transact(c, e.owner.opts, data)
		if err != nil {
			d, ok := RevertData(err)
			if !ok {
				t.Fatalf("send: %v", err)
			}
			return "", d
		}
		return logs(e.mine(tx, nil)), nil
	}
	id := int64(1)
	outcomes := map[string]bool{}
	for mode := range uint8(7) {
		addr, tx, err := bind.DeployContract(e.owner.opts, common.FromHex(bindings.ReceiverProbeMetaData.Bin), e.cl, probe.PackConstructor(mode))
		e.mine(tx, err)
		for _, data := range [][]byte{nil, []byte("genmint"), bytes.Repeat([]byte{0xab}, 45)} {
			call := gc.PackSafeTransferFrom0(e.owner.addr, addr, big.NewInt(id), data)
			if data == nil {
				call = gc.PackSafeTransferFrom(e.owner.addr, addr, big.NewInt(id))
			}
			lg, dg := send(gm.contract, call)
			lo, do := send(oz, call)
			if lg != lo || !bytes.Equal(dg, do) {
				t.Fatalf("mode %d, data %q: genmint %s revert %x; OpenZeppelin %s revert %x", mode, data, lg, dg, lo, do)
			}
			outcomes[fmt.Sprintf("%v/%x", lg != "", dg)] = true
			id++
		}
	}
	// accept, invalid receiver, bubbled error, bare revert: all four seen.
	if len(outcomes) < 4 {
		t.Fatalf("only %d distinct outcomes: %v", len(outcomes), outcomes)
	}
}
