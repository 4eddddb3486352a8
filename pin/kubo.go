package pin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
	files "github.com/ipfs/boxo/files"
	"github.com/ipfs/go-cid"
	shell "github.com/ipfs/go-ipfs-api"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"

	"github.com/genmint/genmint/internal/neterr"
	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/pin/unixfs"
)

// DefaultKuboAPI is where Kubo listens unless configured otherwise.
const DefaultKuboAPI = "http://127.0.0.1:5001"

// ErrKuboUnreachable matches the error for a Kubo node that does not answer.
var ErrKuboUnreachable = errors.New("cannot reach Kubo")

// ErrCIDMismatch matches every error reporting that a destination ended up
// with a different CID than genmint computed.
var ErrCIDMismatch = errors.New("CID mismatch")

// ResolveKuboAPI picks the Kubo RPC API address the way the issue orders it:
// the --ipfs-api flag, else $IPFS_API, else the api file of the local repo
// ($IPFS_PATH/api, or ~/.ipfs/api), else 127.0.0.1:5001. It returns the
// address as a URL and where it came from (for messages).
func ResolveKuboAPI(flag string, getenv func(string) string) (addr, source string, err error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if flag != "" {
		u, err := NormalizeKuboAPI(flag)
		return u, "--ipfs-api", err
	}
	if v := getenv("IPFS_API"); v != "" {
		u, err := NormalizeKuboAPI(v)
		return u, "IPFS_API", err
	}
	repo := getenv("IPFS_PATH")
	if repo == "" {
		if home := getenv("HOME"); home != "" {
			repo = filepath.Join(home, ".ipfs")
		} else if home, err := os.UserHomeDir(); err == nil {
			repo = filepath.Join(home, ".ipfs")
		}
	}
	if repo != "" {
		file := filepath.Join(repo, "api")
		if b, err := os.ReadFile(file); err == nil && strings.TrimSpace(string(b)) != "" {
			u, err := NormalizeKuboAPI(strings.TrimSpace(string(b)))
			return u, file, err
		}
	}
	return DefaultKuboAPI, "default", nil
}

// NormalizeKuboAPI turns a multiaddr (/ip4/127.0.0.1/tcp/5001), host:port or
// URL into a base URL (http://127.0.0.1:5001). A URL keeps its path, which
// requests need and a hosted RPC may keep a key in: show it only through
// redact.URL, as Kubo.Addr does.
func NormalizeKuboAPI(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "/"):
		m, err := ma.NewMultiaddr(s)
		if err != nil {
			return "", fmt.Errorf("kubo API address %q: %w", s, err)
		}
		scheme := "http"
		if _, err := m.ValueForProtocol(ma.P_HTTPS); err == nil {
			scheme = "https"
		}
		network, host, err := manet.DialArgs(m)
		if err != nil {
			return "", fmt.Errorf("kubo API address %q: %w", s, err)
		}
		if network == "unix" {
			return "", fmt.Errorf("kubo API address %q: unix sockets are not supported: use a TCP address", s)
		}
		if _, err := m.ValueForProtocol(ma.P_TCP); err != nil {
			return "", fmt.Errorf("kubo API address %q has no /tcp/PORT", s)
		}
		return scheme + "://" + host, nil
	case strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		// Never quoted as given: a URL may carry user:password.
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("kubo API address %s is not a URL: want http(s)://host[:port]", redact.URL(s))
		}
		if u.User != nil {
			return "", fmt.Errorf("kubo API address %s has credentials in it, which show in process lists and shell history: drop them and put the whole Authorization header value in an environment variable named by --ipfs-api-auth-env", redact.URL(s))
		}
		return strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/"), nil
	case s == "":
		return "", errors.New("empty kubo API address")
	case strings.Contains(s, "@"):
		return "", errors.New("kubo API address has credentials in it (user@host), which show in process lists and shell history: drop them and put the whole Authorization header value in an environment variable named by --ipfs-api-auth-env")
	default:
		if _, _, err := net.SplitHostPort(s); err != nil {
			return "", fmt.Errorf("kubo API address %q: want host:port, a URL or a multiaddr", s)
		}
		return "http://" + s, nil
	}
}

