package spec

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/genmint/genmint/internal/collpath"
	"github.com/genmint/genmint/postprocess"
)

// ErrNoSpec is returned when the folder has no genmint.yaml.
var ErrNoSpec = errors.New("no " + FileName)

// Options tune Load.
type Options struct {
	// Providers lists the known provider names, for typo hints.
	Providers []string
	// CheckProvider validates the provider section beyond its shape (the
	// provider's own parameter checks). Its error is reported at
	// provider.params, or at the path a *FieldError names.
	CheckProvider func(p Provider, dir string) error
	// Check runs the later stages' own checks on a spec that is otherwise
	// valid (e.g. that the contract can be deployed with its name and
	// symbol). Its error is reported at the spec path a *FieldError names.
	Check func(s *Spec) error
}

// FieldError lets CheckProvider point at a field, e.g. Path "provider.params.size".
type FieldError struct {
	Path string
	Err  error
	Hint string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// MaxPromptFileBytes bounds a prompt template file.
const MaxPromptFileBytes = 1 << 20

// MaxCoverBytes bounds the collection's cover image file.
const MaxCoverBytes = 64 << 20

// MaxCount bounds a collection's size.
const MaxCount = 100_000

// MaxSupplyLimit bounds max_supply: the contract's token ids are 31 bits (the
// cursor's top bit is its freeze flag; see mint/contracts).
const MaxSupplyLimit uint64 = 1<<31 - 2

// Load reads and checks dir/genmint.yaml. When the spec has errors it
// returns them all as Problems (with a nil *Spec); warnings come back with a
// valid spec.
func Load(dir string, opts Options) (*Spec, Problems, error) {
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("%w in %s: run 'genmint init' to create a collection, or pass -C DIR", ErrNoSpec, displayDir(dir))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	return Parse(dir, data, opts)
}

// Parse checks spec bytes as if read from dir/genmint.yaml.
func Parse(dir string, data []byte, opts Options) (*Spec, Problems, error) {
	l := &loader{
		dir:  dir,
		file: FileName,
		opts: opts,
		s: &Spec{
			Dir:       dir,
			Path:      filepath.Join(dir, FileName),
			Unique:    true,
			positions: map[string]Pos{},
		},
	}
	l.s.Provider.Retries = -1
	l.load(data)
	problems := l.problems.sorted()
	if len(problems.Errors()) > 0 {
		return nil, problems, problems
	}
	return l.s, problems, nil
}

func displayDir(dir string) string {
	if dir == "" || dir == "." {
		return "the current folder"
	}
	return dir
}

type loader struct {
	declared []string // trait names as written, even those with errors
	dir      string
	file     string
	opts     Options
	s        *Spec
	problems Problems
}

func (l *loader) at(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: l.file}
	}
	return Pos{File: l.file, Line: n.Line, Column: n.Column}
}

func (l *loader) add(sev Severity, pos Pos, path, hint, format string, args ...any) {
	l.problems = append(l.problems, Problem{Pos: pos, Path: path, Severity: sev, Message: fmt.Sprintf(format, args...), Hint: hint})
}

func (l *loader) errorf(n *yaml.Node, path, hint, format string, args ...any) {
	l.add(SeverityError, l.at(n), path, hint, format, args...)
}

func (l *loader) warnf(n *yaml.Node, path, hint, format string, args ...any) {
	l.add(SeverityWarning, l.at(n), path, hint, format, args...)
}

