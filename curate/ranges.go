package curate

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ErrBadIDs is wrapped by every ParseIDs error; callers treat it as a usage
// error (exit 2).
var ErrBadIDs = errors.New("bad item ids")

// MaxIDs bounds how many ids one list may name, so a typo like 1-1000000000
// fails with a message instead of eating memory.
const MaxIDs = 1_000_000

// ParseIDs parses an item-id list such as "1-20,25": comma-separated ids and
// inclusive ranges, ids starting at 1. Spaces around items are allowed. The
// result is sorted and free of duplicates. An empty list is an error.
func ParseIDs(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("%w: empty list: give ids like 1-20,25", ErrBadIDs)
	}
	seen := map[int]bool{}
	var out []int
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("%w in %q: item %d of the list is empty: remove the extra comma", ErrBadIDs, s, i+1)
		}
		lo, hi, err := parseRange(part)
		if err != nil {
			return nil, fmt.Errorf("%w in %q: %v", ErrBadIDs, s, err)
		}
		if hi-lo+1 > MaxIDs-len(out) {
			return nil, fmt.Errorf("%w in %q: more than %d ids", ErrBadIDs, s, MaxIDs)
		}
		for id := lo; id <= hi; id++ {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	sort.Ints(out)
	return out, nil
}

func parseRange(part string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(part, "-")
	if !isRange {
		lo, err = parseID(part)
		return lo, lo, err
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" || b == "" {
		return 0, 0, fmt.Errorf("%q is not a range: write both ends, like 3-7", part)
	}
	if lo, err = parseID(a); err != nil {
		return 0, 0, err
	}
	if hi, err = parseID(b); err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("range %s runs backwards: write %d-%d", part, hi, lo)
	}
	return lo, hi, nil
}

func parseID(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s is too large for an item id", s)
		}
		return 0, fmt.Errorf("%q is not an item id (ids are whole numbers from 1)", s)
	}
	if n < 1 {
		return 0, fmt.Errorf("%d is not an item id: ids start at 1", n)
	}
	return n, nil
}

// FormatIDs writes ids compactly for people, the way ParseIDs reads them:
// "1-3, 7, 9-12". Long lists are cut after 12 runs with a count of the rest.
// Use ArgIDs for a list meant to be pasted into a flag.
func FormatIDs(ids []int) string {
	if len(ids) == 0 {
		return "none"
	}
	s := append([]int(nil), ids...)
	sort.Ints(s)
	var parts []string
	shown := 0
	for lo, hi := range runs(s) {
		if len(parts) == 12 {
			return strings.Join(parts, ", ") + fmt.Sprintf(" and %d more", len(dedupe(s))-shown)
		}
		parts = append(parts, run(lo, hi))
		shown += hi - lo + 1
	}
	return strings.Join(parts, ", ")
}

// ArgIDs writes ids as one flag value ParseIDs reads back exactly, never
// cut: "1-3,7,9-12" (for messages like "genmint generate --only 1-3,7").
func ArgIDs(ids []int) string {
	s := append([]int(nil), ids...)
	sort.Ints(s)
	var parts []string
	for lo, hi := range runs(s) {
		parts = append(parts, run(lo, hi))
	}
	return strings.Join(parts, ",")
}

// runs yields the runs of consecutive ids in sorted s (duplicates join
// their run).
func runs(s []int) func(yield func(lo, hi int) bool) {
	return func(yield func(lo, hi int) bool) {
		for i := 0; i < len(s); {
			j := i
			for j+1 < len(s) && s[j+1] <= s[j]+1 {
				j++
			}
			if !yield(s[i], s[j]) {
				return
			}
			i = j + 1
		}
	}
}

func run(lo, hi int) string {
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}
