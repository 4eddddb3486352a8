package mint

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/genmint/genmint/mint/chain"
)

// sentCalls counts what each transaction sent to the collection calls.
func sentCalls(t *testing.T, ch *testChain, addr common.Address) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, tx := range ch.sends() {
		if tx.To() == nil || *tx.To() != addr || len(tx.Data()) < 4 {
			continue
		}
		switch sel := string(tx.Data()[:4]); sel {
		case string(abiGC.PackFreezeMetadata()[:4]):
			n["freezeMetadata"]++
		case string(abiGC.PackEmitPermanentURIs(common.Big1, common.Big1)[:4]):
			n["emitPermanentURIs"]++
		default:
			n[fmt.Sprintf("%x", sel)]++
		}
	}
	return n
}

// TestActionFreeze freezes a deployed collection through the journal, with
// a crash at every point of every transaction (the freeze and two
// PermanentURI ranges): re-running finishes the work and exactly one
// freezeMetadata and one emitPermanentURIs per range were broadcast.
func TestActionFreeze(t *testing.T) {
	ctx := context.Background()
	for _, point := range Points {
		for k := 1; k <= 3; k++ {
			t.Run(fmt.Sprintf("%s#%d", point, k), func(t *testing.T) {
				c := newCollection(t, PermanentURIChunk+5)
				ch := newTestChain(t, nil)
				res, err := Run(ctx, options(c, ch))
				if err != nil {
					t.Fatal(err)
				}
				o := options(c, ch)
				o.Action = &Action{Kind: KindFreeze}
				crashed, err := runUntilCrash(t, o, point, k)
				if err != nil || !crashed {
					t.Fatalf("first run: crashed %v, %v", crashed, err)
				}
				if _, err := Run(ctx, o); err != nil {
					t.Fatalf("re-run: %v", err)
				}
				info, _ := chain.Open(ch, res.Contract).Info(ctx)
				if !info.Frozen {
					t.Fatal("not frozen")
				}
				calls := sentCalls(t, ch, res.Contract)
				// A crash after the broadcast may rebroadcast the same signed bytes;
				// what matters is one signed transaction per step.
				st, _ := ReadStatus(ctx, c.db)
				mined := map[Kind]int{}
				for _, tx := range st.Txs {
					if tx.Status == TxMined {
						mined[tx.Kind]++
					}
				}
				if mined[KindFreeze] != 1 || mined[KindPermanentURIs] != 2 || calls["freezeMetadata"] == 0 || st.Open != 0 {
					t.Fatalf("mined %v, calls %v, open %d", mined, calls, st.Open)
				}
				// Nothing more to do.
				before := len(ch.sends())
				if _, err := Run(ctx, o); err != nil || len(ch.sends()) != before {
					t.Fatalf("third run: %v, %d sends", err, len(ch.sends())-before)
				}
			})
		}
	}
}

func TestActionRoyaltyAndErrors(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, 3)
	ch := newTestChain(t, nil)
	o := options(c, ch)
	o.Action = &Action{Kind: KindSetRoyalty, Royalty: chain.Royalty{Receiver: common.HexToAddress("0x1234"), Bps: 800}}
	if _, err := Run(ctx, o); !errors.Is(err, ErrNotDeployed) {
		t.Fatalf("before deploy: %v", err)
	}
	res, err := Run(ctx, options(c, ch))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	col := chain.Open(ch, res.Contract)
	if info, _ := col.Info(ctx); info.Royalty != o.Action.Royalty {
		t.Fatalf("royalty %+v", info.Royalty)
	}
	before := len(ch.sends())
	if _, err := Run(ctx, o); err != nil || len(ch.sends()) != before {
		t.Fatalf("same royalty again: %v, %d sends", err, len(ch.sends())-before)
	}
	// Above the cap fixed at deployment (10%): refused before anything is signed.
	o.Action.Royalty.Bps = 1001
	if _, err := Run(ctx, o); !errors.Is(err, chain.ErrRoyaltyAboveCap) || len(ch.sends()) != before {
		t.Fatalf("above cap: %v", err)
	}
	// Removing it.
	o.Action.Royalty = chain.Royalty{}
	if _, err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	if info, _ := col.Info(ctx); info.Royalty != (chain.Royalty{}) {
		t.Fatalf("royalty %+v", info.Royalty)
	}
}
