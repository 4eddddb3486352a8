package postprocess

import (
	"errors"
	"slices"
	"strings"
)

// Sentinels callers branch on. Errors from Decode, Apply and Run wrap them.
var (
	// ErrTooLarge: an image (decoded, declared or produced by a step) is
	// over the pixel cap. Refused before any pixel memory is allocated.
	ErrTooLarge = errors.New("image too large")
	// ErrUnsupportedFormat: the bytes are not png, jpeg, gif or webp.
	ErrUnsupportedFormat = errors.New("unsupported image format")
	// ErrCorrupt: the bytes start like a supported format but are truncated
	// or damaged.
	ErrCorrupt = errors.New("corrupt image")
)

// ParamError is a problem with one post-process entry of the spec, found
// by Parse or ParseOutput. Param names the parameter at fault ("width",
// "anchor", …) so the spec package can point at its YAML line; it is empty
// when the whole entry is at fault: an unknown op, a wrong shape, a
// required parameter that is missing (the message names it), or a
// shorthand scalar such as `sharpen: -1`.
type ParamError struct {
	Op    string // the entry's op, e.g. "crop" ("" if the op itself is unknown)
	Param string // "" for the whole entry
	Msg   string // what is wrong, lower case
	Hint  string // what to do about it; may be empty
}

// Error formats the problem as one line: "<op>.<param>: msg: hint".
func (e *ParamError) Error() string {
	var b strings.Builder
	switch {
	case e.Op != "" && e.Param != "":
		b.WriteString(e.Op + "." + e.Param + ": ")
	case e.Op != "":
		b.WriteString(e.Op + ": ")
	case e.Param != "":
		b.WriteString(e.Param + ": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(": " + e.Hint)
	}
	return b.String()
}

// didYouMean returns a hint naming the closest of valid to got, or listing
// them all when none is close.
func didYouMean(got string, valid []string) string {
	if best := closest(got, valid); best != "" {
		return "did you mean " + best + "?"
	}
	return "use one of " + strings.Join(sorted(valid), ", ")
}

// closest returns the entry of valid nearest to got by edit distance, if it
// is near enough to be a plausible typo.
func closest(got string, valid []string) string {
	g := strings.ToLower(got)
	best, bestD := "", 1<<30
	for _, v := range valid {
		d := editDistance(g, strings.ToLower(v))
		if d < bestD {
			best, bestD = v, d
		}
	}
	limit := 2
	if len(g) <= 4 {
		limit = 1
	}
	if bestD <= limit && bestD < len(g) {
		return best
	}
	// A prefix ("sat" for "saturation", "bottom" for "bottom-right") is a
	// plausible abbreviation too, when it picks exactly one entry.
	if len(g) >= 3 {
		var hit string
		for _, v := range valid {
			if strings.HasPrefix(strings.ToLower(v), g) {
				if hit != "" {
					return ""
				}
				hit = v
			}
		}
		return hit
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, counting an
// adjacent transposition as one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
