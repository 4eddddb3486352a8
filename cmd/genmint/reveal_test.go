package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/bindings"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/provenance/merkle"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/verify"
)

// revealN is the size of the reveal tests' collections, the 200.
// Each token is read with one HTTP request (kuboCat, carCat), not one ipfs
// process, which would cost a second or so per ten tokens on two cores.
const revealN = 200

// revealCollection generates a collection of n items with a placeholder
// (reveal:) and ERC-7007 enabled (so that addAigcData is a setter the
// freeze must stop) and pins it with the real command: to Kubo when k is set, and
// always to dir/c.car.
func revealCollection(t *testing.T, n int, k *testenv.KuboDaemon) string {
	t.Helper()
	dir := t.TempDir()
	spec := fmt.Sprintf(`name: Veiled Glyphs
symbol: VEIL
count: %d
seed: 91
unique: false
provider:
  name: procedural
  params: {width: 40, height: 40}
prompt: "{{.palette}} {{.motif}}"
traits:
  palette: [ocean, ember, forest, neon, aurora, mono]
  motif: [flow, rings, cells, waves, tiles]
royalty: {receiver: "%s", bps: 500}
erc7007: true
reveal:
  placeholder:
    image: art/soon.png
    name: Veiled Glyph
    description: Revealed when the drop ends.
`, n, royaltyPayee)
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 16, 16))); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "art"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"genmint.yaml": []byte(spec), "art/soon.png": b.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if k != nil {
		generateAndPin(t, dir, "--ipfs-api", k.APIAddr)
	} else {
		generateAndPin(t, dir)
	}
	return dir
}

