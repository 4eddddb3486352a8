package root

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/genmint/genmint/cmd/cmdutil"
)

// TestNoFlagTakesASecret walks every command: a flag about a passphrase, a
// password, a private key, a mnemonic or a token may only name a file or an
// environment variable holding it, never carry the secret in argv.
func TestNoFlagTakesASecret(t *testing.T) {
	io, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: io, Getenv: func(string) string { return "" }, Dir: "."}
	var walk func(c *cobra.Command)
	seen := 0
	walk = func(c *cobra.Command) {
		check := func(fl *pflag.Flag) {
			seen++
			name := strings.ToLower(fl.Name)
			for _, word := range []string{"pass", "private", "secret", "mnemonic", "token", "seed-phrase"} {
				if strings.Contains(name, word) && !strings.HasSuffix(name, "-file") && !strings.HasSuffix(name, "-env") {
					t.Errorf("genmint %s --%s could carry a secret in argv: take a -file or -env flag instead", c.CommandPath(), fl.Name)
				}
			}
			// A flag cobra knows takes a file name (MarkFlagFilename), like
			// c2pa init's --key FILE, names where the key is.
			_, namesFile := fl.Annotations[cobra.BashCompFilenameExt]
			if (name == "key" || strings.HasSuffix(name, "-key")) && !namesFile {
				t.Errorf("genmint %s --%s could carry a key in argv", c.CommandPath(), fl.Name)
			}
		}
		c.LocalFlags().VisitAll(check)
		c.PersistentFlags().VisitAll(check)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewCmdRoot(f))
	if seen < 30 {
		t.Fatalf("only %d flags seen: the walk missed commands", seen)
	}
}
