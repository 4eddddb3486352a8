package main

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/genmint/genmint/internal/fsatomic"
	"github.com/genmint/genmint/state"
)

// genmint returns a command running the real Main (this test binary
// re-executes itself; see TestMain) in dir, with a fixed clock.
func genmint(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "SOURCE_DATE_EPOCH=1795000000", "NO_COLOR=1", "CI=")
	return cmd
}

const killSpec = `name: Kill Test
symbol: KILL
count: 30
seed: 31337
provider:
  name: procedural
  params: {width: 320, height: 320}
prompt: "{{.motif}} in {{.palette}} tones"
traits:
  palette: [ocean, ember, forest, neon, aurora, mono]
  motif: [flow, rings, cells, waves, tiles]
postprocess:
  - fill: {width: 256, height: 256, anchor: center}
  - border: {width: 4, color: "#101010"}
`

// TestKillMidGenerateResumesByteIdentical SIGKILLs `genmint generate` at
// several points, re-runs it to completion, and proves every file equals
// an uninterrupted run's and that no item was generated twice.
func TestKillMidGenerateResumesByteIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("runs genmint generate several times; skipped with -short")
	}
	killed, clean := t.TempDir(), t.TempDir()
	for _, d := range []string{killed, clean} {
		if err := os.WriteFile(filepath.Join(d, "genmint.yaml"), []byte(killSpec), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Kill after 3, then 7 more, then 9 more items. Items already generated
	// at a kill must never be asked for again: remember how often each had
	// been asked then.
	doneBefore := map[int]int{} // item → requests when it was first seen done
	for round, after := range []int{3, 7, 9} {
		cmd := genmint(killed, "generate", "-j", "2")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		seen := 0
		for seen < after && sc.Scan() {
			if strings.Contains(sc.Text(), " generated (") {
				seen++
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		if seen < after {
			t.Fatalf("round %d: the run ended after %d items, before the kill", round, seen)
		}
		asked := requestsPerItem(t, killed)
		for id := range generatedItems(t, killed) {
			if _, ok := doneBefore[id]; !ok {
				doneBefore[id] = asked[id]
			}
		}
	}
	if len(doneBefore) >= 30 {
		t.Fatalf("every item finished before the last kill: the test did not interrupt anything")
	}

	// Resume, and make the same collection without interruption.
	for _, d := range []string{killed, clean} {
		out, err := genmint(d, "generate", "-j", "2").CombinedOutput()
		if err != nil {
			t.Fatalf("generate in %s: %v\n%s", d, err, out)
		}
	}

	// Every file under items/ is byte-identical, and nothing half-written is left.
	a, b := readTree(t, killed), readTree(t, clean)
	if len(a) != len(b) || len(a) != 30*3 {
		t.Fatalf("%d files after the kills, %d without: want %d", len(a), len(b), 30*3)
	}
	for name, data := range b {
		if !bytes.Equal(a[name], data) {
			t.Errorf("%s differs between the killed and the clean run", name)
		}
	}

	// No item was generated twice: one successful request each, and items
	// finished before a kill were never asked again.
	db, err := state.Open(context.Background(), killed, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reqs, err := db.Requests(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	succeeded, asked := map[int]int{}, map[int]int{}
	for _, r := range reqs {
		asked[r.ItemID]++
		if r.Outcome == state.RequestSucceeded {
			succeeded[r.ItemID]++
		}
	}
	for id := 1; id <= 30; id++ {
		if succeeded[id] != 1 {
			t.Errorf("item %d has %d successful requests, want exactly 1", id, succeeded[id])
		}
		if then, ok := doneBefore[id]; ok && asked[id] != then {
			t.Errorf("item %d was done at a kill after %d requests, but was asked %d times in all", id, then, asked[id])
		}
	}
	t.Logf("%d items were done before the last kill; %d requests in all", len(doneBefore), len(reqs))
}

// requestsPerItem counts the journalled requests of each item.
func requestsPerItem(t *testing.T, dir string) map[int]int {
	t.Helper()
	db, err := state.Open(context.Background(), dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reqs, err := db.Requests(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	n := map[int]int{}
	for _, r := range reqs {
		n[r.ItemID]++
	}
	return n
}

// generatedItems reads which items are generated now.
func generatedItems(t *testing.T, dir string) map[int]bool {
	t.Helper()
	db, err := state.Open(context.Background(), dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	items, err := db.Items(context.Background(), state.Query{Statuses: []state.Status{state.Generated}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]bool{}
	for _, it := range items {
		out[it.ID] = true
	}
	return out
}

// readTree reads every file under dir/items, failing on leftovers of an
// interrupted write.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	root := filepath.Join(dir, "items")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasPrefix(d.Name(), fsatomic.TempPrefix) {
			t.Errorf("half-written file left behind: %s", p)
		}
		rel, _ := filepath.Rel(root, p)
		files[rel], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