// Kubo pins to a Kubo node through its RPC API, using go-ipfs-api. That
// package's Add/Pin helpers ignore contexts, so every call here goes
// through Request(...).Send/Exec(ctx, …): Ctrl-C and timeouts abort the HTTP
// request in flight.
//
// Kubo's add takes most import parameters per request, and Kubo computes
// the CIDs itself; genmint passes every parameter of the profile that add
// accepts, explicitly, never relying on the node's Import config. The two
// directory settings add does not accept (the HAMT threshold and its size
// estimation) come from the node's configuration; Pin reads them first and
// refuses, naming the fix, when they would change this root's CID.
type Kubo struct {
	// addr is the node's label, the URL without what may be a key
	// (redact.URL); it is all that messages, the pin record and --json
	// show. url is where requests go (inside sh), replaced by addr in the
	// transport's error texts; host is what a certificate error names.
	addr, url, host string
	sh              *shell.Shell
	version         string // as reported by Version, once asked
	// timeout, when set, replaces callTimeout's default (tests); base is
	// the HTTP transport below the RPC client.
	timeout time.Duration
	base    *http.Transport

	mu      sync.Mutex
	nodeDir *struct {
		threshold  int
		estimation string
	}
}

var _ Pinner = (*Kubo)(nil)

// NewKubo returns a Pinner for the Kubo RPC API at addr (any form
// NormalizeKuboAPI accepts). It does not contact the node; call Check.
func NewKubo(addr string) (*Kubo, error) {
	return NewKuboAuth(addr, KuboAuth{})
}

// NewKuboAuth is NewKubo for an RPC API that demands an Authorization
// header (auth.Header, from the variable auth.Env). A 401 or 403 answer
// becomes an *AuthRefusedError naming the variable, never the value.
func NewKuboAuth(addr string, auth KuboAuth) (*Kubo, error) {
	u, err := NormalizeKuboAPI(addr)
	if err != nil {
		return nil, err
	}
	base := NewKuboHTTPTransport()
	// A request body's chunk leaves in one write: a dag/import's (at most
	// writeToMax, from importBody.WriteTo) or an add's (32 KiB, read by
	// the transport), its chunked framing included; with the default
	// 4 KiB, each took three system calls.
	base.WriteBufferSize = writeToMax + 1<<10
	// Requests go to u, path included; everything shown or stored names
	// the node by its label, which keeps only scheme and host.
	label := redact.URL(u)
	client := &http.Client{Transport: KuboAuthTransport(base, u, auth)}
	pu, err := url.Parse(u)
	if err != nil {
		return nil, fmt.Errorf("kubo API address %s: %w", label, err)
	}
	return &Kubo{addr: label, url: u, host: pu.Host, sh: shell.NewShellWithClient(u, client), base: base}, nil
}

// Addr is how the node is shown: its API URL without the path (a hosted
// RPC may carry a key there, https://host/api/KEY): https://host/….
func (k *Kubo) Addr() string { return k.addr }

// Destination implements Pinner.
func (k *Kubo) Destination() string { return "kubo " + k.addr }

// Version asks the node for its version; it is the reachability check.
func (k *Kubo) Version(ctx context.Context) (string, error) {
	var out struct{ Version string }
	if err := k.exec(ctx, "version", k.sh.Request("version"), &out); err != nil {
		return "", k.wrap("version", err)
	}
	k.mu.Lock()
	k.version = out.Version
	k.mu.Unlock()
	return out.Version, nil
}

// Check proves the node answers, with the one-line error for a dead one.
func (k *Kubo) Check(ctx context.Context) error {
	_, err := k.Version(ctx)
	return err
}

// Origins lists the node's multiaddrs (with /p2p/<peer id>), which a remote
// pinning service can dial to fetch the blocks.
func (k *Kubo) Origins(ctx context.Context) ([]string, error) {
	var out struct {
		ID        string
		Addresses []string
	}
	if err := k.exec(ctx, "id", k.sh.Request("id"), &out); err != nil {
		return nil, k.wrap("id", err)
	}
	var origins []string
	for _, a := range out.Addresses {
		// Loopback addresses are useless to a remote service.
		if m, err := ma.NewMultiaddr(a); err == nil && manet.IsIPLoopback(m) {
			continue
		}
		origins = append(origins, a)
	}
	return origins, nil
}

