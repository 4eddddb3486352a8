// Package rarity reports a collection's trait distribution and each item's
// rarity: per trait, how often each value was drawn against what its weight
// asks for (expected count and a chi-square goodness-of-fit test), and per
// item two scores with their ranks.
//
//   - Statistical rarity (rarity.tools' "statistical rarity"): the product
//     of the item's trait values' frequencies in the collection,
//     Π_t count(t = v) / N. Smaller is rarer.
//   - Information content, the OpenRarity score (OpenRarity methodology,
//     https://openrarity.gitbook.io/developers/fundamentals/methodology:
//     Shannon self-information over the collection's own frequencies,
//     normalised by the collection's entropy):
//     IC(item) = Σ_t −log2 p_t(v), H = Σ_t Σ_v −p_t(v)·log2 p_t(v),
//     score = IC(item) / H, where p_t(v) = count(t = v) / N. Larger is
//     rarer; 1 is an item exactly as surprising as the average one. Every
//     item here has every trait ("none" is a value), so OpenRarity's null
//     attributes and trait-count attribute do not arise.
//
// Ranks are competition ranks ("1224"): equal scores share a rank and the
// next rank skips; rank 1 is the rarest. Frequencies come from the items
// given, so the same report can be made for the plan before generating and
// for the items actually made.
package rarity

import (
	"math"
	"sort"

	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/spec/trait"
)

// Trait is one weighted trait list of the spec.
type Trait struct {
	Name   string
	Values []Value
}

// Value is one value and its weight.
type Value struct {
	Name   string
	Weight int
}

// Item is one item's traits.
type Item struct {
	ID     int
	Traits []trait.Trait
}

// Report is the distribution and rarity of a set of items.
type Report struct {
	Items  int           `json:"items"`
	Traits []TraitReport `json:"traits"`
	// Ranked lists the items rarest first (by information content).
	Ranked []ItemRarity `json:"ranked"`
}

// TraitReport is one trait's distribution.
type TraitReport struct {
	Name   string        `json:"name"`
	Values []ValueReport `json:"values"`
	// ChiSquare is Σ (count − expected)² / expected over the values with a
	// weight; DF its degrees of freedom; P the probability of a deviation at
	// least this large if the draw followed the weights exactly.
	ChiSquare float64 `json:"chi_square"`
	DF        int     `json:"df"`
	P         float64 `json:"p_value"`
	// Entropy is Σ −p·log2 p over the values' frequencies, in bits.
	Entropy float64 `json:"entropy_bits"`
}

// Total is the number of items counted for the trait.
func (t TraitReport) Total() int {
	n := 0
	for _, v := range t.Values {
		n += v.Count
	}
	return n
}

// ValueReport is one value's count against its weight.
type ValueReport struct {
	Value    string  `json:"value"`
	Weight   int     `json:"weight"`
	Share    float64 `json:"weight_share"` // weight / total weight
	Expected float64 `json:"expected"`     // Share × items
	Count    int     `json:"count"`
	// Unknown marks a value the items have but the spec does not list
	// (items made before a spec edit).
	Unknown bool `json:"unknown,omitempty"`
}

// ItemRarity is one item's scores and ranks.
type ItemRarity struct {
	ID                 int     `json:"id"`
	Score              float64 `json:"information_content_score"`
	Rank               int     `json:"rank"`
	StatisticalRarity  float64 `json:"statistical_rarity"`
	StatisticalRank    int     `json:"statistical_rank"`
	InformationContent float64 `json:"information_content_bits"`
}

// TraitsOf returns the spec's traits with their weights.
func TraitsOf(s *spec.Spec) []Trait {
	out := make([]Trait, 0, len(s.Traits))
	for _, t := range s.Traits {
		rt := Trait{Name: t.Name}
		for _, v := range t.Values {
			rt.Values = append(rt.Values, Value{Name: v.Value, Weight: v.Weight})
		}
		out = append(out, rt)
	}
	return out
}