func (l *loader) mark(path string, n *yaml.Node) {
	if n != nil {
		l.s.positions[path] = l.at(n)
	}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (l *loader) load(data []byte) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 0
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		l.add(SeverityError, Pos{File: l.file, Line: line}, "", "fix the YAML syntax (indentation, quotes, colons)", "not valid YAML: %s", msg)
		return
	}
	if len(doc.Content) == 0 {
		l.add(SeverityError, Pos{File: l.file, Line: 1}, "", "run 'genmint init --template procedural' for a starting point", "the spec is empty")
		return
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		l.errorf(root, "", "the spec is a mapping of keys like name:, count:, traits:", "expected a mapping at the top level")
		return
	}

	fields := map[string]func(k, v *yaml.Node){
		"name":             func(k, v *yaml.Node) { l.s.Name = l.str(v, "name") },
		"symbol":           func(k, v *yaml.Node) { l.s.Symbol = l.str(v, "symbol") },
		"description":      func(k, v *yaml.Node) { l.s.Description = l.str(v, "description") },
		"external_url":     func(k, v *yaml.Node) { l.s.ExternalURL = l.str(v, "external_url") },
		"creator":          func(k, v *yaml.Node) { l.s.Creator = l.str(v, "creator") },
		"image":            func(k, v *yaml.Node) { l.s.Image = l.str(v, "image"); l.imageFile(v, "image", l.s.Image) },
		"count":            func(k, v *yaml.Node) { l.s.Count = l.int(v, "count", 1, MaxCount) },
		"seed":             func(k, v *yaml.Node) { l.s.Seed = l.uint64(v, "seed") },
		"unique":           func(k, v *yaml.Node) { l.s.Unique = l.bool(v, "unique") },
		"provider":         func(k, v *yaml.Node) { l.provider(v) },
		"prompt":           func(k, v *yaml.Node) { l.prompt(v) },
		"traits":           func(k, v *yaml.Node) { l.traits(v) },
		"rules":            func(k, v *yaml.Node) { l.rules(v) },
		"postprocess":      func(k, v *yaml.Node) { l.postprocess(v) },
		"royalty":          func(k, v *yaml.Node) { l.royalty(v) },
		"license":          func(k, v *yaml.Node) { l.license(v) },
		"erc7007":          func(k, v *yaml.Node) { l.s.ERC7007 = l.bool(v, "erc7007") },
		"rarity":           func(k, v *yaml.Node) { l.rarity(v) },
		"reveal":           func(k, v *yaml.Node) { l.reveal(v) },
		"network":          func(k, v *yaml.Node) { l.network(v) },
		"trait_display":    func(k, v *yaml.Node) { l.traitDisplay(v) },
		"background_color": func(k, v *yaml.Node) { l.backgroundColor(v) },
		"banner_image":     func(k, v *yaml.Node) { l.s.BannerImage = l.picture(v, "banner_image") },
		"featured_image":   func(k, v *yaml.Node) { l.s.FeaturedImage = l.picture(v, "featured_image") },
		"collaborators":    func(k, v *yaml.Node) { l.collaborators(v) },
		"max_supply": func(k, v *yaml.Node) {
			l.s.MaxSupply = l.uint64(v, "max_supply")
			if l.s.MaxSupply > MaxSupplyLimit {
				l.errorf(v, "max_supply", "the contract's token ids are 31-bit", "must be at most %d, got %d", uint64(MaxSupplyLimit), l.s.MaxSupply)
			}
		},
	}
	seen := l.mapping(root, "", fields)

	// Required fields and cross-field checks.
	for _, req := range []struct{ key, hint string }{
		{"name", `add name: "My Collection"`},
		{"symbol", "add symbol: MYCOL (the ERC-721 symbol)"},
		{"count", "add count: N, the number of items to generate"},
		{"seed", "add seed: <any number>; every item's seed derives from it, so the collection is reproducible"},
		{"prompt", `add prompt: "…{{.trait}}…" (a Go text/template over your traits)`},
	} {
		if seen[req.key] == nil {
			l.add(SeverityError, Pos{File: l.file, Line: 1}, req.key, req.hint, "missing")
		}
	}
	if seen["provider"] == nil {
		l.s.Provider.Name = "procedural"
	}
	if seen["postprocess"] == nil {
		l.s.Output = postprocess.Output{Format: "png"}
	}
	if seen["network"] == nil {
		l.s.Network = DefaultNetwork
	}
	if l.s.MaxSupply == 0 && seen["max_supply"] == nil {
		l.s.MaxSupply = uint64(l.s.Count)
	} else if l.s.Count > 0 && l.s.MaxSupply < uint64(l.s.Count) {
		l.errorf(seen["max_supply"], "max_supply", "raise it to at least count, or drop it (it defaults to count)", "%d is below count (%d)", l.s.MaxSupply, l.s.Count)
	}
	l.checkTemplates()
	l.checkRules()
	l.checkDisplay()
	l.checkSpace(seen["count"])
	if l.opts.CheckProvider != nil && len(l.problems.Errors()) == 0 {
		if err := l.opts.CheckProvider(l.s.Provider, l.dir); err != nil {
			path, hint := "provider", ""
			var fe *FieldError
			if errors.As(err, &fe) {
				path, hint, err = fe.Path, fe.Hint, fe.Err
			}
			l.add(SeverityError, l.s.Position(path), path, hint, "%s", err.Error())
		}
	}
	if l.opts.Check != nil && len(l.problems.Errors()) == 0 {
		if err := l.opts.Check(l.s); err != nil {
			path, hint := "", ""
			var fe *FieldError
			if errors.As(err, &fe) {
				path, hint, err = fe.Path, fe.Hint, fe.Err
			}
			l.add(SeverityError, l.s.Position(path), path, hint, "%s", err.Error())
		}
	}
}

