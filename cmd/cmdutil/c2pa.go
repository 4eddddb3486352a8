package cmdutil

import (
	"errors"

	"github.com/spf13/pflag"

	"github.com/genmint/genmint/mint/wallet"
	"github.com/genmint/genmint/provenance/c2pa"
)

// RegisterC2PAKeys adds --c2pa-password-file and --c2pa-password-env, the
// sources of the collection's C2PA signing-key passphrase, to fs (commands
// that make final images: generate). Neither holds the secret.
func (f *Factory) RegisterC2PAKeys(fs *pflag.FlagSet) {
	fs.StringVar(&f.C2PAKeys.PasswordFile, "c2pa-password-file", "", "read the C2PA signing key's passphrase from the first line of `FILE`")
	fs.StringVar(&f.C2PAKeys.PasswordEnv, "c2pa-password-env", "", "read the C2PA signing key's passphrase from the environment variable `NAME`")
}

// C2PASigner unlocks the collection's C2PA signing key (genmint c2pa init);
// nil when the collection has no C2PA set-up. The passphrase comes from
// f.C2PAKeys or a no-echo prompt, as the wallet's does.
func (f *Factory) C2PASigner(dir string) (*c2pa.Signer, error) {
	cfg, err := c2pa.LoadConfig(dir)
	if err != nil {
		return nil, AsUsage(err)
	}
	if cfg == nil {
		return nil, nil
	}
	if f.C2PAKeys.PasswordFile != "" && f.C2PAKeys.PasswordEnv != "" {
		return nil, UsageError("give --c2pa-password-file or --c2pa-password-env, not both")
	}
	p := wallet.Passphrase{File: f.C2PAKeys.PasswordFile, Env: f.C2PAKeys.PasswordEnv, Getenv: f.Getenv, Prompt: f.IO.SecretPrompt()}
	pw, err := p.Get("Passphrase of the collection's C2PA signing key: ", false)
	if errors.Is(err, wallet.ErrNoPassphrase) {
		return nil, UsageError("this collection signs its images with Content Credentials (genmint c2pa init): pass --c2pa-password-file FILE or --c2pa-password-env NAME for its key's passphrase")
	}
	if err != nil {
		return nil, AsUsage(err)
	}
	now := f.Now
	if now == nil {
		now = Clock(f.Getenv)
	}
	s, err := cfg.Signer(dir, pw, now())
	if err != nil {
		return nil, AsUsage(err)
	}
	s.Generator, s.Version = "genmint", f.Version
	return s, nil
}
