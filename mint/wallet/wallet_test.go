package wallet

import (
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/genmint/genmint/internal/testenv"
)

// A well-known public test key (anvil's second dev account): worthless.
const (
	testKeyHex  = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
	testKeyAddr = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
	// canary is the passphrase in these tests: it must never show up in an error.
	canary = "canary-Passphrase-7f3a"
)

func open(t *testing.T) *Keystore {
	t.Helper()
	k, err := Open(filepath.Join(t.TempDir(), "keystore"), Light)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func noCanary(t *testing.T, err error) {
	t.Helper()
	if err != nil && (strings.Contains(err.Error(), canary) || strings.Contains(strings.ToLower(err.Error()), testKeyHex)) {
		t.Fatalf("error leaks a secret: %v", err)
	}
}

func TestNewUnlockSign(t *testing.T) {
	k := open(t)
	a, err := k.New(canary)
	if err != nil {
		t.Fatal(err)
	}
	// Folder 0700, key file 0600.
	if fi, err := os.Stat(k.Dir()); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("keystore folder mode %v, %v", fi.Mode().Perm(), err)
	}
	if fi, err := os.Stat(a.Path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", fi.Mode().Perm(), err)
	}
	if got := k.Accounts(); len(got) != 1 || got[0].Address != a.Address {
		t.Fatalf("accounts = %v", got)
	}

	_, err = k.Unlock(a.Address, "not it", big.NewInt(31337))
	if !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	want := "wrong passphrase for " + a.Address.Hex() + " in " + k.Dir()
	if err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}

	s, err := k.Unlock(a.Address, canary, big.NewInt(31337))
	if err != nil {
		t.Fatal(err)
	}
	tx := types.NewTx(&types.DynamicFeeTx{ChainID: big.NewInt(31337), Nonce: 7, GasTipCap: big.NewInt(1), GasFeeCap: big.NewInt(2), Gas: 21000, To: &common.Address{1}})
	signed, err := s.Opts.Signer(a.Address, tx)
	if err != nil {
		t.Fatal(err)
	}
	from, err := types.Sender(types.LatestSignerForChainID(big.NewInt(31337)), signed)
	if err != nil || from != a.Address {
		t.Fatalf("signed by %s, %v; want %s", from, err, a.Address)
	}
	s.Lock()
	if _, err := s.Opts.Signer(a.Address, tx); err == nil {
		t.Fatal("signed after Lock")
	}

	if _, err := k.Unlock(common.HexToAddress("0x1234"), canary, big.NewInt(1)); !errors.Is(err, ErrNoAccount) ||
		!strings.Contains(err.Error(), "run 'genmint wallet import' or 'genmint wallet new', or pass --keystore") {
		t.Fatalf("unknown account: %v", err)
	}
	if _, err := k.New(""); err == nil {
		t.Fatal("accepted an empty passphrase for a new key")
	}
}

func TestOpenTightensFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ks")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Light); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v after Open", fi.Mode().Perm())
	}
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o600)
	if _, err := Open(file, Light); err == nil || !strings.Contains(err.Error(), "is a file, not a folder") {
		t.Fatalf("file as keystore: %v", err)
	}
}

func TestImportPrivateKey(t *testing.T) {
	k := open(t)
	a, err := k.ImportPrivateKey([]byte("  0x"+testKeyHex+"\n"), canary)
	if err != nil || a.Address.Hex() != testKeyAddr {
		t.Fatalf("import = %v, %v", a, err)
	}
	before, _ := os.ReadFile(a.Path)
	// Never overwritten, not even with another passphrase.
	_, err = k.ImportPrivateKey([]byte(testKeyHex), "other")
	if !errors.Is(err, ErrAccountExists) {
		t.Fatalf("second import: %v", err)
	}
	after, _ := os.ReadFile(a.Path)
	if string(before) != string(after) || len(k.Accounts()) != 1 {
		t.Fatal("the key file changed")
	}
	for _, bad := range []string{"", "0x1234", strings.Repeat("g", 64), strings.Repeat("0", 64), testKeyHex[:63] + "z"} {
		_, err := k.ImportPrivateKey([]byte(bad), canary)
		if !errors.Is(err, ErrBadKey) {
			t.Errorf("%q: %v", bad, err)
		}
		noCanary(t, err)
		if bad != "" && len(bad) > 8 && strings.Contains(err.Error(), bad[:8]) {
			t.Errorf("error quotes the key: %v", err)
		}
	}
	if !LooksLikePrivateKey("0x"+testKeyHex) || LooksLikePrivateKey("key.txt") || LooksLikePrivateKey(strings.Repeat("z", 64)) {
		t.Error("LooksLikePrivateKey")
	}
}

