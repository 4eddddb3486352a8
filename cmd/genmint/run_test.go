package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/state"
)

// The end-to-end tests of `genmint run`: a new collection to verified
// tokens on anvil in one command, through Kubo and through --car, then the
// same command again, which must pay, pin and mint nothing.

const runSpec = `name: Run Glyphs
symbol: RUNG
count: %d
seed: 5
provider:
  name: procedural
  params: {width: 40, height: 40}
prompt: "{{.palette}} {{.motif}}"
traits:
  palette: [ocean, ember, forest, neon]
  motif: [flow, rings, cells]
`

// runDoc is the part of `genmint run --json` the tests read.
type runDoc struct {
	Generate struct {
		Generated   int `json:"generated"`
		Reprocessed int `json:"reprocessed"`
		AlreadyDone int `json:"already_done"`
		Requests    int `json:"requests"`
	} `json:"generate"`
	Decide *struct {
		Policy    string `json:"policy"`
		Undecided int    `json:"undecided"`
	} `json:"decide"`
	Pin *struct {
		Items       int               `json:"items"`
		NewlyPinned int               `json:"newly_pinned"`
		BaseURI     string            `json:"base_uri"`
		Roots       map[string]string `json:"roots"`
	} `json:"pin"`
	Mint *struct {
		Contract string   `json:"contract"`
		Minted   int      `json:"minted"`
		Total    int      `json:"total_minted"`
		TxHashes []string `json:"tx_hashes"`
	} `json:"mint"`
	Verify *struct {
		Tokens   int  `json:"tokens"`
		Verified int  `json:"verified"`
		OK       bool `json:"ok"`
	} `json:"verify"`
	StoppedAt string `json:"stopped_at"`
	Reason    string `json:"reason"`
	ExitCode  int    `json:"exit_code"`
}

