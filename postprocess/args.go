package postprocess

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/genmint/genmint/internal/suggest"
)

// args reads one spec entry's value, as yaml.v3 decodes it into an any:
// map[string]any (or map[any]any), int, int64, uint64, float64, string,
// bool or nil. Every problem becomes a *ParamError naming the parameter.
type args struct {
	op string
	m  map[string]any
	// short is the parameter a scalar shorthand stood for (`sharpen: 0.8`
	// is {sigma: 0.8}); problems with it belong to the whole entry, since
	// the YAML has no line of its own for the parameter.
	short string
	// fromScalar is set when the whole mapping came from one scalar (the
	// "768x512" size shorthand): every problem belongs to the entry.
	fromScalar bool
	// example is a well-formed entry of the op, for hints.
	example string
}

// newArgs checks the entry's shape and its parameter names against
// allowed. shortKey is the parameter a scalar value stands for ("" when the
// op has no scalar shorthand); example is a well-formed entry for hints.
func newArgs(op string, value any, allowed []string, shortKey, example string) (*args, error) {
	a := &args{op: op, example: example}
	switch v := value.(type) {
	case nil:
		return nil, a.fail("", "needs a value", "write e.g. "+example)
	case map[string]any:
		a.m = v
	case map[any]any:
		a.m = make(map[string]any, len(v))
		for k, x := range v {
			ks, ok := k.(string)
			if !ok {
				return nil, a.fail("", fmt.Sprintf("parameter name %v is not text", k), "write e.g. "+example)
			}
			a.m[ks] = x
		}
	case []any:
		return nil, a.fail("", "takes a mapping, not a list", "write e.g. "+example)
	default:
		if shortKey == "" {
			return nil, a.fail("", "takes a mapping of parameters, not "+describe(value), "write e.g. "+example)
		}
		a.m = map[string]any{shortKey: value}
		a.short = shortKey
	}
	// Report unknown names in a stable order.
	keys := make([]string, 0, len(a.m))
	for k := range a.m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return nil, &ParamError{Op: op, Param: k, Msg: "unknown parameter " + strconv.Quote(k),
				Hint: didYouMeanParam(k, allowed)}
		}
	}
	return a, nil
}

func didYouMeanParam(got string, allowed []string) string {
	if best := suggest.Closest(got, allowed); best != "" {
		return "did you mean " + best + "?"
	}
	if len(allowed) == 1 {
		return "the only parameter is " + allowed[0]
	}
	return "parameters are " + strings.Join(allowed, ", ")
}

// fail builds the error for a parameter. Problems with a shorthand scalar
// name the parameter in the message and point at the whole entry.
func (a *args) fail(param, msg, hint string) *ParamError {
	if param != "" && (param == a.short || a.fromScalar) {
		return &ParamError{Op: a.op, Msg: param + " " + msg, Hint: hint}
	}
	return &ParamError{Op: a.op, Param: param, Msg: msg, Hint: hint}
}

// missing reports an absent required parameter. It belongs to the whole
// entry: the YAML has no line for a parameter that is not there.
func (a *args) missing(param, hint string) *ParamError {
	return &ParamError{Op: a.op, Msg: param + " is missing", Hint: hint}
}

func (a *args) has(key string) bool {
	_, ok := a.m[key]
	return ok
}

// int reads a whole number; ok is false when the parameter is absent.
func (a *args) int(key string) (n int, ok bool, err error) {
	v, ok := a.m[key]
	if !ok {
		return 0, false, nil
	}
	switch x := v.(type) {
	case int:
		return x, true, nil
	case int64:
		if x > math.MaxInt32 || x < math.MinInt32 {
			return 0, true, a.fail(key, fmt.Sprintf("%d is out of range", x), "")
		}
		return int(x), true, nil
	case uint64:
		return 0, true, a.fail(key, fmt.Sprintf("%d is out of range", x), "")
	case float64:
		if x == math.Trunc(x) && math.Abs(x) <= math.MaxInt32 {
			return int(x), true, nil
		}
		return 0, true, a.fail(key, "must be a whole number, not "+describe(v), "")
	}
	return 0, true, a.fail(key, "must be a whole number, not "+describe(v), "")
}

// num reads a number; ok is false when the parameter is absent.
func (a *args) num(key string) (f float64, ok bool, err error) {
	v, ok := a.m[key]
	if !ok {
		return 0, false, nil
	}
	switch x := v.(type) {
	case int:
		return float64(x), true, nil
	case int64:
		return float64(x), true, nil
	case uint64:
		return float64(x), true, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, true, a.fail(key, "must be a finite number", "")
		}
		return x, true, nil
	}
	return 0, true, a.fail(key, "must be a number, not "+describe(v), "")
}

// str reads text; ok is false when the parameter is absent. A missing
// value (`color:` or `color: #fff`, where YAML reads # as a comment) gets a
// hint about quoting.
func (a *args) str(key string) (s string, ok bool, err error) {
	v, ok := a.m[key]
	if !ok {
		return "", false, nil
	}
	switch x := v.(type) {
	case string:
		return x, true, nil
	case nil:
		return "", true, a.fail(key, "has no value", `give one; quote values starting with # (color: "#111111"), YAML reads a bare # as a comment`)
	}
	switch v.(type) {
	case int, int64, uint64, float64, bool:
		name := key
		if key == a.short {
			name = a.op
		}
		return "", true, a.fail(key, "must be text, not "+describe(v), fmt.Sprintf("quote it: %s: \"%s\"", name, describe(v)))
	}
	return "", true, a.fail(key, "must be text, not "+describe(v), "")
}

// describe names a YAML value for error messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return "text " + strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case int, int64, uint64:
		return fmt.Sprint(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case map[string]any, map[any]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// fmtNum formats a float for messages: 0.5, 10, 1e-06.
func fmtNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
