package testenv

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// AnvilNode is a running anvil node (a real Ethereum JSON-RPC node from Foundry)
// on a loopback port, started by StartAnvil and stopped when the test ends.
type AnvilNode struct {
	URL      string    // http://127.0.0.1:PORT
	ChainID  uint64    // 31337 unless overridden by a --chain-id argument
	Accounts []Account // the funded dev accounts, in anvil's order
	// DataDir holds everything the node writes: its HOME (anvil 1.7 writes
	// state snapshots under $HOME/.foundry/anvil/tmp even when stopped
	// cleanly, and a long CI run once left 15 GB there) and its --cache-path.
	// Stop removes it.
	DataDir string

	t       testing.TB
	bin     string
	cfgPath string
	args    []string
	port    int
	pid     int
	stop    func()
}

// Stop kills the node and removes its DataDir; t.Cleanup does it too.
// Calling it twice is harmless.
func (a *AnvilNode) Stop() { a.stop() }

// Restart kills the node and starts a fresh one (a new chain from the same
// genesis accounts) on the same port, as a reset devnet does: the URL stays,
// every block and contract is gone.
func (a *AnvilNode) Restart() {
	a.t.Helper()
	a.stop()
	var err error
	// The port was ours; the kernel may hold it a moment after the kill.
	for attempt := 0; attempt < 50; attempt++ {
		var b *AnvilNode
		if b, err = startAnvilOn(a.t, a.bin, a.cfgPath, a.DataDir, a.args, a.port); err == nil {
			a.stop, a.pid = b.stop, b.pid
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	a.t.Fatalf("restart anvil on port %d: %v", a.port, err)
}

// Account is one of anvil's pre-funded dev accounts. Its key is one of the
// well-known public test keys derived from anvil's default mnemonic: fine in
// tests, worthless anywhere else, and never to be printed by real runs.
type Account struct {
	Address common.Address
	Key     *ecdsa.PrivateKey
}

// StartAnvil starts anvil on a free 127.0.0.1 port, waits until it answers
// eth_chainId, and kills it in t.Cleanup. extraArgs are appended to the
// command line (e.g. "--gas-limit", "100000000"). It fails (CI) or skips the
// test when anvil is not installed, like Path.
//
// The node is quiet (--silent) and deterministic: default mnemonic, automine
// (one block per transaction). The dev accounts and keys are read from the
// file anvil writes with --config-out, so they always match the node.
//
// Nothing outlives the node: it writes only inside its DataDir, removed when
// it stops, and on Linux the kernel kills it if the test process dies first.
func StartAnvil(t testing.TB, extraArgs ...string) *AnvilNode {
	t.Helper()
	bin := Path(t, Anvil)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "anvil-config.json")
	dataDir := filepath.Join(dir, "data")

	var (
		a   *AnvilNode
		err error
	)
	// A free port can be taken between FreePort and anvil's bind: retry a few times.
	for attempt := 0; attempt < 3; attempt++ {
		a, err = startAnvilOn(t, bin, cfgPath, dataDir, extraArgs, FreePort(t))
		if err == nil {
			return a
		}
	}
	t.Fatalf("start anvil: %v", err)
	return nil
}

func startAnvilOn(t testing.TB, bin, cfgPath, dataDir string, extraArgs []string, port int) (*AnvilNode, error) {
	home, cache := filepath.Join(dataDir, "home"), filepath.Join(dataDir, "cache")
	for _, d := range []string{home, cache} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	args := append([]string{
		"--host", "127.0.0.1",
		"--port", strconv.Itoa(port),
		"--silent",
		"--config-out", cfgPath,
		"--cache-path", cache,
	}, extraArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+home)
	var stderr lockedBuffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	// Anvil is the platform binary, but GENMINT_TEST_ANVIL may name a wrapper
	// that spawns it: run it in its own process group and kill the group.
	ownProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	done, err := startTied(cmd)
	if err != nil {
		return nil, err
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			killProcessGroup(cmd) // an error means it already exited
			<-done
			if err := os.RemoveAll(dataDir); err != nil {
				t.Errorf("remove anvil data: %v", err)
			}
		})
	}

	url := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	var chainID uint64
	for {
		select {
		case err := <-done:
			_ = os.RemoveAll(dataDir)
			return nil, fmt.Errorf("anvil exited: %v: %s", err, strings.TrimSpace(stderr.String()))
		default:
		}
		id, err := rpcChainID(url)
		if err == nil {
			chainID = id
			break
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("anvil did not answer eth_chainId on %s within 30s: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(stop)

	accounts, err := readAnvilAccounts(cfgPath)
	if err != nil {
		return nil, err
	}
	return &AnvilNode{URL: url, ChainID: chainID, Accounts: accounts, DataDir: dataDir,
		t: t, bin: bin, cfgPath: cfgPath, args: extraArgs, port: port, pid: cmd.Process.Pid, stop: stop}, nil
}

func rpcChainID(url string) (uint64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	body := `{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct {
		Result string `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimPrefix(out.Result, "0x"), 16, 64)
}

func readAnvilAccounts(path string) ([]Account, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read anvil --config-out: %w", err)
	}
	var cfg struct {
		Addresses []string `json:"available_accounts"`
		Keys      []string `json:"private_keys"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("parse anvil --config-out: %w", err)
	}
	if len(cfg.Keys) == 0 || len(cfg.Keys) != len(cfg.Addresses) {
		return nil, fmt.Errorf("anvil --config-out lists %d keys for %d accounts", len(cfg.Keys), len(cfg.Addresses))
	}
	accounts := make([]Account, len(cfg.Keys))
	for i, k := range cfg.Keys {
		key, err := crypto.HexToECDSA(strings.TrimPrefix(k, "0x"))
		if err != nil {
			return nil, fmt.Errorf("anvil account %d: bad key", i)
		}
		addr := crypto.PubkeyToAddress(key.PublicKey)
		if !strings.EqualFold(addr.Hex(), cfg.Addresses[i]) {
			return nil, fmt.Errorf("anvil account %d: key does not match address %s", i, cfg.Addresses[i])
		}
		accounts[i] = Account{Address: addr, Key: key}
	}
	return accounts, nil
}

// lockedBuffer collects a child's stderr while the test may read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
