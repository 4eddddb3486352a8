package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/state"
)

// resetLine is the one line genmint prints when the node's chain does not
// hold the collection's deployment.
var resetLine = regexp.MustCompile(`^(genmint: )?the chain at http://127\.0\.0\.1:\d+ has no record of this collection's deployment \(block 1 (is 0x[0-9a-f]{64}|does not exist), recorded 0x[0-9a-f]{64}\): the chain was reset or this is another network; nothing was sent$`)

// statusMissingLine is what `status --rpc` says on such a chain.
var statusMissingLine = regexp.MustCompile(`^(genmint: )?deployment missing: the chain at http://127\.0\.0\.1:\d+ has no record of this collection's deployment \(block 1 (is 0x[0-9a-f]{64}|does not exist), recorded 0x[0-9a-f]{64}\): the chain was reset or this is another network: point --rpc at the chain the collection was deployed on \(deployments/local\.json records it\)$`)

// run runs cmd and returns its exit code, stdout and stderr.
func run(t *testing.T, cmd *exec.Cmd) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// chainFacts is what the test watches on chain: the account's nonce and
// the contract's URIs.
func chainFacts(t *testing.T, url string, account, contract common.Address) (uint64, string, string) {
	t.Helper()
	ctx := context.Background()
	cl, err := ethclient.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	n, err := cl.NonceAt(ctx, account, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := chain.Open(cl, contract)
	uri, err := c.TokenURI(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n, uri, info.BaseURI
}

func deploymentOf(t *testing.T, dir string) *mint.DeploymentRecord {
	t.Helper()
	rec, err := mint.ReadDeploymentFile(dir, "local")
	if err != nil || rec == nil {
		t.Fatalf("deployments/local.json: %v, %v", rec, err)
	}
	return rec
}

// TestMintAfterChainResetSendsNothing is issue 10's point 1 on a real
// anvil restarted on the same port: collection A is deployed, the chain is
// reset, collection B is deployed at the same address; `genmint mint` in A
// must send nothing to B's contract and exit 2 with the one line.
func TestMintAfterChainResetSendsNothing(t *testing.T) {
	an := testenv.StartAnvil(t)
	owner := an.Accounts[0]
	ksDir, pwFile := keystore(t, keyHex(owner))

	dirA := pinnedCollection(t, 3, "")
	if code, _, stderr := run(t, mintCmd(dirA, an.URL, owner.Address, ksDir, pwFile)); code != 0 {
		t.Fatalf("mint A: exit %d\n%s", code, stderr)
	}
	recA := deploymentOf(t, dirA)
	if recA.ChainID != 31337 || recA.Block != 1 || recA.GenesisHash == (common.Hash{}) || recA.CodeHash == (common.Hash{}) || recA.Owner != owner.Address {
		t.Fatalf("record of A: %+v", recA)
	}

	an.Restart()
	dirB := pinnedCollection(t, 2, "description: collection B\n")
	if code, _, stderr := run(t, mintCmd(dirB, an.URL, owner.Address, ksDir, pwFile)); code != 0 {
		t.Fatalf("mint B: exit %d\n%s", code, stderr)
	}
	recB := deploymentOf(t, dirB)
	if recB.Address != recA.Address {
		t.Fatalf("B deployed at %s, A at %s: the test needs the same address", recB.Address, recA.Address)
	}

	// A gains an item (a new baseURI), so an unchecked run would send
	// setBaseURI, setContractURI and mintBatch to B's contract.
	grow(t, dirA, 3, 4)
	nonce, uri, base := chainFacts(t, an.URL, owner.Address, recB.Address)
	code, stdout, stderr := run(t, mintCmd(dirA, an.URL, owner.Address, ksDir, pwFile))
	if code != 2 || !resetLine.MatchString(lastLine(stderr)) {
		t.Fatalf("mint A after the reset: exit %d, stdout %q\nstderr:\n%s", code, stdout, stderr)
	}
	if n2, uri2, base2 := chainFacts(t, an.URL, owner.Address, recB.Address); n2 != nonce || uri2 != uri || base2 != base {
		t.Fatalf("something was sent: nonce %d → %d, tokenURI(1) %s → %s, baseURI %s → %s", nonce, n2, uri, uri2, base, base2)
	}
	noSecrets(t, dirA, keyHex(owner), []byte(stdout), []byte(stderr))

	// status and verify say the deployment is missing, and verify
	// suggests no transaction to B's contract.
	// status --rpc shows the items and exits 2 (the chain lost the
	// deployment, as mint's refusal) with the reason in one line.
	code, stdout, stderr = run(t, genmint(dirA, "status", "--rpc", an.URL))
	if code != 2 || !strings.Contains(stdout, "deployment missing") || strings.Contains(stdout, "\tminted\t") ||
		strings.Count(stderr, "\n") != 1 || !statusMissingLine.MatchString(lastLine(stderr)) {
		t.Fatalf("status --rpc: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ = run(t, genmint(dirA, "status")); code != 0 || !strings.Contains(stdout, "\tminted\t") {
		t.Fatalf("status without --rpc reads the journal alone: exit %d\n%s", code, stdout)
	}
	v := genmint(dirA, "verify", "--car", filepath.Join(dirA, "c.car"), "-q")
	v.Env = append(v.Env, "ETH_RPC_URL="+an.URL)
	code, stdout, stderr = run(t, v)
	if code != 4 || !strings.Contains(stdout, "chain: deployment missing: the chain at "+an.URL+" has no record of this collection's deployment (block 1 is 0x") ||
		strings.Contains(stdout+stderr, "setBaseURI") {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
}

// grow raises the collection's count from→to, generates, keeps and pins.
func grow(t *testing.T, dir string, from, to int) {
	t.Helper()
	specPath := filepath.Join(dir, "genmint.yaml")
	b, _ := os.ReadFile(specPath)
	grown := strings.Replace(string(b), "count: "+itoa(from)+"\n", "count: "+itoa(to)+"\n", 1)
	if err := os.WriteFile(specPath, []byte(grown), 0o644); err != nil {
		t.Fatal(err)
	}
	generateAndPin(t, dir)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestMintResetMidMint is issue 10's point 2: a run killed while its mint
// batches are in flight, then the chain is reset: the re-run stops at once
// with the one line instead of replacing transactions forever, and sends
// nothing.
func TestMintResetMidMint(t *testing.T) {
	an := testenv.StartAnvil(t)
	owner := an.Accounts[1]
	ksDir, pwFile := keystore(t, keyHex(owner))
	dir := pinnedCollection(t, 6, "")
	// The killed run waits as long as a user would before replacing, so on
	// a loaded machine its journal is the same (deploy, then mint batches);
	// the re-run replaces eagerly, and still must send nothing.
	killed := mintCmd(dir, an.URL, owner.Address, ksDir, pwFile, "--no-erc2309", "--batch-size", "2")
	killed.Env = append(killed.Env, cmdutil.CrashEnv+"="+string(mint.PointAfterJournal)+":3")
	if err := killed.Run(); err == nil {
		t.Fatal("the run was not killed")
	}
	an.Restart()
	code, stdout, stderr := run(t, mintCmd(dir, an.URL, owner.Address, ksDir, pwFile, "--no-erc2309", "--batch-size", "2", "--stuck-after", "1ms"))
	if code != 2 || !resetLine.MatchString(lastLine(stderr)) || strings.Contains(stderr, "replaced") {
		t.Fatalf("re-run after the reset: exit %d, stdout %q\nstderr:\n%s", code, stdout, stderr)
	}
	cl, err := ethclient.Dial(an.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if n, err := cl.NonceAt(context.Background(), owner.Address, nil); err != nil || n != 0 {
		t.Fatalf("the account's nonce on the new chain is %d (%v): something was sent", n, err)
	}
	// status still reads the journal: the items it saw minted stay minted
	// in the state, and nothing was lost.
	db, err := state.Open(context.Background(), dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := mint.ReadStatus(context.Background(), db)
	if err != nil || st.Deployment == nil || len(st.Tokens) != 2 {
		t.Fatalf("journal after the refused run: %+v, %v", st, err)
	}
}