// Pinned implements Pinner: a recursive pin of c exists on the node.
func (k *Kubo) Pinned(ctx context.Context, c cid.Cid) (bool, error) {
	var out struct {
		Keys map[string]struct{ Type string }
	}
	err := k.exec(ctx, "pin/ls", k.sh.Request("pin/ls", c.String()).Option("type", "recursive"), &out)
	if err != nil {
		var se *shell.Error
		if errors.As(err, &se) && strings.Contains(se.Message, "not pinned") {
			return false, nil
		}
		return false, k.wrap("pin/ls", err)
	}
	if _, ok := out.Keys[c.String()]; ok {
		return true, nil
	}
	for other := range out.Keys {
		return false, fmt.Errorf("%w: kubo at %s answered pin/ls for genmint's %s with the pin %s: nothing was marked pinned",
			ErrCIDMismatch, k.addr, c, other)
	}
	return false, nil
}

// Pin implements Pinner: add the root with every import parameter given
// explicitly, pinned, and return the root CID Kubo computed.
func (k *Kubo) Pin(ctx context.Context, r Root) (cid.Cid, error) {
	if r.Dir != nil {
		if err := k.checkDirectorySettings(ctx, r); err != nil {
			return cid.Undef, err
		}
	}
	var top files.DirEntry
	if r.Dir != nil {
		top = files.FileEntry(r.Name, &filesDir{d: r.Dir})
	} else {
		top = files.FileEntry(r.Name, &lazyFile{open: r.File})
	}
	body := files.NewMultiFileReader(files.NewSliceDirectory([]files.DirEntry{top}), true, false)

	p := r.Profile
	req := k.sh.Request("add").
		Option("recursive", true).
		Option("cid-version", p.CIDVersion).
		Option("raw-leaves", p.RawLeaves).
		Option("chunker", p.Chunker()).
		Option("hash", p.Hash).
		Option("max-file-links", p.FileMaxLinks).
		Option("max-directory-links", p.DirectoryMaxLinks).
		Option("max-hamt-fanout", p.HAMTFanout).
		Option("trickle", p.Layout == "trickle").
		Option("inline", false).
		Option("wrap-with-directory", false).
		Option("empty-dirs", true).
		Option("progress", false).
		Option("pin", true).
		Body(body)
	if r.PinName != "" {
		req = req.Option("pin-name", r.PinName)
	}
	resp, err := req.Send(ctx)
	if err != nil {
		return cid.Undef, k.wrap("add", err)
	}
	defer resp.Close()
	if resp.Error != nil {
		return cid.Undef, k.wrap("add", resp.Error)
	}
	// add streams one JSON object per file and directory, the root last.
	dec := json.NewDecoder(resp.Output)
	var root cid.Cid
	prefix := r.Name + "/"
	for {
		var out struct {
			Name string
			Hash string
		}
		if err := dec.Decode(&out); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			if ctx.Err() != nil {
				return cid.Undef, ctx.Err()
			}
			return cid.Undef, k.wrap("add", err)
		}
		if out.Hash == "" {
			continue // progress line
		}
		c, err := cid.Decode(out.Hash)
		if err != nil {
			return cid.Undef, fmt.Errorf("kubo at %s: add returned %q: %w", k.addr, out.Hash, err)
		}
		switch {
		case out.Name == r.Name:
			root = c
		case strings.HasPrefix(out.Name, prefix) && r.Entry != nil:
			if err := r.Entry(strings.TrimPrefix(out.Name, prefix), c); err != nil {
				return cid.Undef, err
			}
		}
	}
	if !root.Defined() {
		return cid.Undef, fmt.Errorf("kubo at %s: add of %s ended without a root CID", k.addr, r.Name)
	}
	return root, nil
}

