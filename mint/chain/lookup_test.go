package chain

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// TestOwnershipAcrossBatchBoundaries mints later batches whose sizes are chosen
// to hit every path of the contract's owner lookup (several batches starting
// in one 96-id page, batches spanning pages and 6,144-id regions, batches
// starting exactly on page and region boundaries), after initial supplies that
// put the first later id at different offsets. It checks ownerOf for every id
// near a boundary plus a random sample against a model, balances, and that
// transfers of tokens found through each path work.
func TestOwnershipAcrossBatchBoundaries(t *testing.T) {
	mixed := []uint64{1, 1, 94, 1, 96, 97, 95, 191, 1, 6144, 1, 6143, 2, 13_000, 5, 96 * 64 * 2, 3, 1, 1, 100, 100, 100, 7}
	scenarios := []struct {
		initial uint64
		sizes   []uint64
	}{
		{0, mixed}, {1, mixed}, {95, mixed}, {5000, mixed}, {6143, mixed}, {6144, mixed},
		// A batch carries into region 1, region 1 gets a start, minting ends
		// exactly on region 1's last id, and the next batch opens region 2:
		// retiring region 1's flags must keep its carry (ids 6144..6200).
		{0, []uint64{6000, 200, 6087, 1, 100}},
		// The same with several starts in the page that straddles the boundary.
		{6100, []uint64{50, 3, 3, 6125, 2, 1}},
	}
	for _, sc := range scenarios {
		initial, sizes := sc.initial, sc.sizes
		t.Run(fmt.Sprintf("initial=%d/batches=%d", initial, len(sizes)), func(t *testing.T) {
			e := newEnvOn(t, true) // batches of 12,288 and 13,000 need more than 2^24 gas
			holders := []account{e.alice, e.bob, e.carol, e.dave, e.owner}
			cfg := e.baseConfig()
			cfg.InitialSupply, cfg.MaxSupply, cfg.InitialHolder = initial, 100_000, e.owner.addr
			c, _ := e.deploy(cfg)

			model := []common.Address{{}} // model[id] = owner; id 0 never exists
			for range initial {
				model = append(model, e.owner.addr)
			}
			check := map[uint64]bool{}
			mark := func(id uint64) {
				for d := uint64(0); d <= 4; d++ {
					check[id+d] = true
					if id >= d {
						check[id-d] = true
					}
				}
			}
			mark(initial)
			for i, n := range sizes {
				to := holders[i%len(holders)]
				first := uint64(len(model))
				e.mine(c.MintBatch(e.ctx, e.owner.opts, to.addr, n))
				for range n {
					model = append(model, to.addr)
				}
				mark(first)
				mark(first + n - 1)
			}
			total := uint64(len(model) - 1)
			for id := uint64(0); id <= total+2; id += 96 {
				mark(id)
			}
			for id := uint64(0); id <= total+2; id += 6144 {
				mark(id)
			}
			rng := rand.New(rand.NewPCG(7, initial))
			for range 600 {
				check[1+rng.Uint64N(total)] = true
			}

			verify := func() {
				t.Helper()
				ids := make([]uint64, 0, len(check))
				for id := range check {
					ids = append(ids, id)
				}
				slices.Sort(ids)
				for _, id := range ids {
					got, err := c.OwnerOf(e.ctx, id)
					if id == 0 || id > total {
						if !errors.Is(err, ErrNonexistentToken) {
							t.Fatalf("ownerOf(%d) beyond supply %d: %s, %v", id, total, got, err)
						}
						continue
					}
					if err != nil || got != model[id] {
						t.Fatalf("ownerOf(%d) = %s, %v; want %s", id, got, err, model[id])
					}
				}
				counts := map[common.Address]uint64{}
				for _, o := range model[1:] {
					counts[o]++
				}
				for _, h := range holders {
					if b, err := c.BalanceOf(e.ctx, h.addr); err != nil || b != counts[h.addr] {
						t.Fatalf("balanceOf(%s) = %d, %v; want %d", h.name, b, err, counts[h.addr])
					}
				}
			}
			verify()

			// Move some tokens found through each lookup path, then check again:
			// a transfer must not disturb the implied owners around it.
			byAddr := map[common.Address]account{}
			for _, h := range holders {
				byAddr[h.addr] = h
			}
			moved := 0
			for _, id := range []uint64{initial + 1, initial + 2, initial + 3, initial + 97, initial + 193, 6144, 6145, 12_288, total - 1, total} {
				if id == 0 || id > total {
					continue
				}
				from := byAddr[model[id]]
				to := holders[(moved+1)%len(holders)]
				if to.addr == from.addr {
					to = holders[(moved+2)%len(holders)]
				}
				e.ok(from, c, gc.PackTransferFrom(from.addr, to.addr, big64(id)))
				model[id] = to.addr
				mark(id)
				moved++
			}
			verify()

			// Nothing past the last id exists until it is minted.
			if _, err := c.OwnerOf(e.ctx, total+1); !errors.Is(err, ErrNonexistentToken) {
				t.Fatal(err)
			}
			e.mine(c.MintBatch(e.ctx, e.owner.opts, e.carol.addr, 1))
			if o, err := c.OwnerOf(e.ctx, total+1); err != nil || o != e.carol.addr {
				t.Fatal(o, err)
			}
		})
	}
}
