package mint

import (
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/params"

	"github.com/genmint/genmint/mint/chain"
)

// MaxInitcode is EIP-3860's limit on a deployment's code plus constructor
// arguments; a node refuses a larger deployment ("max initcode size
// exceeded").
const MaxInitcode = params.MaxInitCodeSize

// uriRoom is what the deployment keeps for baseURI and contractURI, known
// only once the collection is pinned ("ipfs://<CIDv1>/" and
// "ipfs://<CIDv1>/collection.json" are well under it).
const uriRoom = 256

// CheckInitcode reports, before anything is pinned or signed, a collection
// whose name and symbol would make the deployment larger than EIP-3860
// allows, so `genmint validate` refuses it instead of `mint` failing.
func CheckInitcode(c ContractFacts) error {
	cfg := chain.Config{Name: c.Name, Symbol: c.Symbol,
		BaseURI: strings.Repeat("x", uriRoom), ContractURI: strings.Repeat("x", uriRoom),
		Owner: common.Address{1}, MaxSupply: max(c.MaxSupply, 1), Royalty: c.Royalty, AIGC: c.AIGC}
	n := len(deployData(cfg))
	if n <= MaxInitcode {
		return nil
	}
	return fmt.Errorf("the name (%d bytes) and symbol (%d bytes) make the contract's deployment %d bytes, over the %d-byte limit every Ethereum node enforces (EIP-3860): shorten them by at least %d bytes",
		len(c.Name), len(c.Symbol), n, MaxInitcode, n-MaxInitcode)
}
