// Package verify re-derives a published collection from bytes, link by
// link, and reports every link that does not hold.
//
// The chain of trust starts at the only thing a collector can take as given,
// the contract address, and every later link is recomputed, never read from
// state:
//
//  1. chain: totalSupply, and for each token ownerOf and tokenURI;
//  2. tokenURI: must be ipfs://<metadata root>/<id> (and, in the collection's
//     own folder, the baseURI `genmint pin` recorded, plus the id);
//  3. metadata: the metadata directory's entry <id> is read from the
//     directory block itself (hashed against its CID); the bytes served
//     for it must re-derive, under the pin's import profile, to exactly the
//     CID that entry links; the JSON must follow pin.TokenSchema and name
//     token <id>;
//  4. image: the same for the image the metadata names, whose CID, sha256
//     and media type must be the ones the metadata states;
//  5. provenance: the image's embedded record hash and Content
//     (provenance.Extract), the provenance record the metadata links (its
//     bytes re-derived like every file), provenance.Verify(record, image),
//     and the metadata's generation facts and traits against the record;
//  6. original: the provider's original, re-derived and hashed against both
//     the metadata and the record;
//  7. ERC-7007, when the contract supports it: the prompt and content hash
//     recorded on chain against the metadata and the re-derived image.
//
// Run walks that chain over two seams declared here: Chain (a deployed
// collection; the adapter is OpenChain over mint/chain) and Content (IPFS
// bytes by CID and path: a Kubo node, an HTTP gateway, or a CAR file).
// Local walks the same links over the collection folder alone, with no chain
// and no network: every final image against its provenance.json, the
// originals' hashes, and, once pinned, every CID recomputed from the files
// and compared with the pin record and with the links inside the metadata.
//
// A token stops at its first broken link: later links hang from it and
// cannot be trusted. A source that cannot be used at all (a dead node, an
// unreachable RPC endpoint) stops the whole run with an error instead.
package verify
