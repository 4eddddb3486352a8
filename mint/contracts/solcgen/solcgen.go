// Package solcgen compiles genmint's Solidity sources reproducibly and produces
// the committed artifacts and Go bindings.
//
// The compile is a pure function of the source files and the pinned npm
// packages (solc 0.8.30, @openzeppelin/contracts, erc721a in tools/):
//
//  1. Build a standard-JSON input: every source unit is named by a path relative
//     to mint/contracts (ours: "src/…", "test/…", "bench/…") or by its npm import
//     path ("@openzeppelin/contracts/…", "erc721a/contracts/…"), and its text is
//     inlined. Imports are followed here, the way solc resolves them, so solc
//     needs no import callback and nothing on disk outside the input. No
//     absolute path can reach the compiler, and the metadata hash is not
//     appended (bytecodeHash "none"; the CBOR trailer keeps only the solc
//     version), so the output does not depend on where the repository is
//     checked out.
//  2. Run `node solcjs --standard-json` with that input on stdin.
//  3. Turn the output into artifact files (ABI JSON, creation and runtime
//     bytecode hex, storage layout, where each immutable sits in the runtime
//     bytecode) and abigen v2 bindings.
//
// Generate returns every file it would write, keyed by repository-relative
// path, so `go generate` writes them and TestArtifactsMatchSource compares them
// byte for byte with what is committed.
package solcgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi/abigen"

	"github.com/genmint/genmint/mint/contracts"
)

// Pinned compiler settings. Changing any of them changes every artifact.
//
// The optimizer runs through the IR pipeline with the default 200 runs. In
// mint/gasbench this deployed GenmintCollection for 2.16 M gas (8.4 KB of
// code) against 2.89 M (11.7 KB) for the legacy pipeline at 10,000 runs,
// while mintBatch and first transfers stay within 1% of it; the legacy
// pipeline at 200 runs made the mintBatch event loop 1.2% dearer than
// ERC721A's. Issue 12's functions (freeze, two-step ownership, royalty
// setter, licence, provenance) first took it to 2.51 M (9.9 KB); the source
// was then made smaller (see GenmintCollection's storage notes) and deploys
// for 2.05 M (7.8 KB), below the contract before issue 12. Fewer runs do not
// help: 1 or 20 runs saved 140 bytes (28,000 gas of deployment) and would
// trade per-call gas for it, so 200 stays.
const (
	SolcVersion   = "0.8.30"
	EVMVersion    = "cancun" // runs on every chain upgraded since March 2024; nothing newer is needed
	OptimizerRuns = 200
	ViaIR         = true
)

// Repository-relative locations.
const (
	ContractsDir = "mint/contracts"           // Solidity sources live in src/, test/, bench/ below it
	ArtifactsDir = "mint/contracts/artifacts" // generated: solc input, ABI, bytecode, storage layout
	BindingsFile = "mint/bindings/bindings.go"
	BindingsPkg  = "bindings"
	InputFile    = ArtifactsDir + "/solc-input.json"
)

// SourceDirs are the folders under ContractsDir whose .sol files are compiled.
var SourceDirs = []string{"src", "test", "bench"}

// Libraries maps an import prefix to its folder under tools/node_modules.
var Libraries = map[string]string{
	"@openzeppelin/contracts/": "@openzeppelin/contracts/",
	"erc721a/contracts/":       "erc721a/contracts/",
}

// Bound lists the contracts that get Go bindings (the others only get
// artifacts): the collection itself and the receiver used by its tests.
var Bound = []string{"GenmintCollection", "ReceiverProbe"}

// Options says where to find the repository and the compiler.
type Options struct {
	Root   string // repository root (holds go.mod)
	Solcjs string // path to tools/node_modules/.bin/solcjs (a node script)
	Node   string // path to node; empty runs Solcjs directly through its #! line
}

// Contract is one compiled contract.
type Contract struct {
	Name       string
	Source     string          // source unit name, e.g. "src/GenmintCollection.sol"
	ABI        json.RawMessage // as solc printed it
	Bin        string          // creation bytecode, hex without 0x
	BinRuntime string          // deployed bytecode, hex without 0x
	Storage    json.RawMessage // storage layout
	// Immutables maps each immutable variable's name to where the
	// deployment writes its value in the runtime bytecode (BinRuntime
	// holds zeros there).
	Immutables map[string][]contracts.Span
}