// mapping walks a mapping node's keys, calling fields[key] for known keys
// and reporting unknown ones with a did-you-mean hint. It returns the value
// node of each key seen.
func (l *loader) mapping(n *yaml.Node, path string, fields map[string]func(k, v *yaml.Node)) map[string]*yaml.Node {
	seen := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, path, "", "expected a mapping (key: value lines)")
		return seen
	}
	known := make([]string, 0, len(fields))
	for k := range fields {
		known = append(known, k)
	}
	sort.Strings(known)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		if _, dup := seen[k.Value]; dup {
			l.errorf(k, p, "keep one of them", "%q is given twice", k.Value)
			continue
		}
		fn, ok := fields[k.Value]
		if !ok {
			l.errorf(k, p, didYouMean(k.Value, known), "unknown key %q", k.Value)
			continue
		}
		seen[k.Value] = v
		l.mark(p, k)
		fn(k, v)
	}
	return seen
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (l *loader) scalar(n *yaml.Node, path, want string) bool {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		*n = *n.Alias
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		l.errorf(n, path, "", "expected %s", want)
		return false
	}
	return true
}

func (l *loader) str(n *yaml.Node, path string) string {
	if !l.scalar(n, path, "a text value") {
		return ""
	}
	return n.Value
}

func (l *loader) int(n *yaml.Node, path string, lo, hi int) int {
	if !l.scalar(n, path, "a whole number") {
		return 0
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil {
		l.errorf(n, path, "", "expected a whole number, got %q", n.Value)
		return 0
	}
	if v < int64(lo) || v > int64(hi) {
		l.errorf(n, path, "", "must be between %d and %d, got %d", lo, hi, v)
		return 0
	}
	return int(v)
}

func (l *loader) uint64(n *yaml.Node, path string) uint64 {
	if !l.scalar(n, path, "a whole number") {
		return 0
	}
	v, err := strconv.ParseUint(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil {
		l.errorf(n, path, "any whole number from 0 to 18446744073709551615", "expected a non-negative whole number, got %q", n.Value)
	}
	return v
}

func (l *loader) float(n *yaml.Node, path string) float64 {
	if !l.scalar(n, path, "a number") {
		return 0
	}
	v, err := strconv.ParseFloat(n.Value, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		l.errorf(n, path, "", "expected a number, got %q", n.Value)
		return 0
	}
	return v
}

func (l *loader) bool(n *yaml.Node, path string) bool {
	if !l.scalar(n, path, "true or false") {
		return false
	}
	switch strings.ToLower(n.Value) {
	case "true", "yes", "on":
		return true
	case "false", "no", "off":
		return false
	}
	l.errorf(n, path, "", "expected true or false, got %q", n.Value)
	return false
}

func (l *loader) value(n *yaml.Node, path string) any {
	var v any
	if err := n.Decode(&v); err != nil {
		l.errorf(n, path, "", "cannot read value: %v", err)
	}
	return v
}

func (l *loader) provider(n *yaml.Node) {
	p := &l.s.Provider
	if n.Kind == yaml.ScalarNode {
		p.Name = l.str(n, "provider")
		l.mark("provider.name", n)
		l.checkProviderName(n)
		return
	}
	seen := l.mapping(n, "provider", map[string]func(k, v *yaml.Node){
		"name":        func(k, v *yaml.Node) { p.Name = l.str(v, "provider.name") },
		"model":       func(k, v *yaml.Node) { p.Model = l.str(v, "provider.model") },
		"base_url":    func(k, v *yaml.Node) { p.BaseURL = l.str(v, "provider.base_url") },
		"api_key_env": func(k, v *yaml.Node) { p.APIKeyEnv = l.str(v, "provider.api_key_env") },
		"params": func(k, v *yaml.Node) {
			if v.Kind != yaml.MappingNode {
				l.errorf(v, "provider.params", "", "expected a mapping of parameter: value")
				return
			}
			p.Params = map[string]any{}
			for i := 0; i+1 < len(v.Content); i += 2 {
				pk := v.Content[i]
				l.mark("provider.params."+pk.Value, pk)
				p.Params[pk.Value] = l.value(v.Content[i+1], "provider.params."+pk.Value)
			}
		},
		"concurrency":         func(k, v *yaml.Node) { p.Concurrency = l.int(v, "provider.concurrency", 1, 256) },
		"requests_per_minute": func(k, v *yaml.Node) { p.RequestsPerMinute = l.int(v, "provider.requests_per_minute", 1, 100_000) },
		"retries":             func(k, v *yaml.Node) { p.Retries = l.int(v, "provider.retries", 0, 20) },
		"timeout": func(k, v *yaml.Node) {
			s := l.str(v, "provider.timeout")
			d, err := time.ParseDuration(s)
			if s != "" && (err != nil || d <= 0) {
				l.errorf(v, "provider.timeout", "use a duration like 90s or 5m", "expected a positive duration, got %q", s)
			}
			p.Timeout = d
		},
		"price_usd": func(k, v *yaml.Node) {
			f := l.float(v, "provider.price_usd")
			if f < 0 {
				l.errorf(v, "provider.price_usd", "", "must not be negative")
			}
			p.PriceUSD = &f
		},
	})
	if seen["name"] == nil {
		l.errorf(n, "provider.name", "add name: procedural (or openai, stability, replicate, automatic1111, comfyui)", "missing")
		return
	}
	l.checkProviderName(seen["name"])
	if k := seen["api_key_env"]; k != nil && looksLikeSecret(p.APIKeyEnv) {
		l.errorf(k, "provider.api_key_env", "put the key in an environment variable and write its name here, e.g. api_key_env: MY_OPENAI_KEY",
			"this looks like a secret, not the name of an environment variable")
		p.APIKeyEnv = ""
	}
}

func (l *loader) checkProviderName(n *yaml.Node) {
	if len(l.opts.Providers) == 0 || l.s.Provider.Name == "" {
		return
	}
	for _, known := range l.opts.Providers {
		if known == l.s.Provider.Name {
			return
		}
	}
	l.errorf(n, "provider.name", didYouMean(l.s.Provider.Name, l.opts.Providers), "unknown provider %q", l.s.Provider.Name)
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// looksLikeSecret catches an API key pasted where a variable name belongs.
func looksLikeSecret(s string) bool {
	return !envName.MatchString(s) || strings.HasPrefix(s, "sk-") || strings.HasPrefix(s, "r8_") || len(s) > 64
}

func (l *loader) prompt(n *yaml.Node) {
	pr := &l.s.Prompt
	if n.Kind == yaml.ScalarNode {
		pr.Text = l.str(n, "prompt")
		l.mark("prompt.template", n)
		l.s.positions["prompt.template"] = l.templateStart(n)
		return
	}
	seen := l.mapping(n, "prompt", map[string]func(k, v *yaml.Node){
		"template": func(k, v *yaml.Node) {
			pr.Text = l.str(v, "prompt.template")
			l.s.positions["prompt.template"] = l.templateStart(v)
		},
		"file": func(k, v *yaml.Node) {
			pr.File = l.str(v, "prompt.file")
			if pr.File == "" {
				return
			}
			b, err := collpath.ReadFile(l.dir, pr.File, MaxPromptFileBytes)
			if errors.Is(err, collpath.ErrOutside) {
				l.errorf(v, "prompt.file", collpath.Hint, "%v", err)
				return
			}
			if err != nil {
				l.errorf(v, "prompt.file", "create it, or write the template inline with template:", "cannot read %s: %v", pr.File, unwrapPathErr(err))
				return
			}
			pr.Text = string(b)
			l.s.positions["prompt.template"] = Pos{File: filepath.ToSlash(pr.File), Line: 1, Column: 1}
		},
		"negative": func(k, v *yaml.Node) {
			pr.NegativeText = l.str(v, "prompt.negative")
			l.s.positions["prompt.negative"] = l.templateStart(v)
		},
	})
	if seen["template"] != nil && seen["file"] != nil {
		l.errorf(seen["file"], "prompt.file", "keep one", "give either template: or file:, not both")
	}
	if seen["template"] == nil && seen["file"] == nil {
		l.errorf(n, "prompt.template", `add template: "…{{.trait}}…" or file: prompts/main.tmpl`, "missing")
	}
}

// templateStart is where a template's first line is in the spec: block
// scalars (| and >) start on the line after the indicator.
func (l *loader) templateStart(n *yaml.Node) Pos {
	p := l.at(n)
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		p.Line++
		p.Column = 0
	} else if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		p.Column++
	}
	return p
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (l *loader) traits(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "traits", "write traits as name: [value, value, …] lines", "expected a mapping of trait name to its values")
		return
	}
	names := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if name != "" && !names[name] {
			l.declared = append(l.declared, name)
		}
		path := "traits." + name
		l.mark(path, k)
		if name == "" {
			l.errorf(k, "traits", "", "a trait needs a name")
			continue
		}
		if names[name] {
			l.errorf(k, path, "keep one of them", "trait %q is given twice", name)
			continue
		}
		names[name] = true
		tl := TraitList{Name: name}
		switch v.Kind {
		case yaml.SequenceNode:
			for j, item := range v.Content {
				tl.Values = append(tl.Values, l.traitValue(item, fmt.Sprintf("%s[%d]", path, j)))
			}
		case yaml.MappingNode: // value: weight, or value: {weight:, prompt:}
			for j := 0; j+1 < len(v.Content); j += 2 {
				vk, vv := v.Content[j], v.Content[j+1]
				p := path + "." + vk.Value
				l.mark(p, vk)
				tv := TraitValue{Value: vk.Value, Weight: 1}
				if vv.Kind == yaml.MappingNode {
					l.mapping(vv, p, map[string]func(k, v *yaml.Node){
						"weight": func(k, v *yaml.Node) { tv.Weight = l.int(v, p+".weight", 1, 1_000_000) },
						"prompt": func(k, v *yaml.Node) { tv.Prompt = l.str(v, p+".prompt") },
					})
				} else {
					tv.Weight = l.int(vv, p, 1, 1_000_000)
				}
				tl.Values = append(tl.Values, tv)
			}
		default:
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				l.errorf(k, path, "add at least one value, or remove the trait", "empty trait list")
				continue
			}
			l.errorf(v, path, "write name: [a, b, c], or name: {a: 3, b: 1} with weights", "expected a list of values")
			continue
		}
		if len(tl.Values) == 0 {
			l.errorf(k, path, "add at least one value, or remove the trait", "empty trait list")
			continue
		}
		seen := map[string]bool{}
		for j := range tl.Values {
			tv := &tl.Values[j]
			if tv.Prompt == "" {
				tv.Prompt = tv.Value
			}
			if tv.Value == "" {
				continue // already reported
			}
			if seen[tv.Value] {
				l.errorf(k, path, "give each value once and use weight: to make it more common", "value %q is listed twice", tv.Value)
			}
			seen[tv.Value] = true
		}
		l.s.Traits = append(l.s.Traits, tl)
	}
}

