package spec

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/genmint/genmint/spec/trait"
)

// PlanVersion names the planning algorithm. Changing how traits or seeds are
// drawn changes every collection, so it gets a new version, recorded in state.
const PlanVersion = "plan/v1"

// Item is one planned item: what to ask the provider for.
type Item struct {
	ID             int
	Seed           uint32
	Traits         []trait.Trait // in spec order
	Prompt         string
	NegativePrompt string
}

// Plan draws the collection's items 1..n (n may be below Count to plan a
// prefix: item i's plan never depends on n).
//
// Each item's trait combination is drawn with probability proportional to the
// product of its values' weights, among the combinations no rule excludes
// and (when Unique) no earlier item has. The draw is exact and always ends:
// it first tries plain weighted draws, and when those keep hitting excluded
// or used combinations it switches to drawing trait by trait from the exact
// remaining weights, counted by inclusion–exclusion over the rules. Both give
// the same distribution; Load has already checked the space is big enough.
//
// Seeds derive from the base seed and the item id only, so they stay put
// when traits, prompts or the count change.
func (s *Spec) Plan(n int) ([]Item, error) {
	p := s.Planner()
	items := make([]Item, 0, n)
	for range n {
		it, err := p.Next()
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

// Planner draws the plan one item at a time, in id order, exactly as Plan
// does, holding only what the draw needs (with Unique, the combinations
// used so far) — never the items already drawn. A pipeline that goes
// through a large collection in batches plans with it.
type Planner struct {
	s  *Spec
	sp *sampler
	id int // the last item drawn
}

// Planner starts drawing the plan at item 1.
func (s *Spec) Planner() *Planner {
	return &Planner{s: s, sp: newSampler(s)}
}

// Next draws the next item: item 1 first.
func (p *Planner) Next() (Item, error) {
	s := p.s
	id := p.id + 1
	combo, err := p.sp.draw()
	if err != nil {
		return Item{}, fmt.Errorf("plan item %d: %w", id, err)
	}
	p.id = id
	picks := make([]chosen, len(combo))
	traits := make([]trait.Trait, len(combo))
	for l, v := range combo {
		picks[l] = chosen{list: &s.Traits[l], value: &s.Traits[l].Values[v]}
		traits[l] = trait.Trait{Type: s.Traits[l].Name, Value: s.Traits[l].Values[v].Value}
	}
	prompt, err := render(s.Prompt.tmpl, id, picks)
	if err != nil {
		return Item{}, err
	}
	neg, err := render(s.Prompt.neg, id, picks)
	if err != nil {
		return Item{}, err
	}
	return Item{ID: id, Seed: ItemSeed(s.Seed, id), Traits: traits, Prompt: prompt, NegativePrompt: neg}, nil
}

type chosen struct {
	list  *TraitList
	value *TraitValue
}

// ItemSeed derives item id's seed from the base seed. Seeds lie in
// [0, 4294967294], valid for every provider (Stability's maximum).
func ItemSeed(base uint64, id int) uint32 {
	h := sha256.Sum256([]byte("genmint/seed/v1\x00" + strconv.FormatUint(base, 10) + "\x00" + strconv.Itoa(id)))
	return uint32(binary.BigEndian.Uint64(h[:8]) % 4294967295)
}

// Combinations counts the trait combinations no rule excludes.
func (s *Spec) Combinations() *big.Int {
	return newSampler(s).validWeight(nil, false)
}

// checkSpace makes sure Count distinct combinations exist.
func (l *loader) checkSpace(countNode any) {
	s := l.s
	if len(s.Traits) == 0 || len(l.problems.Errors()) > 0 {
		return
	}
	total := big.NewInt(1)
	var dims []string
	for _, t := range s.Traits {
		total.Mul(total, big.NewInt(int64(len(t.Values))))
		dims = append(dims, fmt.Sprintf("%d %s", len(t.Values), t.Name))
	}
	valid := s.Combinations()
	space := strings.Join(dims, " × ")
	if excluded := new(big.Int).Sub(total, valid); excluded.Sign() > 0 {
		space += fmt.Sprintf(", %s excluded by rules", excluded)
	}
	if valid.Sign() == 0 {
		l.add(SeverityError, s.Position("rules"), "rules", "remove or narrow a rule", "the rules exclude every trait combination (%s)", space)
		return
	}
	if s.Unique && valid.Cmp(big.NewInt(int64(s.Count))) < 0 {
		l.add(SeverityError, s.Position("count"), "count",
			"add trait values, drop a rule, lower count, or set unique: false",
			"count %d needs %d distinct trait combinations, but the traits allow only %s (%s)", s.Count, s.Count, valid, space)
	}
}

// sampler draws trait combinations; see Plan.
type sampler struct {
	weights [][]int64 // per layer, per value
	sums    []int64   // per layer
	rules   [][][]bool
	unique  bool
	used    map[string]bool
	// usedW maps a prefix shorter than a whole combination to the weight
	// of the used completions under it.
	// Only the exact draw needs it: it is built from used at the first
	// exact draw (nil before), then kept up to date, so a collection whose
	// plain draws never miss holds just used.
	usedW map[string]*big.Int
	rng   *stream
}

func newSampler(s *Spec) *sampler {
	sp := &sampler{
		unique: s.Unique,
		used:   map[string]bool{},
		rng:    newStream("genmint/traits/v1\x00" + strconv.FormatUint(s.Seed, 10)),
	}
	index := map[string]int{}
	for l, t := range s.Traits {
		index[t.Name] = l
		w := make([]int64, len(t.Values))
		var sum int64
		for v, tv := range t.Values {
			w[v] = int64(tv.Weight)
			sum += w[v]
		}
		sp.weights = append(sp.weights, w)
		sp.sums = append(sp.sums, sum)
	}
	for _, r := range s.Rules {
		allowed := make([][]bool, len(s.Traits)) // nil: layer unconstrained
		for _, c := range r.Conditions {
			l := index[c.Trait]
			set := allowed[l]
			if set == nil {
				set = make([]bool, len(s.Traits[l].Values))
				// Several conditions on one trait in a rule intersect; start full.
				for i := range set {
					set[i] = true
				}
			}
			in := make([]bool, len(set))
			for _, want := range c.Values {
				for v, tv := range s.Traits[l].Values {
					if tv.Value == want {
						in[v] = true
					}
				}
			}
			for i := range set {
				set[i] = set[i] && in[i]
			}
			allowed[l] = set
		}
		sp.rules = append(sp.rules, allowed)
	}
	return sp
}

func key(prefix []int) string {
	var b []byte
	for _, v := range prefix {
		b = binary.AppendUvarint(b, uint64(v))
	}
	return string(b)
}

// draw picks the next item's combination and marks it used.
func (sp *sampler) draw() ([]int, error) {
	var combo []int
	// Plain weighted draws accept with the exact target distribution; when
	// they keep missing (a crowded or heavily ruled space), draw exactly.
	for try := 0; try < 64 && combo == nil; try++ {
		c := make([]int, len(sp.weights))
		for l := range sp.weights {
			c[l] = sp.pick(sp.weights[l], sp.sums[l])
		}
		if sp.excluded(c) || (sp.unique && sp.used[key(c)]) {
			continue
		}
		combo = c
	}
	if combo == nil {
		var err error
		if combo, err = sp.drawExact(); err != nil {
			return nil, err
		}
	}
	if sp.unique {
		sp.markUsed(combo)
	}
	return combo, nil
}

func (sp *sampler) excluded(c []int) bool {
	for _, r := range sp.rules {
		match := true
		for l, set := range r {
			if set != nil && !set[c[l]] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

func (sp *sampler) markUsed(c []int) {
	sp.used[key(c)] = true
	if sp.usedW != nil {
		sp.addUsedW(c)
	}
}

// buildUsedW fills usedW from used (sums of exact weights: the order of
// the additions does not matter).
func (sp *sampler) buildUsedW() {
	sp.usedW = map[string]*big.Int{}
	c := make([]int, 0, len(sp.weights))
	for k := range sp.used {
		c = c[:0]
		for b := []byte(k); len(b) > 0; {
			v, n := binary.Uvarint(b)
			c = append(c, int(v))
			b = b[n:]
		}
		sp.addUsedW(c)
	}
}

func (sp *sampler) addUsedW(c []int) {
	// A whole combination's own entry would be 1: used says that already.
	w := big.NewInt(1)
	for t := len(c) - 1; t >= 0; t-- {
		w.Mul(w, big.NewInt(sp.weights[t][c[t]]))
		k := key(c[:t])
		if sp.usedW[k] == nil {
			sp.usedW[k] = new(big.Int)
		}
		sp.usedW[k].Add(sp.usedW[k], w)
	}
}

// drawExact draws trait by trait, each value weighted by its own weight
// times the weight of the valid, unused completions it leaves.
func (sp *sampler) drawExact() ([]int, error) {
	if sp.unique && sp.usedW == nil {
		sp.buildUsedW()
	}
	prefix := make([]int, 0, len(sp.weights))
	for l := range sp.weights {
		cum := make([]*big.Int, len(sp.weights[l]))
		total := new(big.Int)
		for v, w := range sp.weights[l] {
			f := sp.freeWeight(append(prefix, v))
			f.Mul(f, big.NewInt(w))
			total.Add(total, f)
			cum[v] = new(big.Int).Set(total)
		}
		if total.Sign() == 0 {
			return nil, fmt.Errorf("no unused trait combination is left: add trait values, drop a rule, or lower count")
		}
		r := sp.rng.bigN(total)
		for v := range cum {
			if r.Cmp(cum[v]) < 0 {
				prefix = append(prefix, v)
				break
			}
		}
	}
	return prefix, nil
}

// freeWeight is the weight of valid completions of prefix not used yet.
func (sp *sampler) freeWeight(prefix []int) *big.Int {
	f := sp.validWeight(prefix, true)
	if !sp.unique {
		return f
	}
	if len(prefix) == len(sp.weights) {
		if sp.used[key(prefix)] {
			f.Sub(f, big.NewInt(1))
		}
	} else if u := sp.usedW[key(prefix)]; u != nil {
		f.Sub(f, u)
	}
	return f
}

// validWeight sums, over the completions of prefix that no rule excludes,
// the product of the remaining layers' weights (or counts them, when
// weighted is false) by inclusion–exclusion over the rules still able to
// match. Subsets whose constraints leave some layer empty contribute
// nothing, nor do their supersets, so they are pruned.
func (sp *sampler) validWeight(prefix []int, weighted bool) *big.Int {
	t := len(prefix)
	var live [][][]bool
	for _, r := range sp.rules {
		ok := true
		for l := 0; l < t; l++ {
			if r[l] != nil && !r[l][prefix[l]] {
				ok = false
				break
			}
		}
		if ok {
			live = append(live, r)
		}
	}
	layerSum := func(l int, set []bool) int64 {
		var s int64
		for v, w := range sp.weights[l] {
			if set == nil || set[v] {
				if weighted {
					s += w
				} else {
					s++
				}
			}
		}
		return s
	}
	product := func(cur [][]bool) *big.Int {
		p := big.NewInt(1)
		for l := t; l < len(sp.weights); l++ {
			p.Mul(p, big.NewInt(layerSum(l, cur[l])))
		}
		return p
	}
	sum := new(big.Int)
	var rec func(next int, sign int, cur [][]bool)
	rec = func(next int, sign int, cur [][]bool) {
		if sign > 0 {
			sum.Add(sum, product(cur))
		} else {
			sum.Sub(sum, product(cur))
		}
		for j := next; j < len(live); j++ {
			nc := make([][]bool, len(cur))
			empty := false
			for l := range cur {
				nc[l] = cur[l]
				if l < t || live[j][l] == nil {
					continue
				}
				if cur[l] == nil {
					nc[l] = live[j][l]
				} else {
					set := make([]bool, len(cur[l]))
					for v := range set {
						set[v] = cur[l][v] && live[j][l][v]
					}
					nc[l] = set
				}
				if layerSum(l, nc[l]) == 0 {
					empty = true
					break
				}
			}
			if !empty {
				rec(j+1, -sign, nc)
			}
		}
	}
	rec(0, 1, make([][]bool, len(sp.weights)))
	return sum
}

// pick draws an index with probability weights[i]/sum.
func (sp *sampler) pick(weights []int64, sum int64) int {
	r := int64(sp.rng.uint64n(uint64(sum)))
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}

// stream is a deterministic random stream: SHA-256 of a key and a counter.
// It is specified here, not borrowed from math/rand, so plans never change
// with the Go version.
type stream struct {
	key [32]byte
	ctr uint64
	buf []byte
}

func newStream(label string) *stream {
	return &stream{key: sha256.Sum256([]byte(label))}
}

func (s *stream) read(n int) []byte {
	out := make([]byte, 0, n)
	for len(out) < n {
		if len(s.buf) == 0 {
			var in [40]byte
			copy(in[:], s.key[:])
			binary.BigEndian.PutUint64(in[32:], s.ctr)
			s.ctr++
			h := sha256.Sum256(in[:])
			s.buf = h[:]
		}
		k := min(n-len(out), len(s.buf))
		out = append(out, s.buf[:k]...)
		s.buf = s.buf[k:]
	}
	return out
}

// uint64n returns a uniform integer in [0, n) by rejection.
func (s *stream) uint64n(n uint64) uint64 {
	if n <= 1 {
		return 0
	}
	limit := ^uint64(0) - (^uint64(0) % n)
	for {
		v := binary.BigEndian.Uint64(s.read(8))
		if v < limit {
			return v % n
		}
	}
}

// bigN returns a uniform integer in [0, n) by rejection over bit-length draws.
func (s *stream) bigN(n *big.Int) *big.Int {
	bits := n.BitLen()
	nbytes := (bits + 7) / 8
	mask := byte(0xff >> (uint(nbytes*8 - bits)))
	for {
		b := s.read(nbytes)
		b[0] &= mask
		v := new(big.Int).SetBytes(b)
		if v.Cmp(n) < 0 {
			return v
		}
	}
}
