// Command gen compiles genmint's Solidity sources and writes the committed
// artifacts and Go bindings. Run it through `go generate ./mint/contracts`.
//
// It finds solcjs like the tests do: $GENMINT_TEST_SOLCJS, else
// tools/node_modules/.bin/solcjs (installed by `make tools`), and runs it with
// node ($GENMINT_TEST_NODE or node on $PATH).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint/contracts/solcgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "contracts/gen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	root, ok := testenv.RepoRoot()
	if !ok {
		return fmt.Errorf("run from inside the genmint repository")
	}
	solcjs, ok := testenv.Lookup(testenv.Solcjs)
	if !ok {
		return fmt.Errorf("solcjs not found: %s, or set %s", testenv.Solcjs.Install, testenv.Solcjs.Env)
	}
	node, _ := testenv.Lookup(testenv.Node)
	res, err := solcgen.Generate(ctx, solcgen.Options{Root: root, Solcjs: solcjs, Node: node})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(os.Stderr, "solc warning:", w)
	}
	// Remove stale artifacts (a renamed or deleted contract) before writing.
	old, _ := filepath.Glob(filepath.Join(root, solcgen.ArtifactsDir, "*"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	for rel, content := range res.Files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "contracts/gen: wrote %d files for %d contracts\n", len(res.Files), len(res.Contracts))
	return nil
}
