// Package testenv finds and starts the real programs genmint's integration
// tests run against (Kubo, anvil, solc, exiftool, vips).
//
// `make test` installs them first (scripts/tools.sh): Kubo is built from the
// separate module in tools/kubo into tools/bin/ipfs, anvil and solc come from
// the pinned npm packages in tools/. Each can be overridden by an environment
// variable naming the binary.
//
// A missing tool fails the test under CI=true and under `make test`, and
// skips it elsewhere with a message saying how to install it: never silently.
package testenv

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Tool describes a program a test needs.
type Tool struct {
	Name    string   // shown in messages, e.g. "kubo"
	Env     string   // environment variable that overrides the path
	RepoRel []string // candidate paths relative to the repository root
	PATH    string   // a name to look up in $PATH as a last resort
	Install string   // how to get it
}

// Known tools.
var (
	Kubo = Tool{Name: "kubo (ipfs)", Env: "GENMINT_TEST_IPFS", RepoRel: []string{"tools/bin/ipfs"},
		Install: "run 'make tools' (builds Kubo from tools/kubo)"}
	// Anvil and Cast are Foundry's platform binaries, not the npm launchers
	// in node_modules/.bin: a launcher is a node process that spawns the
	// real program and hides its exit code (cast's exits 0 when cast
	// fails), and a signal sent to it, or its death, misses the child.
	Anvil = Tool{Name: "anvil", Env: "GENMINT_TEST_ANVIL",
		RepoRel: []string{"tools/node_modules/@foundry-rs/anvil-" + runtime.GOOS + "-" + runtime.GOARCH + "/bin/anvil"},
		Install: "run 'make tools' (npm install in tools/)"}
	Cast = Tool{Name: "cast", Env: "GENMINT_TEST_CAST",
		RepoRel: []string{"tools/node_modules/@foundry-rs/cast-" + runtime.GOOS + "-" + runtime.GOARCH + "/bin/cast"},
		Install: "run 'make tools' (npm install in tools/)"}
	Solcjs = Tool{Name: "solcjs", Env: "GENMINT_TEST_SOLCJS", RepoRel: []string{"tools/node_modules/.bin/solcjs"},
		Install: "run 'make tools' (npm install in tools/)"}
	Node     = Tool{Name: "node", Env: "GENMINT_TEST_NODE", PATH: "node", Install: "install Node.js 20+"}
	Exiftool = Tool{Name: "exiftool", Env: "GENMINT_TEST_EXIFTOOL", PATH: "exiftool",
		Install: "apt-get install libimage-exiftool-perl (make tools does it)"}
	Vips = Tool{Name: "vips", Env: "GENMINT_TEST_VIPS", PATH: "vips",
		Install: "apt-get install libvips-tools (make tools does it)"}
	Tmux = Tool{Name: "tmux", Env: "GENMINT_TEST_TMUX", PATH: "tmux", Install: "apt-get install tmux"}
	// QemuI386 and QemuAarch64 run other architectures' test binaries, to
	// prove the procedural generator is byte-identical everywhere.
	QemuI386    = Tool{Name: "qemu-i386", Env: "GENMINT_TEST_QEMU_I386", PATH: "qemu-i386", Install: "apt-get install qemu-user (make tools does it)"}
	QemuAarch64 = Tool{Name: "qemu-aarch64", Env: "GENMINT_TEST_QEMU_AARCH64", PATH: "qemu-aarch64", Install: "apt-get install qemu-user (make tools does it)"}
)

// InCI reports whether tests run under CI=true, or under `make test`
// (GENMINT_REQUIRE_TOOLS=1), where nothing may be skipped for want of a tool.
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1" || os.Getenv("GENMINT_REQUIRE_TOOLS") == "1"
}

// Path returns the tool's path, or fails (CI) or skips (elsewhere) the test
// with a message naming how to install it.
func Path(t testing.TB, tool Tool) string {
	t.Helper()
	if p, ok := Lookup(tool); ok {
		return p
	}
	msg := tool.Name + " not found: " + tool.Install
	if tool.Env != "" {
		msg += ", or set " + tool.Env
	}
	if InCI() {
		t.Fatal(msg + " (CI=true: integration tests may not skip)")
	}
	t.Skip(msg)
	return ""
}

// Lookup finds the tool without failing.
func Lookup(tool Tool) (string, bool) {
	if tool.Env != "" {
		if p := os.Getenv(tool.Env); p != "" {
			if isExecutable(p) {
				return p, true
			}
			return "", false
		}
	}
	if root, ok := RepoRoot(); ok {
		for _, rel := range tool.RepoRel {
			p := filepath.Join(root, rel)
			if isExecutable(p) {
				return p, true
			}
		}
	}
	if tool.PATH != "" {
		if p, err := exec.LookPath(tool.PATH); err == nil {
			return p, true
		}
	}
	return "", false
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

var (
	rootOnce sync.Once
	root     string
)

// RepoRoot finds the genmint repository root from the working directory.
func RepoRoot() (string, bool) {
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			return
		}
		for {
			if isGenmintRoot(filepath.Join(dir, "go.mod")) {
				root = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				return
			}
			dir = parent
		}
	})
	return root, root != ""
}

func isGenmintRoot(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "module github.com/genmint/genmint" {
			return true
		}
	}
	return false
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// SilentListener listens on 127.0.0.1 and accepts connections that it holds
// open and never writes to (a TLS handshake on them never ends); it returns
// the address and closes the listener and the connections in t.Cleanup.
func SilentListener(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, conn)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}
