package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/mint/wallet"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/state"
)

// keyCanary is the passphrase of every key in these tests: it must never
// appear in output, argv or the state database.
const keyCanary = "canary-mint-passphrase-5d1e"

const royaltyPayee = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" // anvil's third dev account

// pinnedCollection makes a collection of n small procedural items with the
// real commands (generate, keep all, pin to a CAR file) and returns its folder.
func pinnedCollection(t *testing.T, n int, extra string) string {
	t.Helper()
	dir := t.TempDir()
	spec := fmt.Sprintf(`name: Anvil Glyphs
symbol: AGLY
count: %d
seed: 77
unique: false
provider:
  name: procedural
  params: {width: 48, height: 48}
prompt: "{{.palette}} {{.motif}}"
traits:
  palette: [ocean, ember, forest, neon, aurora, mono]
  motif: [flow, rings, cells, waves, tiles]
royalty: {receiver: "%s", bps: 750}
erc7007: true
%s`, n, royaltyPayee, extra)
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	generateAndPin(t, dir)
	return dir
}

// generateAndPin runs the real `generate --keep-all` and `pin --car
// dir/c.car` (with pinArgs, such as another destination) in dir, failing
// the test on a non-zero exit.
func generateAndPin(t *testing.T, dir string, pinArgs ...string) {
	t.Helper()
	for _, args := range [][]string{{"generate", "--keep-all", "-q"}, append([]string{"pin", "--car", filepath.Join(dir, "c.car"), "-q"}, pinArgs...)} {
		if out, err := genmint(dir, args...).CombinedOutput(); err != nil {
			t.Fatalf("genmint %v: %v\n%s", args, err, out)
		}
	}
}

