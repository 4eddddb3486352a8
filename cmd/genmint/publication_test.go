package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/state"
)

// carOnlyNote is the start of the line mint and reveal print when the only
// destination that confirmed the roots is a CAR file.
const carOnlyNote = "Note: the collection's blocks were only written to a CAR file (pin --car)"

// unconfirm makes the latest pin run's metadata root one that no
// destination confirmed, as a state written by an earlier genmint, or a
// destination that later reported another CID, leaves it: every
// destination's record of that root now names a different CID.
func unconfirm(t *testing.T, dir string) *pin.Record {
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
	res, err := db.SQL().ExecContext(ctx, `UPDATE pin_roots SET cid = 'bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' WHERE run_id = ? AND root = ?`, rec.ID, pin.RootMetadata)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.Fatalf("no destination recorded the metadata root of run %d", rec.ID)
	}
	return rec
}

// errorLine is the one line of stderr that reports the error ("" unless
// there is exactly one and nothing follows it).
func errorLine(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if last := lines[len(lines)-1]; strings.HasPrefix(last, "genmint: ") && strings.Count(stderr, "genmint: ") == 1 {
		return last
	}
	return ""
}

// outputs runs cmd and returns its exit code, stdout and stderr.
func outputs(cmd *exec.Cmd) (int, string, string) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return exitCode(cmd.Run()), stdout.String(), stderr.String()
}

// TestMintRefusesUnconfirmedBaseURI runs the real `genmint mint` (and its
// --dry-run on the in-process chain) on anvil: a pin run whose metadata
// root no destination confirmed is refused with one line naming the fix
// and nothing is sent; re-pinned to a CAR file only, mint proceeds and says
// publishing is the user's responsibility.
func TestMintRefusesUnconfirmedBaseURI(t *testing.T) {
	an := testenv.StartAnvil(t)
	owner := an.Accounts[7]
	dir := pinnedCollection(t, 3, "")
	ksDir, pwFile := keystore(t, keyHex(owner))
	rec := unconfirm(t, dir)

	for _, cmd := range []*exec.Cmd{mintCmd(dir, an.URL, owner.Address, ksDir, pwFile), genmint(dir, "mint", "--dry-run")} {
		code, out, errOut := outputs(cmd)
		line := errorLine(errOut)
		if code != 2 || !strings.Contains(line, "no destination confirmed the metadata root "+rec.Roots.Metadata) ||
			!strings.Contains(line, "run 'genmint pin'") {
			t.Fatalf("%v on an unconfirmed root: exit %d\nstdout: %s\nstderr: %s", cmd.Args[3:5], code, out, errOut)
		}
	}
	if n := nonceOf(t, an.URL, owner.Address); n != 0 {
		t.Fatalf("mint refused but sent %d transactions", n)
	}

	// The fix the error names: pin again (to a CAR file only here).
	if out, err := genmint(dir, "pin", "--car", filepath.Join(dir, "c.car"), "-q").CombinedOutput(); err != nil {
		t.Fatalf("pin: %v\n%s", err, out)
	}
	code, out, errOut := outputs(mintCmd(dir, an.URL, owner.Address, ksDir, pwFile))
	if code != 0 || !strings.Contains(out, "Minted 3 tokens") || !strings.Contains(errOut, carOnlyNote) || !strings.Contains(errOut, "publishing them is your responsibility") {
		t.Fatalf("mint after pin --car: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if n := nonceOf(t, an.URL, owner.Address); n == 0 {
		t.Fatal("mint reported success but sent nothing")
	}
}

// TestMintConfirmedByKuboHasNoNote: pinned to a real Kubo node (and a CAR
// file), the roots are confirmed by the node; mint proceeds without the
// CAR-only note.
func TestMintConfirmedByKuboHasNoNote(t *testing.T) {
	an := testenv.StartAnvil(t)
	k := testenv.StartKubo(t)
	owner := an.Accounts[8]
	dir := revealCollection(t, 2, k)
	ksDir, pwFile := keystore(t, keyHex(owner))
	code, out, errOut := outputs(mintCmd(dir, an.URL, owner.Address, ksDir, pwFile))
	if code != 0 || !strings.Contains(out, "Minted 2 tokens") || strings.Contains(errOut, carOnlyNote) {
		t.Fatalf("mint of a collection pinned to Kubo: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

// TestRevealRefusesUnconfirmedBaseURI: the reveal sets the real baseURI,
// so it holds it to the same rule as mint. With the real root unconfirmed
// and no destination to pin to it refuses in one line naming --car and
// --ipfs-api, sending nothing; given --car it pins first, reveals, and says
// the CAR is the user's to publish.
func TestRevealRefusesUnconfirmedBaseURI(t *testing.T) {
	an := testenv.StartAnvil(t)
	owner := an.Accounts[9]
	dir := revealCollection(t, 2, nil)
	ksDir, pwFile := mintAs(t, dir, an, owner)
	unconfirm(t, dir)
	before := nonceOf(t, an.URL, owner.Address)

	reveal := ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "reveal", "--yes")
	reveal.Env = append(reveal.Env, "IPFS_API=http://127.0.0.1:1", "IPFS_PATH="+t.TempDir())
	code, out, errOut := outputs(reveal)
	line := errorLine(errOut)
	if code == 0 || !strings.Contains(line, "needs pinning before the reveal") || !strings.Contains(line, "--car") {
		t.Fatalf("reveal of an unconfirmed root: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if n := nonceOf(t, an.URL, owner.Address); n != before {
		t.Fatalf("reveal refused but sent %d transactions", n-before)
	}

	code, out, errOut = outputs(ownerCmd(dir, an.URL, owner.Address, ksDir, pwFile, "reveal", "--yes", "--car", filepath.Join(t.TempDir(), "r.car")))
	if code != 0 || !strings.Contains(out, "Revealed: every token") || !strings.Contains(errOut, carOnlyNote) {
		t.Fatalf("reveal --car: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if n := nonceOf(t, an.URL, owner.Address); n != before+1 {
		t.Fatalf("reveal sent %d transactions, want 1 setBaseURI", n-before)
	}
}
