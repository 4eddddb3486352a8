package main

// The end-to-end tests of `genmint verify`, through the real command tree
// (root.Run): a collection generated, kept and pinned by the commands, then
// verified from a CAR file, offline, and on a real anvil node.

import (
	"bytes"
	"context"
	"encoding/json"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/cmd/root"
	"github.com/genmint/genmint/internal/golden"
	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/verify"
)

const verifySpec = `name: Verify Cmd
symbol: VCMD
count: 3
seed: 11
erc7007: true
provider:
  name: procedural
  params: {width: 32, height: 32}
prompt: "{{.palette}} rings"
traits:
  palette: [ocean, ember, forest]
`

type verifyResult struct {
	code     cmdutil.ExitCode
	out, err string
}

// verifyCollection generates, keeps and pins (to a CAR file) a small collection
// through the real commands, and returns a runner for more.
func verifyCollection(t *testing.T) (dir, car string, run func(tty bool, args ...string) verifyResult) {
	t.Helper()
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(verifySpec), 0o644); err != nil {
		t.Fatal(err)
	}
	run = func(tty bool, args ...string) verifyResult {
		io, _, out, errOut := cmdutil.Test()
		io.SetTTY(false, tty, tty)
		env := map[string]string{"SOURCE_DATE_EPOCH": "1795000000"}
		getenv := func(k string) string { return env[k] }
		f := &cmdutil.Factory{IO: io, Getenv: getenv, Now: cmdutil.Clock(getenv)}
		code := root.Run(context.Background(), f, append([]string{"-C", dir}, args...))
		return verifyResult{code, out.String(), errOut.String()}
	}
	if r := run(false, "generate", "--keep-all"); r.code != 0 {
		t.Fatalf("generate: %+v", r)
	}
	car = filepath.Join(dir, "collection.car")
	if r := run(false, "pin", "--car", car); r.code != 0 {
		t.Fatalf("pin: %+v", r)
	}
	return dir, car, run
}

func TestVerifyPinnedFromCAR(t *testing.T) {
	dir, car, run := verifyCollection(t)
	r := run(false, "verify", "--car", car)
	if r.code != 0 || r.out != "verified 3 of 3 tokens: pin → tokenURI → metadata → image → provenance (pinned, not read from a chain: pass --rpc URL --contract ADDR once minted)\n" {
		t.Fatalf("%+v", r)
	}
	if strings.Count(r.err, "\n") != 3 || !strings.Contains(r.err, "✓ token 2 verified: metadata bafkrei") || strings.Contains(r.err, "\x1b") {
		t.Fatalf("stderr %q", r.err)
	}
	// On a terminal: a progress bar, no per-token lines.
	r = run(true, "verify", "--car", car)
	if r.code != 0 || !strings.Contains(r.err, "3/3") || !strings.Contains(r.err, "tok/s") || strings.Contains(r.err, "token 2 verified") {
		t.Fatalf("tty: %+v", r)
	}

	// The --json report, byte for byte (the collection is reproducible).
	r = run(false, "verify", "--car", car, "--json")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	golden.Check(t, filepath.Join("testdata", "verify-pinned.json"), []byte(strings.ReplaceAll(r.out, car, "$CAR")))

	// Quiet: the summary only.
	if r := run(false, "-q", "verify", "--car", car); r.code != 0 || r.err != "" {
		t.Fatalf("quiet: %+v", r)
	}
	_ = dir
}

func TestVerifyDeadNodeNamesTheCAR(t *testing.T) {
	_, car, run := verifyCollection(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	r := run(false, "verify", "--ipfs-api", dead)
	if r.code != cmdutil.ExitFailure || strings.Count(strings.TrimSpace(r.err), "\n") != 0 ||
		!strings.Contains(r.err, "cannot reach Kubo at http://"+dead+" (connection refused)") || !strings.Contains(r.err, "'genmint pin' wrote "+car) {
		t.Fatalf("%+v", r)
	}
	r = run(false, "verify", "--car", filepath.Join(t.TempDir(), "nope.car"))
	if r.code != cmdutil.ExitFailure || !strings.Contains(r.err, "cannot read the CAR file") {
		t.Fatalf("missing CAR: %+v", r)
	}
	r = run(false, "verify", "--gateway", "ftp://x")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, "--gateway") {
		t.Fatalf("bad gateway: %+v", r)
	}
}