// checkDirectorySettings reads the node's HAMT threshold and estimation
// (add cannot set them). When they differ from the profile, it recomputes
// the root under the node's settings: only if that changes the CID is the
// node unusable for this root.
func (k *Kubo) checkDirectorySettings(ctx context.Context, r Root) error {
	k.mu.Lock()
	if k.nodeDir == nil {
		threshold, estimation, err := k.directorySettings(ctx)
		if err != nil {
			k.mu.Unlock()
			return err
		}
		k.nodeDir = &struct {
			threshold  int
			estimation string
		}{threshold, estimation}
	}
	version := k.version
	k.mu.Unlock()
	p := r.Profile
	if k.nodeDir.threshold == p.HAMTThreshold && k.nodeDir.estimation == p.HAMTEstimation {
		return nil
	}
	nodeProfile := p.WithDirectorySettings(k.nodeDir.threshold, k.nodeDir.estimation)
	c, _, err := unixfs.ImportDir(ctx, r.Dir, nodeProfile, unixfs.ImportOptions{Known: r.Known})
	if err != nil {
		return fmt.Errorf("check kubo directory settings: %w", err)
	}
	if c.Equals(r.CID) {
		return nil
	}
	if v := version; v != "" && olderThan(v, 0, 40) {
		return fmt.Errorf("%w: kubo %s at %s cannot shard directories the way %s does (Kubo 0.40 added it), so its CID for %s would differ from %s: upgrade Kubo, or use --car FILE",
			ErrCIDMismatch, v, k.addr, p.Name, r.Name, r.CID)
	}
	var fix []string
	if k.nodeDir.estimation != p.HAMTEstimation {
		fix = append(fix, fmt.Sprintf("ipfs config Import.UnixFSHAMTDirectorySizeEstimation %s", p.HAMTEstimation))
	}
	if k.nodeDir.threshold != p.HAMTThreshold {
		fix = append(fix, fmt.Sprintf("ipfs config Import.UnixFSHAMTDirectorySizeThreshold %s", kuboBytes(p.HAMTThreshold)))
	}
	return fmt.Errorf("%w: kubo at %s shards directories with estimation %q above %d bytes, so its CID for %s would differ from %s's %s: run '%s' and restart the daemon (or apply the %s profile), or use --car FILE",
		ErrCIDMismatch, k.addr, k.nodeDir.estimation, k.nodeDir.threshold, r.Name, p.Name, r.CID,
		strings.Join(fix, "' and '"), p.Name)
}

func (k *Kubo) directorySettings(ctx context.Context) (int, string, error) {
	var cfg struct {
		Import struct {
			UnixFSHAMTDirectorySizeThreshold  *string
			UnixFSHAMTDirectorySizeEstimation *string
		}
	}
	// Kubo's own defaults, which also hold for nodes too old to know these keys.
	threshold, estimation := 256<<10, "links"
	if err := k.exec(ctx, "config/show", k.sh.Request("config/show"), &cfg); err != nil {
		var se *shell.Error
		if errors.As(err, &se) {
			// An API that forbids reading the config: assume the defaults;
			// a wrong guess still ends in a loud CID mismatch.
			return threshold, estimation, nil
		}
		return 0, "", k.wrap("config/show", err)
	}
	if v := cfg.Import.UnixFSHAMTDirectorySizeThreshold; v != nil && *v != "" {
		n, err := humanize.ParseBytes(*v)
		if err != nil {
			return 0, "", fmt.Errorf("kubo at %s: Import.UnixFSHAMTDirectorySizeThreshold %q: %w", k.addr, *v, err)
		}
		threshold = int(n)
	}
	if v := cfg.Import.UnixFSHAMTDirectorySizeEstimation; v != nil && *v != "" {
		estimation = *v
	}
	return threshold, estimation, nil
}

