// Package params reads a provider's parameters from genmint.yaml
// (provider.params) with type checks, allowed values and did-you-mean
// suggestions for unknown names. Errors name the spec field.
package params

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/internal/suggest"
)

// Reader reads one provider's parameters. Every getter records its key as
// known; Err then also reports every parameter that no getter asked for.
type Reader struct {
	provider string
	p        generate.Params
	known    map[string]bool
	errs     []string
}

// New starts reading p for provider.
func New(provider string, p generate.Params) *Reader {
	return &Reader{provider: provider, p: p, known: map[string]bool{}}
}

func (r *Reader) field(key string) string { return "provider.params." + key }

func (r *Reader) fail(key, format string, args ...any) {
	r.errs = append(r.errs, r.field(key)+": "+fmt.Sprintf(format, args...))
}

// Raw returns the value of key as decoded from YAML, and marks key known.
func (r *Reader) Raw(key string) (any, bool) {
	r.known[key] = true
	v, ok := r.p[key]
	if ok && v == nil {
		return nil, false
	}
	return v, ok
}

// Has reports whether key is set.
func (r *Reader) Has(key string) bool {
	_, ok := r.Raw(key)
	return ok
}

// String reads a string. When allowed is not empty the value must be one of
// them.
func (r *Reader) String(key, def string, allowed ...string) string {
	v, ok := r.Raw(key)
	if !ok {
		return def
	}
	s, isStr := v.(string)
	if !isStr {
		r.fail(key, "must be text, not %v", v)
		return def
	}
	if len(allowed) > 0 && !slices.Contains(allowed, s) {
		msg := fmt.Sprintf("%q is not one of %s", s, strings.Join(allowed, ", "))
		if m := Suggest(s, allowed); m != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", m)
		}
		r.fail(key, "%s", msg)
		return def
	}
	return s
}

// Int reads a whole number within [min, max].
func (r *Reader) Int(key string, def, min, max int) int {
	return int(r.Int64(key, int64(def), int64(min), int64(max)))
}

// Int64 is Int for ranges beyond 32 bits (seeds), on every architecture.
func (r *Reader) Int64(key string, def, min, max int64) int64 {
	v, ok := r.Raw(key)
	if !ok {
		return def
	}
	n, isNum := toFloat(v)
	if !isNum || n != math.Trunc(n) {
		r.fail(key, "must be a whole number, not %v", v)
		return def
	}
	if n < float64(min) || n > float64(max) {
		r.fail(key, "%v is outside %d..%d", v, min, max)
		return def
	}
	return int64(n)
}

// Float reads a number within [min, max].
func (r *Reader) Float(key string, def, min, max float64) float64 {
	v, ok := r.Raw(key)
	if !ok {
		return def
	}
	n, isNum := toFloat(v)
	if !isNum {
		r.fail(key, "must be a number, not %v", v)
		return def
	}
	if n < min || n > max {
		r.fail(key, "%v is outside %g..%g", v, min, max)
		return def
	}
	return n
}

// Bool reads true or false.
func (r *Reader) Bool(key string, def bool) bool {
	v, ok := r.Raw(key)
	if !ok {
		return def
	}
	b, isBool := v.(bool)
	if !isBool {
		r.fail(key, "must be true or false, not %v", v)
		return def
	}
	return b
}

// Duration reads a Go duration ("500ms", "2m") or a number of seconds,
// within [min, max].
func (r *Reader) Duration(key string, def, min, max time.Duration) time.Duration {
	v, ok := r.Raw(key)
	if !ok {
		return def
	}
	var d time.Duration
	switch x := v.(type) {
	case string:
		var err error
		if d, err = time.ParseDuration(x); err != nil {
			r.fail(key, "%q is not a duration like 500ms or 2m", x)
			return def
		}
	default:
		n, isNum := toFloat(v)
		if !isNum {
			r.fail(key, "must be a duration like 500ms or 2m, not %v", v)
			return def
		}
		d = time.Duration(n * float64(time.Second))
	}
	if d < min || d > max {
		r.fail(key, "%s is outside %s..%s", d, min, max)
		return def
	}
	return d
}

// Map reads a mapping (nil when absent).
func (r *Reader) Map(key string) map[string]any {
	v, ok := r.Raw(key)
	if !ok {
		return nil
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		r.fail(key, "must be a mapping of names to values")
		return nil
	}
	return m
}

// Fail records a problem with key found by the caller.
func (r *Reader) Fail(key, format string, args ...any) { r.fail(key, format, args...) }

// Err reports every problem found, and every parameter no getter asked for,
// in one line.
func (r *Reader) Err() error {
	var unknown []string
	for k := range r.p {
		if !r.known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	known := make([]string, 0, len(r.known))
	for k := range r.known {
		known = append(known, k)
	}
	sort.Strings(known)
	errs := append([]string(nil), r.errs...)
	for _, k := range unknown {
		msg := fmt.Sprintf("%s: %s has no parameter %q", r.field(k), r.provider, k)
		if m := Suggest(k, known); m != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", m)
		} else if len(known) > 0 {
			msg += " (it knows " + strings.Join(known, ", ") + ")"
		}
		errs = append(errs, msg)
	}
	if len(errs) == 0 {
		return nil
	}
	return errors.New(strings.Join(errs, "; "))
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	return 0, false
}

// Suggest returns the candidate closest to s when it is close enough to be a
// likely typo, else "".
func Suggest(s string, candidates []string) string { return suggest.Closest(s, candidates) }
