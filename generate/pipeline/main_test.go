package pipeline_test

import (
	"flag"
	"os"
	"testing"

	"github.com/genmint/genmint/generate/pipeline"
)

// TestMain runs every test with batches of 3 items, so each collection of
// the tests (4 to 12 items) is planned, recorded and classified across
// batch boundaries. Benchmarks keep the real batch size.
func TestMain(m *testing.M) {
	flag.Parse()
	if flag.Lookup("test.bench").Value.String() == "" {
		pipeline.SetPlanBatch(3)
	}
	os.Exit(m.Run())
}