// keystore imports key into a fresh keystore (light scrypt: tests only)
// and writes the passphrase file; it returns both paths.
func keystore(t *testing.T, key string) (ksDir, pwFile string) {
	t.Helper()
	ksDir = filepath.Join(t.TempDir(), "keystore")
	ks, err := wallet.Open(ksDir, wallet.Light)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ks.ImportPrivateKey([]byte(key), keyCanary); err != nil {
		t.Fatal(err)
	}
	pwFile = filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(keyCanary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return ksDir, pwFile
}

func keyHex(a testenv.Account) string { return fmt.Sprintf("%x", crypto.FromECDSA(a.Key)) }

// mintCmd is `genmint mint` against a node, with the passphrase from a file.
func mintCmd(dir, rpc string, account common.Address, ksDir, pwFile string, extra ...string) *exec.Cmd {
	args := append([]string{"mint", "--rpc", rpc, "--account", account.Hex(), "--keystore", ksDir,
		"--password-file", pwFile, "--poll-interval", "20ms"}, extra...)
	cmd := genmint(dir, args...)
	cmd.Env = append(cmd.Env, "CI=true")
	return cmd
}

// mintAs imports owner's key into a fresh keystore and runs the real
// `genmint mint` in dir as owner, failing the test on a non-zero exit; it
// returns the keystore and the passphrase file for the commands after it.
func mintAs(t *testing.T, dir string, an *testenv.AnvilNode, owner testenv.Account) (ksDir, pwFile string) {
	t.Helper()
	ksDir, pwFile = keystore(t, keyHex(owner))
	if code, stdout, stderr := run(t, mintCmd(dir, an.URL, owner.Address, ksDir, pwFile)); code != 0 {
		t.Fatalf("mint: exit %d\n%s%s", code, stdout, stderr)
	}
	return ksDir, pwFile
}

// nonceOf reads account's nonce on the node at url.
func nonceOf(t *testing.T, url string, account common.Address) uint64 {
	t.Helper()
	cl, err := ethclient.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	n, err := cl.NonceAt(context.Background(), account, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// noSecrets checks outputs and the state database's files for the
// passphrase and the private key.
func noSecrets(t *testing.T, dir string, key string, outputs ...[]byte) {
	t.Helper()
	secrets := [][]byte{[]byte(keyCanary), []byte(strings.ToLower(key)), []byte(strings.ToUpper(key))}
	files, _ := filepath.Glob(filepath.Join(dir, ".genmint", "state.db*"))
	if len(files) == 0 {
		t.Fatal("no state database files")
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		outputs = append(outputs, b)
	}
	for i, out := range outputs {
		for _, s := range secrets {
			if bytes.Contains(out, s) {
				t.Fatalf("a secret leaked into output/file %d", i)
			}
		}
	}
}

// TestMintAnvil300 mints a 300-item collection on anvil with the real
// command and reads every token back from the chain: tokenURI, ownerOf,
// totalSupply, royaltyInfo and supportsInterface, compared with the state.
func TestMintAnvil300(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 300 items and mints them on anvil")
	}
	an := testenv.StartAnvil(t)
	owner := an.Accounts[0]
	dir := pinnedCollection(t, 300, "max_supply: 1000\n")
	ksDir, pwFile := keystore(t, keyHex(owner))

	start := time.Now()
	cmd := mintCmd(dir, an.URL, owner.Address, ksDir, pwFile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("genmint mint: %v\n%s", err, stderr.String())
	}
	t.Logf("minted 300 tokens in %s:\n%s", time.Since(start).Round(time.Millisecond), stdout.String())
	if !strings.Contains(stdout.String(), "Minted 300 tokens on local (chain 31337); 300 items minted in all.") {
		t.Fatalf("stdout: %s", stdout.String())
	}
	noSecrets(t, dir, keyHex(owner), stdout.Bytes(), stderr.Bytes())

	ctx := context.Background()
	db, err := state.Open(ctx, dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec, err := pin.Latest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	st, err := mint.ReadStatus(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	counts, _ := db.Counts(ctx)
	if counts[state.Minted] != 300 || len(st.Tokens) != 300 || st.Deployment == nil {
		t.Fatalf("state: %v, %d tokens", counts, len(st.Tokens))
	}
	cl, err := ethclient.Dial(an.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	c := chain.Open(cl, st.Deployment.Contract)
	if n, err := c.TotalSupply(ctx); err != nil || n != 300 {
		t.Fatalf("totalSupply = %d, %v", n, err)
	}
	price := big.NewInt(1e18)
	for _, it := range rec.Items {
		id := uint64(it.ID)
		uri, err := c.TokenURI(ctx, id)
		if err != nil || uri != it.TokenURI {
			t.Fatalf("tokenURI(%d) = %q, %v; state says %q", id, uri, err, it.TokenURI)
		}
		tok := st.Tokens[it.ID]
		o, err := c.OwnerOf(ctx, id)
		if err != nil || o != tok.Owner || o != owner.Address || tok.TokenID != id {
			t.Fatalf("ownerOf(%d) = %s, %v; state says %+v", id, o, err, tok)
		}
		recv, amt, err := c.RoyaltyInfo(ctx, id, price)
		if err != nil || recv != common.HexToAddress(royaltyPayee) || amt.Cmp(big.NewInt(75e15)) != 0 {
			t.Fatalf("royaltyInfo(%d) = %s %s %v", id, recv, amt, err)
		}
	}
	if _, err := c.OwnerOf(ctx, 301); !errors.Is(err, chain.ErrNonexistentToken) {
		t.Fatalf("ownerOf(301): %v", err)
	}
	for _, iface := range []chain.InterfaceID{chain.InterfaceERC721, chain.InterfaceERC721Metadata, chain.InterfaceERC2981, chain.InterfaceERC4906} {
		if ok, err := c.SupportsInterface(ctx, iface); err != nil || !ok {
			t.Fatalf("supportsInterface(%x) = %v, %v", iface, ok, err)
		}
	}
	info, err := c.Info(ctx)
	if err != nil || info.MaxSupply != 1000 || info.BaseURI != rec.BaseURI || info.ContractURI != rec.ContractURI || info.Owner != owner.Address {
		t.Fatalf("info %+v, %v", info, err)
	}

	// Re-running sends nothing.
	out, err := mintCmd(dir, an.URL, owner.Address, ksDir, pwFile).Output()
	if err != nil || !strings.Contains(string(out), "Nothing to mint: 300 items are minted at "+st.Deployment.Contract.Hex()) {
		t.Fatalf("re-run: %v\n%s", err, out)
	}

	// verify finds the contract in the mint record: with ETH_RPC_URL it
	// reads every token back from the chain; without, it checks what was
	// pinned and says how to include the chain.
	car := filepath.Join(dir, "c.car")
	v := genmint(dir, "verify", "--car", car, "-q")
	v.Env = append(v.Env, "ETH_RPC_URL="+an.URL)
	if out, err := v.CombinedOutput(); err != nil || !strings.Contains(string(out), "verified 300 of 300 tokens: chain → tokenURI → metadata → image → provenance") {
		t.Fatalf("verify from the chain: %v\n%s", err, out)
	}
	out, err = genmint(dir, "verify", "--car", car, "-q").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "note: this collection is minted at "+st.Deployment.Contract.Hex()) ||
		!strings.Contains(string(out), "verified 300 of 300 tokens: pin → tokenURI") {
		t.Fatalf("verify without an RPC: %v\n%s", err, out)
	}
}

// TestMintKilledAtRandomPointsMintsExactlyOnce SIGKILLs `genmint mint` at
// least ten times at points chosen from a seed (before signing, after the
// journal commit, after broadcasting, while waiting for a receipt, after the
// receipt) and a few times after a random delay, re-running it each time,
// and proves every token exists exactly once, owned by the right account,
// with the state agreeing.
func TestMintKilledAtRandomPointsMintsExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs genmint mint dozens of times against anvil")
	}
	const n, batch = 80, 2 // a deployment and 40 batches: more than the kills can finish
	an := testenv.StartAnvil(t)
	owner := an.Accounts[1]
	dir := pinnedCollection(t, n, "")
	ksDir, pwFile := keystore(t, keyHex(owner))
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("GENMINT_TEST_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("seed %d (set GENMINT_TEST_SEED to replay)", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	var outputs [][]byte
	run := func(configure func(*exec.Cmd)) (killed bool) {
		cmd := mintCmd(dir, an.URL, owner.Address, ksDir, pwFile, "--no-erc2309", "--batch-size", fmt.Sprint(batch))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		configure(cmd)
		err := cmd.Wait()
		outputs = append(outputs, out.Bytes())
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
				return true
			}
			t.Fatalf("genmint mint failed: %v\n%s", err, out.String())
		}
		if err != nil {
			t.Fatal(err)
		}
		return false
	}
	kills, hooked, outside := 0, 0, 0
	for hooked < 12 {
		if outside < 3 && rng.IntN(4) == 0 {
			outside++
			// A kill from outside, after a random delay.
			delay := time.Duration(rng.IntN(200)) * time.Millisecond
			if run(func(cmd *exec.Cmd) {
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				time.Sleep(delay)
				_ = cmd.Process.Signal(syscall.SIGKILL)
			}) {
				kills++
			}
			continue
		}
		point := mint.Points[rng.IntN(len(mint.Points))]
		if !run(func(cmd *exec.Cmd) {
			cmd.Env = append(cmd.Env, cmdutil.CrashEnv+"="+string(point)+":1")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
		}) {
			t.Fatalf("the run finished before being killed at %s: the collection is too small for the test", point)
		}
		kills++
		hooked++
	}
	if run(func(cmd *exec.Cmd) {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}) {
		t.Fatal("the final run was killed")
	}
	t.Logf("%d kills (%d at crash points), then a clean run", kills, hooked)

	// Exactly n tokens, each created once, all owned by the account.
	ctx := context.Background()
	db, err := state.Open(ctx, dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := mint.ReadStatus(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := ethclient.Dial(an.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	addr := st.Deployment.Contract
	c := chain.Open(cl, addr)
	if total, err := c.TotalSupply(ctx); err != nil || total != n {
		t.Fatalf("totalSupply = %d, %v", total, err)
	}
	logs, err := cl.FilterLogs(ctx, ethereum.FilterQuery{Addresses: []common.Address{addr}, FromBlock: big.NewInt(0)})
	if err != nil {
		t.Fatal(err)
	}
	transfer := crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))
	consecutive := crypto.Keccak256Hash([]byte("ConsecutiveTransfer(uint256,uint256,address,address)"))
	created := map[uint64]int{}
	for _, l := range logs {
		switch {
		case l.Topics[0] == transfer && l.Topics[1] == (common.Hash{}):
			created[new(big.Int).SetBytes(l.Topics[3].Bytes()).Uint64()]++
		case l.Topics[0] == consecutive:
			t.Fatal("a --no-erc2309 collection emitted ConsecutiveTransfer")
		}
	}
	counts, _ := db.Counts(ctx)
	if len(created) != n || counts[state.Minted] != n || len(st.Tokens) != n || st.Open != 0 {
		t.Fatalf("%d ids created on chain, state %v, %d tokens recorded, %d open", len(created), counts, len(st.Tokens), st.Open)
	}
	for id := uint64(1); id <= n; id++ {
		if created[id] != 1 {
			t.Fatalf("token %d created %d times", id, created[id])
		}
		if o, err := c.OwnerOf(ctx, id); err != nil || o != owner.Address {
			t.Fatalf("ownerOf(%d) = %s, %v", id, o, err)
		}
		if tok := st.Tokens[int(id)]; tok.TokenID != id || tok.Owner != owner.Address {
			t.Fatalf("token %d recorded as %+v", id, tok)
		}
	}
	// Every transaction the account ever sent is one journalled action: no
	// action was sent twice under two nonces.
	nonce, err := cl.NonceAt(ctx, owner.Address, nil)
	if err != nil || nonce != 1+n/batch {
		t.Fatalf("account nonce %d, %v; want %d", nonce, err, 1+n/batch)
	}
	noSecrets(t, dir, keyHex(owner), outputs...)
}

// TestMintWithEthersKeystore: a key encrypted by ethers (Wallet.encrypt)
// is imported with `genmint wallet import` and deploys a collection on anvil.
func TestMintWithEthersKeystore(t *testing.T) {
	node, modules := testenv.NodeModule(t, "ethers")
	root, _ := testenv.RepoRoot()
	an := testenv.StartAnvil(t)
	acct := an.Accounts[3]
	work := t.TempDir()
	keyFile := filepath.Join(work, "ethers-keystore.json")
	script := filepath.Join(root, "mint", "wallet", "testdata", "ethers_keystore.cjs")
	enc := exec.Command(node, script, "encrypt", keyFile)
	enc.Env = append(os.Environ(), "NODE_PATH="+modules, "KEYSTORE_TEST_PASSWORD="+keyCanary, "KEYSTORE_TEST_KEY=0x"+keyHex(acct))
	if out, err := enc.CombinedOutput(); err != nil {
		t.Fatalf("ethers: %v\n%s", err, out)
	}

	ksDir := filepath.Join(work, "ks")
	imp := genmint(work, "wallet", "import", keyFile, "--keystore", ksDir, "--password-env", "KEY_PASS")
	imp.Env = append(imp.Env, "KEY_PASS="+keyCanary)
	out, err := imp.CombinedOutput()
	if err != nil || !strings.Contains(string(out), acct.Address.Hex()) {
		t.Fatalf("wallet import: %v\n%s", err, out)
	}

	dir := pinnedCollection(t, 5, "")
	cmd := genmint(dir, "mint", "--rpc", an.URL, "--account", acct.Address.Hex(), "--keystore", ksDir, "--password-env", "KEY_PASS")
	cmd.Env = append(cmd.Env, "KEY_PASS="+keyCanary, "CI=true")
	mintOut, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mint: %v\n%s", err, mintOut)
	}
	_, st, _ := latestPin(t, dir)
	cl, _ := ethclient.Dial(an.URL)
	defer cl.Close()
	info, err := chain.Open(cl, st.Deployment.Contract).Info(context.Background())
	if err != nil || info.Owner != acct.Address || info.TotalSupply != 5 {
		t.Fatalf("collection signed by the ethers key: %+v, %v", info, err)
	}
	noSecrets(t, dir, keyHex(acct), out, mintOut)
}

// TestMintInsufficientFundsAndWrongPassphrase: one line each, exit codes
// 1 (a chain problem) and 2 (bad input), nothing sent.
func TestMintInsufficientFundsAndWrongPassphrase(t *testing.T) {
	an := testenv.StartAnvil(t)
	dir := pinnedCollection(t, 3, "")
	key, _ := crypto.GenerateKey()
	poor := crypto.PubkeyToAddress(key.PublicKey)
	ksDir, pwFile := keystore(t, fmt.Sprintf("%x", crypto.FromECDSA(key)))

	out, err := mintCmd(dir, an.URL, poor, ksDir, pwFile).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	last := lines[len(lines)-1]
	want := "genmint: insufficient funds: " + poor.Hex() + " has 0 ETH on local; deploying the collection with tokens 1–3 needs up to "
	if !strings.HasPrefix(last, want) || !strings.HasSuffix(last, " ETH to it and re-run") {
		t.Fatalf("message: %s", last)
	}

	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("not the passphrase\n"), 0o600)
	out, err = mintCmd(dir, an.URL, poor, ksDir, bad).CombinedOutput()
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "genmint: wrong passphrase for "+poor.Hex()+" in "+ksDir {
		t.Fatalf("message: %q", got)
	}
	cl, _ := ethclient.Dial(an.URL)
	defer cl.Close()
	if n, _ := cl.NonceAt(context.Background(), poor, nil); n != 0 {
		t.Fatal("something was sent")
	}
}

