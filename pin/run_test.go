package pin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/genmint/genmint/internal/golden"
	"github.com/genmint/genmint/pin/unixfs"
	"github.com/genmint/genmint/pin/unixfs/unixfstest"
	"github.com/genmint/genmint/rarity"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

func newCollection(t testing.TB, n, size int) (string, *state.DB) {
	t.Helper()
	dir := t.TempDir()
	makeCollection(t, dir, n, size)
	return dir, openDB(t, dir)
}

func TestDryRunComputesEverythingAndWritesNothing(t *testing.T) {
	dir, db := newCollection(t, 5, 32)
	res, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.DryRun || len(res.Items) != 5 {
		t.Fatalf("result: %+v", res)
	}
	for _, c := range []string{res.Roots.Images, res.Roots.Originals, res.Roots.Provenance, res.Roots.Metadata, res.Roots.Contract} {
		k, err := cid.Decode(c)
		if err != nil || k.Version() != 1 {
			t.Fatalf("root %q: %v", c, err)
		}
	}
	if res.BaseURI != "ipfs://"+res.Roots.Metadata+"/" || res.Items[2].TokenURI != res.BaseURI+"3" {
		t.Fatalf("baseURI %s, token 3 %s", res.BaseURI, res.Items[2].TokenURI)
	}
	if c := statusCounts(t, db); c[state.Kept] != 5 {
		t.Fatalf("statuses after dry run: %v", c)
	}
	if v, _ := db.SchemaVersion(context.Background(), Component); v != 0 {
		t.Fatalf("dry run migrated pin tables (version %d)", v)
	}
	// Deterministic: the same again.
	res2, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res2.Roots != res.Roots {
		t.Fatalf("roots changed between dry runs: %+v vs %+v", res.Roots, res2.Roots)
	}
}

func TestCARPinRecordsAndIsIdempotent(t *testing.T) {
	dir, db := newCollection(t, 7, 48)
	ctx := context.Background()
	dry, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	carPath := filepath.Join(t.TempDir(), "out", "collection.car")
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, CAR: carPath})
	if err != nil {
		t.Fatal(err)
	}
	if res.Roots != dry.Roots {
		t.Fatalf("CAR run roots %+v, dry run %+v", res.Roots, dry.Roots)
	}
	if res.NewlyPinned != 7 || statusCounts(t, db)[state.Pinned] != 7 {
		t.Fatalf("newly pinned %d, statuses %v", res.NewlyPinned, statusCounts(t, db))
	}
	checkCAR(t, carPath, res.Roots)

	rec, err := Latest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Roots != res.Roots || rec.BaseURI != res.BaseURI || rec.Profile != unixfs.DefaultProfile || len(rec.Items) != 7 {
		t.Fatalf("recorded %+v", rec)
	}
	if len(rec.Pinned) != 5 || rec.Pinned[0].Destination != "car "+carPath {
		t.Fatalf("recorded destinations %+v", rec.Pinned)
	}
	if rec.CompletedAt.IsZero() {
		t.Fatal("run not marked complete")
	}

	// Re-run: nothing new, same CIDs, the file untouched.
	before, _ := os.Stat(carPath)
	raw, _ := os.ReadFile(carPath)
	res2, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, CAR: carPath})
	if err != nil {
		t.Fatal(err)
	}
	if res2.Roots != res.Roots || res2.NewlyPinned != 0 || res2.RunID != res.RunID {
		t.Fatalf("re-run: %+v", res2)
	}
	if d := res2.Destinations[0]; len(d.Pinned) != 0 || len(d.Already) != 5 {
		t.Fatalf("re-run destination: %+v", d)
	}
	after, _ := os.Stat(carPath)
	raw2, _ := os.ReadFile(carPath)
	if !after.ModTime().Equal(before.ModTime()) || !bytes.Equal(raw, raw2) {
		t.Fatal("re-run rewrote the CAR file")
	}

	// A CAR written elsewhere for the same collection is byte-identical.
	other := filepath.Join(t.TempDir(), "again.car")
	if _, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, CAR: other}); err != nil {
		t.Fatal(err)
	}
	raw3, _ := os.ReadFile(other)
	if !bytes.Equal(raw, raw3) {
		t.Fatal("two CARs of the same collection differ")
	}
}

