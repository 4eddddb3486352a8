package testenv

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// KuboDaemon is a Kubo node started for one test: its own repository in a
// temporary folder (initialised with the `test` profile), running
// `ipfs daemon --offline` with the RPC API and the gateway on loopback ports
// the daemon picked itself (port 0, so two tests never race for a port).
// Nothing in its configuration dials out: no bootstrap peers, no mDNS, no
// AutoConf, no AutoTLS, no telemetry, and --offline keeps libp2p off.
type KuboDaemon struct {
	Bin     string // the ipfs binary
	Repo    string // IPFS_PATH
	API     string // RPC API base URL, e.g. http://127.0.0.1:41234
	APIAddr string // the same as a multiaddr, e.g. /ip4/127.0.0.1/tcp/41234
	Gateway string // gateway base URL, e.g. http://127.0.0.1:41235
	// Auth is the Authorization header value the RPC API demands (set by
	// WithKuboAPIAuth), or "" for an open API.
	Auth string

	cmd    *exec.Cmd
	done   chan struct{}
	mu     sync.Mutex
	output bytes.Buffer // the daemon's stdout and stderr, shown when a test fails
}

// KuboOption adjusts a test node before its daemon starts.
type KuboOption func(*kuboSettings)

type kuboSettings struct {
	profiles []string
	config   [][2]string // key, JSON value
	auth     string      // "bearer:SECRET" or "basic:USER:PASS"
	cpus     []int       // the CPUs the daemon runs on (nil: any)
}

// WithKuboCPUs runs the daemon on cpus only, with GOMAXPROCS set to match
// (a benchmark gives a node and its client CPUs of their own, as on two
// machines).
func WithKuboCPUs(cpus ...int) KuboOption {
	return func(s *kuboSettings) { s.cpus = cpus }
}

// WithKuboProfiles applies further Kubo configuration profiles at init, after
// `test` (e.g. "unixfs-v1-2025").
func WithKuboProfiles(names ...string) KuboOption {
	return func(s *kuboSettings) { s.profiles = append(s.profiles, names...) }
}

// WithKuboConfig sets one configuration key to a JSON value before start,
// like `ipfs config --json KEY VALUE`.
func WithKuboConfig(key, jsonValue string) KuboOption {
	return func(s *kuboSettings) { s.config = append(s.config, [2]string{key, jsonValue}) }
}

// WithKuboAPIAuth makes the RPC API demand an Authorization header, the
// way Kubo's API.Authorizations does for a node shared over a network:
// secret is Kubo's AuthSecret ("bearer:TOKEN" or "basic:USER:PASS"). The
// node's Auth field then holds the matching header value, which the
// readiness check and KuboDaemon.IPFS send; requests without it are refused
// by Kubo itself.
func WithKuboAPIAuth(secret string) KuboOption {
	return func(s *kuboSettings) { s.auth = secret }
}

