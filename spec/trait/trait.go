// Package trait holds an item's trait: one ERC-721 attribute, a trait
// list's name and the value drawn from it. spec draws traits; state,
// provenance and generate record them and pass them on. It imports nothing,
// so those packages need not import the spec parser for one small type.
package trait

// Trait is one ERC-721 attribute of an item: a trait list's name and the value
// drawn from it.
type Trait struct {
	Type  string `json:"trait_type"`
	Value string `json:"value"`
}
