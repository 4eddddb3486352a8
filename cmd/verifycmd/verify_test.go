package verifycmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/cmd/cmdutil/cmdutiltest"
	"github.com/genmint/genmint/internal/usage"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/verify"
)

func TestParsing(t *testing.T) {
	cases := []struct {
		args    []string
		wantErr string
		check   func(*VerifyOptions) bool
	}{
		{args: []string{"--rpc", "http://x", "--contract", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "--gateway", "https://ipfs.io", "--only", "2-4", "-j", "8", "--erc7007", "--timeout", "30s"},
			check: func(o *VerifyOptions) bool {
				return o.RPC == "http://x" && o.Contract != "" && o.Gateway == "https://ipfs.io" && len(o.Only) == 3 && o.Concurrency == 8 && o.RequireAIGC && o.Timeout == 30*time.Second
			}},
		{args: []string{"--local", "--only", "1"}, check: func(o *VerifyOptions) bool { return o.Local && o.Only[0] == 1 }},
		{args: []string{"--car", "c.car"}, check: func(o *VerifyOptions) bool { return o.CAR == "c.car" && o.Chain != nil && o.Content != nil }},
		{args: []string{"--local", "--car", "c.car"}, wantErr: "--local reads no chain and no network"},
		{args: []string{"--local", "--rpc", "http://x"}, wantErr: "--local reads no chain and no network"},
		{args: []string{"--car", "c.car", "--gateway", "https://ipfs.io"}, wantErr: "give one of --ipfs-api, --gateway and --car"},
		{args: []string{"--ipfs-api", "https://rpc.example", "--ipfs-api-auth-env", "KUBO_AUTH"},
			check: func(o *VerifyOptions) bool {
				return o.IPFSAPI == "https://rpc.example" && o.IPFSAPIAuthEnv == "KUBO_AUTH"
			}},
		{args: []string{"--ipfs-api-auth-env", "KUBO_AUTH"}, wantErr: "--ipfs-api-auth-env names the header for the node given by --ipfs-api URL"},
		{args: []string{"--only", "3-1"}, wantErr: "--only: bad item ids"},
		{args: []string{"-j", "-1"}, wantErr: "must not be negative"},
		{args: []string{"extra"}, wantErr: "unknown command"},
	}
	for _, tc := range cases {
		io, _, _, _ := cmdutil.Test()
		f := &cmdutil.Factory{IO: io, Dir: "."}
		var got *VerifyOptions
		cmd := NewCmdVerify(f, func(o *VerifyOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(io.Out)
		cmd.SetErr(io.ErrOut)
		err := cmd.Execute()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: err = %v, want %q", tc.args, err, tc.wantErr)
			} else if tc.args[0] != "extra" && cmdutil.CodeOf(err) != cmdutil.ExitUsage {
				t.Errorf("%v: exit %d, want 2", tc.args, cmdutil.CodeOf(err))
			}
			continue
		}
		if err != nil || !tc.check(got) {
			t.Errorf("%v: err = %v, options = %+v", tc.args, err, got)
		}
	}
}

// smallSpec is a collection of two items, generated offline.
const smallSpec = `name: Verify Defaults
symbol: VDEF
count: 2
seed: 11
provider:
  name: procedural
  params: {width: 32, height: 32}
prompt: "{{.palette}} rings"
traits:
  palette: [ocean, ember]
`

// TestMintDefaults: the lead wires MintDefaults from mint's state; the
// flags it supplies are used, and flags given win.
func TestMintDefaults(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(smallSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	io, _, out, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: io, Dir: dir, Getenv: func(string) string { return "" }, Now: time.Now}
	car := filepath.Join(dir, "collection.car")
	cmdutiltest.Pinned(t, f, car)
	var dialled []string
	o := &VerifyOptions{IO: io, Dir: dir, State: f.OpenState, CAR: car,
		MintDefaults: func(ctx context.Context, db *state.DB) (string, string, bool, error) {
			return "http://recorded:8545", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", true, nil
		}}
	o.Content = func(ctx context.Context) (verify.Content, error) { return verify.OpenCAR(o.CAR) }
	o.Chain = func(ctx context.Context) (verify.Chain, error) {
		dialled = append(dialled, o.RPC+" "+o.Contract)
		return nil, usage.Err
	}
	o.RPC = "http://flag:8545"
	err := verifyRun(context.Background(), o)
	if cmdutil.CodeOf(err) != cmdutil.ExitUsage || len(dialled) != 1 || dialled[0] != "http://flag:8545 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" {
		t.Fatalf("err %v, dialled %v, out %s", err, dialled, out)
	}
}
