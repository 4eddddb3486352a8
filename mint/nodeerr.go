package mint

import (
	"errors"
	"strings"

	"github.com/ethereum/go-ethereum"
)

// notFound: the node does not know the transaction (yet). A geth node still
// indexing its transactions says so instead of "not found".
func notFound(err error) bool {
	return err != nil && (errors.Is(err, ethereum.NotFound) || strings.Contains(err.Error(), "transaction indexing is in progress"))
}

// Nodes answer SendTransaction with these texts (geth, anvil/reth and most
// providers use these words); they are matched case-insensitively.

// isKnown: the node already has this transaction.
func isKnown(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "already known") || strings.Contains(s, "known transaction") || strings.Contains(s, "already imported")
}

// isNonceTooLow: a transaction with this nonce was already mined.
func isNonceTooLow(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "nonce too low") || strings.Contains(s, "nonce is too low")
}

// isUnderpriced: another transaction with this nonce is pending, and this
// one does not pay enough more to replace it.
func isUnderpriced(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "underpriced") || strings.Contains(s, "replacement transaction")
}

// isInsufficientFunds: the account cannot pay gas × fee cap.
func isInsufficientFunds(err error) bool {
	return strings.Contains(strings.ToLower(err.Error()), "insufficient funds")
}