// wrap turns transport failures into the one-line errors users can act on.
func (k *Kubo) wrap(cmd string, err error) error {
	if err == nil {
		return nil
	}
	err = redact.URLIn(err, k.url)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("kubo at %s: %s: %w", k.addr, cmd, err)
	}
	var nk *NotKuboError
	if errors.As(err, &nk) {
		return fmt.Errorf("%s %w", k.addr, nk)
	}
	var auth *AuthRefusedError
	if errors.As(err, &auth) {
		return auth
	}
	var redir *RedirectError
	if errors.As(err, &redir) {
		return redir
	}
	var temp *TemporaryError
	if errors.As(err, &temp) {
		return temp
	}
	if ce, ok := neterr.Cert("kubo", k.host, err); ok {
		return ce
	}
	if reason, ok := neterr.Unreachable(err); ok {
		return fmt.Errorf("%w at %s (%s): start one with 'ipfs daemon', or pass --ipfs-api / set IPFS_API, or use --car FILE to pin without a node",
			ErrKuboUnreachable, k.addr, reason)
	}
	var se *shell.Error
	if errors.As(err, &se) {
		msg := strings.TrimSpace(se.Message)
		if se.Message == "command not found" {
			msg = "answered 404: is this a Kubo RPC API?"
		}
		// Kubo answers every command failure with HTTP 500 and a message;
		// they are not transient (a full disk, a bad option), so not retried.
		return fmt.Errorf("kubo at %s: %s: %s", k.addr, cmd, msg)
	}
	if neterr.Dropped(err) {
		return &TemporaryError{Err: fmt.Errorf("kubo at %s: %s: %w", k.addr, cmd, err)}
	}
	return fmt.Errorf("kubo at %s: %s: %w", k.addr, cmd, err)
}

// filesDir presents a Dir to go-ipfs-api's multipart encoder, opening each
// file only when the encoder reaches it.
type filesDir struct{ d *unixfs.Dir }

func (f *filesDir) Close() error               { return nil }
func (f *filesDir) Mode() os.FileMode          { return 0 }
func (f *filesDir) ModTime() time.Time         { return time.Time{} }
func (f *filesDir) Size() (int64, error)       { return 0, files.ErrNotSupported }
func (f *filesDir) Entries() files.DirIterator { return &dirIter{entries: f.d.Entries(), i: -1} }

type dirIter struct {
	entries []unixfs.Entry
	i       int
	node    files.Node
}

func (it *dirIter) Name() string     { return it.entries[it.i].Name }
func (it *dirIter) Node() files.Node { return it.node }
func (it *dirIter) Err() error       { return nil }
func (it *dirIter) Next() bool {
	it.i++
	if it.i >= len(it.entries) {
		return false
	}
	e := it.entries[it.i]
	if e.Dir != nil {
		it.node = &filesDir{d: e.Dir}
	} else {
		it.node = &lazyFile{open: e.Open}
	}
	return true
}

// lazyFile opens its source on the first Read and closes it on Close (or
// EOF), so an upload of thousands of files holds one open at a time.
type lazyFile struct {
	open func() (io.ReadCloser, error)
	rc   io.ReadCloser
	done bool
}

func (f *lazyFile) Mode() os.FileMode    { return 0 }
func (f *lazyFile) ModTime() time.Time   { return time.Time{} }
func (f *lazyFile) Size() (int64, error) { return 0, files.ErrNotSupported }
func (f *lazyFile) Read(p []byte) (int, error) {
	if f.done {
		return 0, io.EOF
	}
	if f.rc == nil {
		rc, err := f.open()
		if err != nil {
			return 0, err
		}
		f.rc = rc
	}
	n, err := f.rc.Read(p)
	if err == io.EOF {
		f.done = true
		f.rc.Close()
		f.rc = nil
	}
	return n, err
}

func (f *lazyFile) Close() error {
	if f.rc != nil {
		err := f.rc.Close()
		f.rc = nil
		return err
	}
	return nil
}

// olderThan reports whether a Kubo version ("0.39.2", "0.42.0-rc1") is
// below major.minor.
func olderThan(v string, major, minor int) bool {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.SplitN(parts[1], "-", 2)[0])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma < major || (ma == major && mi < minor)
}

// kuboBytes writes a byte count the way Kubo's config does ("256KiB").
func kuboBytes(n int) string {
	switch {
	case n > 0 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + "MiB"
	case n > 0 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n)
}
