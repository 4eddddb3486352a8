package main

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/verify"
)

// ownerCmd runs an owner command (freeze, royalty set) without a terminal.
func ownerCmd(dir, rpc string, account common.Address, ksDir, pwFile string, args ...string) *exec.Cmd {
	args = append(args, "--rpc", rpc, "--account", account.Hex(), "--keystore", ksDir, "--password-file", pwFile, "--poll-interval", "20ms")
	cmd := genmint(dir, args...)
	cmd.Env = append(cmd.Env, "CI=true")
	return cmd
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestFreezeRoyaltyAnvil mints on anvil with the real commands, verifies
// the provenance commitment, changes the royalty within and above the cap,
// then freezes: without --yes and a terminal it refuses, with --yes the
// contract is final (every setter and mintBatch revert) and a second run
// sends nothing.
func TestFreezeRoyaltyAnvil(t *testing.T) {
	an := testenv.StartAnvil(t)
	owner := an.Accounts[0]
	dir := pinnedCollection(t, 5, "")
	ksDir, pwFile := keystore(t, keyHex(owner))
	if out, err := mintCmd(dir, an.URL, owner.Address, ksDir, pwFile).CombinedOutput(); err != nil {
		t.Fatalf("mint: %v\n%s", err, out)
	}
	ctx := context.Background()
	db, err := state.Open(ctx, dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := mint.ReadStatus(ctx, db)
	db.Close()
	if err != nil || st.Deployment == nil {
		t.Fatal(st, err)
	}
	cl, err := ethclient.Dial(an.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	c := chain.Open(cl, st.Deployment.Contract)

	// verify recomputes the commitment the deployment stored.
	v := genmint(dir, "verify", "--car", filepath.Join(dir, "c.car"), "--json")
	v.Env = append(v.Env, "ETH_RPC_URL="+an.URL)
	out, err := v.Output()
	var rep verify.Report
	if err != nil || json.Unmarshal(out, &rep) != nil || !rep.OK || rep.ProvenanceTokens != 5 || rep.ProvenanceHash == "" || rep.ProvenanceHash != rep.ProvenanceRecomputed {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	if h, _ := c.ProvenanceHash(ctx); h.Hex() != rep.ProvenanceHash {
		t.Fatalf("provenanceHash %s, report %s", h.Hex(), rep.ProvenanceHash)
	}

	// Royalty: within the cap (spec 750 bps, so the cap is 10%), then above it.
	payee := an.Accounts[2].Address
	if out, err := ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "royalty", "set", "--bps", "900", "--receiver", payee.Hex()).CombinedOutput(); err != nil ||
		!strings.Contains(string(out), "Royalty set: 900 bps to "+payee.Hex()) {
		t.Fatalf("royalty set: %v\n%s", err, out)
	}
	if info, _ := c.Info(ctx); info.Royalty != (chain.Royalty{Receiver: payee, Bps: 900}) {
		t.Fatalf("royalty on chain %+v", info.Royalty)
	}
	out, err = ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "royalty", "set", "--bps", "1500").CombinedOutput()
	if exitCode(err) != 2 || !strings.Contains(string(out), "RoyaltyAboveCap") {
		t.Fatalf("above the cap: %v\n%s", err, out)
	}
	// Another account is not the owner.
	ks2, pw2 := keystore(t, keyHex(an.Accounts[1]))
	out, err = ownerCmd(dir, an.URL, an.Accounts[1].Address, ks2, pw2, "royalty", "set", "--bps", "100").CombinedOutput()
	if exitCode(err) != 2 || !strings.Contains(string(out), "is owned by "+owner.Address.Hex()) {
		t.Fatalf("not the owner: %v\n%s", err, out)
	}

	// Freeze: refused without --yes and a terminal, then done.
	out, err = ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "freeze").CombinedOutput()
	if exitCode(err) != 2 || !strings.Contains(string(out), "pass --yes") {
		t.Fatalf("freeze without --yes: %v\n%s", err, out)
	}
	if info, _ := c.Info(ctx); info.Frozen {
		t.Fatal("frozen without confirmation")
	}
	out, err = ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "freeze", "--yes").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Frozen: the collection is final") {
		t.Fatalf("freeze: %v\n%s", err, out)
	}
	noSecrets(t, dir, keyHex(owner), out)
	info, _ := c.Info(ctx)
	if !info.Frozen {
		t.Fatal("not frozen")
	}
	opts := bind.NewKeyedTransactor(owner.Key, new(big.Int).SetUint64(an.ChainID))
	for name, try := range map[string]func() error{
		"setBaseURI":     func() error { _, err := c.SetBaseURI(ctx, opts, "ipfs://x/"); return err },
		"setContractURI": func() error { _, err := c.SetContractURI(ctx, opts, "ipfs://x"); return err },
		"addAigcData":    func() error { _, err := c.AddAigcData(ctx, opts, 1, []byte("p"), []byte("h")); return err },
		"mintBatch":      func() error { _, err := c.MintBatch(ctx, opts, owner.Address, 1); return err },
	} {
		if err := try(); !errors.Is(err, chain.ErrMetadataFrozen) {
			t.Errorf("%s after freeze: %v", name, err)
		}
	}
	out, err = ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "freeze", "--yes").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "already frozen") {
		t.Fatalf("second freeze: %v\n%s", err, out)
	}
}
