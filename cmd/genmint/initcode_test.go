package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/cmd/root"
)

// TestHugeNameRefusedByValidate: a name or symbol that would make the
// deployment exceed EIP-3860's initcode limit is refused by validate (exit
// 2, at its line), not discovered by mint; a long but deployable name passes.
func TestHugeNameRefusedByValidate(t *testing.T) {
	for _, tc := range []struct {
		name, symbol string
		want         string
	}{
		{strings.Repeat("N", 200_000), "BIG", "genmint.yaml:1:1: name: the name (200000 bytes) and symbol (3 bytes) make the contract's deployment"},
		{"Big", strings.Repeat("S", 60_000), "genmint.yaml:2:1: symbol: the name (3 bytes) and symbol (60000 bytes)"},
		{strings.Repeat("n", 2_000), "OK", ""},
	} {
		dir := t.TempDir()
		src := fmt.Sprintf("name: %s\nsymbol: %s\ncount: 1\nseed: 1\nprompt: \"{{.c}}\"\ntraits:\n  c: [red]\n", tc.name, tc.symbol)
		if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		io, _, out, errOut := cmdutil.Test()
		f := &cmdutil.Factory{IO: io, Dir: dir, Version: "test", Getenv: func(string) string { return "" }, Now: time.Now}
		code := root.Run(context.Background(), f, []string{"-C", dir, "validate"})
		if tc.want == "" {
			if code != cmdutil.ExitOK {
				t.Errorf("a %d-byte name was refused: %s%s", len(tc.name), out, errOut)
			}
			continue
		}
		if code != cmdutil.ExitUsage || !strings.Contains(out.String(), tc.want) || !strings.Contains(out.String(), "over the 49152-byte limit") {
			t.Errorf("exit %d:\n%.600s", code, out.String())
		}
	}
}
