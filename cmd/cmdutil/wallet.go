package cmdutil

import (
	"errors"
	"fmt"
	"math/big"
	"os"

	"github.com/spf13/pflag"

	"github.com/genmint/genmint/mint/wallet"
)

// Foundry's environment variables, honoured as cast honours them when the
// matching flag is not given.
const (
	EnvKeystore        = "ETH_KEYSTORE"         // --keystore: a keystore folder, or one key file
	EnvKeystoreAccount = "ETH_KEYSTORE_ACCOUNT" // --account: a name, an address or a key file
	EnvPassword        = "ETH_PASSWORD"         // --password-file: a file holding the passphrase
)

// KeyFlags are the flags every command that unlocks a key shares. None of
// them holds a secret: they name where the secret is.
type KeyFlags struct {
	Keystore     string // --keystore DIR|FILE (default ~/.genmint/keystore)
	PasswordFile string // --password-file FILE
	PasswordEnv  string // --password-env NAME
}

// Register adds --keystore, --password-file and --password-env to fs.
func (k *KeyFlags) Register(fs *pflag.FlagSet) {
	fs.StringVar(&k.Keystore, "keystore", "", "the keystore `folder`, or one key file (default $"+EnvKeystore+", else ~/.genmint/keystore)")
	fs.StringVar(&k.PasswordFile, "password-file", "", "read the passphrase from the first line of `FILE` (default $"+EnvPassword+")")
	fs.StringVar(&k.PasswordEnv, "password-env", "", "read the passphrase from the environment variable `NAME`")
}

// Check reports a bad flag combination as a usage error.
func (k *KeyFlags) Check() error {
	if k.PasswordFile != "" && k.PasswordEnv != "" {
		return UsageError("give --password-file or --password-env, not both")
	}
	if k.PasswordEnv != "" {
		return AsUsage(wallet.CheckEnvName(k.PasswordEnv))
	}
	return nil
}

// FromEnv fills what the flags left unset from Foundry's variables:
// $ETH_KEYSTORE for --keystore, $ETH_PASSWORD (a file) for --password-file
// when neither passphrase flag is given.
func (k *KeyFlags) FromEnv(getenv func(string) string) {
	if getenv == nil {
		return
	}
	if k.Keystore == "" {
		k.Keystore = getenv(EnvKeystore)
	}
	if k.PasswordFile == "" && k.PasswordEnv == "" {
		k.PasswordFile = getenv(EnvPassword)
	}
}

// Dir is the keystore folder: --keystore, else the default.
func (k *KeyFlags) Dir() (string, error) {
	if k.Keystore != "" {
		return k.Keystore, nil
	}
	return wallet.DefaultDir()
}

// keyFile reports whether --keystore names one key file rather than a folder.
func (k *KeyFlags) keyFile() bool {
	if k.Keystore == "" {
		return false
	}
	fi, err := os.Stat(k.Keystore)
	return err == nil && fi.Mode().IsRegular()
}

// SearchDirs are the folders an account name or address is looked for in,
// in order: --keystore DIR, genmint's default keystore, ~/.foundry/keystores.
func (k *KeyFlags) SearchDirs() []string {
	var dirs []string
	if k.Keystore != "" && !k.keyFile() {
		dirs = append(dirs, k.Keystore)
	}
	if d, err := wallet.DefaultDir(); err == nil && d != k.Keystore {
		dirs = append(dirs, d)
	}
	if d, err := wallet.FoundryDir(); err == nil {
		dirs = append(dirs, d)
	}
	return dirs
}

// HasAccount reports whether an account is named: account (--account) or
// --keystore naming a key file.
func (k *KeyFlags) HasAccount(account string) bool { return account != "" || k.keyFile() }

// ResolveAccount finds the key file for account (--account: a name, an
// address or a key file's path; see wallet.ResolveAccount). With no
// account, --keystore naming one key file is that account.
func (k *KeyFlags) ResolveAccount(account string) (wallet.KeyFile, error) {
	if account == "" && k.keyFile() {
		return wallet.ResolveAccount(k.Keystore, nil)
	}
	kf, err := wallet.ResolveAccount(account, k.SearchDirs())
	return kf, KeyError(err)
}

// Unlock resolves account, reads the passphrase (flags, else a prompt on a
// terminal) and decrypts the key for chainID. Unless quiet, it says on
// stderr which key file was chosen. Lock the signer when done.
func (k *KeyFlags) Unlock(io *IOStreams, getenv func(string) string, account string, chainID uint64, quiet bool) (*wallet.Signer, error) {
	kf, err := k.ResolveAccount(account)
	if err != nil {
		return nil, err
	}
	who := kf.Path
	if kf.Address != (wallet.KeyFile{}).Address {
		who = kf.Address.Hex()
	}
	pw, err := k.Passphrase(io, getenv).Get(fmt.Sprintf("Passphrase for %s: ", who), false)
	if err != nil {
		return nil, AsUsage(err)
	}
	signer, err := wallet.UnlockFile(kf, pw, new(big.Int).SetUint64(chainID))
	if err != nil {
		return nil, KeyError(err)
	}
	if !quiet {
		fmt.Fprintf(io.ErrOut, "account %s: key file %s (by %s)\n", signer.Address.Hex(), kf.Path, kf.By)
	}
	return signer, nil
}

// Passphrase says where the passphrase comes from: the flags, else a no-echo
// prompt when the streams are interactive.
func (k *KeyFlags) Passphrase(io *IOStreams, getenv func(string) string) wallet.Passphrase {
	return wallet.Passphrase{File: k.PasswordFile, Env: k.PasswordEnv, Getenv: getenv, Prompt: io.SecretPrompt()}
}

// KeyError maps wallet errors to exit codes: a missing passphrase source, a
// wrong passphrase, an unknown account or an unusable key file are bad input
// (2), so a script can tell them from a chain failure (1).
func KeyError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wallet.ErrNoPassphrase), errors.Is(err, wallet.ErrWrongPassphrase),
		errors.Is(err, wallet.ErrNoAccount), errors.Is(err, wallet.ErrBadKey), errors.Is(err, wallet.ErrAccountExists),
		errors.Is(err, wallet.ErrEnvNotAName):
		return AsUsage(err)
	}
	return err
}
