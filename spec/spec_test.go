package spec

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const validSpec = `name: Tidal Glyphs
symbol: TIDE
description: Glyphs drawn by the tide.
external_url: https://example.com/tide
creator: Ada
count: 6
seed: 42
provider:
  name: procedural
  params:
    width: 256
    height: 256
prompt:
  template: "{{a .palette}} {{.motif}} at {{.time}}, item {{item}} ({{value \"palette\"}})"
  negative: "blurry, {{lower .time}}"
traits:
  palette:
    ocean: 3
    ember: {weight: 1, prompt: glowing embers}
  motif: [flow, rings, cells]
  time:
    - value: Night
      weight: 2
    - Dawn
rules:
  - exclude: {palette: ember, motif: rings}
    reason: embers do not ring
royalty:
  receiver: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
  bps: 500
`

func write(t *testing.T, spec string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func mustLoad(t *testing.T, spec string) *Spec {
	t.Helper()
	s, problems, err := Load(write(t, spec), Options{})
	if err != nil {
		t.Fatalf("load: %v\n%v", err, problems)
	}
	return s
}

func TestLoadValid(t *testing.T) {
	s, problems, err := Load(write(t, validSpec), Options{Providers: []string{"procedural", "openai"}})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if len(problems) != 0 {
		t.Errorf("unexpected problems: %v", problems)
	}
	if s.Name != "Tidal Glyphs" || s.Symbol != "TIDE" || s.Count != 6 || s.Seed != 42 || !s.Unique || s.Creator != "Ada" {
		t.Errorf("facts: %+v", s)
	}
	if s.Provider.Name != "procedural" || s.Provider.Params["width"] != 256 {
		t.Errorf("provider: %+v", s.Provider)
	}
	if got := s.Traits[0].Values[1]; got.Value != "ember" || got.Weight != 1 || got.Prompt != "glowing embers" {
		t.Errorf("ember: %+v", got)
	}
	if got := s.Traits[2].Values; got[0].Weight != 2 || got[1].Value != "Dawn" || got[1].Weight != 1 {
		t.Errorf("time: %+v", got)
	}
	if s.Royalty.BPS != 500 || s.Output.Format != "png" {
		t.Errorf("royalty/output: %+v %+v", s.Royalty, s.Output)
	}
	// 2 palettes × 3 motifs × 2 times = 12, minus ember+rings (2) = 10.
	if got := s.Combinations(); got.Cmp(big.NewInt(10)) != 0 {
		t.Errorf("combinations = %s, want 10", got)
	}
	if p := s.Position("royalty.bps"); p.Line != 30 {
		t.Errorf("position of royalty.bps = %+v", p)
	}
}

func TestPlanRendersPrompts(t *testing.T) {
	s := mustLoad(t, validSpec)
	items, err := s.Plan(6)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		pal := it.Traits[0].Value
		wantStart := "an ocean "
		if pal == "ember" {
			wantStart = "a glowing embers "
		}
		if !strings.HasPrefix(it.Prompt, wantStart) || !strings.Contains(it.Prompt, fmt.Sprintf("item %d (%s)", it.ID, pal)) {
			t.Errorf("item %d prompt %q", it.ID, it.Prompt)
		}
		if it.NegativePrompt != "blurry, "+strings.ToLower(it.Traits[2].Value) {
			t.Errorf("item %d negative %q", it.ID, it.NegativePrompt)
		}
		if it.Traits[0].Value == "ember" && it.Traits[1].Value == "rings" {
			t.Errorf("item %d breaks the rule: %v", it.ID, it.Traits)
		}
		if it.Seed != ItemSeed(42, it.ID) {
			t.Errorf("item %d seed %d", it.ID, it.Seed)
		}
	}
}

func TestPlanIsDeterministicAndPrefixStable(t *testing.T) {
	s := mustLoad(t, validSpec)
	a, _ := s.Plan(10)
	b, _ := s.Plan(10)
	c, _ := s.Plan(4)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two plans of the same spec differ")
	}
	if !reflect.DeepEqual(a[:4], c) {
		t.Fatal("planning fewer items changed the first ones")
	}
	// A different base seed draws a different collection.
	s2 := mustLoad(t, strings.Replace(validSpec, "seed: 42", "seed: 43", 1))
	d, _ := s2.Plan(10)
	if reflect.DeepEqual(a, d) {
		t.Fatal("seed 43 planned the same items as seed 42")
	}
}

