// Package wallet keeps the collection owner's keys in a go-ethereum keystore:
// one Web3 Secret Storage (v3) JSON file per key, encrypted with scrypt and
// AES-128-CTR, the format geth, clef, cast and ethers all read and write. A
// key made by any of them can be imported here, and a key made here can be
// used by them.
//
// The rules, the way go-ethereum's ethkey keeps them:
//   - real keys use the standard scrypt parameters (N=2^18, P=1); Light is
//     for tests only;
//   - the keystore folder is 0700 and every key file 0600;
//   - an existing key file is never overwritten;
//   - a passphrase or private key never appears in an error, a log line or
//     argv (see Passphrase): errors name the address and the folder only;
//   - signing goes through the keystore (bind.NewKeyStoreTransactor), and the
//     key stays unlocked only until the returned Signer is locked again.
package wallet

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Sentinels callers branch on.
var (
	// ErrWrongPassphrase: the passphrase does not decrypt the key.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrNoAccount: the keystore has no key for the address.
	ErrNoAccount = errors.New("no keystore account")
	// ErrAccountExists: importing a key the keystore already holds.
	ErrAccountExists = errors.New("the keystore already holds this account")
	// ErrBadKey: a key file or private key that cannot be read.
	ErrBadKey = errors.New("not a usable key")
)

// Scrypt are the key-derivation parameters new key files are encrypted with.
type Scrypt struct{ N, P int }

var (
	// Standard is what real keys use: geth's default (N=2^18, P=1), about a
	// second and 256 MB of memory per encryption or decryption.
	Standard = Scrypt{N: keystore.StandardScryptN, P: keystore.StandardScryptP}
	// Light is fast and weak: tests only.
	Light = Scrypt{N: keystore.LightScryptN, P: keystore.LightScryptP}
)

// DefaultDir is the keystore folder when none is given: ~/.genmint/keystore.
func DefaultDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the home folder for the default keystore: %w: pass --keystore DIR", err)
	}
	return filepath.Join(home, ".genmint", "keystore"), nil
}

// Keystore is an open keystore folder.
type Keystore struct {
	dir string
	ks  *keystore.KeyStore
}

// Account is one key in the keystore.
type Account struct {
	Address common.Address `json:"address"`
	Path    string         `json:"path"` // the key file
}

// Open opens (and creates, 0700) the keystore folder dir. A folder that other
// users may read is tightened to 0700: it holds private keys.
func Open(dir string, params Scrypt) (*Keystore, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("keystore %s: %w", dir, err)
	}
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("keystore %s is a file, not a folder: pass --keystore DIR", abs)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("create keystore %s: %w", abs, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("keystore %s: %w", abs, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(abs, 0o700); err != nil {
			return nil, fmt.Errorf("keystore %s is readable by other users and cannot be made private (0700): %w", abs, err)
		}
	}
	return &Keystore{dir: abs, ks: keystore.NewKeyStore(abs, params.N, params.P)}, nil
}

// Dir is the keystore folder (absolute).
func (k *Keystore) Dir() string { return k.dir }

// Accounts lists the keys, sorted by address.
func (k *Keystore) Accounts() []Account {
	accs := k.ks.Accounts()
	out := make([]Account, len(accs))
	for i, a := range accs {
		out[i] = Account{Address: a.Address, Path: a.URL.Path}
	}
	slices.SortFunc(out, func(a, b Account) int { return bytes.Compare(a.Address[:], b.Address[:]) })
	return out
}

// Find returns the account for addr, or an error wrapping ErrNoAccount that
// says what to do.
func (k *Keystore) Find(addr common.Address) (Account, error) {
	a, err := k.ks.Find(accounts.Account{Address: addr})
	if err != nil {
		var amb *keystore.AmbiguousAddrError
		if errors.As(err, &amb) {
			return Account{}, fmt.Errorf("%s has %d key files in %s: keep one", addr.Hex(), len(amb.Matches), k.dir)
		}
		return Account{}, fmt.Errorf("%w %s in %s: run 'genmint wallet import' or 'genmint wallet new', or pass --keystore", ErrNoAccount, addr.Hex(), k.dir)
	}
	return Account{Address: a.Address, Path: a.URL.Path}, nil
}

// New makes a key, stores it encrypted with passphrase, and returns it.
func (k *Keystore) New(passphrase string) (Account, error) {
	if passphrase == "" {
		return Account{}, errors.New("refusing an empty passphrase for a new key")
	}
	a, err := k.ks.NewAccount(passphrase)
	if err != nil {
		return Account{}, fmt.Errorf("store new key in %s: %w", k.dir, err)
	}
	return Account{Address: a.Address, Path: a.URL.Path}, nil
}

