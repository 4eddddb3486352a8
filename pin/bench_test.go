package pin

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/testenv"
)

var (
	benchOnce sync.Once
	benchDir  string
)

// benchCollection builds, once per test binary, the benchmark's collection:
// GENMINT_BENCH_ITEMS (default 1000) kept items with 512×512 PNGs.
func benchCollection(b *testing.B) (string, int) {
	n := 1000
	if v := os.Getenv("GENMINT_BENCH_ITEMS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "genmint-pin-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		makeCollection(b, dir, n, 512)
	})
	if benchDir == "" {
		b.Fatal("benchmark collection was not built")
	}
	return benchDir, n
}

// BenchmarkPinVsIPFSAdd pins the collection into a Kubo node with pin.Run
// and, on the same node in the same run, adds the same files with
// `ipfs add -r --cid-version=1 --raw-leaves`, emptying the node (unpin, gc)
// before each. It reports pin's time as a ratio of ipfs add's; the target
// is at most 1.2.
//
//	go test ./pin -run '^$' -bench PinVsIPFSAdd -benchtime 3x
func BenchmarkPinVsIPFSAdd(b *testing.B) {
	dir, n := benchCollection(b) // removed by TestMain
	k := testenv.StartKubo(b)
	kp, err := NewKubo(k.API)
	if err != nil {
		b.Fatal(err)
	}
	db := openDB(b, dir)
	ctx := context.Background()
	warm(b, filepath.Join(dir, "items"))

	empty := func() {
		if pins := strings.Fields(k.IPFS(b, "pin", "ls", "--type=recursive", "--quiet")); len(pins) > 0 {
			k.IPFS(b, append([]string{"pin", "rm"}, pins...)...)
		}
		k.IPFS(b, "repo", "gc", "--quiet")
	}
	ref := func() time.Duration {
		start := time.Now()
		cmd := k.Command(ctx, "add", "-r", "-Q", "--cid-version=1", "--raw-leaves", filepath.Join(dir, "items"))
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("ipfs add: %v\n%s", err, out)
		}
		return time.Since(start)
	}
	ours := func() time.Duration {
		start := time.Now()
		trace := func(e Event) {
			if os.Getenv("GENMINT_BENCH_TRACE") != "" && e.Kind != EventComputing && e.Kind != EventUploading {
				fmt.Fprintf(os.Stderr, "%7.3fs %s %s\n", time.Since(start).Seconds(), e.Kind, e.Root)
			}
		}
		res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: []Pinner{kp}, Progress: trace})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Destinations[0].Pinned) != 5 {
			b.Fatalf("the node was not empty: %+v", res.Destinations[0])
		}
		return time.Since(start)
	}

	var tRef, tPin time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Alternate the order so neither side always runs on a warmer node.
		b.StopTimer()
		empty()
		b.StartTimer()
		if i%2 == 0 {
			tRef += ref()
		} else {
			tPin += ours()
		}
		b.StopTimer()
		empty()
		b.StartTimer()
		if i%2 == 0 {
			tPin += ours()
		} else {
			tRef += ref()
		}
	}
	b.StopTimer()
	ratio := float64(tPin) / float64(tRef)
	b.ReportMetric(ratio, "pin/ipfs-add")
	b.ReportMetric(tPin.Seconds()/float64(b.N), "pin-s/op")
	b.ReportMetric(tRef.Seconds()/float64(b.N), "ipfs-add-s/op")
	fmt.Fprintf(os.Stderr, "pin %d items (512x512 PNG): %.2fs, ipfs add -r --cid-version=1 --raw-leaves: %.2fs, ratio %.3f (target <= 1.2)\n",
		n, tPin.Seconds()/float64(b.N), tRef.Seconds()/float64(b.N), ratio)
	if ratio > 1.2 {
		b.Errorf("pin took %.3fx the time of ipfs add (target <= 1.2)", ratio)
	}
}

// warm reads every file once so neither side pays for the first disk read.
func warm(b *testing.B, dir string) {
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(io.Discard, f)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDryRun measures the local CID computation alone (what
// `genmint pin --dry-run` does), in bytes of item files per second.
func BenchmarkDryRun(b *testing.B) {
	dir, _ := benchCollection(b)
	db := openDB(b, dir)
	warm(b, filepath.Join(dir, "items"))
	b.SetBytes(dirBytes(b, filepath.Join(dir, "items")))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true}); err != nil {
			b.Fatal(err)
		}
	}
}