// genmintRun runs `genmint run` in dir with HOME set to home (so the
// default keystores are the test's), and returns its exit code, stdout and
// stderr; stdout must be exactly one JSON document.
func genmintRun(t *testing.T, dir, home string, env []string, args ...string) (int, runDoc, string) {
	t.Helper()
	cmd := genmint(dir, append([]string{"run", "--json", "--poll-interval", "20ms"}, args...)...)
	cmd.Env = append(cmd.Env, append([]string{"HOME=" + home, "CI=true"}, env...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var doc runDoc
	dec := json.NewDecoder(&stdout)
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("genmint run %v: stdout is not a JSON document: %v\nstderr: %s", args, err, stderr.String())
	}
	if dec.More() {
		t.Fatalf("genmint run %v: more than one JSON document on stdout", args)
	}
	if doc.ExitCode != code {
		t.Fatalf("exit %d, the document says %d", code, doc.ExitCode)
	}
	return code, doc, stderr.String()
}

func newRunCollection(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(fmt.Sprintf(runSpec, n)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// checkFirstRun requires a new collection of n items taken to n verified
// tokens, each transaction mined successfully on the node.
func checkFirstRun(t *testing.T, rpc string, n int, doc runDoc) {
	t.Helper()
	if doc.Generate.Generated != n || doc.Pin == nil || doc.Pin.NewlyPinned != n || doc.Mint == nil || doc.Mint.Minted != n ||
		len(doc.Mint.TxHashes) == 0 || doc.Verify == nil || !doc.Verify.OK || doc.Verify.Verified != n || doc.Decide.Policy != "keep-all" {
		t.Fatalf("first run: %+v", doc)
	}
	cl, err := ethclient.Dial(rpc)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	for _, h := range doc.Mint.TxHashes {
		rc, err := cl.TransactionReceipt(ctx, common.HexToHash(h))
		if err != nil || rc.Status != 1 {
			t.Fatalf("transaction %s: %v %+v", h, err, rc)
		}
	}
	supply, err := chain.Open(cl, common.HexToAddress(doc.Mint.Contract)).TotalSupply(ctx)
	if err != nil || supply != uint64(n) {
		t.Fatalf("totalSupply %d, %v", supply, err)
	}
}

// checkSecondRun requires the same command, run again, to pay for nothing,
// pin nothing new, send no transaction, and verify everything again.
func checkSecondRun(t *testing.T, n int, first, doc runDoc) {
	t.Helper()
	if doc.Generate.Generated != 0 || doc.Generate.Requests != 0 || doc.Generate.AlreadyDone != n || doc.Pin.NewlyPinned != 0 ||
		doc.Pin.BaseURI != first.Pin.BaseURI || doc.Mint.Minted != 0 || len(doc.Mint.TxHashes) != 0 || doc.Mint.Total != n ||
		doc.Mint.Contract != first.Mint.Contract || !doc.Verify.OK || doc.Verify.Verified != n {
		t.Fatalf("second run: %+v", doc)
	}
}

// TestRunKuboAnvil: `genmint run --json` takes a new collection to verified
// tokens on anvil through Kubo, with a genmint keystore named by address
// in --keystore; the same command again does nothing new.
func TestRunKuboAnvil(t *testing.T) {
	an := testenv.StartAnvil(t)
	kubo := testenv.StartKubo(t)
	owner := an.Accounts[0]
	ksDir, pwFile := keystore(t, keyHex(owner))
	home := t.TempDir()
	dir := newRunCollection(t, 4)
	args := []string{"--keep-all", "--ipfs-api", kubo.APIAddr, "--rpc", an.URL, "--account", owner.Address.Hex(),
		"--keystore", ksDir, "--password-file", pwFile, "--max-fee-gwei", "50"}

	code, first, stderr := genmintRun(t, dir, home, nil, args...)
	if code != 0 {
		t.Fatalf("exit %d: %+v\n%s", code, first, stderr)
	}
	checkFirstRun(t, an.URL, 4, first)
	// The metadata really is on the node.
	if out := kubo.IPFS(t, "cat", strings.TrimPrefix(first.Pin.BaseURI, "ipfs://")+"4"); !strings.Contains(out, `"name"`) {
		t.Fatalf("token 4's metadata from Kubo: %s", out)
	}
	code, second, stderr := genmintRun(t, dir, home, nil, args...)
	if code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, stderr)
	}
	checkSecondRun(t, 4, first, second)
	noSecrets(t, dir, keyHex(owner), []byte(stderr))
}

// TestRunRemoteKuboWithToken: `genmint run --ipfs-api URL
// --ipfs-api-auth-env NAME` pins to a Kubo behind API.Authorizations and
// verifies through it with the same header; a refused token is exit 2
// naming the variable before anything is spent; the token is in no output
// and no file.
func TestRunRemoteKuboWithToken(t *testing.T) {
	const token = "cmd-run-remote-token-5e21"
	an := testenv.StartAnvil(t)
	kubo := testenv.StartKubo(t, testenv.WithKuboAPIAuth("bearer:"+token))
	owner := an.Accounts[0]
	ksDir, pwFile := keystore(t, keyHex(owner))
	home := t.TempDir()
	dir := newRunCollection(t, 2)
	args := []string{"--keep-all", "--ipfs-api", kubo.API, "--ipfs-api-auth-env", "KUBO_AUTH", "--rpc", an.URL, "--account", owner.Address.Hex(),
		"--keystore", ksDir, "--password-file", pwFile, "--max-fee-gwei", "50"}

	code, refused, stderr := genmintRun(t, dir, home, []string{"KUBO_AUTH=Bearer not-" + token}, args...)
	if code != 2 || refused.Mint != nil || !strings.Contains(stderr, "KUBO_AUTH") {
		t.Fatalf("refused token: exit %d %+v\n%s", code, refused, stderr)
	}
	code, doc, stderr := genmintRun(t, dir, home, []string{"KUBO_AUTH=Bearer " + token}, args...)
	if code != 0 || doc.Mint == nil || doc.Mint.Minted != 2 || doc.Verify == nil || !doc.Verify.OK || doc.Verify.Verified != 2 {
		t.Fatalf("exit %d: %+v\n%s", code, doc, stderr)
	}
	if out := kubo.IPFS(t, "cat", strings.TrimPrefix(doc.Pin.BaseURI, "ipfs://")+"2"); !strings.Contains(out, `"name"`) {
		t.Fatalf("token 2's metadata from the node: %s", out)
	}
	if strings.Contains(stderr, token) {
		t.Fatal("the token is in genmint's output")
	}
	noSecrets(t, dir, token, []byte(stderr))
}

// TestRunCARWithCastKeystore: through --car, with the key made by `cast
// wallet import deployer` in ~/.foundry/keystores and named the way Foundry
// users name it: --rpc-url, ETH_KEYSTORE_ACCOUNT and ETH_PASSWORD.
func TestRunCARWithCastKeystore(t *testing.T) {
	castBin := testenv.Path(t, testenv.Cast)
	an := testenv.StartAnvil(t)
	owner := an.Accounts[1]
	home := t.TempDir()
	castDir := filepath.Join(home, ".foundry", "keystores")
	if err := os.MkdirAll(castDir, 0o700); err != nil {
		t.Fatal(err)
	}
	// cast takes the passphrase only as an argument or a prompt: this
	// throwaway test key's passphrase goes in argv here, never genmint's.
	castCmd := exec.Command(castBin, "wallet", "import", "deployer", "--private-key", "0x"+keyHex(owner),
		"--unsafe-password", keyCanary, "--keystore-dir", castDir)
	castCmd.Env = append(os.Environ(), "HOME="+home)
	if out, err := castCmd.CombinedOutput(); err != nil {
		t.Fatalf("cast wallet import: %v\n%s", err, out)
	}
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(keyCanary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := newRunCollection(t, 3)
	car := filepath.Join(dir, "collection.car")
	env := []string{"ETH_KEYSTORE_ACCOUNT=deployer", "ETH_PASSWORD=" + pwFile}
	args := []string{"--keep-all", "--car", car, "--rpc-url", an.URL}

	code, first, stderr := genmintRun(t, dir, home, env, args...)
	if code != 0 {
		t.Fatalf("exit %d: %+v\n%s", code, first, stderr)
	}
	checkFirstRun(t, an.URL, 3, first)
	cl, err := ethclient.Dial(an.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got, err := chain.Open(cl, common.HexToAddress(first.Mint.Contract)).OwnerOf(context.Background(), 1)
	if err != nil || got != owner.Address {
		t.Fatalf("owner %s (%v), want the cast key's %s", got.Hex(), err, owner.Address.Hex())
	}
	code, second, stderr := genmintRun(t, dir, home, env, args...)
	if code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, stderr)
	}
	checkSecondRun(t, 3, first, second)

	// The same key by name through `genmint mint` (a plain run with no JSON
	// says which file it chose).
	cmd := genmint(dir, "mint", "--rpc-url", an.URL, "--account", "deployer", "--poll-interval", "20ms")
	cmd.Env = append(cmd.Env, "HOME="+home, "CI=true", "ETH_PASSWORD="+pwFile)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), filepath.Join(castDir, "deployer")) || !strings.Contains(string(out), "Nothing to mint") {
		t.Fatalf("genmint mint --account deployer: %v\n%s", err, out)
	}
	noSecrets(t, dir, keyHex(owner), []byte(stderr), out)
}

