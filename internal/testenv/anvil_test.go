package testenv_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/genmint/genmint/internal/testenv"
)

func TestStartAnvil(t *testing.T) {
	a := testenv.StartAnvil(t)
	if a.ChainID != 31337 || len(a.Accounts) != 10 {
		t.Fatalf("chain %d, %d accounts", a.ChainID, len(a.Accounts))
	}
}

func TestAnvilRestartForgetsTheChain(t *testing.T) {
	a := testenv.StartAnvil(t)
	ctx := context.Background()
	cl, err := rpc.Dial(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.CallContext(ctx, nil, "evm_mine"); err != nil {
		t.Fatal(err)
	}
	var n hexutil.Uint64
	if err := cl.CallContext(ctx, &n, "eth_blockNumber"); err != nil || n != 1 {
		t.Fatalf("block number %d, %v; want 1", n, err)
	}
	url := a.URL
	a.Restart()
	if a.URL != url {
		t.Fatalf("restarted at %s, was %s", a.URL, url)
	}
	if err := cl.CallContext(ctx, &n, "eth_blockNumber"); err != nil || n != 0 {
		t.Fatalf("after restart: block number %d, %v; want 0", n, err)
	}
}

// Anvil 1.7 writes state snapshots to $HOME/.foundry/anvil/tmp once a chain
// is a few hundred blocks long, and keeps them even after a clean SIGTERM.
// A node from StartAnvil must write them only inside its DataDir, and leave
// nothing behind once stopped.
func TestAnvilLeavesNoStateFolder(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home) // where anvil would write if StartAnvil let it
	a := testenv.StartAnvil(t)
	cl, err := rpc.Dial(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	// Enough blocks that anvil moves states out of memory to disk.
	if err := cl.CallContext(context.Background(), nil, "anvil_mine", hexutil.Uint64(1000)); err != nil {
		t.Fatal(err)
	}
	// First prove the chain did write its state, and into the DataDir:
	// otherwise "nothing left" below would prove nothing.
	deadline := time.Now().Add(30 * time.Second)
	for stateFolders(t, a.DataDir) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("anvil wrote no anvil-state-* folder under its DataDir %s after 1000 blocks; HOME holds %v", a.DataDir, entries(t, home))
		}
		time.Sleep(50 * time.Millisecond)
	}

	a.Stop()
	if _, err := os.Stat(a.DataDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("DataDir %s still there after Stop (%v)", a.DataDir, err)
	}
	if got := entries(t, home); len(got) != 0 {
		t.Errorf("anvil wrote into the test's HOME: %v", got)
	}
}

// stateFolders counts anvil's anvil-state-* snapshot folders under dir.
func stateFolders(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), "anvil-state-") {
			n++
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}
