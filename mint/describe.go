package mint

import "fmt"

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
	}
	return [...]string{"mintBatch tokens ", "mint ", "minting tokens "}[w] + tokens
}

// describe says what a journalled transaction does, for messages.
func describe(r txRow) string { return DescribeTx(r.Kind, r.First, r.Last, r.BaseURI, TxSentence) }