// TestMintKilledWhilePending: on a node that mines a block a second, a run
// killed while its deployment waits in the mempool is resumed by a run that
// finds it pending, waits for it and its confirmations, and sends nothing new.
func TestMintKilledWhilePending(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for blocks")
	}
	an := testenv.StartAnvil(t, "--block-time", "1")
	owner := an.Accounts[4]
	dir := pinnedCollection(t, 4, "")
	ksDir, pwFile := keystore(t, keyHex(owner))
	killed := mintCmd(dir, an.URL, owner.Address, ksDir, pwFile, "--confirmations", "2")
	killed.Env = append(killed.Env, cmdutil.CrashEnv+"="+string(mint.PointWaitingReceipt)+":1")
	if err := killed.Run(); err == nil {
		t.Fatal("the run was not killed")
	}
	out, err := mintCmd(dir, an.URL, owner.Address, ksDir, pwFile, "--confirmations", "2").CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "settling 0x") || strings.Count(string(out), "sent ") != 0 {
		t.Fatalf("the resumed run did not just settle the pending deployment:\n%s", out)
	}
	cl, _ := ethclient.Dial(an.URL)
	defer cl.Close()
	if n := nonceOf(t, an.URL, owner.Address); n != 1 {
		t.Fatalf("account nonce %d, want 1", n)
	}
	_, st, _ := latestPin(t, dir)
	head, _ := cl.BlockNumber(context.Background())
	if len(st.Tokens) != 4 || st.Deployment == nil || head < st.Deployment.Block+1 {
		t.Fatalf("tokens %d, deployment %+v, head %d", len(st.Tokens), st.Deployment, head)
	}
}

