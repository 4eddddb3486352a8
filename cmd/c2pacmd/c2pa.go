// Package c2pacmd implements `genmint c2pa init`: the collection's C2PA
// (Content Credentials) signing set-up.
package c2pacmd

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/provenance/c2pa"
)

// InitOptions are the inputs of `genmint c2pa init`.
type InitOptions struct {
	IO     *cmdutil.IOStreams
	Dir    string
	JSON   bool
	Quiet  bool
	Getenv func(string) string
	Now    func() time.Time
	Keys   cmdutil.KeyFlags
	// Scrypt: c2pa.Standard; tests use c2pa.Light.
	Scrypt c2pa.Scrypt
	// Subject names the certificates (the collection's name by default).
	Subject string

	Cert, Key string   // --cert, --key: the user's own chain and key
	Trust     []string // --trust: PEM trust anchors
	TSA       string   // --tsa URL
	Years     int
	Force     bool
}

// NewCmdC2PA builds `genmint c2pa` and `genmint c2pa init`.
func NewCmdC2PA(f *cmdutil.Factory, runF func(*InitOptions) error) *cobra.Command {
	opts := &InitOptions{Scrypt: c2pa.Standard}
	cmd := &cobra.Command{
		Use:   "c2pa <command>",
		Short: "Content Credentials (C2PA): sign every final image",
		Long: `Once a collection has a C2PA set-up, genmint generate signs every final image
with a C2PA manifest (Content Credentials): how it was made (c2pa.created with
its IPTC digital source type, then one action per post-process step), a hard
binding to its bytes, genmint's provenance record hash, prompt, model and
seed, and the provider's own Content Credentials as the parent ingredient
when the provider sent some. genmint verify and show read them back.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.UsageError("unknown command %q for 'genmint c2pa': use init", args[0])
			}
			return c.Help()
		},
	}
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Make the collection's CA and signing certificate, or import your own",
		Long: `Make a certificate authority for this collection and a signing certificate it
issues (C2PA validators reject a self-signed signing certificate), both ECDSA
P-256. The private keys are encrypted with a passphrase and kept in the
keystore folder (default ~/.genmint/keystore/c2pa/, files 0600), never in the
collection folder that gets published; the public certificates go to
.genmint/c2pa/ in the collection, and the CA is the trust anchor genmint
verify checks the signatures against.

With --cert FILE --key FILE, use your own certificate chain (PEM, signing
certificate first, e.g. from a CA on the C2PA trust list) and its ECDSA P-256
private key (PEM, PKCS#8 or SEC 1); name the anchors to trust with --trust.

The passphrase comes from --password-file FILE, --password-env NAME or a
no-echo prompt, as for the wallet. With --tsa URL, every signature also gets
an RFC 3161 timestamp from that authority; without it there is none, and a
signature is only as old as its certificate says.`,
		Example: `  genmint c2pa init
  genmint c2pa init --password-env C2PA_PASS --tsa http://timestamp.example/tsa
  genmint c2pa init --cert chain.pem --key key.pem --trust root.pem`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Dir, opts.JSON, opts.Quiet, opts.Getenv, opts.Now = f.IO, f.Dir, f.JSON, f.Quiet, f.Getenv, f.Now
			if err := opts.Keys.Check(); err != nil {
				return err
			}
			if (opts.Cert == "") != (opts.Key == "") {
				return cmdutil.UsageError("give --cert and --key together (your certificate chain and its private key)")
			}
			if opts.Years < 1 || opts.Years > 30 {
				return cmdutil.UsageError("--years must be between 1 and 30")
			}
			if opts.Subject == "" {
				s, err := f.LoadSpec()
				if err != nil {
					return err
				}
				opts.Subject = s.Name
				if s.Creator != "" {
					opts.Subject = s.Creator + ": " + s.Name
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return initRun(opts)
		},
	}
	fl := initCmd.Flags()
	opts.Keys.Register(fl)
	fl.StringVar(&opts.Cert, "cert", "", "use your own PEM certificate chain `FILE` (signing certificate first)")
	fl.StringVar(&opts.Key, "key", "", "the PEM private key `FILE` of --cert (ECDSA P-256)")
	fl.StringArrayVar(&opts.Trust, "trust", nil, "a PEM trust anchor `FILE` (repeatable; default: the collection's own CA)")
	fl.StringVar(&opts.TSA, "tsa", "", "timestamp every signature with this RFC 3161 authority `URL`")
	fl.IntVar(&opts.Years, "years", 3, "how long the new signing certificate is valid")
	fl.BoolVar(&opts.Force, "force", false, "replace an existing C2PA set-up (images signed before keep their credentials)")
	// --cert and --key name PEM files, never hold a key themselves.
	_ = initCmd.MarkFlagFilename("cert", "pem", "crt")
	_ = initCmd.MarkFlagFilename("key", "pem", "key")
	_ = initCmd.MarkFlagFilename("trust", "pem", "crt")
	cmd.AddCommand(initCmd)
	return cmd
}

// Result is what init prints with --json.
type Result struct {
	Key     string   `json:"key"`
	Chain   string   `json:"chain"`
	Trust   []string `json:"trust,omitempty"`
	Subject string   `json:"subject"`
	Issuer  string   `json:"issuer"`
	Expires string   `json:"expires"`
	TSA     string   `json:"tsa,omitempty"`
}

func initRun(o *InitOptions) error {
	old, err := c2pa.LoadConfig(o.Dir)
	if err != nil && !o.Force {
		return err
	}
	if old != nil && !o.Force {
		return cmdutil.UsageError("this collection already has a C2PA set-up (%s): pass --force to replace it", filepath.Join(c2pa.ConfigDir, "c2pa.json"))
	}
	if o.TSA != "" && !strings.HasPrefix(o.TSA, "http://") && !strings.HasPrefix(o.TSA, "https://") {
		return cmdutil.UsageError("--tsa must be an http:// or https:// URL")
	}
	ksDir, err := o.Keys.Dir()
	if err != nil {
		return cmdutil.AsUsage(err)
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return err
	}
	id := sha256.Sum256([]byte(abs))
	keyDir := filepath.Join(ksDir, "c2pa", slug(filepath.Base(abs))+"-"+hex.EncodeToString(id[:4]))
	if c2pa.Inside(abs, keyDir) {
		return cmdutil.UsageError("the keystore folder %s is inside the collection folder, which gets published: pass --keystore DIR outside it", ksDir)
	}

	cfg := &c2pa.Config{Chain: filepath.ToSlash(filepath.Join(c2pa.ConfigDir, "chain.pem")), TSA: o.TSA}
	var chain []*x509.Certificate
	var newCreds *c2pa.Credentials
	var userKeyPEM []byte
	if o.Cert != "" {
		b, err := os.ReadFile(o.Cert)
		if err != nil {
			return cmdutil.AsUsage(fmt.Errorf("read --cert: %w", err))
		}
		if chain, err = c2pa.ParseCerts(b); err != nil {
			return cmdutil.AsUsage(fmt.Errorf("--cert %s: %w", o.Cert, err))
		}
		if leaf := chain[0]; string(leaf.RawSubject) == string(leaf.RawIssuer) {
			return cmdutil.UsageError("--cert %s is self-signed, which C2PA validators reject: use a certificate a CA issued (or let genmint c2pa init make a CA and one)", o.Cert)
		}
		if userKeyPEM, err = os.ReadFile(o.Key); err != nil {
			// Never echo the value: a key pasted by mistake would be printed.
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return cmdutil.UsageError("read --key: %v: --key names a PEM file holding the private key", err)
		}
	} else {
		if newCreds, err = c2pa.NewCredentials(o.Subject, o.Now(), o.Years); err != nil {
			return err
		}
		chain = []*x509.Certificate{newCreds.Cert, newCreds.CA}
	}
	pw, err := o.Keys.Passphrase(o.IO, o.Getenv).Get("Passphrase for the C2PA signing key: ", true)
	if err != nil {
		return cmdutil.AsUsage(err)
	}
	stamp := hex.EncodeToString(chain[0].SerialNumber.Bytes())
	if len(stamp) > 12 {
		stamp = stamp[:12]
	}
	cfg.Key = filepath.Join(keyDir, "signing-"+stamp+".json")
	if newCreds != nil {
		if err := c2pa.WriteKey(cfg.Key, newCreds.Key, pw, o.Scrypt); err != nil {
			return fmt.Errorf("store the C2PA signing key: %w", err)
		}
		if err := c2pa.WriteKey(filepath.Join(keyDir, "ca-"+stamp+".json"), newCreds.CAKey, pw, o.Scrypt); err != nil {
			return fmt.Errorf("store the C2PA CA key: %w", err)
		}
		ca := filepath.ToSlash(filepath.Join(c2pa.ConfigDir, "ca.pem"))
		if err := writePublic(o.Dir, ca, c2pa.EncodeCerts(newCreds.CA)); err != nil {
			return err
		}
		cfg.Trust = []string{ca}
	} else {
		key, err := c2pa.ParsePrivateKey(userKeyPEM)
		if err != nil {
			return cmdutil.AsUsage(fmt.Errorf("--key %s: %w", o.Key, err))
		}
		if !key.PublicKey.Equal(chain[0].PublicKey) {
			return cmdutil.UsageError("--key %s is not the private key of the first certificate in --cert %s", o.Key, o.Cert)
		}
		if err := c2pa.WriteKey(cfg.Key, key, pw, o.Scrypt); err != nil {
			return fmt.Errorf("store the C2PA signing key: %w", err)
		}
	}
	for i, t := range o.Trust {
		b, err := os.ReadFile(t)
		if err != nil {
			return cmdutil.AsUsage(fmt.Errorf("read --trust: %w", err))
		}
		if _, err := c2pa.ParseCerts(b); err != nil {
			return cmdutil.AsUsage(fmt.Errorf("--trust %s: %w", t, err))
		}
		rel := filepath.ToSlash(filepath.Join(c2pa.ConfigDir, fmt.Sprintf("trust-%d.pem", i+1)))
		if err := writePublic(o.Dir, rel, b); err != nil {
			return err
		}
		cfg.Trust = append(cfg.Trust, rel)
	}
	if err := writePublic(o.Dir, cfg.Chain, c2pa.EncodeCerts(chain...)); err != nil {
		return err
	}
	if err := cfg.Save(o.Dir); err != nil {
		return err
	}
	res := Result{Key: cfg.Key, Chain: cfg.Chain, Trust: cfg.Trust, Subject: chain[0].Subject.String(),
		Issuer: chain[0].Issuer.String(), Expires: chain[0].NotAfter.UTC().Format(time.DateOnly), TSA: cfg.TSA}
	if o.JSON {
		return cmdutil.PrintJSON(o.IO.Out, res)
	}
	if o.Quiet {
		return nil
	}
	fmt.Fprintf(o.IO.Out, "C2PA signing certificate: %s\n  issued by %s, valid until %s\n", res.Subject, res.Issuer, res.Expires)
	fmt.Fprintf(o.IO.Out, "  private key (encrypted, 0600): %s\n  certificates: %s\n", res.Key, filepath.Dir(res.Chain))
	if len(res.Trust) == 0 {
		fmt.Fprintln(o.IO.Out, "  no trust anchor: verify will call these signatures untrusted (pass --trust FILE)")
	}
	if res.TSA == "" {
		fmt.Fprintln(o.IO.Out, "  no timestamp authority: signatures carry no RFC 3161 timestamp (pass --tsa URL)")
	}
	fmt.Fprintln(o.IO.Out, "Back up the key file and its passphrase. genmint generate now signs every final image.")
	return nil
}

func writePublic(dir, rel string, data []byte) error {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return errors.New("write " + rel + ": " + err.Error())
	}
	return nil
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "collection"
	}
	if len(out) > 40 {
		out = out[:40]
	}
	return out
}
