package mint

import (
	"errors"
	"strings"
	"testing"

	"github.com/genmint/genmint/pin"
)

func TestComparePin(t *testing.T) {
	base := func() (*pin.Record, *pin.Result) {
		items := []pin.ItemCIDs{
			{ID: 1, ImageCID: "img1", OriginalCID: "o1", ProvenanceCID: "p1", MetadataCID: "m1", TokenURI: "ipfs://meta/1"},
			{ID: 2, ImageCID: "img2", OriginalCID: "o2", ProvenanceCID: "p2", MetadataCID: "m2", TokenURI: "ipfs://meta/2"},
		}
		roots := pin.Roots{Images: "ri", Originals: "ro", Provenance: "rp", Metadata: "meta", Contract: "rc"}
		rec := &pin.Record{Items: items, Roots: roots, BaseURI: "ipfs://meta/", ContractURI: "ipfs://rc"}
		res := &pin.Result{Items: append([]pin.ItemCIDs(nil), items...), Roots: roots, BaseURI: "ipfs://meta/", ContractURI: "ipfs://rc"}
		return rec, res
	}
	rec, res := base()
	if err := comparePin(rec, res); err != nil {
		t.Fatalf("equal: %v", err)
	}
	for _, c := range []struct {
		name string
		edit func(*pin.Record, *pin.Result)
		want string
	}{
		{"image", func(_ *pin.Record, r *pin.Result) { r.Items[1].ImageCID = "other" }, "item 2's final image recomputes from the folder to other, but the pin record says img2"},
		{"metadata", func(p *pin.Record, _ *pin.Result) { p.Items[0].MetadataCID = "forged" }, "item 1's metadata recomputes from the folder to m1, but the pin record says forged"},
		{"baseURI", func(p *pin.Record, _ *pin.Result) { p.BaseURI = "ipfs://foreign/" }, "the baseURI recomputes from the folder to ipfs://meta/, but the pin record says ipfs://foreign/"},
		{"facts", func(_ *pin.Record, r *pin.Result) { r.Roots.Contract = "rc2" }, "the contract metadata (genmint.yaml's collection facts) recomputes"},
		{"dropped", func(_ *pin.Record, r *pin.Result) { r.Items = r.Items[:1] }, "item 2 is in the pin record but no longer kept"},
		{"extra", func(_ *pin.Record, r *pin.Result) { r.Items = append(r.Items, pin.ItemCIDs{ID: 3}) }, "item 3 is kept but not in the latest pin run"},
	} {
		rec, res := base()
		c.edit(rec, res)
		err := comparePin(rec, res)
		if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), c.want) || !strings.HasSuffix(err.Error(), "nothing was sent") {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
