package mint

import (
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
)

// Kind is what a journalled transaction does.
type Kind string

// Transaction kinds.
const (
	KindDeploy         Kind = "deploy"           // deploy the collection; the constructor mints tokens First..Last
	KindMint           Kind = "mint"             // mintBatch: tokens First..Last
	KindSetBaseURI     Kind = "set-base-uri"     // setBaseURI(BaseURI) when a later pin run changed it (items added, facts edited)
	KindSetContractURI Kind = "set-contract-uri" // setContractURI(BaseURI column) likewise
	KindFreeze         Kind = "freeze"           // freezeMetadata: the collection is final
	KindPermanentURIs  Kind = "permanent-uris"   // emitPermanentURIs(First, Last) after a freeze
	KindSetRoyalty     Kind = "set-royalty"      // setDefaultRoyalty(Recipient column, First column = basis points)
	KindReveal         Kind = "reveal"           // setBaseURI(BaseURI) from the placeholder to the real metadata (genmint reveal)
)

// TxStatus is where a journalled transaction stands.
type TxStatus string

// Transaction statuses. Signed, sent are open (the outcome is not known);
// the others are final.
const (
	TxSigned   TxStatus = "signed"   // committed to the journal; maybe broadcast (a crash may have hit either side)
	TxSent     TxStatus = "sent"     // a node accepted it at least once
	TxMined    TxStatus = "mined"    // mined and succeeded, confirmed, checked on chain
	TxReverted TxStatus = "reverted" // mined and failed; nothing it meant to do happened
	TxReplaced TxStatus = "replaced" // another transaction of the same action (same nonce) was mined
	TxDropped  TxStatus = "dropped"  // its nonce was used by a transaction genmint did not journal
)

// open: the outcome is not known yet (signed or sent).
func (s TxStatus) open() bool { return s == TxSigned || s == TxSent }

// TxRecord is a journalled transaction, for status output.
type TxRecord struct {
	Kind     Kind           `json:"kind"`
	Hash     common.Hash    `json:"hash"`
	Nonce    uint64         `json:"nonce"`
	ChainID  uint64         `json:"chain_id"`
	Contract common.Address `json:"contract"`
	First    uint64         `json:"first_token,omitempty"`
	Last     uint64         `json:"last_token,omitempty"`
	BaseURI  string         `json:"base_uri,omitempty"`
	Status   TxStatus       `json:"status"`
	Block    uint64         `json:"block,omitempty"`
	GasUsed  uint64         `json:"gas_used,omitempty"`
	// FeeWei is what the transaction cost (gas used × effective gas price).
	FeeWei *big.Int `json:"fee_wei,omitempty"`
	Error  string   `json:"error,omitempty"`
}

// TxWording picks one of the ways genmint words what a transaction does.
type TxWording int

const (
	// TxCall names the contract call, as the dry run's table does:
	// "mintBatch tokens 3–9".
	TxCall TxWording = iota
	// TxStep is the short form of progress lines: "mint 3–9".
	TxStep
	// TxSentence reads inside a sentence, as errors do: "minting tokens 3–9".
	TxSentence
)

// DescribeTx says what a transaction of kind does: to tokens first–last
// (last 0: none), or, for setBaseURI and setContractURI, setting uri.
func DescribeTx(kind Kind, first, last uint64, uri string, w TxWording) string {
	tokens := fmt.Sprintf("%d–%d", first, last)
	switch kind {
	case KindDeploy:
		if last == 0 {
			return [...]string{"deploy", "deploy", "deploying the collection"}[w]
		}
		return [...]string{"deploy with tokens ", "deploy+mint ", "deploying the collection with tokens "}[w] + tokens
	case KindSetBaseURI:
		return [...]string{"setBaseURI", "setBaseURI", "setting the baseURI to " + uri}[w]
	case KindSetContractURI:
		return [...]string{"setContractURI", "setContractURI", "setting the contractURI to " + uri}[w]
	case KindFreeze:
		return [...]string{"freezeMetadata", "freeze", "freezing the collection"}[w]
	case KindPermanentURIs:
		return [...]string{"emitPermanentURIs tokens ", "permanent-uris ", "announcing the permanent URIs of tokens "}[w] + tokens
	case KindSetRoyalty:
		return [...]string{"setDefaultRoyalty", "set-royalty", "setting the royalty"}[w]
	case KindReveal:
		return [...]string{"setBaseURI (reveal)", "reveal", "revealing the collection at " + uri}[w]
	}
	return [...]string{"mintBatch tokens ", "mint ", "minting tokens "}[w] + tokens
}

// describe says what a journalled transaction does, for messages.
func describe(r txRow) string { return DescribeTx(r.Kind, r.First, r.Last, r.BaseURI, TxSentence) }
