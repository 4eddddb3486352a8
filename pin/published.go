package pin

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrNotPublished matches a pin run whose roots no destination confirmed:
// minting its baseURI would point tokens at nothing.
var ErrNotPublished = errors.New("not published")

// Publication says where a run's roots are confirmed: the destinations that
// reported every root CID equal to genmint's, and whether those are only
// CAR files (the user's own responsibility to publish). A root that no
// destination confirmed is an ErrNotPublished error naming it.
func (r *Record) Publication() (destinations []string, carOnly bool, err error) {
	want := map[string]string{RootImages: r.Roots.Images, RootOriginals: r.Roots.Originals, RootProvenance: r.Roots.Provenance,
		RootMetadata: r.Roots.Metadata, RootContract: r.Roots.Contract}
	names := []string{RootImages, RootOriginals, RootProvenance, RootMetadata, RootContract}
	for name, c := range map[string]string{RootPlaceholderImage: r.Roots.PlaceholderImage, RootPlaceholder: r.Roots.Placeholder} {
		if c != "" {
			want[name] = c
			names = append(names, name)
		}
	}
	slices.Sort(names[5:])
	held := map[string]int{}
	for _, p := range r.Pinned {
		if c, ok := want[p.Root]; ok && c == p.CID {
			held[p.Destination]++
		}
	}
	for _, name := range names {
		found := false
		for _, p := range r.Pinned {
			if p.Root == name && p.CID == want[name] {
				found = true
				break
			}
		}
		if !found {
			return nil, false, fmt.Errorf("%w: no destination confirmed the %s root %s of baseURI %s: run 'genmint pin' to a node or a service (or --car FILE) first",
				ErrNotPublished, name, want[name], r.BaseURI)
		}
	}
	// Prefer the destinations holding every root; roots spread over
	// several destinations still count, each where it is.
	for d, n := range held {
		if n == len(want) {
			destinations = append(destinations, d)
		}
	}
	if len(destinations) == 0 {
		for d := range held {
			destinations = append(destinations, d)
		}
	}
	slices.Sort(destinations)
	carOnly = !slices.ContainsFunc(destinations, func(d string) bool { return !strings.HasPrefix(d, "car ") })
	return destinations, carOnly, nil
}