// checkCAR reads a CAR back: header roots in order, every block intact, no
// block twice, every root present.
func checkCAR(t *testing.T, path string, roots Roots) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br, err := carv2.NewBlockReader(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{roots.Images, roots.Originals, roots.Provenance, roots.Metadata}
	for _, c := range []string{roots.PlaceholderImage, roots.Placeholder} {
		if c != "" {
			want = append(want, c)
		}
	}
	want = append(want, roots.Contract)
	if len(br.Roots) != len(want) {
		t.Fatalf("CAR roots %v, want %v", br.Roots, want)
	}
	for i, r := range br.Roots {
		if r.String() != want[i] {
			t.Fatalf("CAR root %d = %s, want %s", i, r, want[i])
		}
	}
	seen := map[cid.Cid]bool{}
	for {
		b, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if seen[b.Cid()] {
			t.Fatalf("block %s twice", b.Cid())
		}
		seen[b.Cid()] = true
		chk, err := b.Cid().Prefix().Sum(b.RawData())
		if err != nil || !chk.Equals(b.Cid()) {
			t.Fatalf("block %s does not hash to its CID", b.Cid())
		}
	}
	for _, r := range br.Roots {
		if !seen[r] {
			t.Fatalf("root %s has no block", r)
		}
	}
}

// The metadata files, byte for byte, and each one valid against the schema.
func TestMetadataGoldenAndSchema(t *testing.T) {
	dir, db := newCollection(t, 3, 16)
	ctx := context.Background()
	carPath := filepath.Join(t.TempDir(), "c.car")
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, CAR: carPath})
	if err != nil {
		t.Fatal(err)
	}
	files := readCARFiles(t, carPath, res)
	tokenSchema := compileSchema(t, "token.schema.json", TokenSchema)
	contractSchema := compileSchema(t, "contract.schema.json", ContractSchema)
	for _, it := range res.Items {
		b := files["metadata/"+strconv.Itoa(it.ID)]
		golden.Check(t, filepath.Join("testdata", "golden", fmt.Sprintf("token-%d.json", it.ID)), b)
		validate(t, tokenSchema, b)
		var md TokenMetadata
		if err := json.Unmarshal(b, &md); err != nil {
			t.Fatal(err)
		}
		if md.Image != "ipfs://"+res.Roots.Images+"/"+it.ImageName || md.AIGCData != md.Image ||
			md.Properties.Image.CID != it.ImageCID || md.Properties.Original.CID != it.OriginalCID ||
			md.Properties.Provenance.CID != it.ProvenanceCID {
			t.Fatalf("token %d links: %+v", it.ID, md)
		}
	}
	contract := files["contract"]
	golden.Check(t, filepath.Join("testdata", "golden", "contract.json"), contract)
	validate(t, contractSchema, contract)

	// Without ERC-7007 the AIGC fields are gone, and the file still validates.
	plain := testCollection
	plain.ERC7007 = false
	dry, err := Run(ctx, Options{Dir: dir, DB: db, Collection: plain, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Roots.Metadata == res.Roots.Metadata {
		t.Fatal("ERC-7007 off did not change the metadata")
	}
	lay := layoutFor(t, dir, db, plain)
	b, err := lay.tokenJSON(lay.items[0])
	if err != nil {
		t.Fatal(err)
	}
	validate(t, tokenSchema, b)
	if bytes.Contains(b, []byte(`"aigc_`)) || bytes.Contains(b, []byte("\n  \"prompt\"")) {
		t.Fatalf("ERC-7007 fields without erc7007:\n%s", b)
	}
}

// The schema is not a rubber stamp: broken documents fail it.
func TestTokenSchemaRejectsBrokenMetadata(t *testing.T) {
	s := compileSchema(t, "token.schema.json", TokenSchema)
	dir, db := newCollection(t, 1, 8)
	lay := layoutFor(t, dir, db, testCollection)
	good, err := lay.tokenJSON(lay.items[0])
	if err != nil {
		t.Fatal(err)
	}
	validate(t, s, good)
	for name, mutate := range map[string]func(m map[string]any){
		"no image":          func(m map[string]any) { delete(m, "image") },
		"http image":        func(m map[string]any) { m["image"] = "https://example.com/1.png" },
		"attribute no type": func(m map[string]any) { m["attributes"] = []any{map[string]any{"value": "x"}} },
		"prompt alone":      func(m map[string]any) { delete(m, "aigc_data"); delete(m, "aigc_type") },
		"unknown field":     func(m map[string]any) { m["extra"] = 1 },
		"bad sha":           func(m map[string]any) { m["properties"].(map[string]any)["image"].(map[string]any)["sha256"] = "xyz" },
	} {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		mutate(m)
		b, _ := json.Marshal(m)
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err := s.Validate(inst); err == nil {
			t.Errorf("%s: schema accepted %s", name, b)
		}
	}
}

func layoutFor(t *testing.T, dir string, db *state.DB, c MetadataFacts) *layout {
	t.Helper()
	items, err := db.Items(context.Background(), state.Query{Statuses: []state.Status{state.Kept, state.Pinned, state.Minted}})
	if err != nil {
		t.Fatal(err)
	}
	lay, err := newLayout(dir, items, c, unixfs.DefaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lay.compute(context.Background(), func(Event) {}, nil); err != nil {
		t.Fatal(err)
	}
	return lay
}

func compileSchema(t *testing.T, name string, raw []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(name, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, b []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Fatalf("schema: %v\n%s", err, b)
	}
}

// readCARFiles resolves every file of a pinned collection from a CAR,
// through UnixFS, keyed "root/name".
func readCARFiles(t *testing.T, path string, res *Result) map[string][]byte {
	t.Helper()
	bs := loadCAR(t, path)
	out := map[string][]byte{}
	for name, root := range map[string]string{RootImages: res.Roots.Images, RootMetadata: res.Roots.Metadata, RootProvenance: res.Roots.Provenance, RootOriginals: res.Roots.Originals} {
		for file, data := range unixfsDirFiles(t, bs, root) {
			out[name+"/"+file] = data
		}
	}
	out["contract"] = unixfsFile(t, bs, res.Roots.Contract)
	return out
}

func TestRefusesChangedFiles(t *testing.T) {
	dir, db := newCollection(t, 3, 16)
	writeFile(t, filepath.Join(dir, "items/0002/final.png"), []byte("not the curated image"))
	_, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true})
	if !errors.Is(err, ErrFileChanged) || !strings.Contains(err.Error(), "item 2") || !strings.Contains(err.Error(), "items/0002/final.png") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("error is not one line: %q", err)
	}
}

