package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/state"
)

// TestMintRefusesSecondDeployment: with the state database lost, the
// collection re-pinned and `genmint mint` run again, deployments/local.json
// stops a second deployment (exit 2, nothing sent); --new-deployment
// deploys one, says why, and keeps the first record beside the new one.
func TestMintRefusesSecondDeployment(t *testing.T) {
	an := testenv.StartAnvil(t)
	owner := an.Accounts[2]
	dir := pinnedCollection(t, 3, "")
	ksDir, pwFile := mintAs(t, dir, an, owner)
	first := deploymentOf(t, dir)

	// The state database is lost; the items are generated, kept and
	// pinned again (the same CIDs).
	if err := os.Rename(filepath.Join(dir, ".genmint"), filepath.Join(t.TempDir(), "lost")); err != nil {
		t.Fatal(err)
	}
	generateAndPin(t, dir)
	nonce := nonceOf(t, an.URL, owner.Address)
	code, _, stderr := run(t, mintCmd(dir, an.URL, owner.Address, ksDir, pwFile))
	want := "deployments/local.json records contract " + first.Address.Hex()
	if code != 2 || !strings.Contains(lastLine(stderr), want) || !strings.Contains(stderr, "--new-deployment") {
		t.Fatalf("second deployment: exit %d\n%s", code, stderr)
	}
	if n := nonceOf(t, an.URL, owner.Address); n != nonce {
		t.Fatalf("nonce %d → %d: something was sent", nonce, n)
	}

	// repair --rpc adopts the recorded deployment into the database as
	// it is; mint then has nothing to do.
	code, stdout, stderr := run(t, genmint(dir, "repair", "--rpc", an.URL))
	if code != 0 || !strings.Contains(stdout, "Rebuilt the mint records of "+first.Address.Hex()) {
		t.Fatalf("repair --rpc: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, mintCmd(dir, an.URL, owner.Address, ksDir, pwFile))
	if code != 0 || !strings.Contains(stdout, "Nothing to mint: 3 items are minted at "+first.Address.Hex()) || nonceOf(t, an.URL, owner.Address) != nonce {
		t.Fatalf("mint after repair --rpc: exit %d\n%s%s", code, stdout, stderr)
	}
	// --new-deployment is refused while the state records the deployment.
	if code, _, stderr := run(t, mintCmd(dir, an.URL, owner.Address, ksDir, pwFile, "--new-deployment")); code != 2 || !strings.Contains(stderr, "already records") {
		t.Fatalf("--new-deployment with the deployment in the state: exit %d\n%s", code, stderr)
	}

	// Lost again; this time a second contract is wanted.
	if err := os.Rename(filepath.Join(dir, ".genmint"), filepath.Join(t.TempDir(), "lost")); err != nil {
		t.Fatal(err)
	}
	generateAndPin(t, dir)
	code, _, stderr = run(t, mintCmd(dir, an.URL, owner.Address, ksDir, pwFile, "--new-deployment"))
	if code != 0 || !strings.Contains(stderr, "--new-deployment: deployed a second contract on local; the record of "+first.Address.Hex()) {
		t.Fatalf("--new-deployment: exit %d\n%s", code, stderr)
	}
	second := deploymentOf(t, dir)
	if second.Address == first.Address || second.Block <= first.Block {
		t.Fatalf("second deployment %+v, first %+v", second, first)
	}
	kept := filepath.Join(dir, "deployments", "local."+first.BlockHash.Hex()[2:14]+".json")
	b, err := os.ReadFile(kept)
	if err != nil || !strings.Contains(string(b), strings.ToLower(first.Address.Hex())) {
		t.Fatalf("the first record was not kept at %s: %v\n%s", kept, err, b)
	}
	// Re-running is quiet: the record matches.
	if code, stdout, stderr = run(t, mintCmd(dir, an.URL, owner.Address, ksDir, pwFile)); code != 0 || !strings.Contains(stdout, "Nothing to mint") {
		t.Fatalf("re-run: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestMintRefusesTamperedPinRecord is issue 10's point 4: with the pin
// record edited in the database (its baseURI, or one item's metadata CID),
// `genmint mint` recomputes the record from the folder, refuses naming what
// differs, and sends nothing.
func TestMintRefusesTamperedPinRecord(t *testing.T) {
	an := testenv.StartAnvil(t)
	owner := an.Accounts[3]
	ksDir, pwFile := keystore(t, keyHex(owner))
	dir := pinnedCollection(t, 3, "")
	ctx := context.Background()
	edit := func(query string, args ...any) func() {
		t.Helper()
		db, err := state.Open(ctx, dir, state.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var runID int64
		var base, meta string
		if err := db.SQL().QueryRowContext(ctx, `SELECT r.id, r.base_uri, i.metadata_cid FROM pin_runs r JOIN pin_items i ON i.run_id = r.id WHERE i.item_id = 2`).Scan(&runID, &base, &meta); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, query, args...); err != nil {
			t.Fatal(err)
		}
		return func() {
			db, err := state.Open(ctx, dir, state.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.SQL().ExecContext(ctx, `UPDATE pin_runs SET base_uri = ? WHERE id = ?`, base, runID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(ctx, `UPDATE pin_items SET metadata_cid = ? WHERE run_id = ? AND item_id = 2`, meta, runID); err != nil {
				t.Fatal(err)
			}
		}
	}
	const foreign = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/"
	for _, c := range []struct {
		name, query, want string
	}{
		{"base_uri", `UPDATE pin_runs SET base_uri = '` + foreign + `'`, "the baseURI recomputes from the folder to ipfs://"},
		{"metadata_cid", `UPDATE pin_items SET metadata_cid = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' WHERE item_id = 2`, "item 2's metadata recomputes from the folder to "},
	} {
		restore := edit(c.query)
		code, _, stderr := run(t, mintCmd(dir, an.URL, owner.Address, ksDir, pwFile))
		if code != 2 || !strings.Contains(lastLine(stderr), c.want) || !strings.Contains(lastLine(stderr), "nothing was sent") {
			t.Fatalf("%s tampered: exit %d\n%s", c.name, code, stderr)
		}
		if n := nonceOf(t, an.URL, owner.Address); n != 0 {
			t.Fatalf("%s tampered: nonce %d, something was sent", c.name, n)
		}
		if _, err := os.Stat(filepath.Join(dir, "deployments")); err == nil {
			t.Fatalf("%s tampered: a deployment was recorded", c.name)
		}
		restore()
	}
	// Restored, the collection mints with the pinned baseURI.
	if code, _, stderr := run(t, mintCmd(dir, an.URL, owner.Address, ksDir, pwFile)); code != 0 {
		t.Fatalf("mint after restoring: exit %d\n%s", code, stderr)
	}
	rec := deploymentOf(t, dir)
	cl, err := ethclient.Dial(an.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	info, err := chain.Open(cl, rec.Address).Info(ctx)
	if err != nil || info.BaseURI == foreign || info.BaseURI != rec.BaseURI {
		t.Fatalf("baseURI on chain %q (%v), recorded %q", info.BaseURI, err, rec.BaseURI)
	}
}

// TestRepairRebuildsMintRecords: the state database is lost after minting
// (a deployment with tokens 1–3, then a mintBatch of 4); `genmint repair
// --rpc` rebuilds the mint records from deployments/local.json and the
// chain, and the next pin and mint deploy nothing and mint nothing.
func TestRepairRebuildsMintRecords(t *testing.T) {
	an := testenv.StartAnvil(t)
	owner := an.Accounts[5]
	dir := pinnedCollection(t, 3, "max_supply: 10\n")
	ksDir, pwFile := mintAs(t, dir, an, owner)
	grow(t, dir, 3, 4)
	if code, _, stderr := run(t, mintCmd(dir, an.URL, owner.Address, ksDir, pwFile)); code != 0 {
		t.Fatalf("mint 4: exit %d\n%s", code, stderr)
	}
	rec := deploymentOf(t, dir)
	nonce := nonceOf(t, an.URL, owner.Address)

	if err := os.Remove(filepath.Join(dir, ".genmint", "state.db")); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, genmint(dir, "repair", "--rpc", an.URL))
	if code != 0 || !strings.Contains(stdout, "Rebuilt the mint records of "+rec.Address.Hex()+" on chain 31337 from deployments/: 4 of 4 tokens minted in 2 transactions.") {
		t.Fatalf("repair --rpc: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := run(t, genmint(dir, "status", "--rpc", an.URL)); code != 0 || strings.Count(stdout, "\tminted\t") != 4 || strings.Contains(stdout, "deployment missing") {
		t.Fatalf("status --rpc after repair: exit %d\n%s", code, stdout)
	}
	if out, err := genmint(dir, "pin", "--car", filepath.Join(dir, "c.car"), "-q").CombinedOutput(); err != nil {
		t.Fatalf("pin after repair: %v\n%s", err, out)
	}
	code, stdout, stderr = run(t, mintCmd(dir, an.URL, owner.Address, ksDir, pwFile))
	if code != 0 || !strings.Contains(stdout, "Nothing to mint: 4 items are minted at "+rec.Address.Hex()) {
		t.Fatalf("mint after repair: exit %d\n%s%s", code, stdout, stderr)
	}
	if n := nonceOf(t, an.URL, owner.Address); n != nonce {
		t.Fatalf("nonce %d → %d: something was sent", nonce, n)
	}
	cl, err := ethclient.Dial(an.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if n, err := chain.Open(cl, rec.Address).TotalSupply(context.Background()); err != nil || n != 4 {
		t.Fatalf("totalSupply %d, %v", n, err)
	}
	// A forced repair carries the mint journal over from the database it
	// moves aside: the same records, nothing to adopt again.
	code, stdout, stderr = run(t, genmint(dir, "repair", "--force", "--rpc", an.URL))
	if code != 0 || !strings.Contains(stdout, "mint_txs 2, mint_tokens 4") ||
		!strings.Contains(stdout, "Mint records: the journal already records the deployment; nothing rebuilt.") {
		t.Fatalf("repair --force --rpc: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := run(t, genmint(dir, "status", "--rpc", an.URL)); code != 0 || strings.Count(stdout, "\tminted\t") != 4 {
		t.Fatalf("status --rpc after repair --force: exit %d\n%s", code, stdout)
	}
	for _, f := range []string{"state.db", "state.db-wal", "state.db-shm"} {
		_ = os.Remove(filepath.Join(dir, ".genmint", f))
	}
	if err := os.WriteFile(filepath.Join(dir, ".genmint", "state.db"), bytes.Repeat([]byte("garbage!"), 1024), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run(t, genmint(dir, "repair", "--rpc", an.URL))
	if code != 0 || !strings.Contains(stdout, "4 of 4 tokens minted in 2 transactions") {
		t.Fatalf("repair --rpc of a garbage database: exit %d\n%s%s", code, stdout, stderr)
	}
	if out, err := genmint(dir, "pin", "--car", filepath.Join(dir, "c.car"), "-q").CombinedOutput(); err != nil {
		t.Fatalf("pin: %v\n%s", err, out)
	}
	code, stdout, stderr = run(t, mintCmd(dir, an.URL, owner.Address, ksDir, pwFile))
	if code != 0 || !strings.Contains(stdout, "Nothing to mint: 4 items are minted") || nonceOf(t, an.URL, owner.Address) != nonce {
		t.Fatalf("mint after repairing a garbage database: exit %d\n%s%s", code, stdout, stderr)
	}
}
