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

// --s3-endpoint is host-only: a path (which S3 clients drop) is refused,
// naming where the bucket and prefix go, without quoting the path.
func TestParseS3EndpointRefusesAPath(t *testing.T) {
	for _, tc := range []struct {
		endpoint string
		err      string
	}{
		{endpoint: "https://s3.filebase.com"},
		{endpoint: "https://s3.filebase.com/"},
		{endpoint: "http://127.0.0.1:9000"},
		{endpoint: "https://s3.example.com/my-bucket/KEY-IN-PATH", err: "--s3-endpoint https://s3.example.com/… has a path: S3 endpoints are host-only (https://host[:port]); put the bucket and prefix in --upload s3://BUCKET/PREFIX"},
		{endpoint: "https://s3.example.com?x=1", err: "S3 endpoints are host-only"},
	} {
		t.Run(tc.endpoint, func(t *testing.T) {
			io, _, _, _ := cmdutil.Test()
			f := &cmdutil.Factory{IO: io, Dir: ".", Getenv: func(string) string { return "" }}
			var got *PinOptions
			cmd := NewCmdPin(f, func(o *PinOptions) error { got = o; return nil })
			cmd.SetArgs([]string{"--upload", "s3://bucket/prefix", "--s3-endpoint", tc.endpoint})
			cmd.SetOut(io.ErrOut)
			cmd.SetErr(io.ErrOut)
			err := cmd.Execute()
			if tc.err == "" {
				if err != nil || got == nil || got.S3Endpoint != tc.endpoint {
					t.Fatalf("err %v, options %+v", err, got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "KEY-IN-PATH") ||
				strings.Contains(err.Error(), "\n") || cmdutil.CodeOf(err) != cmdutil.ExitUsage || got != nil {
				t.Fatalf("err = %v (exit %d), want one-line usage error %q", err, cmdutil.CodeOf(err), tc.err)
			}
		})
	}
}