func TestNothingToPin(t *testing.T) {
	dir := t.TempDir()
	db, err := state.Open(context.Background(), dir, state.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = Run(context.Background(), Options{Dir: dir, DB: db, DryRun: true})
	if !errors.Is(err, ErrNothingToPin) {
		t.Fatalf("err = %v", err)
	}
}

func TestMintedTokensKeepTheirBytes(t *testing.T) {
	dir, db := newCollection(t, 4, 16)
	ctx := context.Background()
	carPath := filepath.Join(t.TempDir(), "c.car")
	if _, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, CAR: carPath}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetStatus(ctx, []int{1, 2, 3, 4}, state.Minted, state.Pinned); err != nil {
		t.Fatal(err)
	}
	// Same set: fine.
	if _, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, CAR: carPath}); err != nil {
		t.Fatal(err)
	}
	// A changed description changes every token's metadata but no minted
	// token's bytes: a new baseURI, which mint moves the contract to
	// (ERC-4906). Allowed.
	changed := testCollection
	changed.Description = "something else"
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: changed, CAR: carPath})
	if err != nil {
		t.Fatalf("metadata update of minted tokens: %v", err)
	}
	last, _ := Latest(ctx, db)
	if last.BaseURI != res.BaseURI {
		t.Fatalf("latest baseURI %s, run gave %s", last.BaseURI, res.BaseURI)
	}
	// A minted token whose image is not the one it was minted with (the
	// record says other bytes): refused, naming the token, nothing pinned.
	if _, err := db.SQL().ExecContext(ctx, `UPDATE pin_items SET image_cid = 'bafkreiother' WHERE item_id = 2 AND run_id = ?`, last.ID); err != nil {
		t.Fatal(err)
	}
	changed.Description = "yet another"
	_, err = Run(ctx, Options{Dir: dir, DB: db, Collection: changed, CAR: carPath})
	if !errors.Is(err, ErrMinted) || !strings.Contains(err.Error(), "token 2 is minted, but its image") {
		t.Fatalf("err = %v", err)
	}
	if now, _ := Latest(ctx, db); now.BaseURI != last.BaseURI {
		t.Fatalf("a refused run changed the baseURI to %s", now.BaseURI)
	}
}