func (l *loader) traitValue(n *yaml.Node, path string) TraitValue {
	tv := TraitValue{Weight: 1}
	l.mark(path, n)
	switch n.Kind {
	case yaml.ScalarNode:
		tv.Value = l.str(n, path)
	case yaml.MappingNode:
		seen := l.mapping(n, path, map[string]func(k, v *yaml.Node){
			"value":  func(k, v *yaml.Node) { tv.Value = l.str(v, path+".value") },
			"weight": func(k, v *yaml.Node) { tv.Weight = l.int(v, path+".weight", 1, 1_000_000) },
			"prompt": func(k, v *yaml.Node) { tv.Prompt = l.str(v, path+".prompt") },
		})
		if seen["value"] == nil {
			l.errorf(n, path+".value", "add value: <the attribute value>", "missing")
		}
	default:
		l.errorf(n, path, "", "expected a value, or {value:, weight:, prompt:}")
	}
	if tv.Value == "" && n.Kind == yaml.ScalarNode {
		l.errorf(n, path, "remove the empty entry", "empty trait value")
	}
	return tv
}

func (l *loader) rules(n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "rules", "write rules as a list: - exclude: {trait: value, other: [a, b]}", "expected a list")
		return
	}
	for i, rn := range n.Content {
		path := fmt.Sprintf("rules[%d]", i)
		l.mark(path, rn)
		var r Rule
		seen := l.mapping(rn, path, map[string]func(k, v *yaml.Node){
			"exclude": func(k, v *yaml.Node) {
				if v.Kind != yaml.MappingNode {
					l.errorf(v, path+".exclude", "", "expected a mapping of trait: value (or [values])")
					return
				}
				for j := 0; j+1 < len(v.Content); j += 2 {
					ck, cv := v.Content[j], v.Content[j+1]
					c := Condition{Trait: ck.Value}
					switch cv.Kind {
					case yaml.ScalarNode:
						c.Values = []string{cv.Value}
					case yaml.SequenceNode:
						for _, x := range cv.Content {
							c.Values = append(c.Values, l.str(x, path+".exclude."+ck.Value))
						}
					default:
						l.errorf(cv, path+".exclude."+ck.Value, "", "expected a value or a list of values")
					}
					r.Conditions = append(r.Conditions, c)
					l.mark(fmt.Sprintf("%s.exclude.%s", path, ck.Value), cv)
				}
			},
			"reason": func(k, v *yaml.Node) { r.Reason = l.str(v, path+".reason") },
		})
		if seen["exclude"] == nil {
			l.errorf(rn, path+".exclude", "add exclude: {trait: value, other: value}", "missing")
			continue
		}
		if len(r.Conditions) == 0 {
			l.errorf(seen["exclude"], path+".exclude", "name at least one trait: value", "empty rule")
			continue
		}
		l.s.Rules = append(l.s.Rules, r)
	}
}

