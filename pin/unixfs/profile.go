package unixfs

import (
	"encoding/json"
	"fmt"
	"strconv"

	mdag "github.com/ipfs/boxo/ipld/merkledag"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// Profile is a UnixFS import profile: every parameter that decides the CIDs
// of imported files and directories (IPIP-499). Two importers given the same
// bytes and the same Profile produce the same CIDs, which is what lets genmint
// compute CIDs before uploading and lets `genmint verify` redo the import.
//
// The profile used is recorded in the state database (name and parameters),
// so verification never depends on today's defaults.
type Profile struct {
	Name string `json:"name"`
	// CIDVersion 1; Hash the multihash function name ("sha2-256").
	CIDVersion int    `json:"cid_version"`
	Hash       string `json:"hash"`
	// ChunkSize is the fixed-size chunker's block size in bytes.
	ChunkSize int64 `json:"chunk_size"`
	// RawLeaves stores file data blocks with the raw codec instead of
	// wrapping them in dag-pb UnixFS nodes.
	RawLeaves bool `json:"raw_leaves"`
	// FileMaxLinks is the widest a file's internal DAG node gets.
	FileMaxLinks int `json:"file_max_links"`
	// DirectoryMaxLinks caps a basic directory's links before it becomes a
	// HAMT (0: no cap, only the size threshold decides).
	DirectoryMaxLinks int `json:"directory_max_links"`
	// HAMTFanout is the width of a sharded directory's nodes.
	HAMTFanout int `json:"hamt_fanout"`
	// HAMTThreshold: a directory whose estimated block size exceeds this
	// many bytes is sharded (a HAMT).
	HAMTThreshold int `json:"hamt_threshold"`
	// HAMTEstimation is how the directory's size is estimated: "block"
	// (the exact serialized dag-pb size), "links" (legacy: names plus CID
	// bytes) or "disabled".
	HAMTEstimation string `json:"hamt_size_estimation"`
	// Layout is the file DAG layout: "balanced" (Kubo's default) or "trickle".
	Layout string `json:"dag_layout"`
}

// V1_2025 is the `unixfs-v1-2025` profile as Kubo 0.42 defines it
// (config/profile.go), which equals boxo's ipld/unixfs/io.UnixFS_v1_2025:
// CIDv1, sha2-256, raw leaves, 1 MiB chunks, 1024 links per file node,
// balanced layout, HAMT fanout 256, directories sharded above 256 KiB as
// estimated by block size, no link-count cap on basic directories.
var V1_2025 = Profile{
	Name:              "unixfs-v1-2025",
	CIDVersion:        1,
	Hash:              "sha2-256",
	ChunkSize:         1 << 20,
	RawLeaves:         true,
	FileMaxLinks:      1024,
	DirectoryMaxLinks: 0,
	HAMTFanout:        256,
	HAMTThreshold:     256 << 10,
	HAMTEstimation:    "block",
	Layout:            "balanced",
}

// DefaultProfile is what genmint pins with unless told otherwise.
var DefaultProfile = V1_2025

// ProfileByName returns a known profile.
func ProfileByName(name string) (Profile, error) {
	switch name {
	case "", V1_2025.Name:
		return V1_2025, nil
	}
	return Profile{}, fmt.Errorf("unknown import profile %q: genmint pins with %s", name, V1_2025.Name)
}

// ParseProfile reads a profile as recorded in the state (JSON).
func ParseProfile(s string) (Profile, error) {
	var p Profile
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return p, fmt.Errorf("read import profile: %w", err)
	}
	return p, p.Validate()
}

// JSON is the profile as recorded in the state.
func (p Profile) JSON() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// Validate checks that the importer can honour the profile.
func (p Profile) Validate() error {
	if p.CIDVersion != 1 {
		return fmt.Errorf("import profile %s: CID version %d: genmint needs CIDv1", p.Name, p.CIDVersion)
	}
	if _, ok := mh.Names[p.Hash]; !ok {
		return fmt.Errorf("import profile %s: unknown hash %q", p.Name, p.Hash)
	}
	if p.ChunkSize <= 0 || p.ChunkSize > 1<<20 {
		return fmt.Errorf("import profile %s: chunk size %d out of range (1..1048576)", p.Name, p.ChunkSize)
	}
	if p.FileMaxLinks < 2 {
		return fmt.Errorf("import profile %s: file max links %d < 2", p.Name, p.FileMaxLinks)
	}
	if p.HAMTFanout <= 0 || p.HAMTFanout&(p.HAMTFanout-1) != 0 || p.HAMTFanout%8 != 0 {
		return fmt.Errorf("import profile %s: HAMT fanout %d is not a power of two and multiple of 8", p.Name, p.HAMTFanout)
	}
	if p.HAMTThreshold <= 0 {
		return fmt.Errorf("import profile %s: HAMT threshold must be positive", p.Name)
	}
	if _, err := estimationMode(p.HAMTEstimation); err != nil {
		return fmt.Errorf("import profile %s: %w", p.Name, err)
	}
	if p.Layout != "balanced" {
		return fmt.Errorf("import profile %s: layout %q: genmint builds balanced DAGs", p.Name, p.Layout)
	}
	return nil
}

// Chunker is the chunker in Kubo's notation, e.g. "size-1048576".
func (p Profile) Chunker() string { return "size-" + strconv.FormatInt(p.ChunkSize, 10) }

// cidBuilder is the CID prefix for dag-pb nodes; raw leaves get the raw
// codec from the importer itself. It mirrors Kubo's coreapi: the prefix for
// the CID version, with the hash set and the default digest length.
func (p Profile) cidBuilder() (cid.Builder, error) {
	prefix, err := mdag.PrefixForCidVersion(p.CIDVersion)
	if err != nil {
		return nil, err
	}
	prefix.MhType = mh.Names[p.Hash]
	prefix.MhLength = -1
	return prefix, nil
}

func (p Profile) estimation() uio.SizeEstimationMode {
	m, _ := estimationMode(p.HAMTEstimation)
	return m
}

func estimationMode(s string) (uio.SizeEstimationMode, error) {
	switch s {
	case "block":
		return uio.SizeEstimationBlock, nil
	case "links":
		return uio.SizeEstimationLinks, nil
	case "disabled":
		return uio.SizeEstimationDisabled, nil
	}
	return 0, fmt.Errorf("unknown HAMT size estimation %q (block, links or disabled)", s)
}

// WithDirectorySettings returns p with a Kubo node's directory settings
// (which its add command takes from the node's configuration only, never
// from the request): pin's Kubo adapter recomputes a directory's CID under
// them to tell a misconfigured node from a wrong import.
func (p Profile) WithDirectorySettings(threshold int, estimation string) Profile {
	q := p
	q.HAMTThreshold = threshold
	q.HAMTEstimation = estimation
	q.Name = p.Name + "+node-directory-settings"
	return q
}
