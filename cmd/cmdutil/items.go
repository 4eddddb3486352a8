package cmdutil

import "github.com/genmint/genmint/state"

// ItemEntry is one item in the JSON documents of `genmint list` and
// `genmint show`; its shape is stable.
type ItemEntry struct {
	ID             int               `json:"id"`
	Status         state.Status      `json:"status"`
	Seed           uint32            `json:"seed"`
	Prompt         string            `json:"prompt"`
	NegativePrompt string            `json:"negative_prompt,omitempty"`
	Traits         map[string]string `json:"traits"`
	Final          string            `json:"final,omitempty"`
	Original       string            `json:"original,omitempty"`
	Provenance     string            `json:"provenance,omitempty"`
	FinalSHA256    string            `json:"final_sha256,omitempty"`
	Error          string            `json:"error,omitempty"`
	Attempts       int               `json:"attempts"`
}

// NewItemEntry turns a state item into its JSON entry.
func NewItemEntry(it state.Item) ItemEntry {
	traits := make(map[string]string, len(it.Traits))
	for _, t := range it.Traits {
		traits[t.Type] = t.Value
	}
	return ItemEntry{ID: it.ID, Status: it.Status, Seed: it.Seed, Prompt: it.Prompt, NegativePrompt: it.NegativePrompt,
		Traits: traits, Final: it.Final.Path, Original: it.Original.Path, Provenance: it.ProvenancePath,
		FinalSHA256: it.Final.SHA256, Error: it.Error, Attempts: it.Attempts}
}

// StatusColor colours a status for a terminal.
func StatusColor(io *IOStreams, s state.Status) string {
	switch s {
	case state.Generated, state.Kept, state.Pinned, state.Minted:
		return io.Color(Green, string(s))
	case state.Failed:
		return io.Color(Red, string(s))
	case state.Refused, state.Rejected:
		return io.Color(Yellow, string(s))
	}
	return io.Color(Dim, string(s))
}
