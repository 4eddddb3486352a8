package verify

import (
	"context"
	"testing"
	"time"

	"github.com/genmint/genmint/pin"
)

// BenchmarkVerifyCAR verifies a pinned 24-token collection (256×256
// images) from its CAR file, and reports the time against a reference
// measured in the same run: `genmint pin --dry-run`'s computation of the
// same collection from its files, which reads and hashes every file once.
// x-pin-dry-run is the ratio: what fetching through the CAR's blocks,
// re-deriving every file, parsing and the provenance checks cost on top.
func BenchmarkVerifyCAR(b *testing.B) {
	f := newFixtureSized(b, 24, 256, true)
	carPath, rec := f.pinCAR(b)
	car, err := OpenCAR(carPath)
	if err != nil {
		b.Fatal(err)
	}
	defer car.Close()
	ctx := context.Background()

	const refRuns = 5
	start := time.Now()
	for range refRuns {
		if _, err := pin.Run(ctx, pin.Options{Dir: f.dir, DB: f.db, Collection: f.coll, DryRun: true}); err != nil {
			b.Fatal(err)
		}
	}
	ref := time.Since(start) / refRuns

	b.ResetTimer()
	for b.Loop() {
		r, err := Run(ctx, Options{Content: car, Pin: rec})
		if err != nil || !r.OK {
			b.Fatalf("%v %v", r.Failures(), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(ref), "x-pin-dry-run")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/24, "µs/token")
}

// BenchmarkVerifyLocal is the same for --local.
func BenchmarkVerifyLocal(b *testing.B) {
	f := newFixtureSized(b, 24, 256, true)
	f.pinCAR(b)
	ctx := context.Background()
	const refRuns = 5
	start := time.Now()
	for range refRuns {
		if _, err := pin.Run(ctx, pin.Options{Dir: f.dir, DB: f.db, Collection: f.coll, DryRun: true}); err != nil {
			b.Fatal(err)
		}
	}
	ref := time.Since(start) / refRuns
	b.ResetTimer()
	for b.Loop() {
		r, err := Local(ctx, LocalOptions{Dir: f.dir, DB: f.db, Collection: f.coll})
		if err != nil || !r.OK {
			b.Fatalf("%v %v", r.Failures(), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(ref), "x-pin-dry-run")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/24, "µs/token")
}