// Result is everything one compile produced.
type Result struct {
	Input     []byte               // the standard-JSON input, as committed
	Contracts map[string]*Contract // by contract name
	Files     map[string][]byte    // repository-relative path -> content
	Warnings  []string             // solc warnings, formatted
}

// Generate compiles the sources and renders every generated file.
func Generate(ctx context.Context, opts Options) (*Result, error) {
	input, err := BuildInput(opts.Root)
	if err != nil {
		return nil, err
	}
	out, err := runSolc(ctx, opts, input)
	if err != nil {
		return nil, err
	}
	res, err := parseOutput(out)
	if err != nil {
		return nil, err
	}
	res.Input = input
	if err := res.render(); err != nil {
		return nil, err
	}
	return res, nil
}

// --------------------------------------------------------------- input

type stdInput struct {
	Language string               `json:"language"`
	Sources  map[string]stdSource `json:"sources"`
	Settings stdSettings          `json:"settings"`
}

type stdSource struct {
	Content string `json:"content"`
}

type stdSettings struct {
	ViaIR           bool                           `json:"viaIR"`
	EVMVersion      string                         `json:"evmVersion"`
	Optimizer       stdOptimizer                   `json:"optimizer"`
	Metadata        stdMetadata                    `json:"metadata"`
	OutputSelection map[string]map[string][]string `json:"outputSelection"`
}

type stdOptimizer struct {
	Enabled bool `json:"enabled"`
	Runs    int  `json:"runs"`
}

type stdMetadata struct {
	BytecodeHash string `json:"bytecodeHash"`
	AppendCBOR   bool   `json:"appendCBOR"`
}

// BuildInput reads the sources under root and returns the standard-JSON input
// (indented, sorted, newline-terminated: the committed bytes).
func BuildInput(root string) ([]byte, error) {
	sources := map[string]stdSource{}
	var queue []string
	for _, dir := range SourceDirs {
		matches, err := filepath.Glob(filepath.Join(root, ContractsDir, dir, "*.sol"))
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			queue = append(queue, dir+"/"+filepath.Base(m))
		}
	}
	if len(queue) == 0 {
		return nil, fmt.Errorf("no Solidity sources under %s", filepath.Join(root, ContractsDir))
	}
	for len(queue) > 0 {
		unit := queue[0]
		queue = queue[1:]
		if _, done := sources[unit]; done {
			continue
		}
		file, err := unitFile(root, unit)
		if err != nil {
			return nil, err
		}
		text, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read source %s: %w (run 'make tools' to install the Solidity libraries)", unit, err)
		}
		sources[unit] = stdSource{Content: string(text)}
		for _, imp := range imports(string(text)) {
			queue = append(queue, resolveImport(unit, imp))
		}
	}
	in := stdInput{
		Language: "Solidity",
		Sources:  sources,
		Settings: stdSettings{
			ViaIR:      ViaIR,
			EVMVersion: EVMVersion,
			Optimizer:  stdOptimizer{Enabled: true, Runs: OptimizerRuns},
			Metadata:   stdMetadata{BytecodeHash: "none", AppendCBOR: true},
			OutputSelection: map[string]map[string][]string{
				"*": {
					"*": {"abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.deployedBytecode.immutableReferences", "storageLayout"},
					"":  {"ast"}, // names the immutables' AST ids
				},
			},
		},
	}
	// encoding/json sorts map keys, so the input is deterministic.
	b, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// unitFile maps a source unit name to the file that holds it.
func unitFile(root, unit string) (string, error) {
	for prefix, dir := range Libraries {
		if strings.HasPrefix(unit, prefix) {
			return filepath.Join(root, "tools", "node_modules", filepath.FromSlash(dir+strings.TrimPrefix(unit, prefix))), nil
		}
	}
	for _, dir := range SourceDirs {
		if strings.HasPrefix(unit, dir+"/") {
			return filepath.Join(root, ContractsDir, filepath.FromSlash(unit)), nil
		}
	}
	return "", fmt.Errorf("import %q is neither a genmint source nor a pinned library (%s)", unit, strings.Join(sortedKeys(Libraries), ", "))
}

var (
	commentRE = regexp.MustCompile(`(?s)/\*.*?\*/|//[^\n]*`)
	importRE  = regexp.MustCompile(`(?s)\bimport\s+(?:[^;"']*?\bfrom\s+)?["']([^"']+)["']`)
)