func TestVerifyLocalTamperedExitsFour(t *testing.T) {
	dir, car, run := verifyCollection(t)
	if r := run(false, "verify", "--local"); r.code != 0 || !strings.HasPrefix(r.out, "verified 3 of 3 items: image → provenance → original → pin → metadata (offline)\n") {
		t.Fatalf("%+v", r)
	}
	orig, err := os.ReadFile(filepath.Join(dir, "items", "0001", "original.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "items", "0002", "original.png"), orig, 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(false, "verify", "--local")
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if r.code != cmdutil.ExitNotVerified || len(lines) != 3 || lines[0] != "verified 2 of 3 items: image → provenance → original → pin → metadata (offline)" ||
		!strings.HasPrefix(lines[1], "collection: pin: the pinned CIDs cannot be recomputed from the files (compute originals CIDs: item 2: file changed") ||
		!strings.HasPrefix(lines[2], "item 2: original: items/0002/original.png is not the original the provenance record names: expected ") {
		t.Fatalf("%+v", r)
	}
	if !strings.Contains(r.err, "✗ item 2: original:") {
		t.Fatalf("stderr %q", r.err)
	}
	// The pinned copy on IPFS is intact.
	if r := run(false, "verify", "--car", car); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	// --json: the document, and still exit 4.
	r = run(false, "verify", "--local", "--json")
	var rep verify.Report
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil || r.code != cmdutil.ExitNotVerified || rep.OK || rep.Verified != 2 ||
		rep.Results[1].Failures[0].Link != verify.LinkOriginal || rep.Results[1].Failures[0].Check != "sha256" {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestVerifyNothingToVerify(t *testing.T) {
	dir := t.TempDir()
	io, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: io, Getenv: func(string) string { return "" }, Now: time.Now}
	code := root.Run(context.Background(), f, []string{"-C", dir, "verify", "--car", "x.car"})
	if code != cmdutil.ExitUsage || !strings.Contains(io.ErrOut.(*bytes.Buffer).String(), "nothing to verify") {
		t.Fatalf("exit %d: %s", code, io.ErrOut.(*bytes.Buffer).String())
	}
	code = root.Run(context.Background(), f, []string{"-C", dir, "verify", "--rpc", "http://127.0.0.1:1"})
	if code != cmdutil.ExitUsage || !strings.Contains(io.ErrOut.(*bytes.Buffer).String(), "--rpc needs --contract") {
		t.Fatalf("exit %d", code)
	}
}

// TestVerifyAnvil deploys the pinned collection on a real node and verifies it
// through the command as a collector would: --rpc, --contract, --car. Then
// the owner points the contract elsewhere, and verify exits 4.
func TestVerifyAnvil(t *testing.T) {
	an := testenv.StartAnvil(t)
	dir, car, run := verifyCollection(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := state.Open(ctx, dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := pin.Latest(ctx, db)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := ethclient.DialContext(ctx, an.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	owner := an.Accounts[0]
	opts := bind.NewKeyedTransactor(owner.Key, new(big.Int).SetUint64(an.ChainID))
	addr, tx, err := chain.Deploy(ctx, cl, opts, chain.Config{Name: "Verify Cmd", Symbol: "VCMD", BaseURI: rec.BaseURI,
		ContractURI: rec.ContractURI, Owner: owner.Address, InitialSupply: 3, AIGC: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chain.WaitMined(ctx, cl, tx, 5*time.Millisecond); err != nil {
		t.Fatal(err)
	}

	r := run(false, "verify", "--rpc", an.URL, "--contract", addr.Hex(), "--car", car)
	if r.code != 0 || r.out != "verified 3 of 3 tokens: chain → tokenURI → metadata → image → provenance\n" ||
		!strings.Contains(r.err, "owner "+owner.Address.Hex()) {
		t.Fatalf("%+v", r)
	}
	// A collector outside the folder (no pin record) reaches the same verdict.
	io, _, out, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: io, Getenv: func(string) string { return "" }, Now: time.Now}
	if code := root.Run(ctx, f, []string{"-C", t.TempDir(), "verify", "--rpc", an.URL, "--contract", addr.Hex(), "--car", car}); code != 0 ||
		!strings.HasPrefix(out.String(), "verified 3 of 3 tokens: chain →") {
		t.Fatalf("collector: %d %s", code, out)
	}

	// Not a contract; no node.
	r = run(false, "verify", "--rpc", an.URL, "--contract", an.Accounts[1].Address.Hex(), "--car", car)
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, "no contract at "+an.Accounts[1].Address.Hex()) {
		t.Fatalf("EOA: %+v", r)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + l.Addr().String()
	l.Close()
	r = run(false, "verify", "--rpc", dead+"/v3/SECRETKEY", "--contract", addr.Hex(), "--car", car)
	if r.code != cmdutil.ExitFailure || strings.Count(strings.TrimSpace(r.err), "\n") != 0 || !strings.Contains(r.err, "cannot reach the chain at "+dead+"/… (connection refused): check --rpc") ||
		strings.Contains(r.err+r.out, "SECRETKEY") {
		t.Fatalf("dead RPC: %+v", r)
	}

	// The owner moves the baseURI: every token fails at tokenURI.
	c := chain.Open(cl, addr)
	tx, err = c.SetBaseURI(ctx, opts, "ipfs://"+rec.Roots.Images+"/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chain.WaitMined(ctx, cl, tx, 5*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	r = run(false, "verify", "--rpc", an.URL, "--contract", addr.Hex(), "--car", car, "--only", "1")
	if r.code != cmdutil.ExitNotVerified || !strings.Contains(r.out, "token 1: tokenURI: tokenURI is not the baseURI this collection pinned plus the id: expected "+rec.BaseURI+"1") {
		t.Fatalf("moved baseURI: %+v", r)
	}
	// And the collection-level check: 3 minted, 3 pinned, but only 1 asked.
	if strings.Contains(r.out, "supply") {
		t.Fatalf("supply failure with --only: %s", r.out)
	}
}
