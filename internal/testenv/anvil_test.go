package testenv_test

import (
	"testing"

	"github.com/genmint/genmint/internal/testenv"
)

func TestStartAnvil(t *testing.T) {
	a := testenv.StartAnvil(t)
	if a.ChainID != 31337 || len(a.Accounts) != 10 {
		t.Fatalf("chain %d, %d accounts", a.ChainID, len(a.Accounts))
	}
}