// latestPin reads the collection's pin record and mint status.
func latestPin(t *testing.T, dir string) (*pin.Record, *mint.Status, []state.Item) {
	t.Helper()
	ctx := context.Background()
	db, err := state.Open(ctx, dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec, err := pin.Latest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	st, err := mint.ReadStatus(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	items, err := db.Items(ctx, state.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return rec, st, items
}

// kuboCat reads an ipfs:// URI through the Kubo node's RPC API (cat): Kubo
// itself resolves the path.
func kuboCat(t *testing.T, k *testenv.KuboDaemon, uri string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, k.API+"/api/v0/cat?arg="+url.QueryEscape("/ipfs/"+strings.TrimPrefix(uri, "ipfs://")), nil)
	if err != nil {
		t.Fatal(err)
	}
	if k.Auth != "" {
		req.Header.Set("Authorization", k.Auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("cat %s through Kubo: %v", uri, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("cat %s through Kubo: %s %v\n%s", uri, resp.Status, err, b)
	}
	return string(b)
}

// frozenReverts checks that, after the freeze, every metadata setter and
// mintBatch revert with MetadataIsFrozen, and freezeMetadata itself too.
func frozenReverts(t *testing.T, c *chain.Contract, an *testenv.AnvilNode, owner testenv.Account) {
	t.Helper()
	ctx := context.Background()
	if info, err := c.Info(ctx); err != nil || !info.Frozen {
		t.Fatalf("not frozen: %v", err)
	}
	opts := bind.NewKeyedTransactor(owner.Key, new(big.Int).SetUint64(an.ChainID))
	for _, try := range []struct {
		name string
		call func() error
	}{
		{"setBaseURI", func() error { _, err := c.SetBaseURI(ctx, opts, "ipfs://x/"); return err }},
		{"setContractURI", func() error { _, err := c.SetContractURI(ctx, opts, "ipfs://x"); return err }},
		{"addAigcData", func() error { _, err := c.AddAigcData(ctx, opts, 1, []byte("p"), []byte("h")); return err }},
		{"mintBatch", func() error { _, err := c.MintBatch(ctx, opts, owner.Address, 1); return err }},
		{"freezeMetadata", func() error { _, err := c.FreezeMetadata(ctx, opts); return err }},
	} {
		var re *chain.RevertError
		if err := try.call(); !errors.As(err, &re) || re.Name != "MetadataIsFrozen" || !errors.Is(err, chain.ErrMetadataFrozen) {
			t.Errorf("%s after the freeze: %v, want the custom error MetadataIsFrozen", try.name, err)
		}
	}
}

var batchMetadataUpdate = crypto.Keccak256Hash([]byte("BatchMetadataUpdate(uint256,uint256)"))

// mintedReveal is a reveal collection of revealN items minted on anvil and
// not revealed yet, with what the reveal tests read about it.
type mintedReveal struct {
	dir, ksDir, pwFile string
	rec                *pin.Record
	st                 *mint.Status
	items              []state.Item
	cl                 *ethclient.Client
	c                  *chain.Contract
}

// mintReveal makes a reveal collection of revealN items (pinned to k when
// set, and to dir/c.car), mints it on an as owner with the real command,
// and checks that the deployment record holds the pin run's placeholder.
func mintReveal(t *testing.T, an *testenv.AnvilNode, owner testenv.Account, k *testenv.KuboDaemon) *mintedReveal {
	t.Helper()
	m := &mintedReveal{dir: revealCollection(t, revealN, k)}
	m.ksDir, m.pwFile = mintAs(t, m.dir, an, owner)
	m.rec, m.st, m.items = latestPin(t, m.dir)
	if m.rec.PlaceholderURI == "" || m.st.Record == nil || m.st.Record.PlaceholderURI != m.rec.PlaceholderURI {
		t.Fatalf("pin record %+v, deployment record %+v", m.rec, m.st.Record)
	}
	cl, err := ethclient.Dial(an.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	m.cl, m.c = cl, chain.Open(cl, m.st.Deployment.Contract)
	return m
}

// placeholderTokens checks, before the reveal, that every tokenURI is the
// placeholder's and resolves (through cat) to one and the same placeholder
// document, which names no real image; it returns that document.
func (m *mintedReveal) placeholderTokens(t *testing.T, cat func(uri string) []byte) []byte {
	t.Helper()
	var placeholder []byte
	for id := 1; id <= revealN; id++ {
		uri, err := m.c.TokenURI(context.Background(), uint64(id))
		if err != nil || uri != fmt.Sprintf("%s%d", m.rec.PlaceholderURI, id) {
			t.Fatalf("tokenURI(%d) = %s, %v", id, uri, err)
		}
		got := cat(uri)
		if placeholder == nil {
			placeholder = got
		}
		if !bytes.Equal(got, placeholder) || bytes.Contains(got, []byte(m.rec.Roots.Images)) {
			t.Fatalf("token %d resolves to\n%s", id, got)
		}
	}
	return placeholder
}

// revealedIn checks the reveal transaction tx: it succeeded and the
// collection emitted exactly one BatchMetadataUpdate, covering 1..revealN.
func (m *mintedReveal) revealedIn(t *testing.T, tx common.Hash) {
	t.Helper()
	rc, err := m.cl.TransactionReceipt(context.Background(), tx)
	if err != nil || rc.Status != 1 {
		t.Fatalf("reveal receipt: %v", err)
	}
	var ranges []string
	for _, l := range rc.Logs {
		if l.Address == m.st.Deployment.Contract && l.Topics[0] == batchMetadataUpdate {
			from, to := new(big.Int).SetBytes(l.Data[:32]), new(big.Int).SetBytes(l.Data[32:64])
			ranges = append(ranges, from.String()+".."+to.String())
			if from.Uint64() > 1 || to.Cmp(big.NewInt(revealN)) < 0 {
				t.Fatalf("BatchMetadataUpdate(%s, %s) does not cover 1..%d", from, to, revealN)
			}
		}
	}
	if len(ranges) != 1 {
		t.Fatalf("BatchMetadataUpdate events %v, want one", ranges)
	}
}

// revealedTokens checks, after the reveal, that every item's tokenURI is
// its pinned one under the real baseURI and resolves (through cat) to its
// real metadata, which names the item's image CID; each item and its
// metadata are then given to more, for the caller's own checks.
func (m *mintedReveal) revealedTokens(t *testing.T, cat func(uri string) []byte, more func(it pin.ItemCIDs, md pin.TokenMetadata)) {
	t.Helper()
	if len(m.rec.Items) != revealN {
		t.Fatalf("%d items pinned", len(m.rec.Items))
	}
	for _, it := range m.rec.Items {
		uri, err := m.c.TokenURI(context.Background(), uint64(it.ID))
		if err != nil || uri != it.TokenURI || !strings.HasPrefix(uri, m.rec.BaseURI) {
			t.Fatalf("tokenURI(%d) after the reveal = %s, %v", it.ID, uri, err)
		}
		var md pin.TokenMetadata
		if err := json.Unmarshal(cat(uri), &md); err != nil || md.Properties.Image.CID != it.ImageCID || md.Name == "Veiled Glyph" {
			t.Fatalf("token %d's metadata after the reveal: %+v, %v", it.ID, md, err)
		}
		if more != nil {
			more(it, md)
		}
	}
}

// provenanceCommitted checks that provenanceHash() on chain is the root
// recomputed from the folder's records, and returns that root.
func (m *mintedReveal) provenanceCommitted(t *testing.T) string {
	t.Helper()
	leaves, err := mint.Leaves(m.rec, m.items)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := merkle.Root(leaves)
	if h, err := m.c.ProvenanceHash(context.Background()); err != nil || h != common.Hash(root) {
		t.Fatalf("provenanceHash() = %s, recomputed %s (%v)", h.Hex(), root.Hex(), err)
	}
	return root.Hex()
}

// verifyReport runs `genmint verify --json` with the chain at rpc and the
// blocks read through from (--ipfs-api ADDR, --car FILE), and checks that
// it passed over revealN tokens with the commitment recomputed.
func (m *mintedReveal) verifyReport(t *testing.T, rpc string, from ...string) verify.Report {
	t.Helper()
	v := genmint(m.dir, append(append([]string{"verify"}, from...), "--json")...)
	v.Env = append(v.Env, "ETH_RPC_URL="+rpc)
	out, err := v.Output()
	var rep verify.Report
	if err != nil || json.Unmarshal(out, &rep) != nil || !rep.OK || rep.Revealed == nil || rep.Verified != revealN || rep.ProvenanceTokens != revealN ||
		rep.ProvenanceHash == "" || rep.ProvenanceHash != rep.ProvenanceRecomputed {
		t.Fatalf("verify %v: %v\n%.2000s", from, err, out)
	}
	return rep
}

// TestRevealAnvilKubo: a collection with a placeholder is pinned to Kubo,
// deployed on anvil with every tokenURI resolving to the placeholder
// through Kubo; freeze is refused before the reveal; verify checks the
// placeholder and the commitment; genmint reveal emits BatchMetadataUpdate
// over 1..N, every tokenURI then resolves to its real metadata, and
// provenanceHash() equals the root recomputed from the folder's records.
func TestRevealAnvilKubo(t *testing.T) {
	an := testenv.StartAnvil(t)
	k := testenv.StartKubo(t)
	owner := an.Accounts[0]
	m := mintReveal(t, an, owner, k)
	dir, ksDir, pwFile, rec, cl := m.dir, m.ksDir, m.pwFile, m.rec, m.cl
	ctx := context.Background()
	cat := func(uri string) []byte { return []byte(kuboCat(t, k, uri)) }

	// Before the reveal: every tokenURI is the placeholder, through Kubo.
	if placeholder := m.placeholderTokens(t, cat); !strings.Contains(string(placeholder), `"name": "Veiled Glyph"`) {
		t.Fatalf("the placeholder:\n%s", placeholder)
	}
	code, stdout, _ := run(t, genmint(dir, "status", "--json", "--rpc", an.URL))
	if code != 0 || !strings.Contains(stdout, `"revealed": false`) {
		t.Fatalf("status before the reveal: %d\n%s", code, stdout)
	}
	if rep := m.verifyReport(t, an.URL, "--ipfs-api", k.APIAddr); *rep.Revealed || rep.PlaceholderURI != rec.PlaceholderURI {
		t.Fatalf("verify before the reveal: %+v", rep)
	}
	// A collector, with the contract address alone: the placeholder is
	// checked, and the commitment is set and fixed in the code, pending.
	collector := t.TempDir()
	code, stdout, stderr := run(t, genmint(collector, "verify", "--rpc", an.URL, "--contract", m.st.Deployment.Contract.Hex(), "--ipfs-api", k.APIAddr))
	if code != 0 || !strings.Contains(stdout, fmt.Sprintf("verified %d of %d tokens: chain → placeholder (not revealed", revealN, revealN)) ||
		!strings.Contains(stdout, "commitment pending: provenanceHash() 0x") || !strings.Contains(stdout, "is fixed in the contract's code") {
		t.Fatalf("collector's verify before the reveal: %d\n%s%s", code, stdout, stderr)
	}

	// Freeze is refused before the reveal, and a reveal needs --yes.
	nonce, _ := cl.NonceAt(ctx, owner.Address, nil)
	out, err := ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "freeze", "--yes").CombinedOutput()
	if exitCode(err) != int(cmdutil.ExitUsage) || !strings.Contains(string(out), "run 'genmint reveal' first") || strings.Count(string(out), "genmint: ") != 1 {
		t.Fatalf("freeze before the reveal: %v\n%s", err, out)
	}
	out, err = ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "reveal").CombinedOutput()
	if exitCode(err) != int(cmdutil.ExitUsage) || !strings.Contains(string(out), "pass --yes") {
		t.Fatalf("reveal without --yes: %v\n%s", err, out)
	}
	if n, _ := cl.NonceAt(ctx, owner.Address, nil); n != nonce {
		t.Fatalf("%d transactions sent by refused commands", n-nonce)
	}

	// The reveal.
	preReveal, err := os.ReadFile(mint.DeploymentFile(dir, "local"))
	if err != nil {
		t.Fatal(err)
	}
	out, err = ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "reveal", "--yes", "--ipfs-api", k.APIAddr, "--json").Output()
	var res struct {
		Revealed     bool            `json:"revealed"`
		BaseURI      string          `json:"base_uri"`
		Transactions []mint.TxRecord `json:"transactions"`
	}
	if err != nil || json.Unmarshal(out, &res) != nil || !res.Revealed || res.BaseURI != rec.BaseURI || len(res.Transactions) != 1 {
		t.Fatalf("reveal: %v\n%s", err, out)
	}
	noSecrets(t, dir, keyHex(owner), out)
	m.revealedIn(t, res.Transactions[0].Hash)
	m.revealedTokens(t, cat, nil)
	root := m.provenanceCommitted(t)
	if rep := m.verifyReport(t, an.URL, "--ipfs-api", k.APIAddr); !*rep.Revealed || rep.ProvenanceRecomputed != root {
		t.Fatalf("verify after the reveal: %+v", rep)
	}
	if code, stdout, _ := run(t, genmint(dir, "status", "--json")); code != 0 || !strings.Contains(stdout, `"revealed": true`) {
		t.Fatalf("status after the reveal: %d\n%s", code, stdout)
	}
	if file, err := mint.ReadDeploymentFile(dir, "local"); err != nil || !file.Revealed || file.BaseURI != rec.BaseURI {
		t.Fatalf("deployments file %+v, %v", file, err)
	}

	// The state database lost, and deployments/ as committed before the
	// reveal: repair rebuilds the records and the chain says revealed.
	if err := os.WriteFile(mint.DeploymentFile(dir, "local"), preReveal, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, ".genmint", "state.db")); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := run(t, genmint(dir, "repair", "--rpc", an.URL, "--car", filepath.Join(dir, "c.car"))); code != 0 {
		t.Fatalf("repair: %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := run(t, genmint(dir, "status", "--json")); code != 0 || !strings.Contains(stdout, `"revealed": false`) {
		t.Fatalf("status from the stale record alone: %d\n%s", code, stdout)
	}
	if code, stdout, _ := run(t, genmint(dir, "status", "--json", "--rpc", an.URL)); code != 0 || !strings.Contains(stdout, `"revealed": true`) {
		t.Fatalf("status --rpc after repair: %d\n%s", code, stdout)
	}

	// Again: nothing to send (the record learns the reveal from the
	// chain). Then the freeze goes through, and the collection is final:
	// every setter and mintBatch revert with their custom error.
	nonce, _ = cl.NonceAt(ctx, owner.Address, nil)
	out, err = ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "reveal", "--yes").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "already revealed") {
		t.Fatalf("second reveal: %v\n%s", err, out)
	}
	if n, _ := cl.NonceAt(ctx, owner.Address, nil); n != nonce {
		t.Fatal("a second reveal sent a transaction")
	}
	if out, err := ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "freeze", "--yes").CombinedOutput(); err != nil {
		t.Fatalf("freeze after the reveal: %v\n%s", err, out)
	}
	frozenReverts(t, m.c, an, owner)
}

