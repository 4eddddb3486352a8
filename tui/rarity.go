package tui

import (
	"sort"

	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/rarity"
)

// sortByRarity orders view (indices into entries) rarest first: by the
// OpenRarity information-content rank among all the entries (see package
// rarity), ties in their current order.
func sortByRarity(view []int, entries []curate.Entry) {
	items := make([]rarity.Item, len(entries))
	for i := range entries {
		items[i] = rarity.Item{ID: entries[i].ID, Traits: entries[i].Traits}
	}
	rank := rarity.Rank(items)
	sort.SliceStable(view, func(a, b int) bool {
		return rank[entries[view[a]].ID] < rank[entries[view[b]].ID]
	})
}
