package contracts_test

import (
	"bytes"
	"testing"

	"github.com/genmint/genmint/mint/contracts"
)

// Match takes the runtime code with a value written at each immutable's
// spans, and nothing else: a byte changed outside the spans, two spans of
// one variable holding different values, or another length is not
// GenmintCollection's code.
func TestRuntimeMatch(t *testing.T) {
	rt, err := contracts.GenmintCollection()
	if err != nil {
		t.Fatal(err)
	}
	spans := rt.Immutables["_PROVENANCE"]
	if len(rt.Code) == 0 || len(spans) == 0 || spans[0].Length != 32 {
		t.Fatalf("runtime %d bytes, _PROVENANCE spans %v", len(rt.Code), spans)
	}
	deployed := bytes.Clone(rt.Code)
	for name, ss := range rt.Immutables {
		for _, s := range ss {
			v := deployed[s.Start : s.Start+s.Length]
			if !bytes.Equal(v, make([]byte, s.Length)) {
				t.Fatalf("%s: the artifact holds %x at %d, want zeros", name, v, s.Start)
			}
			for i := range v {
				v[i] = byte(len(name) + i)
			}
		}
	}
	values, ok := rt.Match(deployed)
	if !ok || len(values) != len(rt.Immutables) || values["_PROVENANCE"][0] != byte(len("_PROVENANCE")) {
		t.Fatalf("deployed code with its immutables written: %v %x", ok, values["_PROVENANCE"])
	}
	if _, ok := rt.Match(rt.Code); !ok {
		t.Fatal("the artifact itself (zero immutables) does not match")
	}

	outside := bytes.Clone(deployed)
	outside[spans[0].Start-1] ^= 1
	// One span of a variable read in several places (e.g. _AIGC).
	var multi []contracts.Span
	for _, ss := range rt.Immutables {
		if len(ss) > 1 {
			multi = ss
		}
	}
	if multi == nil {
		t.Fatal("no immutable is read in two places")
	}
	uneven := bytes.Clone(deployed)
	uneven[multi[1].Start] ^= 1
	for name, code := range map[string][]byte{
		"a byte outside the spans":                    outside,
		"one span of a variable differs from another": uneven,
		"one byte more":                               append(bytes.Clone(deployed), 0),
		"one byte less":                               deployed[:len(deployed)-1],
	} {
		if _, ok := rt.Match(code); ok {
			t.Errorf("%s: matched", name)
		}
	}
}
