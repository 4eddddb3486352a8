package wallet

import (
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

func TestImportNamedAndResolve(t *testing.T) {
	const key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
	want := common.HexToAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
	mine, foundry := filepath.Join(t.TempDir(), "mine"), filepath.Join(t.TempDir(), "foundry")
	a, err := ImportNamed(foundry, "deployer", []byte(key), "pw", Light)
	if err != nil || a.Address != want || a.Path != filepath.Join(foundry, "deployer") {
		t.Fatalf("import: %+v %v", a, err)
	}
	if fi, err := os.Stat(a.Path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi.Mode(), err)
	}
	if _, err := ImportNamed(foundry, "again", []byte(key), "pw", Light); !errors.Is(err, ErrAccountExists) {
		t.Fatalf("same key twice: %v", err)
	}
	for _, bad := range []string{"../x", ".hidden", "a/b", ""} {
		if _, err := ImportNamed(foundry, bad, []byte(key), "pw", Light); !errors.Is(err, ErrBadKey) {
			t.Errorf("name %q: %v", bad, err)
		}
	}
	dirs := []string{mine, foundry}
	for _, tc := range []struct{ account, by string }{
		{"deployer", "name"}, {want.Hex(), "address"}, {strings.ToLower(want.Hex()), "address"}, {a.Path, "path"},
	} {
		kf, err := ResolveAccount(tc.account, dirs)
		if err != nil || kf.Path != a.Path || kf.By != tc.by || kf.Address != want {
			t.Errorf("%s: %+v %v", tc.account, kf, err)
		}
	}
	_, err = ResolveAccount("nobody", dirs)
	if !errors.Is(err, ErrNoAccount) || !strings.Contains(err.Error(), mine+", "+foundry) {
		t.Fatalf("unknown name: %v", err)
	}
	if _, err := ResolveAccount(key, dirs); !errors.Is(err, ErrBadKey) || strings.Contains(err.Error(), key[2:]) {
		t.Fatalf("a private key as the account: %v", err)
	}

	kf, _ := ResolveAccount("deployer", dirs)
	if _, err := UnlockFile(kf, "wrong", big.NewInt(1)); !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), want.Hex()+" in "+foundry) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	s, err := UnlockFile(kf, "pw", big.NewInt(1))
	if err != nil || s.Address != want || s.Opts.From != want {
		t.Fatalf("unlock: %v", err)
	}
	s.Lock()
}
