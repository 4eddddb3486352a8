package runcmd

import (
	"strings"
	"testing"

	"github.com/genmint/genmint/cmd/cmdutil"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		env   map[string]string
		err   string
		check func(*RunOptions) bool
	}{
		{args: []string{"--keep-all", "--car", "c.car", "--no-mint"}, check: func(o *RunOptions) bool { return o.KeepAll && o.NoMint && o.CAR == "c.car" }},
		{args: []string{"--keep", "1-3,5", "--rpc", "http://x", "--account", "deployer"}, check: func(o *RunOptions) bool {
			return len(o.Keep) == 4 && o.RPC == "http://x" && o.Account == "deployer"
		}},
		{args: []string{"--keep-all"}, env: map[string]string{cmdutil.RPCEnv: "http://env", cmdutil.EnvKeystoreAccount: "ci", cmdutil.EnvPassword: "/pw"},
			check: func(o *RunOptions) bool {
				return o.RPC == "http://env" && o.Account == "ci" && o.Keys.PasswordFile == "/pw"
			}},
		{args: []string{"--keep-all", "--keep-starred", "--no-mint"}, err: "give one decision policy"},
		{args: []string{"--keep", "x", "--no-mint"}, err: "--keep:"},
		{args: []string{"--keep-all"}, err: "--rpc URL is needed to mint"},
		{args: []string{"--keep-all", "--rpc", "http://x"}, err: "--account NAME|ADDRESS is needed to mint"},
		{args: []string{"--no-mint", "--no-verify"}, err: "nothing after pinning"},
		{args: []string{"--no-mint", "--car", "a", "--ipfs-api", "b"}, err: "not both"},
		{args: []string{"--no-mint", "--ipfs-api-auth-env", "KUBO_AUTH"}, err: "--ipfs-api-auth-env names the header for the node given by --ipfs-api URL"},
		{args: []string{"--no-mint", "--ipfs-api", "https://rpc.example", "--ipfs-api-auth-env", "KUBO_AUTH"},
			check: func(o *RunOptions) bool { return o.IPFSAPI == "https://rpc.example" && o.IPFSAPIAuthEnv == "KUBO_AUTH" }},
		{args: []string{"--no-mint", "--max-spend", "-1"}, err: "must not be negative"},
		{args: []string{"--no-mint", "--pinning-service", "https://p"}, err: "--pinning-service-token-env"},
		{args: []string{"--rpc", "http://x", "--account", "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"}, err: "looks like a private key"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			io, _, _, _ := cmdutil.Test()
			f := &cmdutil.Factory{IO: io, Dir: ".", Getenv: func(k string) string { return tc.env[k] }}
			var got *RunOptions
			cmd := NewCmdRun(f, func(o *RunOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(io.ErrOut)
			cmd.SetErr(io.ErrOut)
			err := cmd.Execute()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || cmdutil.CodeOf(err) != cmdutil.ExitUsage {
					t.Fatalf("err = %v (exit %d), want usage error %q", err, cmdutil.CodeOf(err), tc.err)
				}
				if strings.Contains(err.Error(), "ac0974bec39a") {
					t.Fatal("the error quotes the key")
				}
				return
			}
			if err != nil || got == nil || !tc.check(got) {
				t.Fatalf("err %v, options %+v", err, got)
			}
		})
	}
}