// fakePinner stands in for a destination that computes other CIDs.
type fakePinner struct {
	mu     sync.Mutex
	pinned map[cid.Cid]bool
	lie    string   // root name to return a wrong CID for
	calls  []string // roots Pin was asked for
}

func (f *fakePinner) Destination() string { return "fake" }
func (f *fakePinner) Pinned(_ context.Context, c cid.Cid) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pinned[c], nil
}
func (f *fakePinner) Pin(ctx context.Context, r Root) (cid.Cid, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Name)
	if err := ctx.Err(); err != nil {
		return cid.Undef, err
	}
	if r.Name == f.lie {
		c, _, err := unixfs.ImportFile(ctx, func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("other")), nil }, r.Profile, unixfs.ImportOptions{})
		return c, err
	}
	if f.pinned == nil {
		f.pinned = map[cid.Cid]bool{}
	}
	f.pinned[r.CID] = true
	return r.CID, nil
}

func TestDestinationWithOtherCIDFailsLoudly(t *testing.T) {
	dir, db := newCollection(t, 3, 16)
	f := &fakePinner{lie: RootMetadata}
	_, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection, Pinners: []Pinner{f}})
	if !errors.Is(err, ErrCIDMismatch) || !strings.Contains(err.Error(), "metadata") {
		t.Fatalf("err = %v", err)
	}
	if c := statusCounts(t, db); c[state.Kept] != 3 {
		t.Fatalf("items moved despite the mismatch: %v", c)
	}
	if _, err := Latest(context.Background(), db); !errors.Is(err, ErrNoPinRun) {
		t.Fatalf("a failed run counts as complete: %v", err)
	}
	// The honest destination afterwards completes, pinning only what is missing.
	f.lie = ""
	pinnedBefore := map[cid.Cid]bool{}
	for c := range f.pinned {
		pinnedBefore[c] = true
	}
	before := len(f.calls)
	res, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection, Pinners: []Pinner{f}})
	if err != nil {
		t.Fatal(err)
	}
	again := f.calls[before:]
	// Metadata again, and whatever the failure cancelled before it was
	// pinned; never a root that was already pinned.
	if !slices.Contains(again, RootMetadata) || len(again)+len(pinnedBefore) != 5 || res.NewlyPinned != 3 {
		t.Fatalf("second run pinned %v after %d were pinned, %d items", again, len(pinnedBefore), res.NewlyPinned)
	}
	if got := len(res.Destinations[0].Already); got != len(pinnedBefore) {
		t.Fatalf("second run found %d roots already there, the first pinned %d", got, len(pinnedBefore))
	}
}

func TestRunNeedsADestination(t *testing.T) {
	dir, db := newCollection(t, 1, 8)
	if _, err := Run(context.Background(), Options{Dir: dir, DB: db}); err == nil {
		t.Fatal("ran without a destination")
	}
}

