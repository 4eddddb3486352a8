package mint

import (
	"errors"
	"testing"

	"github.com/genmint/genmint/mint/chain"
)

// A signer that is not the owner is one problem whether Run finds it before
// sending or the contract reverts with it: `genmint mint` matches
// mint.ErrNotOwner and says to re-run with the owner's --account.
func TestNotOwnerRevertIsErrNotOwner(t *testing.T) {
	revert := &chain.RevertError{Name: "OwnableUnauthorizedAccount"}
	if !errors.Is(revert, ErrNotOwner) {
		t.Error("an OwnableUnauthorizedAccount revert does not match mint.ErrNotOwner")
	}
	if errors.Is(&chain.RevertError{Name: "MaxSupplyExceeded"}, ErrNotOwner) {
		t.Error("a MaxSupplyExceeded revert matches mint.ErrNotOwner")
	}
}