// TestRunWithoutPolicy: with no decision policy, the items not decided stay
// out; nothing kept at all is exit 3, and nothing is pinned.
func TestRunWithoutPolicy(t *testing.T) {
	dir := newRunCollection(t, 2)
	car := filepath.Join(dir, "c.car")
	code, doc, stderr := genmintRun(t, dir, t.TempDir(), nil, "--car", car, "--no-mint")
	if code != 3 || doc.StoppedAt != "decide" || doc.Decide == nil || doc.Decide.Undecided != 2 || doc.Pin != nil ||
		!strings.Contains(doc.Reason, "2 generated items are not decided") || !strings.Contains(stderr, "--keep-all") {
		t.Fatalf("exit %d %+v\n%s", code, doc, stderr)
	}
	if _, err := os.Stat(car); err == nil {
		t.Fatal("a CAR file was written with nothing to pin")
	}
	// Keep one: it is pinned alone and verified from the CAR file; the
	// other stays out, said in the summary.
	code, doc, stderr = genmintRun(t, dir, t.TempDir(), nil, "--car", car, "--no-mint", "--keep", "2")
	if code != 0 || doc.Pin == nil || doc.Pin.Items != 1 || doc.Decide.Undecided != 1 || doc.Verify == nil || !doc.Verify.OK || doc.Mint != nil {
		t.Fatalf("exit %d %+v\n%s", code, doc, stderr)
	}
}

