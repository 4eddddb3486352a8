package mint

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/params"
)

// FormatETH writes wei as ETH with up to 6 decimals (rounded up, so a
// "needs" figure is never understated), e.g. "0.052341".
func FormatETH(wei *big.Int) string {
	if wei == nil {
		return "0"
	}
	unit := big.NewInt(params.Ether / 1_000_000) // 1e12 wei: the 6th decimal
	q, r := new(big.Int).QuoRem(wei, unit, new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	s := fmt.Sprintf("%07s", q.String())
	whole, frac := s[:len(s)-6], strings.TrimRight(s[len(s)-6:], "0")
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

// FormatGwei writes wei per gas as gwei with up to 3 decimals, e.g. "21.5".
func FormatGwei(wei *big.Int) string {
	if wei == nil {
		return "0"
	}
	milli := new(big.Int).Quo(wei, big.NewInt(params.GWei/1000))
	s := fmt.Sprintf("%04s", milli.String())
	whole, frac := s[:len(s)-3], strings.TrimRight(s[len(s)-3:], "0")
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}
