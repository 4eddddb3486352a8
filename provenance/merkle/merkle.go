// Package merkle builds genmint's provenance commitment: the Merkle root over
// every token's (id, image CID, provenance record CID, final image sha256),
// in id order, that the collection contract stores at deployment as
// provenanceHash(). docs/provenance.md describes the tree so that anyone can
// recompute it; in short:
//
//	leaf  = keccak256(0x00 ‖ abi.encode(uint256 id, string imageCID, string provenanceCID, bytes32 finalSHA256))
//	inner = keccak256(0x01 ‖ left ‖ right)
//
// Leaves are ordered by id. A level with an odd number of nodes promotes
// its last node unchanged to the next level (it is never paired with
// itself). The root of one leaf is that leaf's hash; of none, 32 zero bytes.
package merkle

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/crypto"
)

// Hash is a 32-byte keccak256 value.
type Hash [32]byte

// Hex renders h as 0x-prefixed lower-case hex.
func (h Hash) Hex() string { return "0x" + hex.EncodeToString(h[:]) }

// String is Hex.
func (h Hash) String() string { return h.Hex() }

// ParseHash reads a 0x-prefixed (or bare) 64-digit hex hash.
func ParseHash(s string) (Hash, error) {
	var h Hash
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("%q is not a 32-byte hex hash", s)
	}
	copy(h[:], b)
	return h, nil
}

// Leaf is one token's committed content.
type Leaf struct {
	ID            uint64
	ImageCID      string // the final image's CID, as in the metadata (properties.image.cid)
	ProvenanceCID string // the provenance record's CID (properties.provenance.cid)
	FinalSHA256   Hash   // sha256 of the final image's bytes (properties.image.sha256)
}

// ParseSHA256 reads a hex sha256 as a Hash.
func ParseSHA256(s string) (Hash, error) { return ParseHash(s) }

// Encode is the leaf's preimage without the 0x00 prefix: the Solidity ABI
// encoding of (uint256 id, string imageCID, string provenanceCID, bytes32
// finalSHA256), as `cast abi-encode "f(uint256,string,string,bytes32)"` prints it.
func (l Leaf) Encode() []byte {
	word := func(v uint64) []byte { return leftPad(new(big.Int).SetUint64(v).Bytes()) }
	img, prov := []byte(l.ImageCID), []byte(l.ProvenanceCID)
	var out []byte
	out = append(out, word(l.ID)...)
	out = append(out, word(4*32)...) // offset of imageCID
	out = append(out, word(uint64(4*32+32+padded(len(img))))...)
	out = append(out, l.FinalSHA256[:]...)
	out = append(out, word(uint64(len(img)))...)
	out = append(out, padTo(img)...)
	out = append(out, word(uint64(len(prov)))...)
	out = append(out, padTo(prov)...)
	return out
}

// Hash is the leaf's node hash: keccak256(0x00 ‖ Encode()).
func (l Leaf) Hash() Hash {
	return Hash(crypto.Keccak256Hash([]byte{0x00}, l.Encode()))
}

func node(left, right Hash) Hash {
	return Hash(crypto.Keccak256Hash([]byte{0x01}, left[:], right[:]))
}

func leftPad(b []byte) []byte {
	out := make([]byte, 32)
	copy(out[32-len(b):], b)
	return out
}

func padded(n int) int { return (n + 31) / 32 * 32 }

func padTo(b []byte) []byte {
	out := make([]byte, padded(len(b)))
	copy(out, b)
	return out
}

// ErrOrder is returned for leaves not in strictly increasing id order.
var ErrOrder = errors.New("leaves must be in strictly increasing id order")

func check(leaves []Leaf) error {
	for i, l := range leaves {
		if l.ImageCID == "" || l.ProvenanceCID == "" {
			return fmt.Errorf("token %d: image and provenance CIDs are required", l.ID)
		}
		if i > 0 && l.ID <= leaves[i-1].ID {
			return fmt.Errorf("%w: token %d after token %d", ErrOrder, l.ID, leaves[i-1].ID)
		}
	}
	return nil
}

// Root is the commitment over leaves, which must be in strictly increasing id order.
func Root(leaves []Leaf) (Hash, error) {
	if err := check(leaves); err != nil {
		return Hash{}, err
	}
	if len(leaves) == 0 {
		return Hash{}, nil
	}
	level := make([]Hash, len(leaves))
	for i, l := range leaves {
		level[i] = l.Hash()
	}
	for len(level) > 1 {
		level = up(level)
	}
	return level[0], nil
}

// up hashes one level into the next; an odd last node is promoted unchanged.
func up(level []Hash) []Hash {
	next := make([]Hash, 0, (len(level)+1)/2)
	for i := 0; i+1 < len(level); i += 2 {
		next = append(next, node(level[i], level[i+1]))
	}
	if len(level)%2 == 1 {
		next = append(next, level[len(level)-1])
	}
	return next
}

// MatchPrefix finds the k such that the root over leaves[:k] is root, for
// a collection that added tokens after its commitment: the tree over k
// leaves is node(tree over the first 2^m, tree over the rest) for the
// largest 2^m < k (promoting odd nodes gives exactly that shape), so every
// prefix's root is a fold over a stack of perfect subtrees, O(n log n) in
// all. It returns 0, false when no prefix matches.
func MatchPrefix(leaves []Leaf, root Hash) (int, bool) {
	if check(leaves) != nil {
		return 0, false
	}
	type sub struct {
		size int
		h    Hash
	}
	var stack []sub
	for i, l := range leaves {
		s := sub{1, l.Hash()}
		for len(stack) > 0 && stack[len(stack)-1].size == s.size {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			s = sub{2 * s.size, node(top.h, s.h)}
		}
		stack = append(stack, s)
		h := stack[len(stack)-1].h
		for j := len(stack) - 2; j >= 0; j-- {
			h = node(stack[j].h, h)
		}
		if h == root {
			return i + 1, true
		}
	}
	return 0, false
}

// Step is one level of a proof: the sibling's hash and its side.
type Step struct {
	Hash Hash `json:"hash"`
	// Left is true when the sibling is the left operand: node(sibling, current).
	Left bool `json:"left"`
}

// Proof returns the proof of token id's leaf: the siblings from the leaf up
// to the root (levels where the node is promoted have no step).
func Proof(leaves []Leaf, id uint64) ([]Step, error) {
	if err := check(leaves); err != nil {
		return nil, err
	}
	idx := -1
	for i, l := range leaves {
		if l.ID == id {
			idx = i
		}
	}
	if idx < 0 {
		return nil, fmt.Errorf("token %d is not in the commitment", id)
	}
	level := make([]Hash, len(leaves))
	for i, l := range leaves {
		level[i] = l.Hash()
	}
	var proof []Step
	for len(level) > 1 {
		switch {
		case idx%2 == 1:
			proof = append(proof, Step{Hash: level[idx-1], Left: true})
		case idx+1 < len(level):
			proof = append(proof, Step{Hash: level[idx+1]})
		}
		level = up(level)
		idx /= 2
	}
	return proof, nil
}

// Verify reports whether proof takes leaf to root.
func Verify(root Hash, leaf Leaf, proof []Step) bool {
	h := leaf.Hash()
	for _, s := range proof {
		if s.Left {
			h = node(s.Hash, h)
		} else {
			h = node(h, s.Hash)
		}
	}
	return h == root
}

// MarshalText renders a Hash as hex in JSON.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.Hex()), nil }

// UnmarshalText reads a hex Hash.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	*h = v
	return err
}