// Files over one chunk are hashed while read; files within one chunk are
// checked through their raw-leaf CID. Both catch a change.
func TestRefusesChangedLargeFiles(t *testing.T) {
	dir, db := newCollection(t, 2, 16)
	ctx := context.Background()
	it, err := db.Item(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	big := unixfstest.RandBytes(42, 3<<20)
	writeFile(t, filepath.Join(dir, it.Final.Path), big)
	if err := db.SaveFinal(ctx, 2, state.Finished{Final: state.File{Path: it.Final.Path, SHA256: sha(big), MediaType: "image/png"},
		ProvenancePath: it.ProvenancePath, RecordSHA256: it.RecordSHA256, PostHash: it.PostHash}); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true}); err != nil {
		t.Fatalf("a large final image as recorded: %v", err)
	}
	big[len(big)/2] ^= 1
	writeFile(t, filepath.Join(dir, it.Final.Path), big)
	_, err = Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true})
	if !errors.Is(err, ErrFileChanged) || !strings.Contains(err.Error(), "item 2") {
		t.Fatalf("err = %v", err)
	}
	big[len(big)/2] ^= 1 // restored
	writeFile(t, filepath.Join(dir, it.Final.Path), big)
	writeFile(t, filepath.Join(dir, "items/0001/original.png"), []byte("tampered"))
	_, err = Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true})
	if !errors.Is(err, ErrFileChanged) || !strings.Contains(err.Error(), "items/0001/original.png") {
		t.Fatalf("err = %v", err)
	}
}

// TestMetadataHook: Options.Metadata hears every token's metadata file, and
// those bytes are exactly the files whose CIDs the run reports.
func TestMetadataHook(t *testing.T) {
	dir, db := newCollection(t, 4, 24)
	ctx := context.Background()
	got := map[int][]byte{}
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true,
		Metadata: func(id int, b []byte) { got[id] = bytes.Clone(b) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(res.Items) {
		t.Fatalf("heard %d metadata files for %d items", len(got), len(res.Items))
	}
	for _, it := range res.Items {
		b := got[it.ID]
		c, _, err := unixfs.ImportFile(ctx, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }, unixfs.DefaultProfile, unixfs.ImportOptions{})
		if err != nil || c.String() != it.MetadataCID {
			t.Fatalf("token %d: metadata heard hashes to %s, the run reports %s (%v)", it.ID, c, it.MetadataCID, err)
		}
	}
}

// With rarity.metadata_rank, each token carries its rank among the pinned
// items as one more attribute, and still validates; without, no rank.
func TestRarityRankAttribute(t *testing.T) {
	dir, db := newCollection(t, 6, 16)
	ranked := testCollection
	ranked.RarityRank = true
	lay := layoutFor(t, dir, db, ranked)
	var items []rarity.Item
	for _, li := range lay.items {
		items = append(items, rarity.Item{ID: li.it.ID, Traits: li.it.Traits})
	}
	want := rarity.Rank(items)
	tokenSchema := compileSchema(t, "token.schema.json", TokenSchema)
	for _, li := range lay.items {
		b, err := lay.tokenJSON(li)
		if err != nil {
			t.Fatal(err)
		}
		validate(t, tokenSchema, b)
		var md TokenMetadata
		if err := json.Unmarshal(b, &md); err != nil {
			t.Fatal(err)
		}
		last := md.Attributes[len(md.Attributes)-1]
		if last.TraitType != RarityRankTrait || last.Value != strconv.Itoa(want[li.it.ID]) || len(md.Attributes) != len(li.it.Traits)+1 {
			t.Errorf("item %d: attributes %v, want rank %d", li.it.ID, md.Attributes, want[li.it.ID])
		}
	}
	plain := layoutFor(t, dir, db, testCollection)
	b, err := plain.tokenJSON(plain.items[0])
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(RarityRankTrait)) {
		t.Errorf("a rank without rarity.metadata_rank:\n%s", b)
	}
}

func TestRarityRankFromSpec(t *testing.T) {
	if MetadataFactsFromSpec(&spec.Spec{}).RarityRank {
		t.Error("the rarity rank is on without rarity.metadata_rank")
	}
	if !MetadataFactsFromSpec(&spec.Spec{Rarity: spec.Rarity{MetadataRank: true}}).RarityRank {
		t.Error("rarity.metadata_rank does not reach pin")
	}
}
