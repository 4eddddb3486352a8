package spec

// Trait is one ERC-721 attribute of an item: a trait list's name and the value
// drawn from it.
type Trait struct {
	Type  string `json:"trait_type"`
	Value string `json:"value"`
}
