package wallet

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"
)

// Foundry's conventions, beside genmint's own: a key is named by the file
// that holds it (`cast wallet import NAME` writes ~/.foundry/keystores/NAME),
// and an account is a name, an address or a key file's path.

// FoundryDir is where cast keeps named keys: ~/.foundry/keystores.
func FoundryDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the home folder for ~/.foundry/keystores: %w", err)
	}
	return filepath.Join(home, ".foundry", "keystores"), nil
}

// KeyFile is the key file an account resolved to.
type KeyFile struct {
	Path string `json:"path"`
	// Address is the address the file declares; zero when it declares none
	// (cast may omit it), in which case it is known once unlocked.
	Address common.Address `json:"address"`
	// By says how the account matched: "path", "name" or "address".
	By string `json:"by"`
}

// maxKeyFile bounds what is read of a file that might be a key.
const maxKeyFile = 1 << 16

// ResolveAccount finds the key file for account, which is one of:
//   - a path to a key file (it contains a path separator, or is a file in
//     the working folder);
//   - an address (0x and 40 hex digits): the first key file in dirs that
//     declares it;
//   - a name: the first file of that name in dirs, as `cast wallet import
//     NAME` and `genmint wallet import NAME` store it.
//
// dirs are searched in order; folders that do not exist are passed over. A
// miss is an error wrapping ErrNoAccount that lists the folders searched.
func ResolveAccount(account string, dirs []string) (KeyFile, error) {
	if account == "" {
		return KeyFile{}, fmt.Errorf("%w: no account given", ErrNoAccount)
	}
	if LooksLikePrivateKey(account) {
		return KeyFile{}, fmt.Errorf("%w: that looks like a private key: never put one on the command line; name a keystore account (a name, an address or a key file)", ErrBadKey)
	}
	isAddr := common.IsHexAddress(account)
	if !isAddr {
		if strings.ContainsRune(account, '/') || strings.ContainsRune(account, filepath.Separator) {
			return keyFileAt(account, "path")
		}
		if fi, err := os.Stat(account); err == nil && fi.Mode().IsRegular() {
			return keyFileAt(account, "path")
		}
	}
	var searched []string
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		searched = append(searched, dir)
		if !isAddr {
			p := filepath.Join(dir, account)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				return keyFileAt(p, "name")
			}
			continue
		}
		want := common.HexToAddress(account)
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			p := filepath.Join(dir, e.Name())
			if addr, ok := declaredAddress(p); ok && addr == want {
				return KeyFile{Path: p, Address: addr, By: "address"}, nil
			}
		}
	}
	what := "named " + account
	if isAddr {
		what = "for " + common.HexToAddress(account).Hex()
	}
	return KeyFile{}, fmt.Errorf("%w %s in %s: run 'genmint wallet import', or pass --keystore DIR or the key file's path", ErrNoAccount, what, strings.Join(searched, ", "))
}

// keyFileAt checks path is a readable v3 key file.
func keyFileAt(path, by string) (KeyFile, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return KeyFile{}, err
	}
	raw, err := readKeyFile(abs)
	if err != nil {
		return KeyFile{}, err
	}
	addr, err := fileAddress(raw)
	if err != nil {
		return KeyFile{}, fmt.Errorf("%s: %w", abs, err)
	}
	kf := KeyFile{Path: abs, By: by}
	if common.IsHexAddress(addr) {
		kf.Address = common.HexToAddress(addr)
	}
	return kf, nil
}

// declaredAddress reads the address a key file declares, if it is one.
func declaredAddress(path string) (common.Address, bool) {
	raw, err := readKeyFile(path)
	if err != nil {
		return common.Address{}, false
	}
	addr, err := fileAddress(raw)
	if err != nil || !common.IsHexAddress(addr) {
		return common.Address{}, false
	}
	return common.HexToAddress(addr), true
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: no key file %s", ErrNoAccount, path)
		}
		return nil, fmt.Errorf("read key file: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxKeyFile))
	if err != nil {
		return nil, fmt.Errorf("read key file %s: %w", path, err)
	}
	return raw, nil
}

