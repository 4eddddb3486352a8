package pincmd

import (
	"strings"
	"testing"

	"github.com/genmint/genmint/cmd/cmdutil"
)

// --pinata-api points --upload pinata at a Pinata-compatible API; it is
// refused without --upload pinata, and when it is not an http(s) URL.
func TestParsePinataAPI(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
		want string
	}{
		{args: []string{"--upload", "pinata"}, want: ""},
		{args: []string{"--upload", "pinata", "--pinata-api", "https://pinata.example/v3"}, want: "https://pinata.example/v3"},
		{args: []string{"--pinata-api", "https://pinata.example/v3"}, err: "--pinata-api is for --upload pinata"},
		{args: []string{"--upload", "s3://b", "--pinata-api", "https://pinata.example/v3"}, err: "--pinata-api is for --upload pinata"},
		{args: []string{"--upload", "pinata", "--pinata-api", "pinata.example"}, err: "want the v3 API's URL"},
		{args: []string{"--upload", "pinata", "--pinata-api", "ftp://pinata.example/KEY-IN-PATH"}, err: "--pinata-api ftp://pinata.example/…: want"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			io, _, _, _ := cmdutil.Test()
			f := &cmdutil.Factory{IO: io, Dir: ".", Getenv: func(string) string { return "" }}
			var got *PinOptions
			cmd := NewCmdPin(f, func(o *PinOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(io.ErrOut)
			cmd.SetErr(io.ErrOut)
			err := cmd.Execute()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || cmdutil.CodeOf(err) != cmdutil.ExitUsage {
					t.Fatalf("err = %v (exit %d), want usage error %q", err, cmdutil.CodeOf(err), tc.err)
				}
				return
			}
			if err != nil || got == nil || got.PinataAPI != tc.want {
				t.Fatalf("err %v, options %+v", err, got)
			}
		})
	}
}
