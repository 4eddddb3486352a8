// Package gasbench measures the gas cost of genmint's collection contract
// against reference ERC-721 implementations, all compiled from source and
// deployed on one anvil node in the same run:
//
//	go test ./mint/gasbench -run TestGasTable -v
//
// Contracts (sources in mint/contracts):
//   - genmint: src/GenmintCollection.sol, the collection minted by its
//     constructor (ERC-2309), plus its later-items path mintBatch in batches of 100;
//   - genmint-v0, genmint-v0-later: the same two paths on the contract as it
//     was before issue 12 (bench/BenchGenmintV0.sol), the "before" of the table;
//   - oz-safemint: OpenZeppelin ERC721, one _safeMint per token;
//   - oz-uristorage: OpenZeppelin ERC721URIStorage, one stored URI per token;
//   - erc721a: ERC721A, _mint in batches of 100;
//   - oz-consecutive: OpenZeppelin ERC721Consecutive, minted in the constructor.
//
// For N = 1, 10, 1,000 and 10,000 tokens minted to one holder it reports the
// total gas (deploy + mint) per token, the mint-only gas per token (for a
// constructor mint: deploy(N) - deploy(0)), and the worst gas of a token's
// first transfer over sampled tokens (first, last, batch and ERC-2309/page/
// region boundaries, and a fixed pseudo-random sample). A first transfer is
// transferFrom by the holder to an account that already holds a token of the
// collection, as in the figures genmint's issue quotes; the cost of sending to
// an account that holds none (one more zero-to-nonzero balance slot, +17,100
// gas on every contract) is shown for token 1 in its own column.
//
// TestGasTable fails unless genmint's mint-only gas per token is at or below
// ERC721A's and its worst first transfer is at or below 70,000 gas, for every N
// and for the later-items path, and unless every mint and first-transfer
// figure and the deployment are at or below genmint-v0's. It also runs the
// owner's and holders' other operations (setBaseURI, setContractURI,
// approve, setApprovalForAll, safe transfers, mintBatch, freezeMetadata) on
// both and fails when any one costs more than before. Gas is deterministic,
// so this is an exact check, not a timing one.
package gasbench
