package walletcmd

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/mint/wallet"
)

const anvilKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"

func TestParseImport(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
		sub  string
	}{
		{args: []string{"import", "key.json"}, sub: "import"},
		{args: []string{"import", "--private-key-file", "-"}, sub: "import"},
		{args: []string{"import"}, err: "give a keystore file, or --private-key-file FILE (- for stdin): one of the two"},
		{args: []string{"import", "wallet.go", "--private-key-file", "f"}, err: "one of the two"},
		{args: []string{"import", "deployer", "--private-key-file", "f"}, sub: "import"},
		{args: []string{"import", anvilKey}, err: "that looks like a private key"},
		{args: []string{"new", "--password-file", "a", "--password-env", "B"}, err: "not both"},
		{args: []string{"list"}, sub: "list"},
	} {
		io, _, _, _ := cmdutil.Test()
		f := &cmdutil.Factory{IO: io, Dir: "."}
		var ran string
		cmd := NewCmdWallet(f, func(sub string, o *WalletOptions) error { ran = sub; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(io.ErrOut)
		cmd.SetErr(io.ErrOut)
		err := cmd.Execute()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || cmdutil.CodeOf(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err %v, want %q", tc.args, err, tc.err)
			}
			if strings.Contains(err.Error(), anvilKey[2:10]) {
				t.Errorf("%v: the error quotes the key", tc.args)
			}
			continue
		}
		if err != nil || ran != tc.sub {
			t.Errorf("%v: ran %q, %v", tc.args, ran, err)
		}
	}
}

func TestNewImportListOnTerminal(t *testing.T) {
	io, in, out, errOut := cmdutil.Test()
	io.SetTTY(true, true, true)
	answers := []string{"first", "second"}
	io.SetSecretPrompt(func(string) (string, error) { a := answers[0]; answers = answers[1:]; return a, nil })
	o := &WalletOptions{IO: io, Scrypt: wallet.Light, Getenv: func(string) string { return "" }}
	o.Keys.Keystore = filepath.Join(t.TempDir(), "ks")

	if err := walletNew(o); err == nil || !strings.Contains(err.Error(), "do not match") || cmdutil.CodeOf(err) != cmdutil.ExitUsage {
		t.Fatalf("mismatched passphrases: %v", err)
	}
	answers = []string{"pw", "pw"}
	if err := walletNew(o); err != nil {
		t.Fatal(err)
	}
	// A raw key from stdin, its passphrase from the prompt.
	in.WriteString(anvilKey + "\n")
	answers = []string{"pw2", "pw2"}
	o.PrivateKeyFile = "-"
	if err := walletImport(o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0x70997970C51812dc3A010C7d01b50e0d17dc79C8") || strings.Contains(out.String()+errOut.String(), anvilKey[2:]) {
		t.Fatalf("stdout %q", out.String())
	}
	out.Reset()
	o.JSON = true
	if err := walletList(o); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Accounts []wallet.Account `json:"accounts"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || len(doc.Accounts) != 2 {
		t.Fatalf("list: %v %s", err, out.String())
	}
}
