package pin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/state"
)

// TestMain lets the test binary double as a `genmint pin` process: with
// GENMINT_PIN_HELPER=1 it pins the collection named in the environment and
// exits, so tests can kill it with SIGKILL or measure its peak memory.
func TestMain(m *testing.M) {
	if os.Getenv("GENMINT_PIN_HELPER") == "1" {
		os.Exit(helperMain())
	}
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// helperMain is what cmd/pincmd will do, minus flags: lock the collection,
// open its state, run the pin, print the result as JSON.
//
//	GENMINT_PIN_DIR   collection folder
//	GENMINT_PIN_KUBO  Kubo API (optional)
//	GENMINT_PIN_CAR   CAR file (optional)
//	GENMINT_PIN_DRY   "1" for a dry run
//	GENMINT_PIN_HANG  "kind:root:n": on the n-th event of that kind for that
//	                  root, write GENMINT_PIN_MARK and stop dead (to be killed)
func helperMain() int {
	dir := os.Getenv("GENMINT_PIN_DIR")
	unlock, err := state.Lock(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer unlock()
	ctx := context.Background()
	db, err := state.Open(ctx, dir, state.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	opts := Options{Dir: dir, DB: db, Collection: testCollection, CAR: os.Getenv("GENMINT_PIN_CAR"), DryRun: os.Getenv("GENMINT_PIN_DRY") == "1"}
	if api := os.Getenv("GENMINT_PIN_KUBO"); api != "" {
		kp, err := NewKubo(api)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		opts.Pinners = []Pinner{WithRetry(kp, RetryPolicy{Attempts: 3, Base: 100 * time.Millisecond})}
	}
	if hang := os.Getenv("GENMINT_PIN_HANG"); hang != "" {
		parts := strings.Split(hang, ":")
		n, _ := strconv.Atoi(parts[2])
		seen := 0
		opts.Progress = func(e Event) {
			if string(e.Kind) != parts[0] || e.Root != parts[1] {
				return
			}
			if seen++; seen >= n {
				os.WriteFile(os.Getenv("GENMINT_PIN_MARK"), []byte("here"), 0o644)
				time.Sleep(time.Hour) // wait for SIGKILL
			}
		}
	}
	res, err := Run(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

type helperRun struct {
	dir, kubo, car, hang string
	dry                  bool
}

func (h helperRun) cmd(t *testing.T, mark string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GENMINT_PIN_HELPER=1", "GENMINT_PIN_DIR="+h.dir, "GENMINT_PIN_KUBO="+h.kubo,
		"GENMINT_PIN_CAR="+h.car, "GENMINT_PIN_HANG="+h.hang, "GENMINT_PIN_MARK="+mark)
	if h.dry {
		cmd.Env = append(cmd.Env, "GENMINT_PIN_DRY=1")
	}
	return cmd
}

// run runs the helper to completion and returns its result and peak RSS.
func (h helperRun) run(t *testing.T) (*Result, int64) {
	t.Helper()
	cmd := h.cmd(t, "")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pin process: %v\n%s", err, stderr.String())
	}
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("pin process output: %v\n%s", err, stdout.String())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return &res, ru.Maxrss // KiB on Linux
}

// kill starts the helper, waits until it reaches its hang point, and
// SIGKILLs it.
func (h helperRun) kill(t *testing.T) {
	t.Helper()
	mark := filepath.Join(t.TempDir(), "mark")
	cmd := h.cmd(t, mark)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(2 * time.Minute)
	for {
		if _, err := os.Stat(mark); err == nil {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("pin process ended before reaching %s: %v\n%s", h.hang, err, stderr.String())
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("pin process never reached %s", h.hang)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
}

// kill -9 at several points of a pin, then a plain re-run: it completes,
// with exactly the CIDs of a run that was never interrupted.
func TestKillDashNineMidPinResumesWithSameCIDs(t *testing.T) {
	const n, size = 40, 96
	refDir := t.TempDir()
	makeCollection(t, refDir, n, size)
	ref, _ := helperRun{dir: refDir, kubo: testenv.StartKubo(t).API}.run(t)
	refCAR := filepath.Join(t.TempDir(), "ref.car")
	helperRun{dir: refDir, car: refCAR}.run(t)
	refCARBytes, err := os.ReadFile(refCAR)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		hang string
		car  bool
	}{
		{hang: "computing:originals:10"},         // before anything is recorded
		{hang: "uploading:images:15"},            // mid-add of the first directory
		{hang: "uploading:originals:30"},         // images pinned, originals half sent
		{hang: "pinned:metadata:1"},              // on the node, not yet in the state
		{hang: "pinned:provenance:1", car: true}, // half a CAR file on disk
	} {
		t.Run(tc.hang, func(t *testing.T) {
			dir := t.TempDir()
			makeCollection(t, dir, n, size)
			h := helperRun{dir: dir, hang: tc.hang}
			var k *testenv.KuboDaemon
			carPath := filepath.Join(t.TempDir(), "out.car")
			if tc.car {
				h.car = carPath
			} else {
				k = testenv.StartKubo(t)
				h.kubo = k.API
			}
			h.kill(t)

			db := openDB(t, dir)
			if c := statusCounts(t, db); c[state.Kept] != n {
				t.Fatalf("after kill -9: %v", c)
			}
			if _, err := os.Stat(carPath); tc.car && err == nil {
				t.Fatal("a killed run left a CAR under the final name")
			}

			h.hang = ""
			res, _ := h.run(t)
			if res.Roots != ref.Roots || res.BaseURI != ref.BaseURI {
				t.Fatalf("resumed roots %+v, uninterrupted %+v", res.Roots, ref.Roots)
			}
			for i := range ref.Items {
				if res.Items[i] != ref.Items[i] {
					t.Fatalf("item %d: resumed %+v, uninterrupted %+v", i+1, res.Items[i], ref.Items[i])
				}
			}
			if c := statusCounts(t, db); c[state.Pinned] != n {
				t.Fatalf("after re-run: %v", c)
			}
			if tc.car {
				b, err := os.ReadFile(carPath)
				if err != nil || !bytes.Equal(b, refCARBytes) {
					t.Fatalf("resumed CAR differs from the uninterrupted one (%v)", err)
				}
				if stale, _ := filepath.Glob(filepath.Join(filepath.Dir(carPath), ".out.car.tmp-*")); len(stale) != 0 {
					t.Fatalf("temporary files left: %v", stale)
				}
				return
			}
			pins := k.IPFS(t, "pin", "ls", "--type=recursive", "--quiet")
			for _, c := range []string{ref.Roots.Images, ref.Roots.Originals, ref.Roots.Provenance, ref.Roots.Metadata, ref.Roots.Contract} {
				if !strings.Contains(pins, c) {
					t.Fatalf("%s not pinned after the re-run", c)
				}
			}
			if tc.hang == "pinned:metadata:1" {
				// What was finished before the kill is not redone.
				if !slices.Contains(res.Destinations[0].Already, RootMetadata) {
					t.Fatalf("re-run pinned the metadata again: %+v", res.Destinations[0])
				}
			}
		})
	}
}

// Peak memory of a whole pin process stays flat as the collection grows:
// files are streamed, never held.
func TestPeakMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 1,200 items; skipped with -short")
	}
	const size = 256
	rss := map[string]map[int]int64{"dry-run": {}, "kubo": {}, "car": {}}
	var bytesPerItem int64
	for _, n := range []int{200, 1000} {
		dir := t.TempDir()
		makeCollection(t, dir, n, size)
		bytesPerItem = dirBytes(t, filepath.Join(dir, "items")) / int64(n)
		_, rss["dry-run"][n] = helperRun{dir: dir, dry: true}.run(t)
		_, rss["kubo"][n] = helperRun{dir: dir, kubo: testenv.StartKubo(t).API}.run(t)
		_, rss["car"][n] = helperRun{dir: dir, car: filepath.Join(t.TempDir(), "c.car")}.run(t)
	}
	for _, mode := range []string{"dry-run", "kubo", "car"} {
		small, big := rss[mode][200], rss[mode][1000]
		perItem := float64(big-small) * 1024 / 800
		t.Logf("peak RSS %-7s: 200 items %6.1f MiB, 1000 items %6.1f MiB: +%.1f KiB per extra item, against %.0f KiB of files per item",
			mode, float64(small)/1024, float64(big)/1024, perItem/1024, float64(bytesPerItem)/1024)
		// Flat: the extra items may cost bookkeeping (names, CIDs, links:
		// a few KiB each), never their files' bytes.
		if perItem > float64(bytesPerItem)/4 || big > 2*small {
			t.Errorf("%s: peak RSS grew from %d KiB to %d KiB for 800 more items of %d bytes each", mode, small, big, bytesPerItem)
		}
	}
}

func dirBytes(t testing.TB, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