// UnlockFile decrypts the key file kf with passphrase and returns a Signer
// for chainID. A wrong passphrase wraps ErrWrongPassphrase and names the
// file; a file whose key is not the address it declares is ErrBadKey.
func UnlockFile(kf KeyFile, passphrase string, chainID *big.Int) (*Signer, error) {
	raw, err := readKeyFile(kf.Path)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	key, err := keystore.DecryptKey(raw, passphrase)
	if errors.Is(err, keystore.ErrDecrypt) {
		if kf.Address != (common.Address{}) {
			return nil, fmt.Errorf("%w for %s in %s", ErrWrongPassphrase, kf.Address.Hex(), filepath.Dir(kf.Path))
		}
		return nil, fmt.Errorf("%w for the key file %s", ErrWrongPassphrase, kf.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the key file %s: %v", ErrBadKey, kf.Path, err)
	}
	if kf.Address != (common.Address{}) && key.Address != kf.Address {
		zero(key.PrivateKey)
		return nil, fmt.Errorf("%w: the key file %s declares %s but holds the key of %s", ErrBadKey, kf.Path, kf.Address.Hex(), key.Address.Hex())
	}
	opts := bind.NewKeyedTransactor(key.PrivateKey, chainID)
	pk := key.PrivateKey
	return &Signer{Opts: opts, Address: key.Address, lock: func() { zero(pk) }}, nil
}

// ImportNamed stores a raw private key as dir/name, encrypted with
// passphrase, the way `cast wallet import NAME` does (the file declares its
// address, so geth and genmint find it by address too). An existing file of
// that name is never overwritten.
func ImportNamed(dir, name string, hexKey []byte, passphrase string, params Scrypt) (Account, error) {
	if passphrase == "" {
		return Account{}, errors.New("refusing an empty passphrase for an imported key")
	}
	if err := checkName(name); err != nil {
		return Account{}, err
	}
	key, err := ParsePrivateKey(hexKey)
	if err != nil {
		return Account{}, err
	}
	defer zero(key)
	ks, err := Open(dir, params)
	if err != nil {
		return Account{}, err
	}
	addr := crypto.PubkeyToAddress(key.PublicKey)
	if a, err := ks.Find(addr); err == nil {
		return Account{}, fmt.Errorf("%w %s in %s (%s)", ErrAccountExists, addr.Hex(), ks.Dir(), a.Path)
	}
	return writeNamed(ks.Dir(), name, key, passphrase, params)
}

// ImportNamedJSON stores a v3 key file under name, re-encrypted with params
// under the same passphrase.
func ImportNamedJSON(dir, name string, keyJSON []byte, passphrase string, params Scrypt) (Account, error) {
	if err := checkName(name); err != nil {
		return Account{}, err
	}
	addr, err := fileAddress(keyJSON)
	if err != nil {
		return Account{}, err
	}
	key, err := keystore.DecryptKey(keyJSON, passphrase)
	if errors.Is(err, keystore.ErrDecrypt) {
		return Account{}, fmt.Errorf("%w for the key file of %s", ErrWrongPassphrase, addr)
	}
	if err != nil {
		return Account{}, fmt.Errorf("%w: the key file of %s: %v", ErrBadKey, addr, err)
	}
	defer zero(key.PrivateKey)
	ks, err := Open(dir, params)
	if err != nil {
		return Account{}, err
	}
	if a, err := ks.Find(key.Address); err == nil {
		return Account{}, fmt.Errorf("%w %s in %s (%s)", ErrAccountExists, key.Address.Hex(), ks.Dir(), a.Path)
	}
	return writeNamed(ks.Dir(), name, key.PrivateKey, passphrase, params)
}

func writeNamed(dir, name string, key *ecdsa.PrivateKey, passphrase string, params Scrypt) (Account, error) {
	addr := crypto.PubkeyToAddress(key.PublicKey)
	id, err := uuid.NewRandom()
	if err != nil {
		return Account{}, err
	}
	data, err := keystore.EncryptKey(&keystore.Key{Id: id, Address: addr, PrivateKey: key}, passphrase, params.N, params.P)
	if err != nil {
		return Account{}, fmt.Errorf("encrypt key: %w", err)
	}
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return Account{}, fmt.Errorf("%w: %s already exists (a key named %s): choose another name", ErrAccountExists, path, name)
	}
	if err != nil {
		return Account{}, fmt.Errorf("store key in %s: %w", dir, err)
	}
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return Account{}, fmt.Errorf("store key in %s: %w", dir, err)
	}
	return Account{Address: addr, Path: path}, nil
}

// checkName refuses names that are not one plain file name.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.HasPrefix(name, ".") ||
		strings.ContainsAny(name, `/\`) || filepath.Base(name) != name {
		return fmt.Errorf("%w: a key's name is a plain file name (letters, digits, - and _), got %q", ErrBadKey, name)
	}
	return nil
}