// Analyse makes the report of items against the spec's traits.
func Analyse(traits []Trait, items []Item) Report {
	n := len(items)
	rep := Report{Items: n}
	counts := make([]map[string]int, len(traits))
	for i := range traits {
		counts[i] = map[string]int{}
	}
	index := map[string]int{}
	for i, t := range traits {
		index[t.Name] = i
	}
	for _, it := range items {
		for _, tv := range it.Traits {
			if i, ok := index[tv.Type]; ok {
				counts[i][tv.Value]++
			}
		}
	}
	for i, t := range traits {
		tr := TraitReport{Name: t.Name}
		total := 0
		for _, v := range t.Values {
			total += v.Weight
		}
		listed := map[string]bool{}
		for _, v := range t.Values {
			listed[v.Name] = true
			vr := ValueReport{Value: v.Name, Weight: v.Weight, Count: counts[i][v.Name]}
			if total > 0 {
				vr.Share = float64(v.Weight) / float64(total)
				vr.Expected = vr.Share * float64(n)
			}
			if vr.Expected > 0 {
				d := float64(vr.Count) - vr.Expected
				tr.ChiSquare += d * d / vr.Expected
				tr.DF++
			}
			tr.Values = append(tr.Values, vr)
		}
		var unknown []string
		for v := range counts[i] {
			if !listed[v] {
				unknown = append(unknown, v)
			}
		}
		sort.Strings(unknown)
		for _, v := range unknown {
			tr.Values = append(tr.Values, ValueReport{Value: v, Count: counts[i][v], Unknown: true})
		}
		if tr.DF > 0 {
			tr.DF--
		}
		tr.P = 1
		if tr.DF > 0 {
			tr.P = ChiSquareP(tr.ChiSquare, tr.DF)
		}
		for _, vr := range tr.Values {
			if vr.Count > 0 {
				p := float64(vr.Count) / float64(n)
				tr.Entropy -= p * math.Log2(p)
			}
		}
		rep.Traits = append(rep.Traits, tr)
	}

	var h float64
	for _, tr := range rep.Traits {
		h += tr.Entropy
	}
	for _, it := range items {
		r := ItemRarity{ID: it.ID, StatisticalRarity: 1}
		for _, tv := range it.Traits {
			i, ok := index[tv.Type]
			if !ok {
				continue
			}
			p := float64(counts[i][tv.Value]) / float64(n)
			r.StatisticalRarity *= p
			r.InformationContent -= math.Log2(p)
		}
		if h > 0 {
			r.Score = r.InformationContent / h
		}
		rep.Ranked = append(rep.Ranked, r)
	}
	// Statistical ranks: smallest product first.
	sort.SliceStable(rep.Ranked, func(a, b int) bool { return less(rep.Ranked[a], rep.Ranked[b], statKey) })
	for i := range rep.Ranked {
		if i > 0 && statKey(rep.Ranked[i]) == statKey(rep.Ranked[i-1]) {
			rep.Ranked[i].StatisticalRank = rep.Ranked[i-1].StatisticalRank
		} else {
			rep.Ranked[i].StatisticalRank = i + 1
		}
	}
	// Information-content ranks: largest score first; the report's order.
	sort.SliceStable(rep.Ranked, func(a, b int) bool { return less(rep.Ranked[a], rep.Ranked[b], icKey) })
	for i := range rep.Ranked {
		if i > 0 && icKey(rep.Ranked[i]) == icKey(rep.Ranked[i-1]) {
			rep.Ranked[i].Rank = rep.Ranked[i-1].Rank
		} else {
			rep.Ranked[i].Rank = i + 1
		}
	}
	return rep
}

// Keys compare scores rounded to 12 significant digits, so that items with
// the same trait frequencies (summed in another order) tie exactly.
func statKey(r ItemRarity) float64 { return round12(r.StatisticalRarity) }
func icKey(r ItemRarity) float64   { return -round12(r.Score) }

func less(a, b ItemRarity, key func(ItemRarity) float64) bool {
	ka, kb := key(a), key(b)
	if ka != kb {
		return ka < kb
	}
	return a.ID < b.ID
}

func round12(x float64) float64 {
	if x == 0 {
		return 0
	}
	e := math.Floor(math.Log10(math.Abs(x)))
	s := math.Pow(10, 11-e)
	return math.Round(x*s) / s
}

// Ranks maps item id to its information-content rank.
func (r Report) Ranks() map[int]int {
	m := make(map[int]int, len(r.Ranked))
	for _, it := range r.Ranked {
		m[it.ID] = it.Rank
	}
	return m
}

// Rank returns each item's information-content rank among items, the
// traits taken from the items themselves.
func Rank(items []Item) map[int]int {
	var traits []Trait
	seen := map[string]bool{}
	for _, it := range items {
		for _, t := range it.Traits {
			if !seen[t.Type] {
				seen[t.Type] = true
				traits = append(traits, Trait{Name: t.Type})
			}
		}
	}
	return Analyse(traits, items).Ranks()
}

// Expected is the distribution the weights ask for over count items,
// without drawing anything (for `genmint validate`).
func Expected(traits []Trait, count int) []TraitReport {
	rep := Analyse(traits, nil)
	for i := range rep.Traits {
		tr := &rep.Traits[i]
		tr.ChiSquare, tr.DF, tr.P = 0, 0, 0
		for j := range tr.Values {
			tr.Values[j].Expected = tr.Values[j].Share * float64(count)
		}
	}
	return rep.Traits
}

// ChiSquareP is the upper tail probability of the chi-square distribution
// with df degrees of freedom at x: Q(df/2, x/2), the regularised upper
// incomplete gamma function (series below a+1, continued fraction above,
// as in Numerical Recipes §6.2).
func ChiSquareP(x float64, df int) float64 {
	if x <= 0 {
		return 1
	}
	a, z := float64(df)/2, x/2
	lg, _ := math.Lgamma(a)
	if z < a+1 {
		sum, term := 1/a, 1/a
		for k := 1; k < 1000; k++ {
			term *= z / (a + float64(k))
			sum += term
			if math.Abs(term) < math.Abs(sum)*1e-15 {
				break
			}
		}
		return math.Max(0, 1-sum*math.Exp(-z+a*math.Log(z)-lg))
	}
	// Lentz's continued fraction.
	const tiny = 1e-300
	b := z + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 1000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-15 {
			break
		}
	}
	return math.Exp(-z+a*math.Log(z)-lg) * h
}
