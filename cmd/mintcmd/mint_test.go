package mintcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/cmd/cmdutil/cmdutiltest"
	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/wallet"
)

func TestParse(t *testing.T) {
	const acct = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
	for _, tc := range []struct {
		args  []string
		env   map[string]string
		err   string
		check func(*MintOptions) bool
	}{
		{args: []string{"--rpc", "http://x", "--account", acct}, check: func(o *MintOptions) bool {
			return o.RPC == "http://x" && o.Account == acct && o.Confirmations == 1 && o.StuckAfter == mint.DefaultStuckAfter
		}},
		{args: []string{"--account", acct}, env: map[string]string{RPCEnv: "https://node.example/v3/KEY"},
			check: func(o *MintOptions) bool { return o.RPC == "https://node.example/v3/KEY" }},
		{args: []string{"--dry-run", "--gas-price-gwei", "12.5", "--no-erc2309", "--batch-size", "50"},
			check: func(o *MintOptions) bool {
				return o.DryRun && o.GasPriceGwei == 12.5 && o.NoERC2309 && o.BatchSize == 50
			}},
		{args: []string{"--account", acct}, err: "--rpc URL is needed"},
		{args: []string{"--rpc", "http://x"}, err: "--account NAME|ADDRESS is needed"},
		{args: []string{"--rpc", "http://x", "--account", "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"}, err: "looks like a private key"},
		{args: []string{"--rpc", "http://x"}, env: map[string]string{cmdutil.EnvKeystoreAccount: "deployer", cmdutil.EnvKeystore: "/ks", cmdutil.EnvPassword: "/pw"},
			check: func(o *MintOptions) bool {
				return o.Account == "deployer" && o.Keys.Keystore == "/ks" && o.Keys.PasswordFile == "/pw"
			}},
		{args: []string{"--rpc", "http://x", "--account", "a", "--keystore", "/mine", "--password-env", "P"}, env: map[string]string{cmdutil.EnvKeystore: "/ks", cmdutil.EnvPassword: "/pw"},
			check: func(o *MintOptions) bool {
				return o.Keys.Keystore == "/mine" && o.Keys.PasswordFile == "" && o.Keys.PasswordEnv == "P"
			}},
		{args: []string{"--gas-price-gwei", "3"}, err: "--gas-price-gwei prices a --dry-run"},
		{args: []string{"--dry-run", "--max-fee-gwei", "-1"}, err: "must not be negative"},
		{args: []string{"--dry-run", "--password-file", "a", "--password-env", "B"}, err: "give --password-file or --password-env, not both"},
		{args: []string{"--dry-run", "--to", "nobody"}, err: `--to "nobody" is not an address`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			io, _, _, _ := cmdutil.Test()
			f := &cmdutil.Factory{IO: io, Dir: ".", Getenv: func(k string) string { return tc.env[k] }}
			var got *MintOptions
			cmd := NewCmdMint(f, func(o *MintOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(io.ErrOut)
			cmd.SetErr(io.ErrOut)
			err := cmd.Execute()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || cmdutil.CodeOf(err) != cmdutil.ExitUsage {
					t.Fatalf("err = %v (exit %d), want usage error %q", err, cmdutil.CodeOf(err), tc.err)
				}
				return
			}
			if err != nil || got == nil || !tc.check(got) {
				t.Fatalf("err %v, options %+v", err, got)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://eth-mainnet.g.alchemy.com/v2/SECRETKEY": "https://eth-mainnet.g.alchemy.com/…",
		"http://127.0.0.1:8545":                          "http://127.0.0.1:8545",
		"https://user:pw@node.example/?key=SECRET":       "https://node.example/…",
		"not a url": "the given URL",
	} {
		if got := redact.URL(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
	err := fmt.Errorf(`Post "https://node.example/v3/SECRETKEY": dial tcp: refused`)
	if got := cmdutil.ScrubURL(err, "https://node.example/v3/SECRETKEY"); strings.Contains(got, "SECRETKEY") {
		t.Errorf("scrub left the key: %s", got)
	}
}

// TestConfirmOnTerminal: on a chain that is not a test chain, the run shows
// the estimate and asks; "n" sends nothing, "y" mints.
func TestConfirmOnTerminal(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	spec := `name: Confirm
symbol: CONF
count: 3
seed: 3
network: {name: devnet, chain_id: 1337, test: false}
provider:
  name: procedural
  params: {width: 32, height: 32}
prompt: "{{.palette}}"
traits:
  palette: [ocean, ember, neon]
`
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	io, in, out, errOut := cmdutil.Test()
	f := &cmdutil.Factory{IO: io, Dir: dir, Getenv: func(string) string { return "" }, Now: time.Now, Quiet: true}
	cmdutiltest.Pinned(t, f, filepath.Join(dir, "c.car"))

	key, _ := crypto.GenerateKey()
	addr := crypto.PubkeyToAddress(key.PublicKey)
	ksDir := filepath.Join(t.TempDir(), "ks")
	ks, _ := wallet.Open(ksDir, wallet.Light)
	if _, err := ks.ImportPrivateKey([]byte(fmt.Sprintf("%x", crypto.FromECDSA(key))), "pw"); err != nil {
		t.Fatal(err)
	}
	sim := mint.NewSimulated(addr)
	defer sim.Close()

	io.SetTTY(true, true, true)
	prompted := 0
	io.SetSecretPrompt(func(string) (string, error) { prompted++; return "pw", nil })
	o := &MintOptions{IO: io, Dir: dir, Getenv: f.Getenv, Spec: f.LoadSpec, State: f.OpenState,
		Dial: func(context.Context, string) (mint.Backend, func(), error) { return sim, func() {}, nil },
		RPC:  "http://sim", Account: addr.Hex(), Confirmations: 1, Poll: time.Millisecond, Quiet: true}
	o.Keys.Keystore = ksDir

	in.WriteString("n\n")
	err := mintRun(ctx, o)
	if !errors.Is(err, mint.ErrDeclined) || prompted != 1 {
		t.Fatalf("declined: %v (prompted %d)", err, prompted)
	}
	q := errOut.String()
	if !strings.Contains(q, "deploy the collection and mint 3 tokens on devnet (chain 1337) from "+addr.Hex()+", estimated cost ") ||
		!strings.Contains(q, "(at most ") || !strings.HasSuffix(q, "? [y/N] ") {
		t.Fatalf("question: %q", q)
	}
	if n, _ := sim.NonceAt(ctx, addr, nil); n != 0 {
		t.Fatal("sent after a no")
	}

	in.WriteString("y\n")
	if err := mintRun(ctx, o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Minted 3 tokens on devnet (chain 1337); 3 items minted in all.") {
		t.Fatalf("stdout: %s", out.String())
	}

	// Without a terminal and without --yes: exit 2 before anything.
	io.SetTTY(false, false, false)
	err = mintRun(ctx, o)
	if cmdutil.CodeOf(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "devnet (chain 1337) is not a test chain") {
		t.Fatalf("no terminal: %v", err)
	}
}
