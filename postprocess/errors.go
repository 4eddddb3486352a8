package postprocess

import (
	"errors"
	"slices"
	"strings"

	"github.com/genmint/genmint/internal/suggest"
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
	if best := suggest.Closest(got, valid); best != "" {
		return "did you mean " + best + "?"
	}
	return "use one of " + strings.Join(sorted(valid), ", ")
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
