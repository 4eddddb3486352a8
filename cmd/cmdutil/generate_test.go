package cmdutil

import (
	"runtime"
	"testing"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/spec"
)

// The concurrency a run gets: --concurrency, else the spec's, else the CPU
// count for an algorithmic provider and 4 for a service.
func TestPipelineOptionsConcurrency(t *testing.T) {
	algorithmic := generate.ProviderInfo{Name: "procedural", Algorithmic: true}
	service := generate.ProviderInfo{Name: "openai"}
	for _, tc := range []struct {
		flag, inSpec int
		info         generate.ProviderInfo
		want         int
	}{
		{3, 0, service, 3},
		{3, 5, service, 3},
		{0, 5, service, 5},
		{0, 0, service, 4},
		{0, 0, algorithmic, runtime.NumCPU()},
		{0, 2, algorithmic, 2},
	} {
		s := &spec.Spec{Provider: spec.Provider{Name: tc.info.Name, Concurrency: tc.inSpec}}
		run := PipelineOptions(s, nil, tc.info, tc.flag, nil)
		if run.Concurrency != tc.want || run.Spec != s || run.Info.Name != tc.info.Name || run.Settle == nil {
			t.Errorf("flag %d, spec %d, %s: concurrency %d (want %d), options %+v", tc.flag, tc.inSpec, tc.info.Name, run.Concurrency, tc.want, run)
		}
	}
}