// TestRevealKilledAtEachCrashPoint SIGKILLs `genmint reveal` at each crash
// point of its transaction (a collection pinned to a CAR file only), then
// re-runs it: on chain exactly one setBaseURI, to the real baseURI, was
// ever mined, the account sent exactly deploy + reveal, and the records
// say revealed.
func TestRevealKilledAtEachCrashPoint(t *testing.T) {
	an := testenv.StartAnvil(t)
	base := revealCollection(t, revealN, nil)
	parsed, err := bindings.GenmintCollectionMetaData.ParseABI()
	if err != nil {
		t.Fatal(err)
	}
	setBaseURI := parsed.Methods["setBaseURI"]
	ctx := context.Background()
	cl, err := ethclient.Dial(an.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i, point := range mint.Points {
		t.Run(string(point), func(t *testing.T) {
			owner := an.Accounts[1+i]
			dir := filepath.Join(t.TempDir(), "coll")
			if out, err := exec.Command("cp", "-a", base, dir).CombinedOutput(); err != nil {
				t.Fatalf("cp: %v %s", err, out)
			}
			ksDir, pwFile := mintAs(t, dir, an, owner)
			rec, st, _ := latestPin(t, dir)
			killed := ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "reveal", "--yes")
			killed.Env = append(killed.Env, cmdutil.CrashEnv+"="+string(point)+":1")
			out, err := killed.CombinedOutput()
			var ee *exec.ExitError
			if ws, ok := exitStatus(err, &ee); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("reveal was not killed at %s: %v\n%s", point, err, out)
			}
			out, err = ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "reveal", "--yes").CombinedOutput()
			if err != nil {
				t.Fatalf("re-run: %v\n%s", err, out)
			}
			c := chain.Open(cl, st.Deployment.Contract)
			if info, _ := c.Info(ctx); info.BaseURI != rec.BaseURI {
				t.Fatalf("baseURI %s after the re-run", info.BaseURI)
			}
			// Every block: the mined setBaseURI calls to the collection.
			head, err := cl.BlockNumber(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var mined []string
			for b := uint64(0); b <= head; b++ {
				blk, err := cl.BlockByNumber(ctx, new(big.Int).SetUint64(b))
				if err != nil {
					t.Fatal(err)
				}
				for _, tx := range blk.Transactions() {
					if tx.To() == nil || *tx.To() != st.Deployment.Contract || len(tx.Data()) < 4 || !bytes.Equal(tx.Data()[:4], setBaseURI.ID) {
						continue
					}
					if rc, err := cl.TransactionReceipt(ctx, tx.Hash()); err != nil || rc.Status != 1 {
						continue
					}
					args, err := setBaseURI.Inputs.Unpack(tx.Data()[4:])
					if err != nil {
						t.Fatal(err)
					}
					mined = append(mined, args[0].(string))
				}
			}
			if len(mined) != 1 || mined[0] != rec.BaseURI {
				t.Fatalf("mined setBaseURI calls %v, want exactly one to %s", mined, rec.BaseURI)
			}
			if n, _ := cl.NonceAt(ctx, owner.Address, nil); n != 2 {
				t.Fatalf("account nonce %d: want deploy + one reveal", n)
			}
			if _, st, _ := latestPin(t, dir); !st.Record.Revealed || st.Open != 0 {
				t.Fatalf("record %+v, %d open", st.Record, st.Open)
			}
		})
	}
}

