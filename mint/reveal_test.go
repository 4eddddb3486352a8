package mint

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/genmint/genmint/mint/bindings"
	"github.com/genmint/genmint/mint/chain"
)

const placeholderURI = "ipfs://bafybeiplaceholder/"

// placeholderCollection is a collection pinned with a placeholder, deployed
// on ch: every token shows the placeholder.
func placeholderCollection(t *testing.T, n int, ch *testChain) (*collection, *Result) {
	t.Helper()
	c := newCollection(t, n)
	c.pin.PlaceholderURI = placeholderURI
	res, err := Run(context.Background(), options(c, ch))
	if err != nil {
		t.Fatal(err)
	}
	return c, res
}

func revealOptions(c *collection, ch *testChain) Options {
	o := options(c, ch)
	o.Action = &Action{Kind: KindReveal}
	o.folderless = true
	return o
}

// setBaseURIs lists the URIs every setBaseURI sent to addr set, in order.
func setBaseURIs(t *testing.T, ch *testChain, c *collection) []string {
	t.Helper()
	st, err := ReadStatus(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	var uris []string
	for _, tx := range ch.sends() {
		if tx.To() == nil || *tx.To() != st.Deployment.Contract || len(tx.Data()) < 4 || string(tx.Data()[:4]) != string(abiGC.PackSetBaseURI("")[:4]) {
			continue
		}
		parsed, err := bindings.GenmintCollectionMetaData.ParseABI()
		if err != nil {
			t.Fatal(err)
		}
		args, err := parsed.Methods["setBaseURI"].Inputs.Unpack(tx.Data()[4:])
		if err != nil {
			t.Fatal(err)
		}
		uris = append(uris, args[0].(string))
	}
	return uris
}

// TestRevealCrashAtEveryPoint deploys a collection with a placeholder, then
// reveals it with a crash at every crash point of the reveal transaction:
// the re-run finishes it, exactly one reveal is mined, the chain, the
// journal and deployments/ say revealed, and a third run sends nothing.
func TestRevealCrashAtEveryPoint(t *testing.T) {
	ctx := context.Background()
	for _, point := range Points {
		t.Run(string(point), func(t *testing.T) {
			ch := newTestChain(t, nil)
			c, res := placeholderCollection(t, 6, ch)
			col := chain.Open(ch, res.Contract)
			info, _ := col.Info(ctx)
			st, _ := ReadStatus(ctx, c.db)
			if info.BaseURI != placeholderURI || st.Record.PlaceholderURI != placeholderURI || st.Record.IsRevealed(info.BaseURI) {
				t.Fatalf("deployed with baseURI %s, record %+v", info.BaseURI, st.Record)
			}
			if uri, _ := col.TokenURI(ctx, 6); uri != placeholderURI+"6" {
				t.Fatalf("tokenURI(6) = %s", uri)
			}
			// Minting again does not reveal.
			before := len(ch.sends())
			if _, err := Run(ctx, options(c, ch)); err != nil || len(ch.sends()) != before {
				t.Fatalf("mint before the reveal: %v, %d sends", err, len(ch.sends())-before)
			}

			o := revealOptions(c, ch)
			crashed, err := runUntilCrash(t, o, point, 1)
			if err != nil || !crashed {
				t.Fatalf("first run: crashed %v, %v", crashed, err)
			}
			if _, err := Run(ctx, o); err != nil {
				t.Fatalf("re-run: %v", err)
			}
			info, _ = col.Info(ctx)
			if info.BaseURI != c.pin.BaseURI {
				t.Fatalf("baseURI after the reveal %s, want %s", info.BaseURI, c.pin.BaseURI)
			}
			// One signed reveal; a crash after the broadcast may send its
			// same bytes again, never another transaction.
			st, _ = ReadStatus(ctx, c.db)
			reveals := 0
			for _, tx := range st.Txs {
				if tx.Kind == KindReveal {
					reveals++
					if tx.Status != TxMined {
						t.Fatalf("reveal %+v", tx)
					}
				}
			}
			uris := setBaseURIs(t, ch, c)
			for _, u := range uris {
				if u != c.pin.BaseURI {
					t.Fatalf("setBaseURI(%s) sent", u)
				}
			}
			if reveals != 1 || len(uris) == 0 || st.Open != 0 || !st.Record.Revealed || st.Record.BaseURI != c.pin.BaseURI {
				t.Fatalf("%d reveals, setBaseURI %v, open %d, record %+v", reveals, uris, st.Open, st.Record)
			}
			file, err := ReadDeploymentFile(c.dir, SimulatedNetwork.Name)
			if err != nil || !file.Revealed || file.PlaceholderURI != placeholderURI {
				t.Fatalf("deployments file %+v, %v", file, err)
			}
			before = len(ch.sends())
			if _, err := Run(ctx, o); err != nil || len(ch.sends()) != before {
				t.Fatalf("third run: %v, %d sends", err, len(ch.sends())-before)
			}
			// Minting after the reveal keeps the real metadata.
			if _, err := Run(ctx, options(c, ch)); err != nil || len(ch.sends()) != before {
				t.Fatalf("mint after the reveal: %v, %d sends", err, len(ch.sends())-before)
			}
		})
	}
}

// TestItemsAddedBeforeReveal: items pinned after a placeholder deployment
// move the contract to the new placeholder folder, not to the real
// metadata; the reveal then goes to the latest real baseURI.
func TestItemsAddedBeforeReveal(t *testing.T) {
	ctx := context.Background()
	ch := newTestChain(t, nil)
	c, res := placeholderCollection(t, 4, ch)
	c.add(3, "ipfs://bafybeisecondrun/")
	c.pin.PlaceholderURI = "ipfs://bafybeiplaceholder2/"
	if _, err := Run(ctx, options(c, ch)); err != nil {
		t.Fatal(err)
	}
	info, _ := chain.Open(ch, res.Contract).Info(ctx)
	st, _ := ReadStatus(ctx, c.db)
	if info.BaseURI != "ipfs://bafybeiplaceholder2/" || info.TotalSupply != 7 || st.Record.PlaceholderURI != info.BaseURI || st.Record.IsRevealed(info.BaseURI) {
		t.Fatalf("after adding items: baseURI %s, supply %d, record %+v", info.BaseURI, info.TotalSupply, st.Record)
	}
	if _, err := Run(ctx, revealOptions(c, ch)); err != nil {
		t.Fatal(err)
	}
	if info, _ = chain.Open(ch, res.Contract).Info(ctx); info.BaseURI != "ipfs://bafybeisecondrun/" {
		t.Fatalf("revealed at %s", info.BaseURI)
	}
	if got := setBaseURIs(t, ch, c); fmt.Sprint(got) != "[ipfs://bafybeiplaceholder2/ ipfs://bafybeisecondrun/]" {
		t.Fatalf("setBaseURI calls %v", got)
	}
}

// TestRevealRefusesContentOffCommitment: a pin record whose CIDs are not
// what the contract committed to is never revealed; nothing is sent.
func TestRevealRefusesContentOffCommitment(t *testing.T) {
	ch := newTestChain(t, nil)
	c, _ := placeholderCollection(t, 5, ch)
	c.pin.Items[0].ImageCID = "bafkreiswapped"
	before := len(ch.sends())
	_, err := Run(context.Background(), revealOptions(c, ch))
	if !errors.Is(err, ErrCommitment) || len(ch.sends()) != before {
		t.Fatalf("got %v, %d sends", err, len(ch.sends())-before)
	}
}

// TestIsRevealedFromTheChain: a record that lost the reveal (a state
// database rebuilt from an old deployments/ file) learns it from the
// chain's baseURI.
func TestIsRevealedFromTheChain(t *testing.T) {
	rec := &DeploymentRecord{PlaceholderURI: placeholderURI}
	for _, tc := range []struct {
		chain string
		want  bool
	}{{"", false}, {placeholderURI, false}, {"ipfs://bafybeireal/", true}} {
		if got := rec.IsRevealed(tc.chain); got != tc.want {
			t.Errorf("IsRevealed(%q) = %v", tc.chain, got)
		}
	}
	if !(&DeploymentRecord{}).IsRevealed("") || !(&DeploymentRecord{PlaceholderURI: placeholderURI, Revealed: true}).IsRevealed(placeholderURI) {
		t.Error("a collection without a placeholder, or recorded revealed, is revealed")
	}
}

// TestFreezeRefusedBeforeReveal: freezing a collection that shows its
// placeholder is refused and sends nothing; after the reveal it freezes.
func TestFreezeRefusedBeforeReveal(t *testing.T) {
	ctx := context.Background()
	ch := newTestChain(t, nil)
	c, res := placeholderCollection(t, 3, ch)
	o := options(c, ch)
	o.Action = &Action{Kind: KindFreeze}
	before := len(ch.sends())
	if _, err := Run(ctx, o); !errors.Is(err, ErrNotRevealed) || len(ch.sends()) != before {
		t.Fatalf("freeze before the reveal: %v, %d sends", err, len(ch.sends())-before)
	}
	if _, err := Run(ctx, revealOptions(c, ch)); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	if info, _ := chain.Open(ch, res.Contract).Info(ctx); !info.Frozen || info.BaseURI != c.pin.BaseURI {
		t.Fatalf("after reveal and freeze: %+v", info)
	}
}
