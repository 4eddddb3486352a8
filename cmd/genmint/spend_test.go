package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/cmd/root"
	"github.com/genmint/genmint/state"
)

// TestUnreachableProviderCostsNothing: a paid provider whose base_url
// nobody listens on is never billed: every attempt is journalled at $0, the
// run reports $0.00, and the next run is not stopped "at the spend cap".
func TestUnreachableProviderCostsNothing(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	specText := fmt.Sprintf(`name: Nobody
symbol: NOB
count: 3
seed: 1
provider:
  name: openai
  base_url: http://%s/v1
  model: gpt-image-1
  retries: 1
  params: {size: 1024x1024, quality: high}
prompt: "{{.subject}}"
traits:
  subject: [a, b, c]
`, addr)
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(specText), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (cmdutil.ExitCode, string, string) {
		io, _, out, errOut := cmdutil.Test()
		f := &cmdutil.Factory{IO: io, Dir: dir, Version: "test",
			Getenv: func(k string) string { return map[string]string{"OPENAI_API_KEY": canaryKey}[k] },
			Now:    time.Now}
		code := root.Run(context.Background(), f, append([]string{"-C", dir}, args...))
		return code, out.String(), errOut.String()
	}
	for i := 1; i <= 2; i++ {
		code, out, errOut := run("generate", "--max-spend", "1", "--json")
		if code == cmdutil.ExitOK {
			t.Fatalf("run %d: exit 0 with nobody listening\n%s", i, out)
		}
		var sum struct {
			Requests    int
			CostUSD     float64 `json:"cost_usd"`
			SpentUSD    float64 `json:"spent_usd"`
			SpendCapHit bool    `json:"spend_cap_hit"`
		}
		if err := json.Unmarshal([]byte(out), &sum); err != nil {
			t.Fatalf("run %d: %v\n%s\n%s", i, err, out, errOut)
		}
		if sum.Requests == 0 || sum.CostUSD != 0 || sum.SpentUSD != 0 || sum.SpendCapHit || strings.Contains(out+errOut, "spend cap") {
			t.Fatalf("run %d: an unreachable service was billed or capped: %s\n%s", i, out, errOut)
		}
	}
	db, err := state.Open(context.Background(), dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reqs, err := db.Requests(context.Background(), 0)
	if err != nil || len(reqs) < 6 {
		t.Fatalf("journal: %d rows, %v", len(reqs), err)
	}
	for _, r := range reqs {
		if r.CostUSD != 0 {
			t.Errorf("request %+v journalled at $%v", r, r.CostUSD)
		}
	}
}