// checkRules runs after traits are known: every rule must name real traits
// and values.
func (l *loader) checkRules() {
	names := l.declared
	for i, r := range l.s.Rules {
		path := fmt.Sprintf("rules[%d]", i)
		for _, c := range r.Conditions {
			cp := path + ".exclude." + c.Trait
			t, ok := l.s.Trait(c.Trait)
			if !ok {
				if !containsStr(names, c.Trait) {
					l.add(SeverityError, l.s.Position(cp), cp, didYouMean(c.Trait, names), "unknown trait %q", c.Trait)
				}
				continue
			}
			vals := make([]string, len(t.Values))
			for j, v := range t.Values {
				vals[j] = v.Value
			}
			for _, v := range c.Values {
				if !containsStr(vals, v) {
					l.add(SeverityError, l.s.Position(cp), cp, didYouMean(v, vals), "trait %q has no value %q", c.Trait, v)
				}
			}
		}
	}
}

func containsStr(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func (l *loader) postprocess(n *yaml.Node) {
	l.s.Output = postprocess.Output{Format: "png"}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "postprocess", "write steps as a list: - resize: {width: 512, height: 512}", "expected a list of steps")
		return
	}
	var formatNode *yaml.Node
	for i, sn := range n.Content {
		path := fmt.Sprintf("postprocess[%d]", i)
		if sn.Kind != yaml.MappingNode || len(sn.Content) != 2 {
			l.errorf(sn, path, "write each step as one op: value line, e.g. - sharpen: 0.8", "expected one step")
			continue
		}
		k, v := sn.Content[0], sn.Content[1]
		op := k.Value
		path += "." + op
		l.mark(path, k)
		val := l.value(v, path)
		if op == "format" {
			if formatNode != nil {
				l.errorf(k, path, "keep one format: entry, at the end", "format is given twice")
			}
			formatNode = k
			out, err := postprocess.ParseOutput(val)
			if err != nil {
				l.stepError(v, path, err)
				continue
			}
			l.s.Output = out
			continue
		}
		if op == postprocess.AnimationOp {
			l.animation(k, v, path, val)
			continue
		}
		if formatNode != nil {
			l.errorf(k, path, "move format: to the end of the list", "a step after format: would not be encoded")
		}
		step, err := postprocess.Parse(op, val, l.dir)
		if err != nil {
			l.stepError(v, path, err)
			continue
		}
		l.s.PostProcess = append(l.s.PostProcess, step)
	}
}

