package mint

import (
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/params"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		wei  *big.Int
		eth  string
		gwei string
	}{
		{big.NewInt(0), "0", "0"},
		{big.NewInt(1), "0.000001", "0"},
		{big.NewInt(params.Ether), "1", "1000000000"},
		{new(big.Int).Mul(big.NewInt(52341), big.NewInt(1e12)), "0.052341", "52341000"},
		{big.NewInt(21_500_000_000), "0.000001", "21.5"},
	} {
		if got := FormatETH(tc.wei); got != tc.eth {
			t.Errorf("FormatETH(%s) = %s, want %s", tc.wei, got, tc.eth)
		}
		if got := FormatGwei(tc.wei); got != tc.gwei {
			t.Errorf("FormatGwei(%s) = %s, want %s", tc.wei, got, tc.gwei)
		}
	}
	// Gas in messages is grouped in thousands (go-humanize).
	for gas, want := range map[uint64]string{2615000: "(2,615,000 gas at", 999: "(999 gas at"} {
		e := &InsufficientFundsError{Have: big.NewInt(1), Need: big.NewInt(2), Gas: gas, MaxFee: big.NewInt(params.GWei)}
		if !strings.Contains(e.Error(), want) {
			t.Errorf("group: %q does not contain %q", e.Error(), want)
		}
	}
}
