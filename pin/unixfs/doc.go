// Package unixfs computes the CIDs IPFS gives files and directories, locally
// and without a node: the UnixFS import (balanced file DAGs, basic and HAMT
// directories) under an import Profile, unixfs-v1-2025 by default, the way
// Kubo's `ipfs add` builds them.
//
// It is the one place CIDs are decided. pin imports with it before anything
// is uploaded (and checks every destination against the result); verify
// imports with it again to re-derive a published collection's CIDs from
// the bytes it fetched. It reads files through the openers a Dir holds and
// keeps no file data, so memory stays flat however large the collection is.
package unixfs