// stepError reports a post-process error at the parameter it names.
func (l *loader) stepError(v *yaml.Node, path string, err error) {
	var pe *postprocess.ParamError
	if errors.As(err, &pe) {
		at := v
		p := path
		if pe.Param != "" {
			p = path + "." + pe.Param
			if v.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(v.Content); i += 2 {
					if v.Content[i].Value == pe.Param {
						at = v.Content[i+1]
					}
				}
			}
		}
		l.errorf(at, p, pe.Hint, "%s", pe.Msg)
		return
	}
	l.errorf(v, path, "", "%v", err)
}

var hexAddress = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

func (l *loader) royalty(n *yaml.Node) {
	r := &l.s.Royalty
	seen := l.mapping(n, "royalty", map[string]func(k, v *yaml.Node){
		"receiver": func(k, v *yaml.Node) {
			r.Receiver = l.str(v, "royalty.receiver")
			if r.Receiver == "" {
				return
			}
			if !hexAddress.MatchString(r.Receiver) {
				l.errorf(v, "royalty.receiver", "an Ethereum address is 0x followed by 40 hex digits", "%q is not an address", r.Receiver)
			} else if !checksumOK(r.Receiver) {
				l.errorf(v, "royalty.receiver", "copy the address again, or write it all in lower case", "%q fails its EIP-55 checksum (a typo?)", r.Receiver)
			}
		},
		"cap_bps": func(k, v *yaml.Node) { r.CapBPS = l.int(v, "royalty.cap_bps", 1, 10_000) },
		"bps": func(k, v *yaml.Node) {
			r.BPS = l.int(v, "royalty.bps", 0, 10_000)
			if r.BPS > 1_000 {
				l.warnf(v, "royalty.bps", "marketplaces commonly honour at most 10% (1000 bps)", "royalty of %d.%02d%% is unusually high", r.BPS/100, r.BPS%100)
			}
		},
	})
	if seen["cap_bps"] != nil && r.CapBPS < r.BPS {
		l.errorf(seen["cap_bps"], "royalty.cap_bps", "raise cap_bps to at least bps, or lower bps", "the cap (%d) is below the royalty itself (%d)", r.CapBPS, r.BPS)
	}
	if seen["bps"] != nil && seen["receiver"] == nil && r.BPS > 0 {
		l.errorf(n, "royalty.receiver", "add receiver: 0x… (the address paid royalties)", "missing")
	}
}

// IsURI reports whether the spec's image is a URI (scheme://…) rather than
// a file in the collection folder (collpath.IsURI).
func IsURI(s string) bool { return collpath.IsURI(s) }

func (l *loader) rarity(n *yaml.Node) {
	l.mapping(n, "rarity", map[string]func(k, v *yaml.Node){
		"metadata_rank": func(k, v *yaml.Node) { l.s.Rarity.MetadataRank = l.bool(v, "rarity.metadata_rank") },
	})
}
