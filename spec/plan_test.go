package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// crowdedSpec is a unique collection that fills 1,900 of its 2,200 valid
// combinations (rules exclude some), so the later items come from the exact
// trait-by-trait draw.
const crowdedSpec = `name: Crowded
symbol: CRWD
count: 1900
seed: 11
prompt:
  template: "{{.a}} {{.b}} {{.c}} {{.d}}, item {{item}}"
  negative: "not {{.d}}"
traits:
  a: {a1: 5, a2: 3, a3: 1, a4: 1, a5: 2, a6: 7, a7: 1, a8: 4}
  b: {b1: 2, b2: 2, b3: 9, b4: 1, b5: 1, b6: 3}
  c: {c1: 1, c2: 6, c3: 2, c4: 1, c5: 1, c6: 1}
  d: {d1: 4, d2: 1, d3: 1, d4: 2, d5: 3, d6: 1, d7: 1, d8: 5}
rules:
  - exclude: {a: a1, b: b3, c: c2}
  - exclude: {b: [b4, b5], d: d8}
`

// TestPlanBytesAreStable pins the plan of two specs (one filling its space,
// so exact draws happen, one not unique) to the digests plan/v1 has always
// given: a change of planning code that moves any trait, prompt or seed of
// an existing collection fails here (it needs a new PlanVersion instead).
func TestPlanBytesAreStable(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		n          int
		want       string
	}{
		{"valid-full", strings.Replace(validSpec, "count: 6", "count: 10", 1), 10, "ce3dca048955b6635e7965c0567cbfe87dd59b190a92bc9adc215578af7475d5"},
		{"crowded-unique", crowdedSpec, 1900, "eafa3eea408338288bdb0f8dc25c0cebd1798b635b771259d9c89412f85b29f4"},
		{"not-unique", strings.Replace(crowdedSpec, "count: 1900", "count: 3000\nunique: false", 1), 3000, "d1c5c7a317ba67950136d17faed7388e318fc21db02348d162f86719e9061dc6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustLoad(t, tc.spec)
			items, err := s.Plan(tc.n)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(items)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if got := hex.EncodeToString(sum[:]); got != tc.want {
				t.Errorf("plan digest %s, want %s", got, tc.want)
			}
		})
	}
}

// TestPlannerDrawsThePlan checks that drawing item by item gives exactly
// Plan's items, whatever the batch a caller stops at.
func TestPlannerDrawsThePlan(t *testing.T) {
	s := mustLoad(t, crowdedSpec)
	want, err := s.Plan(1900)
	if err != nil {
		t.Fatal(err)
	}
	p := s.Planner()
	for i := range want {
		got, err := p.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Fatalf("planner item %d = %+v, plan has %+v", i+1, got, want[i])
		}
	}
}