func TestPlanFillsAnExactlyFullSpaceUniquely(t *testing.T) {
	// count equals the number of valid combinations: every one must appear
	// exactly once, which forces the exact sampler near the end.
	spec := strings.Replace(validSpec, "count: 6", "count: 10", 1)
	s := mustLoad(t, spec)
	items, err := s.Plan(10)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, it := range items {
		k := fmt.Sprint(it.Traits)
		if seen[k] {
			t.Fatalf("item %d repeats %s", it.ID, k)
		}
		seen[k] = true
	}
	if len(seen) != 10 {
		t.Fatalf("%d distinct combinations, want 10", len(seen))
	}
}

func TestPlanHonoursWeights(t *testing.T) {
	spec := `name: W
symbol: W
count: 4000
seed: 7
unique: false
prompt: "{{.a}}"
traits:
  a: {heavy: 9, light: 1}
`
	s := mustLoad(t, spec)
	items, err := s.Plan(4000)
	if err != nil {
		t.Fatal(err)
	}
	heavy := 0
	for _, it := range items {
		if it.Traits[0].Value == "heavy" {
			heavy++
		}
	}
	// Expect 3600; the draw is deterministic, the bound is ~5 standard deviations.
	if heavy < 3500 || heavy > 3700 {
		t.Errorf("heavy drawn %d of 4000 times, want about 3600", heavy)
	}
}

// TestValidWeightMatchesBruteForce checks the inclusion–exclusion counter
// against enumeration on random small spaces, rules and prefixes.
func TestValidWeightMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		layers := 1 + r.IntN(4)
		sp := &sampler{used: map[string]bool{}, usedW: map[string]*big.Int{}}
		for l := 0; l < layers; l++ {
			n := 1 + r.IntN(4)
			w := make([]int64, n)
			var sum int64
			for v := range w {
				w[v] = 1 + r.Int64N(5)
				sum += w[v]
			}
			sp.weights = append(sp.weights, w)
			sp.sums = append(sp.sums, sum)
		}
		for range r.IntN(5) {
			rule := make([][]bool, layers)
			for l := range rule {
				if r.IntN(2) == 0 {
					continue
				}
				set := make([]bool, len(sp.weights[l]))
				for v := range set {
					set[v] = r.IntN(2) == 0
				}
				rule[l] = set
			}
			sp.rules = append(sp.rules, rule)
		}
		prefix := make([]int, r.IntN(layers+1))
		for l := range prefix {
			prefix[l] = r.IntN(len(sp.weights[l]))
		}
		for _, weighted := range []bool{true, false} {
			want := bruteForce(sp, prefix, weighted)
			if got := sp.validWeight(prefix, weighted); got.Cmp(want) != 0 {
				t.Fatalf("trial %d (weighted=%v): validWeight = %s, brute force = %s\nweights %v rules %v prefix %v",
					trial, weighted, got, want, sp.weights, sp.rules, prefix)
			}
		}
	}
}

func bruteForce(sp *sampler, prefix []int, weighted bool) *big.Int {
	sum := new(big.Int)
	combo := make([]int, len(sp.weights))
	copy(combo, prefix)
	var rec func(l int)
	rec = func(l int) {
		if l == len(sp.weights) {
			if sp.excluded(combo) {
				return
			}
			w := int64(1)
			for k := len(prefix); k < len(combo); k++ {
				if weighted {
					w *= sp.weights[k][combo[k]]
				}
			}
			sum.Add(sum, big.NewInt(w))
			return
		}
		for v := range sp.weights[l] {
			combo[l] = v
			rec(l + 1)
		}
	}
	rec(len(prefix))
	return sum
}

