package chain

import (
	"bytes"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/genmint/genmint/internal/testenv"
)

// TestURIStorageAgainstSolc checks GenmintCollection's hand-written string
// store (setBaseURI, setContractURI) against solc's own: the contract before
// issue 12 (mint/contracts/bench/BenchGenmintV0.sol, compiled in the same
// artifacts) assigns the same calldata strings with Solidity's `=`. After each
// assignment, of lengths on both sides of every word boundary and growing,
// shrinking, long to short and back, the string's slot and every data word a
// string of these lengths can use must hold the same values in both
// contracts (stale words cleared, the bytes past the end zero), and
// baseURI(), tokenURI(1) and contractURI() must read the string back.
func TestURIStorageAgainstSolc(t *testing.T) {
	e := newEnv(t)
	cfg := e.baseConfig()
	cfg.InitialSupply = 3
	gm, _ := e.deploy(cfg)

	root, ok := testenv.RepoRoot()
	if !ok {
		t.Fatal("not in the repository")
	}
	art := filepath.Join(root, "mint", "contracts", "artifacts")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(art, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	v0ABI, err := abi.JSON(bytes.NewReader(read("BenchGenmintV0.abi.json")))
	if err != nil {
		t.Fatal(err)
	}
	type v0Config struct {
		Name, Symbol, BaseURI, ContractURI string
		Owner, InitialHolder               common.Address
		InitialSupply, MaxSupply           *big.Int
		RoyaltyReceiver                    common.Address
		RoyaltyBps                         *big.Int
		Aigc                               bool
	}
	args, err := v0ABI.Pack("", v0Config{Name: cfg.Name, Symbol: cfg.Symbol, BaseURI: cfg.BaseURI, ContractURI: cfg.ContractURI,
		Owner: e.owner.addr, InitialHolder: e.owner.addr, InitialSupply: big.NewInt(3), MaxSupply: big.NewInt(1000),
		RoyaltyReceiver: e.carol.addr, RoyaltyBps: big.NewInt(500)})
	if err != nil {
		t.Fatal(err)
	}
	code := common.FromHex(strings.TrimSpace(string(read("BenchGenmintV0.bin"))))
	v0Addr, tx, err := bind.DeployContract(e.owner.opts, append(code, args...), e.cl, nil)
	e.mine(tx, err)
	v0 := bind.NewBoundContract(v0Addr, v0ABI, e.cl, e.cl, e.cl)

	// The storage slot of each string variable, from each compiled layout.
	slotOf := func(contract, label string) common.Hash {
		var layout []struct{ Label, Slot string }
		if err := json.Unmarshal(read(contract+".storage.json"), &layout); err != nil {
			t.Fatal(err)
		}
		for _, v := range layout {
			if v.Label == label {
				n, ok := new(big.Int).SetString(v.Slot, 10)
				if !ok {
					t.Fatalf("%s.%s: slot %q", contract, label, v.Slot)
				}
				return common.BigToHash(n)
			}
		}
		t.Fatalf("%s has no %s", contract, label)
		return common.Hash{}
	}
	// words reads a string variable's slot and the first `n` words of its data area.
	words := func(addr common.Address, slot common.Hash, n int) [][]byte {
		data := new(big.Int).SetBytes(crypto.Keccak256(slot[:]))
		out := make([][]byte, 0, n+1)
		for i := -1; i < n; i++ {
			at := slot
			if i >= 0 {
				at = common.BigToHash(new(big.Int).Add(data, big.NewInt(int64(i))))
			}
			v, err := e.cl.StorageAt(e.ctx, addr, at, nil)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return out
	}

	lengths := []int{0, 1, 31, 32, 33, 63, 64, 65, 97, 150, 96, 40, 31, 5, 64, 0, 67, 82, 33, 32, 1}
	const maxWords = 5 // ceil(150 / 32)
	for _, v := range []struct{ label, setter, getter string }{
		{"_baseTokenURI", "setBaseURI", "baseURI"},
		{"_contractMetadataURI", "setContractURI", "contractURI"},
	} {
		gmSlot, v0Slot := slotOf("GenmintCollection", v.label), slotOf("BenchGenmintV0", v.label)
		for i, n := range lengths {
			// Distinct bytes per step, so a word left over from an earlier step shows.
			s := make([]byte, n)
			for j := range s {
				s[j] = byte('a' + (i*7+j)%26)
			}
			data, err := v0ABI.Pack(v.setter, string(s))
			if err != nil {
				t.Fatal(err)
			}
			e.ok(e.owner, gm, data)
			e.mine(bind.Transact(v0, e.owner.opts, data))
			got, want := words(gm.Address(), gmSlot, maxWords), words(v0Addr, v0Slot, maxWords)
			for w := range got {
				if !bytes.Equal(got[w], want[w]) {
					t.Fatalf("%s of %d bytes (step %d): word %d is %x, solc writes %x", v.setter, n, i, w-1, got[w], want[w])
				}
			}
			get, err := v0ABI.Pack(v.getter)
			if err != nil {
				t.Fatal(err)
			}
			to := gm.Address()
			out, err := e.cl.CallContract(e.ctx, ethereum.CallMsg{To: &to, Data: get}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r, err := v0ABI.Unpack(v.getter, out); err != nil || r[0].(string) != string(s) {
				t.Fatalf("%s after %s of %d bytes: %v (%v), want %q", v.getter, v.setter, n, r, err, s)
			}
			if v.getter == "baseURI" {
				uri, err := gm.TokenURI(e.ctx, 1)
				wantURI := ""
				if n > 0 {
					wantURI = string(s) + "1"
				}
				if err != nil || uri != wantURI {
					t.Fatalf("tokenURI(1) after setBaseURI of %d bytes: %q (%v), want %q", n, uri, err, wantURI)
				}
			}
		}
	}
}
