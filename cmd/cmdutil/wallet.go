package cmdutil

import (
	"errors"

	"github.com/spf13/pflag"

	"github.com/genmint/genmint/mint/wallet"
)

// KeyFlags are the flags every command that unlocks a key shares. None of
// them holds a secret: they name where the secret is.
type KeyFlags struct {
	Keystore     string // --keystore DIR (default ~/.genmint/keystore)
	PasswordFile string // --password-file FILE
	PasswordEnv  string // --password-env NAME
}

// Register adds --keystore, --password-file and --password-env to fs.
func (k *KeyFlags) Register(fs *pflag.FlagSet) {
	fs.StringVar(&k.Keystore, "keystore", "", "the keystore `folder` (default ~/.genmint/keystore)")
	fs.StringVar(&k.PasswordFile, "password-file", "", "read the passphrase from the first line of `FILE`")
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

// Dir is the keystore folder: --keystore, else the default.
func (k *KeyFlags) Dir() (string, error) {
	if k.Keystore != "" {
		return k.Keystore, nil
	}
	return wallet.DefaultDir()
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