// TestRunInterrupted: Ctrl-C during generation ends `genmint run` with exit
// 130 and a document saying where it stopped, keeping every finished item;
// the same command again resumes and finishes without remaking any.
func TestRunInterrupted(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(killSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"run", "--json", "--keep-all", "--car", filepath.Join(dir, "c.car"), "--no-mint", "-j", "1"}
	cmd := genmint(dir, args...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	seen := 0
	for seen < 3 && sc.Scan() {
		if strings.Contains(sc.Text(), " generated (") {
			seen++
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, stderr)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("interrupted run: %v\n%s", err, stdout.String())
	}
	var doc runDoc
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil || doc.ExitCode != 130 || doc.StoppedAt != "generate" || doc.Pin != nil {
		t.Fatalf("interrupted run's document: %v %+v\n%s", err, doc, stdout.String())
	}
	done := len(generatedItems(t, dir))
	if done < 3 || done >= 30 {
		t.Fatalf("%d items done after the interrupt", done)
	}
	code, doc, errOut := genmintRun(t, dir, t.TempDir(), nil, args[2:]...)
	// An item whose provider answer was stored before the interrupt is only
	// post-processed again; no item has two answers (a request cut off by
	// the interrupt is asked again).
	g := doc.Generate
	if code != 0 || g.AlreadyDone != done || g.Generated+g.Reprocessed != 30-done || doc.Pin.Items != 30 || !doc.Verify.OK {
		t.Fatalf("resumed run: exit %d %+v %+v\n%s", code, g, doc, errOut)
	}
	db, err := state.Open(context.Background(), dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reqs, err := db.Requests(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	answered := map[int]int{}
	for _, r := range reqs {
		if r.Outcome == state.RequestSucceeded {
			answered[r.ItemID]++
		}
	}
	for id := 1; id <= 30; id++ {
		if answered[id] != 1 {
			t.Errorf("item %d has %d answers, want 1", id, answered[id])
		}
	}
}

// TestRunRefusedBeforeSpending: a node that cannot be reached stops the run
// before anything is generated, with one document saying so.
func TestRunRefusedBeforeSpending(t *testing.T) {
	dir := newRunCollection(t, 2)
	code, doc, stderr := genmintRun(t, dir, t.TempDir(), nil, "--keep-all", "--car", filepath.Join(dir, "c.car"),
		"--rpc", "http://127.0.0.1:1", "--account", "nobody")
	if code != 1 || doc.StoppedAt != "check" || !strings.Contains(doc.Reason, "cannot reach the node at http://127.0.0.1:1") ||
		!strings.Contains(stderr, "cannot reach the node") {
		t.Fatalf("exit %d %+v\n%s", code, doc, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "items")); err == nil {
		t.Fatal("items were generated before the node was checked")
	}
}