func TestImportJSON(t *testing.T) {
	// A file go-ethereum made elsewhere (like geth account new or clef).
	src := open(t)
	a, err := src.ImportPrivateKey([]byte(testKeyHex), canary)
	if err != nil {
		t.Fatal(err)
	}
	keyJSON, _ := os.ReadFile(a.Path)

	k := open(t)
	_, err = k.ImportJSON(keyJSON, "wrong")
	if !errors.Is(err, ErrWrongPassphrase) || err.Error() != "wrong passphrase for the key file of "+testKeyAddr {
		t.Fatalf("wrong passphrase: %v", err)
	}
	got, err := k.ImportJSON(keyJSON, canary)
	if err != nil || got.Address.Hex() != testKeyAddr {
		t.Fatalf("import: %v %v", got, err)
	}
	if _, err := k.ImportJSON(keyJSON, canary); !errors.Is(err, ErrAccountExists) {
		t.Fatalf("import twice: %v", err)
	}
	for _, bad := range []string{"", "{}", `{"version":1,"crypto":{}}`, "not json"} {
		if _, err := k.ImportJSON([]byte(bad), canary); !errors.Is(err, ErrBadKey) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestEthersInterop: a key ethers encrypted (Wallet.encrypt, its own scrypt
// parameters) imports and signs here, and a key made here decrypts in
// ethers with the same address.
func TestEthersInterop(t *testing.T) {
	node, modules := testenv.NodeModule(t, "ethers")
	dir := t.TempDir()
	script, _ := filepath.Abs("testdata/ethers_keystore.cjs")
	run := func(args ...string) string {
		cmd := exec.Command(node, append([]string{script}, args...)...)
		cmd.Env = append(os.Environ(), "NODE_PATH="+modules, "KEYSTORE_TEST_PASSWORD="+canary, "KEYSTORE_TEST_KEY=0x"+testKeyHex)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("node %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}

	// ethers → genmint.
	ethersFile := filepath.Join(dir, "ethers.json")
	if addr := run("encrypt", ethersFile); addr != testKeyAddr {
		t.Fatalf("ethers made %s", addr)
	}
	k := open(t)
	raw, _ := os.ReadFile(ethersFile)
	a, err := k.ImportJSON(raw, canary)
	if err != nil || a.Address.Hex() != testKeyAddr {
		t.Fatalf("import ethers keystore: %v %v", a, err)
	}
	s, err := k.Unlock(a.Address, canary, big.NewInt(1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Lock()
	tx := types.NewTx(&types.DynamicFeeTx{ChainID: big.NewInt(1), Gas: 21000, GasFeeCap: big.NewInt(1), GasTipCap: big.NewInt(1), To: &common.Address{}})
	signed, err := s.Opts.Signer(a.Address, tx)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := crypto.HexToECDSA(testKeyHex)
	want, _ := types.SignTx(tx, types.LatestSignerForChainID(big.NewInt(1)), key)
	if signed.Hash() != want.Hash() {
		t.Fatal("the imported key signs differently from the original key")
	}

	// genmint → ethers.
	if addr := run("decrypt", a.Path); addr != testKeyAddr {
		t.Fatalf("ethers decrypted genmint's file as %s", addr)
	}
}

func TestPassphraseSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pw")
	os.WriteFile(file, []byte(canary+"\r\nsecond line\n"), 0o600)
	env := map[string]string{"PW": "from-env"}
	getenv := func(k string) string { return env[k] }
	asked := 0
	prompt := func(string) (string, error) { asked++; return "typed", nil }

	for _, tc := range []struct {
		name string
		p    Passphrase
		want string
		err  string
	}{
		{"file wins over the prompt", Passphrase{File: file, Prompt: prompt}, canary, ""},
		{"env wins over the prompt", Passphrase{Env: "PW", Getenv: getenv, Prompt: prompt}, "from-env", ""},
		{"prompt", Passphrase{Prompt: prompt}, "typed", ""},
		{"no terminal", Passphrase{}, "", "no passphrase: pass --password-file FILE or --password-env NAME (there is no terminal to ask on)"},
		{"both", Passphrase{File: file, Env: "PW"}, "", "give --password-file or --password-env, not both"},
		{"empty env", Passphrase{Env: "NOPE", Getenv: getenv}, "", "--password-env: the environment variable NOPE is empty or unset: put the passphrase in it"},
		{"missing file", Passphrase{File: filepath.Join(dir, "none")}, "", "read --password-file: open " + filepath.Join(dir, "none") + ": no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asked = 0
			got, err := tc.p.Get("Passphrase: ", false)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v", got, err)
			}
			if tc.p.File != "" || tc.p.Env != "" {
				if asked != 0 {
					t.Fatal("prompted although a flag gave the passphrase")
				}
			}
		})
	}
	answers := []string{"a", "b"}
	mismatch := Passphrase{Prompt: func(string) (string, error) { a := answers[0]; answers = answers[1:]; return a, nil }}
	if _, err := mismatch.Get("New passphrase: ", true); err == nil || !strings.Contains(err.Error(), "do not match") {
		t.Fatalf("mismatch: %v", err)
	}
}
