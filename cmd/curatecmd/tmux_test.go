package curatecmd

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/dustin/go-humanize/english"

	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/internal/testenv/tmux"
	"github.com/genmint/genmint/state"
)

// TestCurateInTmux is the end-to-end test of `genmint curate`: the real
// binary, built here, on a collection made by `genmint init` and `genmint
// generate`, runs in a tmux pane as a user would run it. The test sends
// keys, reads the screen back with capture-pane, quits, and checks that the
// state database holds exactly the decisions the keys made, that the
// regenerated item kept its old candidate as a variant, and that `genmint
// generate` afterwards finds nothing to do and nothing stale.
//
// Nothing is timed: every wait polls the pane or the database until what is
// expected shows up, with a generous deadline for slow machines.
func TestCurateInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds genmint and runs it in tmux")
	}
	testenv.Path(t, testenv.Tmux) // before the build: no tmux, no test
	bin := buildGenmint(t)
	work := t.TempDir()
	dir := filepath.Join(work, "c")

	// A collection as a user makes it: the procedural starter, seed 1, made
	// smaller (256 px) so eight items generate in a moment.
	genmint(t, bin, "init", dir, "--seed", "1")
	specPath := filepath.Join(dir, "genmint.yaml")
	text, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	small := strings.NewReplacer("width: 1024", "width: 256", "height: 1024", "height: 256",
		"fill: {width: 768, height: 768", "fill: {width: 192, height: 192").Replace(string(text))
	if strings.Count(small, "256") != 2 || !strings.Contains(small, "fill: {width: 192, height: 192") {
		t.Fatalf("the procedural starter changed shape; adapt this test:\n%s", text)
	}
	if err := os.WriteFile(specPath, []byte(small), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := genmint(t, bin, "-C", dir, "generate", "--count", "8"); out != "8 generated, 0 already done.\n" {
		t.Fatalf("generate: %q", out)
	}
	items := readItems(t, dir)
	if len(items) != 8 {
		t.Fatalf("%d items", len(items))
	}
	for _, it := range items {
		if it.Status != state.Generated {
			t.Fatalf("item %d is %s", it.ID, it.Status)
		}
	}

	// The session: genmint curate with a clean environment (no CI), its
	// stdout (the summary) and exit status going to files; the view draws
	// on the pane through stderr.
	out, rc := filepath.Join(work, "summary.txt"), filepath.Join(work, "rc.txt")
	command := fmt.Sprintf("env -i HOME=%q PATH=%q TERM=xterm-256color %q -C %q curate --preview blocks > %q; echo $? > %q",
		work, os.Getenv("PATH"), bin, dir, out, rc)
	s := tmux.Start(t, 100, 30, command)

	want := map[int]state.Status{}
	for id := 1; id <= 8; id++ {
		want[id] = state.Generated
	}
	stars := map[int]bool{}
	changes := 0

	s.WaitPane("genmint curate · C", "kept 0 · rejected 0 · undecided 8", "▸ 0001", "#0001", "prompt", "▀")

	// Keep 1, reject 2 (the cursor moves on after each), star 3, keep 3,
	// undo that keep.
	s.Keys("p")
	s.WaitPane("0001 ✓ kept", "kept item 1")
	s.Keys("x")
	s.WaitPane("0002 ✗ rejected", "rejected item 2", "▸ 0003")
	s.Keys("s")
	s.WaitPane("starred item 3", "0003 · undecided ★")
	s.Keys("p")
	s.WaitPane("kept item 3")
	s.Keys("u")
	s.WaitPane("undid the last decision (item 3)", "0003 · undecided ★", "kept 1 · rejected 1 · undecided 6")
	want[1], want[2] = state.Kept, state.Rejected
	stars[3] = true
	changes += 1 + 1 + 1 + 1 - 1

	// Back to the top, then jump to the next undecided item: 3.
	s.Keys("g")
	s.WaitPane("▸ 0001")
	s.Keys("n")
	s.WaitPane("▸ 0003")

	// Regenerate 3 with a new seed; go on curating meanwhile (star 4), and
	// wait for the new candidate.
	old3 := items[2]
	s.Keys("r", "j", "s")
	s.WaitPane("0004 · undecided ★")
	stars[4] = true
	changes++
	s.WaitFor("item 3 regenerated, its spinner gone", func(pane string) bool {
		it := readItem(t, dir, 3)
		return it.Custom && it.Status == state.Generated && !strings.Contains(pane, " regen ") && !strings.Contains(pane, "regenerating")
	})
	s.WaitPane("0003 · undecided ★")

	// Filter: undecided items whose motif is item 5's, then keep them all.
	motif := traitValue(t, items[4], "motif")
	var shown []int
	for _, it := range items {
		if want[it.ID] == state.Generated && strings.Contains(strings.ToLower(traitValue(t, it, "motif")), strings.ToLower(motif)) {
			shown = append(shown, it.ID)
		}
	}
	s.Keys("f")
	s.WaitPane("showing undecided: 6 items")
	s.Keys("/")
	s.WaitPane("trait: ")
	s.Type("motif=" + motif)
	s.Keys("Enter")
	s.WaitPane(fmt.Sprintf("trait %q: %d items", "motif="+motif, len(shown)))
	s.Keys("P")
	s.WaitPane(fmt.Sprintf("kept %s", english.PluralWord(len(shown), "item "+fmt.Sprint(shown[0]), fmt.Sprintf("%d items", len(shown)))))
	for _, id := range shown {
		want[id] = state.Kept
	}
	changes += len(shown)
	s.Keys("Escape")
	s.WaitPane("filters cleared: 8 items")

	// A tiny terminal still works: shrink to 40×12, reject the last item.
	s.Resize(40, 12)
	s.WaitFor("a 40-column screen", func(pane string) bool {
		lines := strings.Split(strings.TrimRight(pane, "\n"), "\n")
		return len(lines) <= 12 && strings.Contains(pane, "▸ 000")
	})
	s.Keys("G")
	s.WaitPane("▸ 0008")
	s.Keys("x")
	s.WaitPane("0008 ✗ rejected")
	want[8] = state.Rejected
	changes++

	s.Keys("q")
	var summary string
	s.WaitFor("the summary on stdout after q", func(string) bool {
		b, _ := os.ReadFile(rc)
		summary = readFile(out)
		return strings.TrimSpace(string(b)) != ""
	})
	if code := strings.TrimSpace(readFile(rc)); code != "0" {
		t.Errorf("genmint curate exited %s", code)
	}
	count := map[state.Status]int{}
	for _, st := range want {
		count[st]++
	}
	wantSummary := fmt.Sprintf("kept %d, rejected %d, undecided %d of 8 items; 2 starred (%d changed now).\n",
		count[state.Kept], count[state.Rejected], count[state.Generated], changes)
	if summary != wantSummary {
		t.Errorf("stdout = %q, want %q", summary, wantSummary)
	}

	// The database holds exactly what the keys said.
	after := readItems(t, dir)
	for _, it := range after {
		if it.Status != want[it.ID] {
			t.Errorf("item %d is %s, want %s", it.ID, it.Status, want[it.ID])
		}
	}
	db := openDB(t, dir)
	var starred []int
	rows, err := db.SQL().Query(`SELECT item_id FROM curate_stars ORDER BY item_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int
		rows.Scan(&id)
		starred = append(starred, id)
	}
	rows.Close()
	if fmt.Sprint(starred) != "[3 4]" {
		t.Errorf("starred %v, want [3 4]", starred)
	}
	// The decision log, batch by batch, in key order, the undone keep marked.
	var log []string
	rows, err = db.SQL().Query(`SELECT b.op, b.source, b.undone_at <> '', group_concat(l.item_id)
		FROM curate_batches b JOIN curate_log l ON l.batch = b.id GROUP BY b.id ORDER BY b.id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var op, source, ids string
		var undone bool
		rows.Scan(&op, &source, &undone, &ids)
		e := op + " " + sortedIDs(ids) + " " + source
		if undone {
			e += " (undone)"
		}
		log = append(log, e)
	}
	rows.Close()
	wantLog := []string{"keep 1 tui", "reject 2 tui", "star 3 tui", "keep 3 tui (undone)", "star 4 tui",
		"keep " + strings.Trim(strings.ReplaceAll(fmt.Sprint(shown), " ", ","), "[]") + " tui", "reject 8 tui"}
	if strings.Join(log, "; ") != strings.Join(wantLog, "; ") {
		t.Errorf("decision log:\n got %q\nwant %q", log, wantLog)
	}

	// Item 3: a new candidate with a new seed, the old one kept as variant 1
	// under its folder, byte for byte.
	new3 := after[2]
	if new3.Seed == old3.Seed || new3.Final.SHA256 == old3.Final.SHA256 || new3.Final.Path != old3.Final.Path || !new3.Custom {
		t.Errorf("item 3 not regenerated with a new seed: before %+v after %+v", old3, new3)
	}
	if got := fileSHA(t, filepath.Join(dir, new3.Final.Path)); got != new3.Final.SHA256 {
		t.Errorf("item 3's final.png on disk is not the recorded new candidate")
	}
	vs, err := curate.Variants(bg, db, 3)
	if err != nil || len(vs) != 1 {
		t.Fatalf("item 3 variants: %+v, %v", vs, err)
	}
	v := vs[0]
	if v.No != 1 || v.Seed != old3.Seed || v.Final.SHA256 != old3.Final.SHA256 || v.Final.Path != "items/0003/variants/1/final.png" ||
		v.Original.Path != "items/0003/variants/1/original.png" || v.ProvenancePath != "items/0003/variants/1/provenance.json" {
		t.Errorf("variant = %+v", v)
	}
	if got := fileSHA(t, filepath.Join(dir, v.Final.Path)); got != old3.Final.SHA256 {
		t.Error("the variant's final.png is not the old candidate")
	}
	if got := fileSHA(t, filepath.Join(dir, v.Original.Path)); got != old3.Original.SHA256 {
		t.Error("the variant's original.png is not the old candidate's")
	}
	for _, id := range []int{1, 2, 4, 5, 6, 7, 8} {
		if vs, _ := curate.Variants(bg, db, id); len(vs) != 0 {
			t.Errorf("item %d has %d variants", id, len(vs))
		}
	}
	db.Close()

	// The thumbnail cache persists for the next session.
	if files, _ := filepath.Glob(filepath.Join(dir, ".genmint", "cache", "thumbs", "*")); len(files) == 0 {
		t.Error("no thumbnails cached on disk")
	}

	// generate afterwards: nothing to do, nothing stale, item 3 unchanged.
	if out := genmint(t, bin, "-C", dir, "generate", "--count", "8"); out != "0 generated, 8 already done.\n" {
		t.Errorf("generate afterwards: %q", out)
	}
	if it := readItem(t, dir, 3); it.Final != new3.Final || it.Seed != new3.Seed {
		t.Errorf("generate afterwards changed item 3: %+v", it)
	}
}

