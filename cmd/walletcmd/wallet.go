// Package walletcmd implements `genmint wallet new|import|list`.
package walletcmd

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/mint/wallet"
)

// WalletOptions are the inputs shared by the wallet subcommands.
type WalletOptions struct {
	IO     *cmdutil.IOStreams
	JSON   bool
	Quiet  bool
	Getenv func(string) string
	Keys   cmdutil.KeyFlags
	// Scrypt are the parameters new key files get: wallet.Standard; tests
	// use wallet.Light.
	Scrypt wallet.Scrypt

	// import
	KeyFile        string // a v3 keystore file
	PrivateKeyFile string // a file holding a raw hex key, or "-" for stdin
	Name           string // import NAME: store the key as the file NAME, as `cast wallet import NAME` does
}

// NewCmdWallet builds `genmint wallet` and its subcommands. runF, when set,
// receives the subcommand's name and options instead of running it.
func NewCmdWallet(f *cmdutil.Factory, runF func(sub string, o *WalletOptions) error) *cobra.Command {
	opts := &WalletOptions{IO: f.IO, Getenv: f.Getenv, Scrypt: wallet.Standard}
	cmd := &cobra.Command{
		Use:   "wallet <command>",
		Short: "Manage the keys that deploy and mint collections",
		Long: `Keys live in a go-ethereum keystore folder (default ~/.genmint/keystore,
mode 0700): one Web3 Secret Storage (v3) JSON file per key (mode 0600),
encrypted with the standard scrypt parameters, the format geth, clef, cast
and ethers read and write. Keys made elsewhere can be imported, and keys
made here work there.

The passphrase is never an argument: it comes from --password-file FILE (its
first line), or the environment variable named by --password-env NAME, or a
prompt that does not echo on a terminal, in that order. Without a terminal
and without either flag, the command exits 2.`,
		Example: `  genmint wallet new
  genmint wallet import ~/.foundry/keystores/deployer --password-file pw.txt
  genmint wallet import --private-key-file key.hex
  genmint wallet import deployer --private-key-file key.hex   # stored as <keystore>/deployer, as cast does
  op read op://vault/key | genmint wallet import --private-key-file - --password-env KEY_PASS
  genmint wallet list --json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.UsageError("unknown command %q for 'genmint wallet': use new, import or list", args[0])
			}
			return c.Help()
		},
	}
	pf := cmd.PersistentFlags()
	opts.Keys.Register(pf)

	run := func(sub string, fn func(*WalletOptions) error) func(*cobra.Command, []string) error {
		return func(c *cobra.Command, args []string) error {
			opts.JSON, opts.Quiet, opts.Getenv = f.JSON, f.Quiet, f.Getenv
			if err := opts.Keys.Check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(sub, opts)
			}
			return fn(opts)
		}
	}

	newCmd := &cobra.Command{
		Use:   "new",
		Short: "Make a key and store it encrypted",
		Long: `Make a new key, store it encrypted with a passphrase (asked twice on a
terminal), and print its address. Back up the key file and the passphrase:
without both, the collection's ownership is lost.`,
		Args: cobra.NoArgs,
		RunE: run("new", walletNew),
	}
	importCmd := &cobra.Command{
		Use:   "import [KEYFILE | NAME --private-key-file FILE]",
		Short: "Import a keystore file, or a raw private key from a file or stdin",
		Long: `Import a v3 keystore file made by geth, clef, cast, ethers or another
wallet (KEYFILE; its passphrase is asked for and kept), or a raw hex private
key read from --private-key-file FILE, or from stdin with --private-key-file -
(it is then encrypted with the passphrase). A private key is never accepted
on the command line, where other users of the machine can read it. An account
already in the keystore is never overwritten.

With a NAME and --private-key-file, the key is stored as the file NAME in the
keystore folder, the way 'cast wallet import NAME' stores it, and
'--account NAME' finds it (so does cast, with --keystore pointing at it).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				if wallet.LooksLikePrivateKey(args[0]) {
					return cmdutil.UsageError("that looks like a private key: never put one on the command line (other users can read it): save it in a file and pass --private-key-file FILE, or pipe it with --private-key-file -")
				}
				if fi, err := os.Stat(args[0]); err == nil && fi.Mode().IsRegular() && opts.PrivateKeyFile != "" {
					return cmdutil.UsageError("give a keystore file, or NAME --private-key-file FILE: one of the two (%s is a file)", args[0])
				}
				if opts.PrivateKeyFile != "" {
					opts.Name = args[0] // import NAME --private-key-file FILE
				} else {
					opts.KeyFile = args[0]
				}
			}
			if (opts.KeyFile == "") == (opts.PrivateKeyFile == "") {
				return cmdutil.UsageError("give a keystore file, or --private-key-file FILE (- for stdin): one of the two")
			}
			return run("import", walletImport)(c, args)
		},
	}
	importCmd.Flags().StringVar(&opts.PrivateKeyFile, "private-key-file", "", "read a hex private key from `FILE` (- for stdin)")
	listCmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the keystore's accounts",
		Args:    cobra.NoArgs,
		RunE:    run("list", walletList),
	}
	cmd.AddCommand(newCmd, importCmd, listCmd)
	return cmd
}

func (o *WalletOptions) open() (*wallet.Keystore, error) {
	dir, err := o.Keys.Dir()
	if err != nil {
		return nil, err
	}
	return wallet.Open(dir, o.Scrypt)
}

// walletNew makes a key.
func walletNew(o *WalletOptions) error {
	ks, err := o.open()
	if err != nil {
		return err
	}
	pw, err := o.Keys.Passphrase(o.IO, o.Getenv).Get("Passphrase for the new key: ", true)
	if err != nil {
		return cmdutil.AsUsage(err)
	}
	a, err := ks.New(pw)
	if err != nil {
		return cmdutil.KeyError(err)
	}
	return o.print(a, "New key")
}

// walletImport stores a key made elsewhere.
func walletImport(o *WalletOptions) error {
	ks, err := o.open()
	if err != nil {
		return err
	}
	var a wallet.Account
	if o.KeyFile != "" {
		raw, err := os.ReadFile(o.KeyFile)
		if err != nil {
			return cmdutil.AsUsage(fmt.Errorf("read key file: %w", err))
		}
		pw, err := o.Keys.Passphrase(o.IO, o.Getenv).Get("Passphrase of the key file: ", false)
		if err != nil {
			return cmdutil.AsUsage(err)
		}
		if a, err = ks.ImportJSON(raw, pw); err != nil {
			return cmdutil.KeyError(err)
		}
		return o.print(a, "Imported")
	}
	var raw []byte
	if o.PrivateKeyFile == "-" {
		raw, err = io.ReadAll(io.LimitReader(o.IO.In, 4096))
	} else {
		raw, err = os.ReadFile(o.PrivateKeyFile)
	}
	if err != nil {
		return cmdutil.AsUsage(fmt.Errorf("read --private-key-file: %w", err))
	}
	defer clear(raw)
	pw, err := o.Keys.Passphrase(o.IO, o.Getenv).Get("Passphrase to encrypt the key with: ", true)
	if err != nil {
		return cmdutil.AsUsage(err)
	}
	if o.Name != "" {
		if a, err = wallet.ImportNamed(ks.Dir(), o.Name, raw, pw, o.Scrypt); err != nil {
			return cmdutil.KeyError(err)
		}
		return o.print(a, "Imported "+o.Name+":")
	}
	if a, err = ks.ImportPrivateKey(raw, pw); err != nil {
		return cmdutil.KeyError(err)
	}
	return o.print(a, "Imported")
}

// walletList prints the accounts.
func walletList(o *WalletOptions) error {
	ks, err := o.open()
	if err != nil {
		return err
	}
	accs := ks.Accounts()
	if o.JSON {
		if accs == nil {
			accs = []wallet.Account{}
		}
		return cmdutil.PrintJSON(o.IO.Out, map[string]any{"keystore": ks.Dir(), "accounts": accs})
	}
	if len(accs) == 0 && !o.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "No keys in %s: run 'genmint wallet new' or 'genmint wallet import'.\n", ks.Dir())
	}
	for _, a := range accs {
		fmt.Fprintf(o.IO.Out, "%s\t%s\n", a.Address.Hex(), a.Path)
	}
	return nil
}

func (o *WalletOptions) print(a wallet.Account, what string) error {
	if o.JSON {
		return cmdutil.PrintJSON(o.IO.Out, a)
	}
	fmt.Fprintln(o.IO.Out, a.Address.Hex())
	if !o.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "%s %s in %s\n", what, a.Address.Hex(), a.Path)
	}
	return nil
}
