package rarity

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/spec/trait"
)

func loadSpec(t *testing.T, yaml string) *spec.Spec {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, spec.FileName), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _, err := spec.Load(dir, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPlanDistribution draws 10,000-item plans and checks every value's
// count against its weight. Tolerance: each count within 4 standard
// deviations of its expectation (sqrt(N·p·(1−p)); a false alarm has
// probability about 6e-5 per value), and each trait's chi-square p-value
// above 1e-4. The draws are seeded, so the test is deterministic; three
// seeds guard against a tolerance met by luck.
func TestPlanDistribution(t *testing.T) {
	for _, seed := range []int{1, 2, 3} {
		s := loadSpec(t, fmt.Sprintf(`name: Dist
symbol: DST
count: 10000
seed: %d
unique: false
prompt: {template: '{{.background}} {{.eyes}} {{.hat}}'}
traits:
  background: {Blue: 60, Red: 30, Green: 9, Gold: 1}
  eyes: {Open: 3, Closed: 1}
  hat: [Cap, Crown, none]
`, seed))
		items, err := s.Plan(s.Count)
		if err != nil {
			t.Fatal(err)
		}
		in := make([]Item, len(items))
		for i, it := range items {
			in[i] = Item{ID: it.ID, Traits: it.Traits}
		}
		rep := Analyse(TraitsOf(s), in)
		if rep.Items != 10000 || len(rep.Ranked) != 10000 {
			t.Fatalf("items %d ranked %d", rep.Items, len(rep.Ranked))
		}
		for _, tr := range rep.Traits {
			sum := 0
			for _, v := range tr.Values {
				sum += v.Count
				sd := math.Sqrt(float64(rep.Items) * v.Share * (1 - v.Share))
				if math.Abs(float64(v.Count)-v.Expected) > 4*sd {
					t.Errorf("seed %d %s=%s: %d drawn, expected %.1f ± %.1f", seed, tr.Name, v.Value, v.Count, v.Expected, 4*sd)
				}
			}
			if sum != rep.Items {
				t.Errorf("seed %d %s: counts sum to %d, not %d", seed, tr.Name, sum, rep.Items)
			}
			if tr.P < 1e-4 {
				t.Errorf("seed %d %s: chi-square %.2f (df %d), p = %.2g", seed, tr.Name, tr.ChiSquare, tr.DF, tr.P)
			}
		}
	}
}

// TestScores checks the scores and ranks on a collection small enough to
// compute by hand.
func TestScores(t *testing.T) {
	traits := []Trait{
		{Name: "bg", Values: []Value{{"Blue", 3}, {"Gold", 1}}},
		{Name: "hat", Values: []Value{{"Cap", 1}, {"none", 1}}},
	}
	tt := func(bg, hat string) []trait.Trait {
		return []trait.Trait{{Type: "bg", Value: bg}, {Type: "hat", Value: hat}}
	}
	items := []Item{
		{1, tt("Blue", "Cap")}, {2, tt("Blue", "none")}, {3, tt("Blue", "Cap")}, {4, tt("Gold", "none")},
	}
	rep := Analyse(traits, items)
	// p(Blue)=3/4, p(Gold)=1/4, p(Cap)=p(none)=1/2.
	hBg := -(0.75*math.Log2(0.75) + 0.25*math.Log2(0.25))
	h := hBg + 1
	want := map[int][3]float64{ // IC bits, score, statistical
		1: {-math.Log2(0.75) + 1, (-math.Log2(0.75) + 1) / h, 0.375},
		2: {-math.Log2(0.75) + 1, (-math.Log2(0.75) + 1) / h, 0.375},
		3: {-math.Log2(0.75) + 1, (-math.Log2(0.75) + 1) / h, 0.375},
		4: {2 + 1, 3 / h, 0.125},
	}
	wantRank := map[int]int{4: 1, 1: 2, 2: 2, 3: 2}
	if rep.Ranked[0].ID != 4 {
		t.Fatalf("rarest is %d, want 4", rep.Ranked[0].ID)
	}
	for _, r := range rep.Ranked {
		w := want[r.ID]
		if math.Abs(r.InformationContent-w[0]) > 1e-12 || math.Abs(r.Score-w[1]) > 1e-12 || math.Abs(r.StatisticalRarity-w[2]) > 1e-12 {
			t.Errorf("item %d: IC %v score %v stat %v, want %v", r.ID, r.InformationContent, r.Score, r.StatisticalRarity, w)
		}
		if r.Rank != wantRank[r.ID] || r.StatisticalRank != wantRank[r.ID] {
			t.Errorf("item %d: rank %d statistical rank %d, want %d", r.ID, r.Rank, r.StatisticalRank, wantRank[r.ID])
		}
	}
	bg := rep.Traits[0]
	// Expected 3 Blue and 1 Gold: a perfect fit.
	if bg.Values[0].Expected != 3 || bg.Values[0].Count != 3 || bg.ChiSquare != 0 || bg.DF != 1 || bg.P != 1 {
		t.Errorf("bg: %+v", bg)
	}
	// A value the spec no longer lists is shown, not dropped.
	rep = Analyse(traits, append(items, Item{5, tt("Silver", "Cap")}))
	if v := rep.Traits[0].Values[2]; v.Value != "Silver" || !v.Unknown || v.Count != 1 {
		t.Errorf("unknown value: %+v", rep.Traits[0].Values)
	}
}

func TestChiSquareP(t *testing.T) {
	// Critical values from the standard chi-square table.
	for _, c := range []struct {
		x    float64
		df   int
		want float64
	}{
		{3.841, 1, 0.05}, {6.635, 1, 0.01}, {7.815, 3, 0.05}, {18.307, 10, 0.05}, {0.584, 3, 0.90}, {2.706, 1, 0.10}, {0, 4, 1},
	} {
		if got := ChiSquareP(c.x, c.df); math.Abs(got-c.want) > 5e-4 {
			t.Errorf("ChiSquareP(%v, %d) = %.5f, want %.3f", c.x, c.df, got, c.want)
		}
	}
}
