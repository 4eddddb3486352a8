// Package pin puts a collection's kept items on IPFS.
//
// In the order the pipeline needs them, it
//  1. imports the final images, the originals and the provenance records as
//     three UnixFS directories (CIDv1, raw leaves, the unixfs-v1-2025
//     profile, computed by package pin/unixfs), computing every CID locally
//     before anything is uploaded;
//  2. writes one ERC-721 metadata JSON per token (OpenSea metadata standard,
//     optionally the ERC-7007 AIGC fields), named by token id so
//     tokenURI = baseURI + id;
//  3. imports the metadata folder (its CID gives baseURI ipfs://<cid>/) and the
//     contract-level metadata (ERC-7572 contractURI);
//  4. records every CID in the state database, pins the roots at each
//     destination (a Kubo node, a CAR file, a Pinning Service API), and only
//     then moves the items to status pinned.
//
// The destinations are behind the Pinner seam. CIDs never depend on a
// destination: a Kubo node that computes a different CID is an error.
package pin
