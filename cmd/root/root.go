// Package root is genmint's top-level command: global flags, the command
// tree, signal handling and the mapping of errors to exit codes.
package root

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/c2pacmd"
	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/cmd/curatecmd"
	"github.com/genmint/genmint/cmd/democmd"
	"github.com/genmint/genmint/cmd/freezecmd"
	"github.com/genmint/genmint/cmd/generatecmd"
	"github.com/genmint/genmint/cmd/initcmd"
	"github.com/genmint/genmint/cmd/listcmd"
	"github.com/genmint/genmint/cmd/mintcmd"
	"github.com/genmint/genmint/cmd/pincmd"
	"github.com/genmint/genmint/cmd/providerscmd"
	"github.com/genmint/genmint/cmd/raritycmd"
	"github.com/genmint/genmint/cmd/repaircmd"
	"github.com/genmint/genmint/cmd/revealcmd"
	"github.com/genmint/genmint/cmd/royaltycmd"
	"github.com/genmint/genmint/cmd/runcmd"
	"github.com/genmint/genmint/cmd/showcmd"
	"github.com/genmint/genmint/cmd/statuscmd"
	"github.com/genmint/genmint/cmd/validatecmd"
	"github.com/genmint/genmint/cmd/verifycmd"
	"github.com/genmint/genmint/cmd/versioncmd"
	"github.com/genmint/genmint/cmd/walletcmd"
	"github.com/genmint/genmint/internal/build"
	"github.com/genmint/genmint/internal/termtext"
)

// NewCmdRoot builds the command tree around f.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	var noColor bool
	cmd := &cobra.Command{
		Use:   "genmint <command>",
		Short: "Turn prompts into a minted, verifiable generative-art collection",
		Long: `genmint turns a prompt spec (genmint.yaml) into a generative-art collection:
generate → post-process → provenance → curate → pin → mint → verify.

Every command works on the collection in the current folder (or -C DIR).
On a terminal you get colour and progress bars; in a pipe or with CI=true,
plain lines, --json documents and exit codes:
  0 ok   1 failure   2 usage or spec error   3 partial (some items failed)
  4 verify found a broken link   130 interrupted`,
		Example: `  genmint demo                  # a demo collection, generated offline
  genmint init my-drop && cd my-drop
  genmint validate
  genmint generate --concurrency 4
  genmint curate                # keep, reject, star, regenerate in a terminal view
  genmint pin --car collection.car
  genmint mint --rpc http://127.0.0.1:8545 --account 0x…
  genmint verify --rpc http://127.0.0.1:8545 --car collection.car
  genmint run --keep-all --car collection.car --rpc-url "$RPC" --account deployer --json   # all steps, for CI
  genmint status --json`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       build.String(),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if noColor {
				f.IO.SetColorEnabled(false)
			}
			return nil
		},
	}
	cmd.SetVersionTemplate("genmint {{.Version}}\n")
	pf := cmd.PersistentFlags()
	pf.StringVarP(&f.Dir, "dir", "C", ".", "the collection `folder`")
	pf.BoolVar(&f.JSON, "json", false, "print the result as one JSON document on stdout")
	pf.BoolVarP(&f.Quiet, "quiet", "q", false, "print only errors and the result")
	pf.BoolVar(&noColor, "no-color", false, "never colour output (NO_COLOR is honoured too)")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cmdutil.UsageError("%v (see 'genmint %s --help')", err, c.Name())
	})
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SetGlobalNormalizationFunc(cmdutil.NormalizeFlags) // Foundry's --rpc-url is --rpc

	cmd.AddCommand(
		initcmd.NewCmdInit(f, nil),
		validatecmd.NewCmdValidate(f, nil),
		raritycmd.NewCmdRarity(f, nil),
		generatecmd.NewCmdGenerate(f, nil),
		curatecmd.NewCmdCurate(f, nil),
		curatecmd.NewCmdKeep(f, nil),
		listcmd.NewCmdList(f, nil),
		showcmd.NewCmdShow(f, nil),
		pincmd.NewCmdPin(f, nil),
		verifycmd.NewCmdVerify(f, nil),
		mintcmd.NewCmdMint(f, nil),
		runcmd.NewCmdRun(f, nil),
		revealcmd.NewCmdReveal(f, nil),
		freezecmd.NewCmdFreeze(f, nil),
		royaltycmd.NewCmdRoyalty(f, nil),
		statuscmd.NewCmdStatus(f, nil),
		walletcmd.NewCmdWallet(f, nil),
		c2pacmd.NewCmdC2PA(f, nil),
		providerscmd.NewCmdProviders(f),
		repaircmd.NewCmdRepair(f, nil),
		democmd.NewCmdDemo(f, nil),
		versioncmd.NewCmdVersion(f),
	)
	cmd.AddCommand(newCmdMan(f, cmd))
	// Unknown commands and bad arguments are usage errors too.
	for _, c := range cmd.Commands() {
		wrapArgs(c)
	}
	return cmd
}

func wrapArgs(c *cobra.Command) {
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
	if c.Args == nil {
		return
	}
	check := c.Args
	c.Args = func(cmd *cobra.Command, args []string) error {
		return cmdutil.AsUsage(check(cmd, args))
	}
}

// Main runs genmint and returns its exit code. The first SIGINT or SIGTERM
// cancels the work (everything finished is kept); a second one exits at once.
func Main() cmdutil.ExitCode {
	f := cmdutil.New(build.String())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		fmt.Fprintln(f.IO.ErrOut, "\ninterrupted: finishing the item in flight (press Ctrl-C again to quit now)")
		cancel()
		<-sigs
		os.Exit(int(cmdutil.ExitInterrupted))
	}()
	return Run(ctx, f, os.Args[1:])
}

// Run executes one command line with f and reports errors on stderr (and,
// with --json, as a JSON document on stdout).
func Run(ctx context.Context, f *cmdutil.Factory, args []string) cmdutil.ExitCode {
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	code := cmdutil.CodeOf(err)
	if strings.HasPrefix(err.Error(), "unknown command") {
		code = cmdutil.ExitUsage // cobra's own usage error
	}
	if errors.Is(err, context.Canceled) || (ctx.Err() != nil && code == cmdutil.ExitFailure) {
		code = cmdutil.ExitInterrupted
	}
	var ee *cmdutil.ExitError
	if errors.As(err, &ee) && ee.Err == nil {
		return code // the command printed its own explanation
	}
	msg := err.Error()
	if code == cmdutil.ExitInterrupted {
		msg = "interrupted: everything finished so far is kept; run the command again to resume"
	}
	fmt.Fprintln(f.IO.ErrOut, f.IO.Color(cmdutil.Red, "genmint: ")+termtext.Text(msg))
	if f.JSON {
		_ = cmdutil.PrintJSON(f.IO.Out, map[string]any{"error": msg, "exit_code": int(code)})
	}
	return code
}