// buildGenmint builds cmd/genmint into a temporary folder.
func buildGenmint(t *testing.T) string {
	t.Helper()
	root, ok := testenv.RepoRoot()
	if !ok {
		t.Fatal("cannot find the repository root")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "genmint")
	cmd := exec.Command(goBin, "build", "-o", bin, "./cmd/genmint")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// genmint runs the binary without a terminal and returns its stdout.
func genmint(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "NO_COLOR=1", "CI="}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("genmint %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

func openDB(t *testing.T, dir string) *state.DB {
	t.Helper()
	db, err := state.Open(bg, dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func readItems(t *testing.T, dir string) []state.Item {
	t.Helper()
	db := openDB(t, dir)
	defer db.Close()
	items, err := db.Items(bg, state.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func readItem(t *testing.T, dir string, id int) state.Item {
	t.Helper()
	db := openDB(t, dir)
	defer db.Close()
	it, err := db.Item(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func traitValue(t *testing.T, it state.Item, typ string) string {
	t.Helper()
	for _, tr := range it.Traits {
		if tr.Type == typ {
			return tr.Value
		}
	}
	t.Fatalf("item %d has no %s trait: %+v", it.ID, typ, it.Traits)
	return ""
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func sortedIDs(csv string) string {
	parts := strings.Split(csv, ",")
	sort.Slice(parts, func(i, j int) bool {
		return len(parts[i]) < len(parts[j]) || len(parts[i]) == len(parts[j]) && parts[i] < parts[j]
	})
	return strings.Join(parts, ",")
}