// StartKubo initialises a fresh repository in t.TempDir(), starts an offline
// daemon on it and waits until its API answers /api/v0/id. The daemon is
// stopped in t.Cleanup. Each call makes a new, empty node, so a test can
// start a second one to import into. A missing Kubo binary fails the test
// under CI=true and skips it elsewhere.
func StartKubo(t testing.TB, opts ...KuboOption) *KuboDaemon {
	t.Helper()
	bin := Path(t, Kubo)
	var s kuboSettings
	for _, o := range opts {
		o(&s)
	}
	k := &KuboDaemon{Bin: bin, Repo: t.TempDir(), done: make(chan struct{})}

	profile := strings.Join(append([]string{"test"}, s.profiles...), ",")
	if out, err := k.run(context.Background(), nil, "init", "--profile", profile); err != nil {
		t.Fatalf("ipfs init: %v\n%s", err, out)
	}
	// Belt and braces over the test profile: nothing may reach the network.
	cfg := append([][2]string{
		{"Bootstrap", "[]"},
		{"Discovery.MDNS.Enabled", "false"},
		{"AutoConf.Enabled", "false"},
		{"AutoTLS.Enabled", "false"},
		{"Addresses.API", `"/ip4/127.0.0.1/tcp/0"`},
		{"Addresses.Gateway", `"/ip4/127.0.0.1/tcp/0"`},
		{"Plugins.Plugins.telemetry.Config.Mode", `"off"`},
	}, s.config...)
	if s.auth != "" {
		header, err := authHeader(s.auth)
		if err != nil {
			t.Fatal(err)
		}
		k.Auth = header
		v, _ := json.Marshal(map[string]any{"genmint-test": map[string]any{"AuthSecret": s.auth, "AllowedPaths": []string{"/api/v0"}}})
		cfg = append(cfg, [2]string{"API.Authorizations", string(v)})
	}
	for _, kv := range cfg {
		if out, err := k.run(context.Background(), nil, "config", "--json", kv[0], kv[1]); err != nil {
			t.Fatalf("ipfs config %s: %v\n%s", kv[0], err, out)
		}
	}

	k.cmd = exec.Command(bin, "daemon", "--offline")
	k.cmd.Env = k.env()
	if s.cpus != nil {
		k.cmd.Env = append(k.cmd.Env, "GOMAXPROCS="+strconv.Itoa(len(s.cpus)))
	}
	ownProcessGroup(k.cmd)
	pr, pw := io.Pipe()
	k.cmd.Stdout = pw
	k.cmd.Stderr = &lockedWriter{mu: &k.mu, w: &k.output}
	// Tied to the test process: a killed `go test` takes the daemon with it.
	waited, err := startTied(k.cmd)
	if err != nil {
		t.Fatalf("start ipfs daemon: %v", err)
	}
	go func() {
		<-waited
		pw.Close()
		close(k.done)
	}()
	t.Cleanup(func() {
		k.Stop()
		if t.Failed() {
			t.Logf("kubo daemon output:\n%s", k.Output())
		}
	})

	// The daemon prints the addresses it really bound, then "Daemon is ready".
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			k.mu.Lock()
			k.output.WriteString(line + "\n")
			k.mu.Unlock()
			if a, ok := strings.CutPrefix(line, "RPC API server listening on "); ok {
				k.APIAddr = strings.TrimSpace(a)
				k.API = multiaddrToURL(k.APIAddr)
			}
			if a, ok := strings.CutPrefix(line, "Gateway server listening on "); ok {
				k.Gateway = multiaddrToURL(strings.TrimSpace(a))
			}
			if strings.TrimSpace(line) == "Daemon is ready" && !sent {
				ready <- nil
				sent = true
			}
		}
		if !sent {
			ready <- fmt.Errorf("daemon exited before it was ready")
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("ipfs daemon: %v\n%s", err, k.Output())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("ipfs daemon not ready after 60s\n%s", k.Output())
	}
	if k.API == "" || k.Gateway == "" {
		t.Fatalf("ipfs daemon did not report its API and gateway addresses\n%s", k.Output())
	}
	// Ready means listening; prove the API answers before handing it out.
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodPost, k.API+"/api/v0/id", nil)
		if k.Auth != "" {
			req.Header.Set("Authorization", k.Auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("ipfs API %s does not answer /api/v0/id: %v\n%s", k.API, err, k.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s.cpus != nil {
		// Every thread it has; those it starts later inherit it.
		if err := SetCPUs(k.PID(), s.cpus); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

// Stop ends the daemon (SIGTERM, then SIGKILL after 10 s) and waits for it.
// Calling it twice is harmless; tests use it to make a node go away.
func (k *KuboDaemon) Stop() {
	if k.cmd == nil || k.cmd.Process == nil {
		return
	}
	select {
	case <-k.done:
		return
	default:
	}
	_ = k.cmd.Process.Signal(os.Interrupt)
	select {
	case <-k.done:
	case <-time.After(10 * time.Second):
		killProcessGroup(k.cmd)
		<-k.done
	}
}

// PID is the daemon's process id.
func (k *KuboDaemon) PID() int {
	if k.cmd == nil || k.cmd.Process == nil {
		return 0
	}
	return k.cmd.Process.Pid
}

// Output returns what the daemon printed so far.
func (k *KuboDaemon) Output() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.output.String()
}

// IPFS runs the ipfs CLI against this node (IPFS_PATH set to its repository,
// so commands go through the running daemon) and returns stdout. A non-zero
// exit fails the test.
func (k *KuboDaemon) IPFS(t testing.TB, args ...string) string {
	t.Helper()
	out, err := k.run(context.Background(), nil, args...)
	if err != nil {
		t.Fatalf("ipfs %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Command returns an *exec.Cmd running the ipfs CLI against this node, for
// tests and benchmarks that time it or feed it stdin.
func (k *KuboDaemon) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, k.Bin, args...)
	cmd.Env = k.env()
	return cmd
}

func (k *KuboDaemon) run(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	if k.Auth != "" && k.API != "" {
		args = append([]string{"--api-auth", kuboCLIAuth(k.Auth)}, args...)
	}
	cmd := k.Command(ctx, args...)
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return append(out, stderr.Bytes()...), err
	}
	return out, nil
}

func (k *KuboDaemon) env() []string {
	env := make([]string, 0, len(os.Environ())+3)
	for _, e := range os.Environ() {
		if strings.HasPrefix(e, "IPFS_PATH=") || strings.HasPrefix(e, "IPFS_TELEMETRY=") || strings.HasPrefix(e, "IPFS_API=") {
			continue
		}
		env = append(env, e)
	}
	return append(env, "IPFS_PATH="+k.Repo, "IPFS_TELEMETRY=off")
}

// authHeader is the Authorization header value matching a Kubo AuthSecret.
func authHeader(secret string) (string, error) {
	if tok, ok := strings.CutPrefix(secret, "bearer:"); ok && tok != "" {
		return "Bearer " + tok, nil
	}
	if up, ok := strings.CutPrefix(secret, "basic:"); ok && strings.Contains(up, ":") {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(up)), nil
	}
	return "", fmt.Errorf("kubo auth secret: want bearer:TOKEN or basic:USER:PASS")
}

// kuboCLIAuth turns a header value back into the ipfs CLI's --api-auth form.
func kuboCLIAuth(header string) string {
	if tok, ok := strings.CutPrefix(header, "Bearer "); ok {
		return "bearer:" + tok
	}
	if b, ok := strings.CutPrefix(header, "Basic "); ok {
		if up, err := base64.StdEncoding.DecodeString(b); err == nil {
			return "basic:" + string(up)
		}
	}
	return header
}

// multiaddrToURL turns /ip4/127.0.0.1/tcp/5001 into http://127.0.0.1:5001.
func multiaddrToURL(ma string) string {
	parts := strings.Split(strings.Trim(ma, "/"), "/")
	if len(parts) >= 4 && (parts[0] == "ip4" || parts[0] == "dns4" || parts[0] == "dns") && parts[2] == "tcp" {
		return "http://" + parts[1] + ":" + parts[3]
	}
	if len(parts) >= 4 && parts[0] == "ip6" && parts[2] == "tcp" {
		return "http://[" + parts[1] + "]:" + parts[3]
	}
	return ma
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