// exitStatus is the wait status of a command that exited.
func exitStatus(err error, ee **exec.ExitError) (syscall.WaitStatus, bool) {
	if e, ok := err.(*exec.ExitError); ok {
		*ee = e
		ws, ok := e.Sys().(syscall.WaitStatus)
		return ws, ok
	}
	return 0, false
}

// TestRevealPinsWhenNeeded: the folder no longer matches the last pin run
// (the placeholder's description was edited after the mint), so reveal
// pins first, to --car, then reveals the real metadata, which did not
// change.
func TestRevealPinsWhenNeeded(t *testing.T) {
	an := testenv.StartAnvil(t)
	owner := an.Accounts[6]
	dir := revealCollection(t, 3, nil)
	ksDir, pwFile := mintAs(t, dir, an, owner)
	before, _, _ := latestPin(t, dir)
	specPath := filepath.Join(dir, "genmint.yaml")
	b, _ := os.ReadFile(specPath)
	if err := os.WriteFile(specPath, bytes.Replace(b, []byte("Revealed when the drop ends."), []byte("Revealed at last."), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	car := filepath.Join(t.TempDir(), "again.car")
	out, err := ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "reveal", "--yes", "--car", car, "--json").Output()
	var res struct {
		BaseURI string      `json:"base_uri"`
		Pinned  *pin.Result `json:"pinned"`
	}
	if err != nil || json.Unmarshal(out, &res) != nil || res.Pinned == nil || res.BaseURI != before.BaseURI {
		t.Fatalf("reveal: %v\n%s", err, out)
	}
	if res.Pinned.PlaceholderURI == before.PlaceholderURI || res.Pinned.BaseURI != before.BaseURI {
		t.Fatalf("the new pin run: %+v", res.Pinned)
	}
	if _, err := os.Stat(car); err != nil {
		t.Fatalf("no CAR written: %v", err)
	}
	_, st, _ := latestPin(t, dir)
	cl, err := ethclient.Dial(an.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if info, err := chain.Open(cl, st.Deployment.Contract).Info(context.Background()); err != nil || info.BaseURI != before.BaseURI {
		t.Fatalf("baseURI %s, %v", info.BaseURI, err)
	}
}