// imports lists the paths a Solidity file imports.
func imports(src string) []string {
	src = commentRE.ReplaceAllString(src, "")
	var out []string
	for _, m := range importRE.FindAllStringSubmatch(src, -1) {
		out = append(out, m[1])
	}
	return out
}

// resolveImport applies solc's rule: "./x" and "../x" are relative to the
// importing unit's folder; anything else is already a unit name.
func resolveImport(from, imp string) string {
	if strings.HasPrefix(imp, "./") || strings.HasPrefix(imp, "../") {
		return path.Clean(path.Join(path.Dir(from), imp))
	}
	return imp
}

// --------------------------------------------------------------- compile

func runSolc(ctx context.Context, opts Options, input []byte) ([]byte, error) {
	var cmd *exec.Cmd
	if opts.Node != "" {
		script, err := filepath.EvalSymlinks(opts.Solcjs)
		if err != nil {
			return nil, fmt.Errorf("find solcjs: %w", err)
		}
		cmd = exec.CommandContext(ctx, opts.Node, script, "--standard-json")
	} else {
		cmd = exec.CommandContext(ctx, opts.Solcjs, "--standard-json")
	}
	// A neutral working directory: solc must not see the checkout path.
	cmd.Dir = os.TempDir()
	// solcjs reads stdin with readFileSync, which fails with EAGAIN on a pipe
	// that is not ready: hand it a regular file instead.
	in, err := os.CreateTemp("", "genmint-solc-input-*.json")
	if err != nil {
		return nil, err
	}
	defer os.Remove(in.Name())
	defer in.Close()
	if _, err := in.Write(input); err != nil {
		return nil, err
	}
	if _, err := in.Seek(0, 0); err != nil {
		return nil, err
	}
	cmd.Stdin = in
	// Likewise stdout: solcjs calls process.exit right after printing, which
	// can cut a large document short on a pipe.
	out, err := os.CreateTemp("", "genmint-solc-output-*.json")
	if err != nil {
		return nil, err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("run solcjs: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return os.ReadFile(out.Name())
}

type stdOutput struct {
	Errors []struct {
		Severity         string `json:"severity"`
		FormattedMessage string `json:"formattedMessage"`
		Message          string `json:"message"`
	} `json:"errors"`
	Contracts map[string]map[string]struct {
		ABI json.RawMessage `json:"abi"`
		EVM struct {
			Bytecode         struct{ Object string } `json:"bytecode"`
			DeployedBytecode struct {
				Object              string
				ImmutableReferences map[string][]contracts.Span `json:"immutableReferences"`
			} `json:"deployedBytecode"`
		} `json:"evm"`
		StorageLayout json.RawMessage `json:"storageLayout"`
	} `json:"contracts"`
	Sources map[string]struct {
		AST json.RawMessage `json:"ast"`
	} `json:"sources"`
}

// immutableNames maps the AST id of every immutable state variable the
// sources declare to its name.
func immutableNames(out *stdOutput) (map[string]string, error) {
	names := map[string]string{}
	var walk func(v any)
	walk = func(v any) {
		switch n := v.(type) {
		case map[string]any:
			if n["nodeType"] == "VariableDeclaration" && n["mutability"] == "immutable" {
				if id, ok := n["id"].(float64); ok {
					names[fmt.Sprint(int64(id))], _ = n["name"].(string)
				}
			}
			for _, c := range n {
				walk(c)
			}
		case []any:
			for _, c := range n {
				walk(c)
			}
		}
	}
	for unit, src := range out.Sources {
		if len(src.AST) == 0 {
			continue
		}
		var ast any
		if err := json.Unmarshal(src.AST, &ast); err != nil {
			return nil, fmt.Errorf("%s AST: %w", unit, err)
		}
		walk(ast)
	}
	return names, nil
}

func parseOutput(raw []byte) (*Result, error) {
	// solcjs may print a banner before the JSON document.
	if i := bytes.IndexByte(raw, '{'); i > 0 {
		raw = raw[i:]
	}
	var out stdOutput
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("solcjs printed no standard-JSON output: %w", err)
	}
	res := &Result{Contracts: map[string]*Contract{}}
	var errs []string
	for _, e := range out.Errors {
		msg := strings.TrimSpace(e.FormattedMessage)
		if msg == "" {
			msg = e.Message
		}
		if e.Severity == "error" {
			errs = append(errs, msg)
		} else {
			res.Warnings = append(res.Warnings, msg)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("solc: %s", strings.Join(errs, "\n"))
	}
	immutables, err := immutableNames(&out)
	if err != nil {
		return nil, err
	}
	for unit, byName := range out.Contracts {
		if !isOwnUnit(unit) {
			continue
		}
		for name, c := range byName {
			if c.EVM.Bytecode.Object == "" {
				continue // an interface or abstract contract
			}
			if _, dup := res.Contracts[name]; dup {
				return nil, fmt.Errorf("two contracts are named %s", name)
			}
			res.Contracts[name] = &Contract{
				Name: name, Source: unit, ABI: c.ABI,
				Bin: c.EVM.Bytecode.Object, BinRuntime: c.EVM.DeployedBytecode.Object,
				Storage: c.StorageLayout,
			}
			for id, spans := range c.EVM.DeployedBytecode.ImmutableReferences {
				n := immutables[id]
				if n == "" {
					return nil, fmt.Errorf("%s: solc names no immutable with AST id %s", name, id)
				}
				if res.Contracts[name].Immutables == nil {
					res.Contracts[name].Immutables = map[string][]contracts.Span{}
				}
				res.Contracts[name].Immutables[n] = spans
			}
		}
	}
	for _, name := range Bound {
		if res.Contracts[name] == nil {
			return nil, fmt.Errorf("solc produced no contract %s", name)
		}
	}
	return res, nil
}

func isOwnUnit(unit string) bool {
	for _, dir := range SourceDirs {
		if strings.HasPrefix(unit, dir+"/") {
			return true
		}
	}
	return false
}

// --------------------------------------------------------------- render

func (r *Result) render() error {
	r.Files = map[string][]byte{InputFile: r.Input}
	for _, name := range sortedKeys(r.Contracts) {
		c := r.Contracts[name]
		abiJSON, err := indentJSON(c.ABI)
		if err != nil {
			return fmt.Errorf("%s ABI: %w", name, err)
		}
		r.Files[ArtifactsDir+"/"+name+".abi.json"] = abiJSON
		r.Files[ArtifactsDir+"/"+name+".bin"] = []byte(c.Bin + "\n")
		r.Files[ArtifactsDir+"/"+name+".bin-runtime"] = []byte(c.BinRuntime + "\n")
		if len(c.Storage) > 0 {
			layout, err := stableLayout(c.Storage)
			if err != nil {
				return fmt.Errorf("%s storage layout: %w", name, err)
			}
			r.Files[ArtifactsDir+"/"+name+".storage.json"] = layout
		}
		if len(c.Immutables) > 0 {
			b, err := json.MarshalIndent(c.Immutables, "", "  ") // keys sorted
			if err != nil {
				return err
			}
			r.Files[ArtifactsDir+"/"+name+".immutables.json"] = append(b, '\n')
		}
	}
	var abis, bins []string
	for _, name := range Bound {
		abis = append(abis, string(r.Contracts[name].ABI))
		bins = append(bins, r.Contracts[name].Bin)
	}
	code, err := abigen.BindV2(Bound, abis, bins, BindingsPkg, nil, nil)
	if err != nil {
		return fmt.Errorf("abigen: %w", err)
	}
	r.Files[BindingsFile] = []byte(code)
	return nil
}

func indentJSON(raw json.RawMessage) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// stableLayout keeps the parts of solc's storage layout that describe the
// layout (label, slot, offset, type name) and drops AST ids, which change when
// unrelated sources change.
func stableLayout(raw json.RawMessage) ([]byte, error) {
	var in struct {
		Storage []struct {
			Contract string `json:"contract"`
			Label    string `json:"label"`
			Slot     string `json:"slot"`
			Offset   int    `json:"offset"`
			Type     string `json:"type"`
		} `json:"storage"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, err
	}
	type entry struct {
		Contract string `json:"contract"`
		Label    string `json:"label"`
		Slot     string `json:"slot"`
		Offset   int    `json:"offset"`
		Type     string `json:"type"`
	}
	out := make([]entry, 0, len(in.Storage))
	for _, s := range in.Storage {
		out = append(out, entry{s.Contract, s.Label, s.Slot, s.Offset, s.Type})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
