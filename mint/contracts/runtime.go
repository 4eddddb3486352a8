package contracts

import (
	"bytes"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
)

var (
	//go:embed artifacts/GenmintCollection.bin-runtime
	collectionRuntimeHex string
	//go:embed artifacts/GenmintCollection.immutables.json
	collectionImmutablesJSON []byte
)

// Span is where an immutable's value sits in the runtime bytecode.
type Span struct {
	Start  int `json:"start"`
	Length int `json:"length"`
}

// Runtime is a contract's runtime bytecode as compiled from the source in
// this repository, with zeros where the deployment writes each immutable.
type Runtime struct {
	Code       []byte
	Immutables map[string][]Span // by variable name
}

var collection = sync.OnceValues(func() (*Runtime, error) {
	code, err := hex.DecodeString(strings.TrimSpace(collectionRuntimeHex))
	if err != nil {
		return nil, err
	}
	r := &Runtime{Code: code}
	if err := json.Unmarshal(collectionImmutablesJSON, &r.Immutables); err != nil {
		return nil, err
	}
	return r, nil
})

// GenmintCollection is GenmintCollection's runtime bytecode.
func GenmintCollection() (*Runtime, error) { return collection() }

// Match reports whether deployed is this runtime's code with some value
// written at every immutable's spans (the same value at each of one
// variable's spans), and returns those values by name. Any other byte that
// differs, or a different length, is not a match.
func (r *Runtime) Match(deployed []byte) (map[string][]byte, bool) {
	if len(deployed) != len(r.Code) {
		return nil, false
	}
	masked := bytes.Clone(deployed)
	values := map[string][]byte{}
	for name, spans := range r.Immutables {
		for _, s := range spans {
			if s.Start < 0 || s.Length <= 0 || s.Start+s.Length > len(masked) {
				return nil, false
			}
			v := deployed[s.Start : s.Start+s.Length]
			if prev, ok := values[name]; ok && !bytes.Equal(prev, v) {
				return nil, false
			}
			values[name] = bytes.Clone(v)
			clear(masked[s.Start : s.Start+s.Length])
		}
	}
	if !bytes.Equal(masked, r.Code) {
		return nil, false
	}
	return values, true
}
