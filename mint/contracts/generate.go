// Package contracts holds genmint's Solidity sources and their compiled
// artifacts.
//
//   - src/GenmintCollection.sol is the ERC-721 contract genmint deploys (see its
//     header for the gas design); src/IERC7007.sol and src/IERC7572.sol are the
//     interfaces of the two ERCs OpenZeppelin does not ship.
//   - test/ReceiverProbe.sol is an ERC-721 receiver for tests.
//   - bench/ holds the reference contracts of the gas benchmark (mint/gasbench).
//   - artifacts/ is generated: the standard-JSON input given to solc, and per
//     contract its ABI, creation and runtime bytecode and storage layout.
//     mint/bindings is generated too (abigen v2).
//
// Regenerate after editing a .sol file or upgrading a pinned npm package:
//
//	go generate ./mint/contracts
//
// TestArtifactsMatchSource recompiles and fails if any committed file differs.
// GenmintCollection() embeds the runtime bytecode and its immutables' spans,
// for verify to recognise a deployed collection's code.
package contracts

//go:generate go run ./gen
