package mint

import (
	"errors"
	"testing"

	"github.com/genmint/genmint/spec"
)

// The three wordings are what `genmint mint` prints (the dry run's table,
// progress lines) and what mint's errors say; scripts and users read them.
func TestDescribeTx(t *testing.T) {
	for _, tc := range []struct {
		kind                 Kind
		first, last          uint64
		call, step, sentence string
	}{
		{KindDeploy, 0, 0, "deploy", "deploy", "deploying the collection"},
		{KindDeploy, 1, 4, "deploy with tokens 1–4", "deploy+mint 1–4", "deploying the collection with tokens 1–4"},
		{KindMint, 5, 9, "mintBatch tokens 5–9", "mint 5–9", "minting tokens 5–9"},
		{KindSetBaseURI, 0, 0, "setBaseURI", "setBaseURI", "setting the baseURI to ipfs://x/"},
		{KindSetContractURI, 0, 0, "setContractURI", "setContractURI", "setting the contractURI to ipfs://x/"},
	} {
		for w, want := range []string{tc.call, tc.step, tc.sentence} {
			if got := DescribeTx(tc.kind, tc.first, tc.last, "ipfs://x/", TxWording(w)); got != want {
				t.Errorf("%s %d–%d wording %d: %q, want %q", tc.kind, tc.first, tc.last, w, got, want)
			}
		}
	}
	if got := describe(txRow{Kind: KindMint, First: 2, Last: 3}); got != "minting tokens 2–3" {
		t.Errorf("describe: %q", got)
	}
}

// One check, one message, for every caller: the command names the node.
func TestCheckChain(t *testing.T) {
	sepolia := spec.Network{Name: "sepolia", ChainID: 11155111, Test: true}
	if err := CheckChain(11155111, sepolia, ""); err != nil {
		t.Fatal(err)
	}
	err := CheckChain(1, sepolia, " at http://127.0.0.1:8545")
	want := "wrong chain: the node at http://127.0.0.1:8545 is chain 1 (mainnet), but genmint.yaml's network is sepolia (chain 11155111): point --rpc at a sepolia node, or change network: in genmint.yaml"
	if !errors.Is(err, ErrWrongChain) || err.Error() != want {
		t.Errorf("err = %v", err)
	}
}
