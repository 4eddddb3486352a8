package generatecmd

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/generatetest"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

const specText = `name: Cmd Test
symbol: CT
count: 6
seed: 5
provider: fake
prompt: "{{.a}} {{.b}}"
traits:
  a: [x, y, z]
  b: [p, q]
`

func TestParsing(t *testing.T) {
	cases := []struct {
		args    []string
		wantErr string
		check   func(*GenerateOptions) bool
	}{
		{args: []string{"--only", "3,7-9", "--force"}, check: func(o *GenerateOptions) bool {
			return len(o.Only) == 4 && o.Only[0] == 3 && o.Only[3] == 9 && o.Force
		}},
		{args: []string{"-n", "4", "-j", "2", "--max-spend", "2.5", "--dry-run"}, check: func(o *GenerateOptions) bool {
			return o.Count == 4 && o.Concurrency == 2 && o.MaxSpend == 2.5 && o.DryRun
		}},
		{args: []string{"--force"}, wantErr: "--force needs --only IDS"},
		{args: []string{"--only", "x"}, wantErr: `--only: bad item ids in "x": "x" is not an item id`},
		{args: []string{"--count", "2", "--only", "1"}, wantErr: "give --count or --only, not both"},
	}
	for _, tc := range cases {
		io, _, _, _ := cmdutil.Test()
		f := &cmdutil.Factory{IO: io, Dir: "."}
		var got *GenerateOptions
		cmd := NewCmdGenerate(f, func(o *GenerateOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(io.Out)
		cmd.SetErr(io.ErrOut)
		err := cmd.Execute()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || cmdutil.CodeOf(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err = %v, want usage error %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !tc.check(got) {
			t.Errorf("%v: err = %v, options = %+v", tc.args, err, got)
		}
	}
}

// options builds GenerateOptions around a fake provider in a new collection.
func options(t *testing.T, fake *generatetest.Fake, info generate.ProviderInfo) (*GenerateOptions, *cmdutil.IOStreams) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, spec.FileName), []byte(specText), 0o644); err != nil {
		t.Fatal(err)
	}
	io, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: io, Dir: dir, Getenv: func(string) string { return "" }, Now: cmdutil.Clock(func(string) string { return "" })}
	return &GenerateOptions{
		IO: io, Dir: dir, Now: f.Now,
		Spec: func() (*spec.Spec, error) {
			s, _, err := spec.Load(dir, spec.Options{})
			return s, err
		},
		State: f.OpenState,
		Pipeline: func(s *spec.Spec, _ *slog.Logger, concurrency int) (pipeline.Options, error) {
			return cmdutil.PipelineOptions(s, fake.Opener(), info, concurrency, f.Now), nil
		},
		Lookup: func(string) (generate.ProviderInfo, bool) { return info, true },
	}, io
}

func TestPlainProgressAndSummary(t *testing.T) {
	fake := generatetest.New()
	o, io := options(t, fake, generatetest.Info())
	if err := generateRun(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	out, errOut := io.Out.(interface{ String() string }).String(), io.ErrOut.(interface{ String() string }).String()
	if out != "6 generated, 0 already done.\n" {
		t.Errorf("stdout = %q", out)
	}
	if strings.Count(errOut, "\n") != 6 || !strings.Contains(errOut, "item 0001 generated (") || strings.Contains(errOut, "\x1b") {
		t.Errorf("stderr = %q", errOut)
	}
}

func TestProgressBarOnATerminal(t *testing.T) {
	fake := generatetest.New()
	o, io := options(t, fake, generatetest.Info())
	io.SetTTY(true, true, true)
	if err := generateRun(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	errOut := io.ErrOut.(interface{ String() string }).String()
	if !strings.Contains(errOut, "\r\x1b[K") || !strings.Contains(errOut, "6/6") || !strings.Contains(errOut, "img/s") || strings.Contains(errOut, "item 0001") {
		t.Errorf("stderr = %q", errOut)
	}
}

func TestPartialRunExitsThreeWithJSON(t *testing.T) {
	fake := generatetest.New()
	fake.Refuse[2] = true
	fake.Fail[4] = true
	o, io := options(t, fake, generatetest.Info())
	o.JSON = true
	err := generateRun(context.Background(), o)
	if cmdutil.CodeOf(err) != cmdutil.ExitPartial {
		t.Fatalf("err = %v, want exit 3", err)
	}
	var sum pipeline.Summary
	if err := json.Unmarshal(io.Out.(interface{ Bytes() []byte }).Bytes(), &sum); err != nil {
		t.Fatalf("stdout is not one JSON document: %v", err)
	}
	if sum.Generated != 4 || sum.Refused != 1 || sum.Failed != 1 || sum.Requests != 6 || len(sum.Problems) != 2 {
		t.Errorf("summary = %+v", sum)
	}
}

func TestDryRunPrintsCostAndWritesNothing(t *testing.T) {
	fake := generatetest.New()
	info := generatetest.Info()
	info.Paid = true
	info.EstimateUSD = func(string, generate.Params) (float64, bool) { return 0.04, true }
	o, io := options(t, fake, info)
	o.DryRun = true
	if err := generateRun(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	want := "Dry run: 6 of 6 items need 6 paid requests to fake, about $0.24; 0 already done.\n"
	if got := io.Out.(interface{ String() string }).String(); got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	if fake.Total() != 0 {
		t.Errorf("dry run called the provider")
	}
	if _, err := os.Stat(state.Path(o.Dir)); !os.IsNotExist(err) {
		t.Errorf("dry run created the state database")
	}
}

func TestKeepAll(t *testing.T) {
	fake := generatetest.New()
	o, _ := options(t, fake, generatetest.Info())
	o.KeepAll = true
	if err := generateRun(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	db, err := state.Open(context.Background(), o.Dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counts, _ := db.Counts(context.Background())
	if counts[state.Kept] != 6 {
		t.Errorf("counts = %v", counts)
	}
}