func TestLoadReportsEveryProblemAtOnce(t *testing.T) {
	spec := `name: Broken
symbl: X
count: 0
seed: -4
provider:
  name: procedral
prompt:
  template: "{{.palete}} {{.motif}}"
traits:
  palette: []
  motif: [flow, rings]
rules:
  - exclude: {motif: ringz}
postprocess:
  - bogus: 1
royalty:
  receiver: 0x1234
  bps: 20000
`
	_, problems, err := Load(write(t, spec), Options{Providers: []string{"procedural", "openai"}})
	if err == nil {
		t.Fatal("broken spec loaded")
	}
	want := []string{
		`genmint.yaml:1: symbol: missing (add symbol: MYCOL (the ERC-721 symbol))`,
		`genmint.yaml:2:1: symbl: unknown key "symbl" (did you mean "symbol"?)`,
		`genmint.yaml:3:8: count: must be between 1 and 100000, got 0`,
		`genmint.yaml:4:7: seed: expected a non-negative whole number, got "-4" (any whole number from 0 to 18446744073709551615)`,
		`genmint.yaml:6:9: provider.name: unknown provider "procedral" (did you mean "procedural"?)`,
		`genmint.yaml:8:16: prompt.template: unknown trait "palete" (did you mean "palette"?)`,
		`genmint.yaml:10:3: traits.palette: empty trait list (add at least one value, or remove the trait)`,
		`genmint.yaml:13:22: rules[0].exclude.motif: trait "motif" has no value "ringz" (did you mean "rings"?)`,
		`genmint.yaml:15:12: postprocess[0].bogus: unknown post-process step "bogus" (use one of animation, blur, border, brightness, contrast, crop, fill, fit, format, gamma, resize, saturation, sharpen, watermark)`,
		`genmint.yaml:17:13: royalty.receiver: "0x1234" is not an address (an Ethereum address is 0x followed by 40 hex digits)`,
		`genmint.yaml:18:8: royalty.bps: must be between 0 and 10000, got 20000`,
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\n\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoadSpaceTooSmall(t *testing.T) {
	spec := `name: Small
symbol: S
count: 7
seed: 1
prompt: "{{.a}} {{.b}}"
traits:
  a: [x, y, z]
  b: [p, q]
rules:
  - exclude: {a: x, b: p}
`
	_, problems, err := Load(write(t, spec), Options{})
	if err == nil {
		t.Fatal("loaded a spec whose trait space is smaller than count")
	}
	want := `genmint.yaml:3:1: count: count 7 needs 7 distinct trait combinations, but the traits allow only 5 (3 a × 2 b, 1 excluded by rules) (add trait values, drop a rule, lower count, or set unique: false)`
	if len(problems) != 1 || problems[0].String() != want {
		t.Errorf("problems = %v\nwant %s", problems, want)
	}
	// Without uniqueness the same spec is fine.
	if _, _, err := Load(write(t, spec+"unique: false\n"), Options{}); err != nil {
		t.Errorf("unique: false still failed: %v", err)
	}
}

func TestLoadTemplateErrorsPointAtTheTemplateLine(t *testing.T) {
	spec := `name: T
symbol: T
count: 1
seed: 1
prompt:
  template: |
    first line {{.a}}
    second {{.b
traits:
  a: [x]
`
	_, problems, err := Load(write(t, spec), Options{})
	if err == nil {
		t.Fatal("loaded a broken template")
	}
	if len(problems) != 1 || problems[0].Line != 8 || !strings.Contains(problems[0].Message, "template error") {
		t.Errorf("problems = %v", problems)
	}
}

func TestLoadPromptFromFile(t *testing.T) {
	dir := write(t, `name: F
symbol: F
count: 1
seed: 1
prompt:
  file: prompts/main.tmpl
traits:
  a: [x]
`)
	os.MkdirAll(filepath.Join(dir, "prompts"), 0o755)
	os.WriteFile(filepath.Join(dir, "prompts/main.tmpl"), []byte("a {{.a}}\nthen {{.nope}}\n"), 0o644)
	_, problems, err := Load(dir, Options{})
	if err == nil {
		t.Fatal("loaded a template naming an unknown trait")
	}
	if len(problems) != 1 || problems[0].File != "prompts/main.tmpl" || problems[0].Line != 2 || problems[0].Column != 8 {
		t.Errorf("problems = %+v", problems)
	}
}

func TestLoadWarnings(t *testing.T) {
	spec := strings.Replace(validSpec, "bps: 500", "bps: 2500", 1) + "\n"
	spec = strings.Replace(spec, "traits:\n", "traits:\n  unused: [a, b]\n", 1)
	s, problems, err := Load(write(t, spec), Options{})
	if err != nil || s == nil {
		t.Fatalf("warnings must not fail the load: %v", err)
	}
	if len(problems.Warnings()) != 2 {
		t.Errorf("warnings = %v", problems)
	}
}

func TestLoadRejectsSecretsAndBadChecksums(t *testing.T) {
	spec := strings.Replace(validSpec, "  name: procedural\n", "  name: procedural\n  api_key_env: sk-proj-abcdef123456\n", 1)
	spec = strings.Replace(spec, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", 1)
	_, problems, err := Load(write(t, spec), Options{})
	if err == nil {
		t.Fatal("loaded")
	}
	var lines []string
	for _, p := range problems {
		lines = append(lines, p.String())
	}
	text := strings.Join(lines, "\n")
	if !strings.Contains(text, "looks like a secret") || !strings.Contains(text, "EIP-55") {
		t.Errorf("problems = %v", problems)
	}
	if strings.Contains(text, "sk-proj") {
		t.Errorf("the secret was echoed back: %v", problems)
	}
}

func TestLoadMissingSpec(t *testing.T) {
	_, _, err := Load(t.TempDir(), Options{})
	if err == nil || !strings.Contains(err.Error(), "genmint init") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadBadYAML(t *testing.T) {
	_, problems, err := Load(write(t, "name: x\n  count: : 3\n"), Options{})
	if err == nil || len(problems) != 1 || problems[0].Line != 2 {
		t.Errorf("err = %v, problems = %v", err, problems)
	}
}

func TestItemSeedIsStable(t *testing.T) {
	// These values are part of every collection's identity: never change them.
	got := []uint32{ItemSeed(0, 1), ItemSeed(42, 1), ItemSeed(42, 2), ItemSeed(1<<63, 9999)}
	want := []uint32{1332991954, 2075178212, 167936120, 597213190}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ItemSeed changed: got %v, want %v", got, want)
	}
}

func TestChecksumAddress(t *testing.T) {
	// EIP-55's own test vectors.
	for _, a := range []string{
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	} {
		if got := ChecksumAddress(strings.ToLower(a)); got != a {
			t.Errorf("ChecksumAddress(%s) = %s", strings.ToLower(a), got)
		}
	}
}

func TestPostProcessErrorsPointAtTheParameter(t *testing.T) {
	spec := `name: P
symbol: P
count: 1
seed: 1
prompt: "x"
postprocess:
  - resize: {width: 512, height: 512}
  - crop:
      width: 100
      anchr: top
  - format: png
  - sharpen: 1
`
	_, problems, err := Load(write(t, spec), Options{})
	if err == nil {
		t.Fatal("loaded")
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	text := strings.Join(got, "\n")
	if len(problems) != 2 ||
		!strings.HasPrefix(got[0], "genmint.yaml:10:") || !strings.Contains(got[0], "postprocess[1].crop.anchr") ||
		!strings.HasPrefix(got[1], "genmint.yaml:12:5: postprocess[3].sharpen: a step after format: would not be encoded") {
		t.Errorf("problems:\n%s", text)
	}
}

func TestNetwork(t *testing.T) {
	const head = "name: N\nsymbol: N\ncount: 3\nseed: 1\nprompt: \"{{.a}}\"\ntraits:\n  a: [x, y, z]\n"
	for _, tc := range []struct {
		name, yaml string
		want       Network
		supply     uint64
		problem    string
	}{
		{name: "default", yaml: "", want: Network{Name: "local", ChainID: 31337, Test: true}, supply: 3},
		{name: "named", yaml: "network: Base-Sepolia\nmax_supply: 10\n", want: Network{Name: "base-sepolia", ChainID: 84532, Test: true}, supply: 10},
		{name: "mainnet", yaml: "network: mainnet\n", want: Network{Name: "mainnet", ChainID: 1}, supply: 3},
		{name: "custom", yaml: "network: {name: devnet, chain_id: 0x1e240, test: true}\n", want: Network{Name: "devnet", ChainID: 123456, Test: true}, supply: 3},
		{name: "typo", yaml: "network: sepolai\n",
			problem: `genmint.yaml:8:10: network: unknown network "sepolai" (did you mean "sepolia"?; or describe the chain: {name: …, chain_id: …, test: true|false})`},
		{name: "no test flag", yaml: "network: {name: devnet, chain_id: 5}\n",
			problem: `genmint.yaml:8:10: network.test: missing (add test: true for a test chain (no confirmation before minting), false when its ether is real)`},
		{name: "mainnet as test", yaml: "network:\n  chain_id: 1\n  test: true\n",
			problem: `genmint.yaml:10:9: network.test: chain 1 is mainnet, which is not a test chain (write network: mainnet)`},
		{name: "known name, other id", yaml: "network: {name: sepolia, chain_id: 5, test: true}\n",
			problem: `genmint.yaml:8:17: network.name: sepolia is chain 11155111, not 5 (use another name for a custom chain, or write network: sepolia)`},
		{name: "supply below count", yaml: "max_supply: 2\n",
			problem: `genmint.yaml:8:13: max_supply: 2 is below count (3) (raise it to at least count, or drop it (it defaults to count))`},
		{name: "supply too large", yaml: "max_supply: 2147483647\n",
			problem: `genmint.yaml:8:13: max_supply: must be at most 2147483646, got 2147483647 (the contract's token ids are 31-bit)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, problems, err := Load(write(t, head+tc.yaml), Options{})
			if tc.problem != "" {
				if err == nil || len(problems) == 0 || problems[0].String() != tc.problem {
					t.Fatalf("problems = %v\nwant %s", problems, tc.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Network != tc.want || s.MaxSupply != tc.supply {
				t.Errorf("network %+v, max supply %d; want %+v, %d", s.Network, s.MaxSupply, tc.want, tc.supply)
			}
		})
	}
}
