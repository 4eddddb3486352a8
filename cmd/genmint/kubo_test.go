package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/state"
)

// TestPinToKuboEndToEnd runs `genmint generate` and `genmint pin` against a
// real Kubo daemon, then reads a token's metadata and the image it names
// back through the node and compares them with the files on disk.
func TestPinToKuboEndToEnd(t *testing.T) {
	kubo := testenv.StartKubo(t)
	spec := `name: Kubo E2E
symbol: KUBO
count: 3
seed: 8
provider:
  name: procedural
  params: {width: 96, height: 96}
prompt: "{{.palette}} rings"
traits:
  palette: [ocean, ember, forest]
`
	p := generatedInProcess(t, spec, nil)
	dir, run := p.dir, p.run

	// A dead node: one line naming the address and the fixes.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := l.Addr().String()
	l.Close()
	code, _, errOut := run("pin", "--ipfs-api", "http://"+dead)
	if code != cmdutil.ExitFailure || strings.Count(strings.TrimSpace(errOut), "\n") != 0 ||
		!strings.Contains(errOut, "cannot reach Kubo at http://"+dead) || !strings.Contains(errOut, "--car FILE") {
		t.Fatalf("dead Kubo: exit %d, %q", code, errOut)
	}

	code, out, errOut := run("pin", "--ipfs-api", kubo.APIAddr, "--json")
	if code != 0 {
		t.Fatalf("pin: %d %s", code, errOut)
	}
	var res struct {
		BaseURI string `json:"base_uri"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	meta := strings.TrimPrefix(res.BaseURI, "ipfs://")
	var token struct {
		Image string `json:"image"`
	}
	if err := json.Unmarshal([]byte(kubo.IPFS(t, "cat", meta+"2")), &token); err != nil {
		t.Fatalf("token 2's metadata from Kubo: %v", err)
	}
	image := kubo.IPFS(t, "cat", strings.TrimPrefix(token.Image, "ipfs://"))

	db, err := state.Open(context.Background(), dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	it, err := db.Item(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(image))
	if it.Status != state.Pinned || hex.EncodeToString(sum[:]) != it.Final.SHA256 {
		t.Fatalf("item 2 is %s; the image Kubo serves has sha256 %x, the final image %s", it.Status, sum, it.Final.SHA256)
	}
}