// ImportJSON stores a v3 keystore file made by any implementation (geth,
// clef, cast, ethers…), re-encrypted with this keystore's scrypt parameters
// under the same passphrase. It fails with ErrWrongPassphrase when the
// passphrase does not open it and ErrAccountExists when the key is here already.
func (k *Keystore) ImportJSON(keyJSON []byte, passphrase string) (Account, error) {
	addr, err := fileAddress(keyJSON)
	if err != nil {
		return Account{}, err
	}
	a, err := k.ks.Import(keyJSON, passphrase, passphrase)
	switch {
	case errors.Is(err, keystore.ErrDecrypt):
		return Account{}, fmt.Errorf("%w for the key file of %s", ErrWrongPassphrase, addr)
	case errors.Is(err, keystore.ErrAccountAlreadyExists):
		return Account{}, fmt.Errorf("%w %s in %s", ErrAccountExists, a.Address.Hex(), k.dir)
	case err != nil:
		return Account{}, fmt.Errorf("%w: the key file of %s: %v", ErrBadKey, addr, err)
	}
	return Account{Address: a.Address, Path: a.URL.Path}, nil
}

// fileAddress reads the address a key file claims (for messages), checking
// it is a v3 keystore file at all.
func fileAddress(keyJSON []byte) (string, error) {
	var f struct {
		Address string          `json:"address"`
		Crypto  json.RawMessage `json:"crypto"`
		Crypto2 json.RawMessage `json:"Crypto"`
		Version int             `json:"version"`
	}
	if err := json.Unmarshal(keyJSON, &f); err != nil || (f.Crypto == nil && f.Crypto2 == nil) {
		return "", fmt.Errorf("%w: not a keystore (v3 JSON) file (for a raw hex private key, use --private-key-file)", ErrBadKey)
	}
	if f.Version != 3 {
		return "", fmt.Errorf("%w: keystore file version %d, genmint reads version 3", ErrBadKey, f.Version)
	}
	if f.Address == "" {
		return "an unnamed address", nil
	}
	return common.HexToAddress(f.Address).Hex(), nil
}

// ImportPrivateKey stores a raw private key (64 hex digits, optionally
// 0x-prefixed, surrounding whitespace ignored), encrypted with passphrase.
// Errors never quote the key.
func (k *Keystore) ImportPrivateKey(hexKey []byte, passphrase string) (Account, error) {
	if passphrase == "" {
		return Account{}, errors.New("refusing an empty passphrase for an imported key")
	}
	key, err := ParsePrivateKey(hexKey)
	if err != nil {
		return Account{}, err
	}
	defer zero(key)
	a, err := k.ks.ImportECDSA(key, passphrase)
	if errors.Is(err, keystore.ErrAccountAlreadyExists) {
		return Account{}, fmt.Errorf("%w %s in %s", ErrAccountExists, a.Address.Hex(), k.dir)
	}
	if err != nil {
		return Account{}, fmt.Errorf("store key in %s: %w", k.dir, err)
	}
	return Account{Address: a.Address, Path: a.URL.Path}, nil
}

// ParsePrivateKey reads a hex private key. Its errors never quote the input.
func ParsePrivateKey(hexKey []byte) (*ecdsa.PrivateKey, error) {
	s := strings.TrimSpace(string(hexKey))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(s) != 64 {
		return nil, fmt.Errorf("%w: a private key is 64 hex digits (optionally 0x-prefixed), got %d characters", ErrBadKey, len(s))
	}
	raw, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: a private key is 64 hex digits (optionally 0x-prefixed)", ErrBadKey)
	}
	defer clear(raw)
	key, err := crypto.ToECDSA(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: the private key is out of range for secp256k1", ErrBadKey)
	}
	return key, nil
}

// LooksLikePrivateKey reports whether s is shaped like a raw private key, so
// a command can refuse one passed where a file name belongs (argv is visible
// to every user of the machine) without echoing it.
func LooksLikePrivateKey(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// Signer signs transactions for one unlocked account. Lock it when done.
type Signer struct {
	// Opts carries From and a keystore-backed Signer function
	// (bind.NewKeyStoreTransactor); mint fills in nonces, gas and fees itself.
	Opts *bind.TransactOpts
	// Address is the account that signs.
	Address common.Address
	lock    func()
}

// Lock forgets the decrypted key.
func (s *Signer) Lock() {
	if s.lock != nil {
		s.lock()
	}
}

// Unlock decrypts addr's key with passphrase and returns a Signer for
// chainID. A wrong passphrase is an error wrapping ErrWrongPassphrase that
// names the address and the keystore folder, and nothing else.
func (k *Keystore) Unlock(addr common.Address, passphrase string, chainID *big.Int) (*Signer, error) {
	a, err := k.Find(addr)
	if err != nil {
		return nil, err
	}
	acc := accounts.Account{Address: a.Address, URL: accounts.URL{Scheme: keystore.KeyStoreScheme, Path: a.Path}}
	if err := k.ks.Unlock(acc, passphrase); err != nil {
		if errors.Is(err, keystore.ErrDecrypt) {
			return nil, fmt.Errorf("%w for %s in %s", ErrWrongPassphrase, addr.Hex(), k.dir)
		}
		return nil, fmt.Errorf("unlock %s in %s: %w", addr.Hex(), k.dir, err)
	}
	return &Signer{Opts: bind.NewKeyStoreTransactor(k.ks, acc, chainID), Address: addr, lock: func() { _ = k.ks.Lock(addr) }}, nil
}

func zero(k *ecdsa.PrivateKey) {
	if k != nil && k.D != nil {
		clear(k.D.Bits())
	}
}