// TestMintMoreItemsLater grows a minted collection: more items are
// generated, kept and pinned (a new baseURI; the minted tokens' bytes are
// unchanged), and `genmint mint` moves the contract to the new URIs before
// minting them; verify then re-derives all tokens from the chain.
func TestMintMoreItemsLater(t *testing.T) {
	an := testenv.StartAnvil(t)
	owner := an.Accounts[0]
	dir := pinnedCollection(t, 3, "max_supply: 10\n")
	ksDir, pwFile := mintAs(t, dir, an, owner)
	specPath := filepath.Join(dir, "genmint.yaml")
	b, _ := os.ReadFile(specPath)
	if err := os.WriteFile(specPath, []byte(strings.Replace(string(b), "count: 3", "count: 5", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	car := filepath.Join(dir, "c.car")
	generateAndPin(t, dir)
	out, err := mintCmd(dir, an.URL, owner.Address, ksDir, pwFile).CombinedOutput()
	if err != nil {
		t.Fatalf("second mint: %v\n%s", err, out)
	}
	for _, want := range []string{"setBaseURI", "setContractURI", "mint 4–5"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("second mint did not %s:\n%s", want, out)
		}
	}
	v := genmint(dir, "verify", "--car", car, "-q")
	v.Env = append(v.Env, "ETH_RPC_URL="+an.URL)
	if out, err := v.CombinedOutput(); err != nil || !strings.Contains(string(out), "verified 5 of 5 tokens: chain → tokenURI") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
}
