// Package suggest finds the likely intended word behind a typo, for
// "did you mean …?" hints in errors about names (spec keys, traits,
// parameters, anchors, providers).
package suggest

import "strings"

// Closest returns the entry of valid that got most likely misspells, or ""
// when none is close enough to be a plausible typo. Case is ignored. An
// entry is close when its edit distance (a swap of two neighbours counts as
// one edit) is at most 1 for words up to 4 letters, 2 up to 8, and 3 beyond;
// failing that, got may be an unambiguous prefix of at least 3 letters
// ("sat" for "saturation").
func Closest(got string, valid []string) string {
	g := strings.ToLower(got)
	best, bestD := "", -1
	for _, v := range valid {
		if d := Distance(g, strings.ToLower(v)); bestD < 0 || d < bestD {
			best, bestD = v, d
		}
	}
	n := len([]rune(g))
	limit := 3
	switch {
	case n <= 4:
		limit = 1
	case n <= 8:
		limit = 2
	}
	if bestD >= 0 && bestD <= limit && bestD < n {
		return best
	}
	if n >= 3 {
		hit := ""
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

// Distance is the edit distance between a and b: insertions, deletions,
// substitutions, and swaps of two neighbouring letters each count one.
func Distance(a, b string) int {
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
