package pin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/pin/unixfs"
	"github.com/genmint/genmint/pin/unixfs/unixfstest"
	"github.com/genmint/genmint/state"
)

var testRetry = RetryPolicy{Attempts: 3, Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}

func kuboPinner(t *testing.T, k *testenv.KuboDaemon) *Kubo {
	t.Helper()
	kp, err := NewKubo(k.API)
	if err != nil {
		t.Fatal(err)
	}
	if err := kp.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	return kp
}

func gatewayGet(t *testing.T, k *testenv.KuboDaemon, path string) []byte {
	t.Helper()
	resp, err := http.Get(k.Gateway + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

// Pin a collection into a real Kubo, then fetch every token's metadata and
// the files it names back through Kubo and compare bytes and hashes.
func TestKuboPinCollectionAndFetchBack(t *testing.T) {
	k := testenv.StartKubo(t) // Kubo's default Import config: genmint must not rely on it
	dir, db := newCollection(t, 12, 64)
	ctx := context.Background()
	dry, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	var events []Event
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection,
		Pinners:  []Pinner{WithRetry(kuboPinner(t, k), testRetry)},
		Progress: func(e Event) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Roots != dry.Roots {
		t.Fatalf("kubo run roots %+v, dry run %+v", res.Roots, dry.Roots)
	}
	if res.NewlyPinned != 12 || statusCounts(t, db)[state.Pinned] != 12 {
		t.Fatalf("pinned %d, statuses %v", res.NewlyPinned, statusCounts(t, db))
	}
	uploads := 0
	for _, e := range events {
		if e.Kind == EventUploading {
			uploads++
		}
	}
	if uploads != 12*4 { // every file of images, originals, provenance, metadata, checked one by one
		t.Fatalf("%d per-file upload checks, want 48", uploads)
	}

	// Every root is recursively pinned on the node.
	pins := k.IPFS(t, "pin", "ls", "--type=recursive", "--quiet")
	for _, c := range []string{res.Roots.Images, res.Roots.Originals, res.Roots.Provenance, res.Roots.Metadata, res.Roots.Contract} {
		if !strings.Contains(pins, c) {
			t.Fatalf("%s not pinned on the node:\n%s", c, pins)
		}
	}

	lay := layoutFor(t, dir, db, testCollection)
	tokenSchema := compileSchema(t, "token.schema.json", TokenSchema)
	for _, li := range lay.items {
		id := strconv.Itoa(li.it.ID)
		want, err := lay.tokenJSON(li)
		if err != nil {
			t.Fatal(err)
		}
		// tokenURI = baseURI + id, through the CLI and through the gateway.
		if got := k.IPFS(t, "cat", "/ipfs/"+res.Roots.Metadata+"/"+id); got != string(want) {
			t.Fatalf("token %s via ipfs cat differs:\n%s\nwant\n%s", id, got, want)
		}
		raw := gatewayGet(t, k, "/ipfs/"+res.Roots.Metadata+"/"+id)
		validate(t, tokenSchema, raw)
		var md TokenMetadata
		if err := json.Unmarshal(raw, &md); err != nil {
			t.Fatal(err)
		}
		img := gatewayGet(t, k, "/ipfs/"+strings.TrimPrefix(md.Image, "ipfs://"))
		onDisk, err := os.ReadFile(li.finalPath)
		if err != nil {
			t.Fatal(err)
		}
		if string(img) != string(onDisk) || sha(img) != md.Properties.Image.SHA256 {
			t.Fatalf("token %s: image from IPFS differs from %s", id, li.finalPath)
		}
		orig := gatewayGet(t, k, "/ipfs/"+strings.TrimPrefix(md.Properties.Original.URI, "ipfs://"))
		if sha(orig) != md.Properties.Original.SHA256 || sha(orig) != li.originalSHA {
			t.Fatalf("token %s: original hash differs", id)
		}
		// The file CIDs in the metadata are the files' own CIDs on the node.
		if got := strings.TrimSpace(k.IPFS(t, "resolve", "-r", "/ipfs/"+res.Roots.Images+"/"+li.imageName)); got != "/ipfs/"+md.Properties.Image.CID {
			t.Fatalf("token %s: image resolves to %s, metadata says %s", id, got, md.Properties.Image.CID)
		}
		prov := gatewayGet(t, k, "/ipfs/"+strings.TrimPrefix(md.Properties.Provenance.URI, "ipfs://"))
		if !strings.Contains(string(prov), md.Properties.Provenance.ContentSHA256) {
			t.Fatalf("token %s: provenance record does not carry its content hash", id)
		}
	}
	contract := k.IPFS(t, "cat", res.Roots.Contract)
	if !strings.Contains(contract, `"seller_fee_basis_points": 500`) {
		t.Fatalf("contract metadata:\n%s", contract)
	}

	// Re-run: nothing new, no CID changes.
	res2, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: []Pinner{kuboPinner(t, k)}})
	if err != nil {
		t.Fatal(err)
	}
	if res2.Roots != res.Roots || res2.NewlyPinned != 0 || len(res2.Destinations[0].Pinned) != 0 || len(res2.Destinations[0].Already) != 5 {
		t.Fatalf("re-run: %+v", res2)
	}
	rec, err := Latest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Pinned[0].Destination != "kubo "+k.API {
		t.Fatalf("recorded destination %q", rec.Pinned[0].Destination)
	}
}

// The CAR file, imported into a fresh Kubo repo, gives the same roots and
// serves the same files.
func TestCARImportsIntoFreshKubo(t *testing.T) {
	dir, db := newCollection(t, 6, 64)
	carPath := filepath.Join(t.TempDir(), "collection.car")
	res, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection, CAR: carPath})
	if err != nil {
		t.Fatal(err)
	}
	k := testenv.StartKubo(t)
	out := k.IPFS(t, "dag", "import", "--pin-roots", "--enc=json", carPath)
	var got []string
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var line struct {
			Root *struct {
				Cid         map[string]string
				PinErrorMsg string
			}
		}
		if err := dec.Decode(&line); err != nil {
			t.Fatal(err)
		}
		if line.Root != nil {
			if line.Root.PinErrorMsg != "" {
				t.Fatalf("dag import could not pin %v: %s", line.Root.Cid, line.Root.PinErrorMsg)
			}
			got = append(got, line.Root.Cid["/"])
		}
	}
	want := []string{res.Roots.Images, res.Roots.Originals, res.Roots.Provenance, res.Roots.Metadata, res.Roots.Contract}
	if strings.Join(sortedCopy(got), ",") != strings.Join(sortedCopy(want), ",") {
		t.Fatalf("imported roots %v, want %v", got, want)
	}
	lay := layoutFor(t, dir, db, testCollection)
	wantTok, _ := lay.tokenJSON(lay.items[0])
	if tok := k.IPFS(t, "cat", "/ipfs/"+res.Roots.Metadata+"/1"); tok != string(wantTok) {
		t.Fatalf("token 1 from the imported CAR:\n%s", tok)
	}
	// And Kubo, re-adding the original files itself, agrees on the roots.
	kp := kuboPinner(t, k)
	for _, r := range []string{res.Roots.Images, res.Roots.Metadata} {
		c, _ := cid.Decode(r)
		if ok, err := kp.Pinned(context.Background(), c); err != nil || !ok {
			t.Fatalf("%s pinned after import: %v %v", r, ok, err)
		}
	}
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c
}

// A dead or absent node is one line naming the address and the fixes, and
// nothing is marked pinned.
func TestDeadKuboIsOneLineWithTheFix(t *testing.T) {
	port := testenv.FreePort(t) // free a moment ago: nobody listens there
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	kp, err := NewKubo(addr)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("cannot reach Kubo at http://%s (connection refused): start one with 'ipfs daemon', or pass --ipfs-api / set IPFS_API, or use --car FILE to pin without a node", addr)
	err = kp.Check(context.Background())
	if err == nil || err.Error() != want || !errors.Is(err, ErrKuboUnreachable) {
		t.Fatalf("Check:\n got %v\nwant %s", err, want)
	}

	dir, db := newCollection(t, 2, 16)
	_, err = Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection, Pinners: []Pinner{WithRetry(kp, testRetry)}})
	if !errors.Is(err, ErrKuboUnreachable) || !strings.HasSuffix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Run: %v", err)
	}
	if c := statusCounts(t, db); c[state.Kept] != 2 {
		t.Fatalf("statuses: %v", c)
	}

	// A node that was there and went away says the same.
	k := testenv.StartKubo(t)
	kp2 := kuboPinner(t, k)
	k.Stop()
	if err := kp2.Check(context.Background()); !errors.Is(err, ErrKuboUnreachable) {
		t.Fatalf("after stop: %v", err)
	}
}

// A node whose directory settings (which no add option can set) would shard
// a directory differently is refused before uploading, naming the fix; the
// same directory goes through on a node configured for the profile.
func TestKuboNodeDirectorySettingsChecked(t *testing.T) {
	tr := unixfstest.ManyFiles(5400, func(i int) string { return fmt.Sprintf("%05d.png", i) })
	d := tr.Dir()
	want, _, err := unixfs.ImportDir(context.Background(), d, unixfs.DefaultProfile, unixfs.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	root := Root{Name: "images", CID: want, Dir: d, Profile: unixfs.DefaultProfile}

	def := kuboPinner(t, testenv.StartKubo(t))
	_, err = def.Pin(context.Background(), root)
	if !errors.Is(err, ErrCIDMismatch) || !strings.Contains(err.Error(), "ipfs config Import.UnixFSHAMTDirectorySizeEstimation block") {
		t.Fatalf("default node: %v", err)
	}
	if ok, _ := def.Pinned(context.Background(), want); ok {
		t.Fatal("refused root is pinned")
	}

	tuned := kuboPinner(t, testenv.StartKubo(t, testenv.WithKuboConfig("Import.UnixFSHAMTDirectorySizeEstimation", `"block"`)))
	got, err := tuned.Pin(context.Background(), root)
	if err != nil || !got.Equals(want) {
		t.Fatalf("tuned node: %s %v, want %s", got, err, want)
	}
}

// Ctrl-C reaches the HTTP request go-ipfs-api would otherwise leave running.
func TestKuboPinHonoursCancellation(t *testing.T) {
	k := testenv.StartKubo(t)
	kp := kuboPinner(t, k)
	big := &unixfs.Dir{}
	blocked := make(chan struct{})
	big.AddFile("slow.bin", func() (io.ReadCloser, error) { return &slowReader{started: blocked}, nil })
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := kp.Pin(ctx, Root{Name: "images", Dir: big, Profile: unixfs.DefaultProfile})
		errc <- err
	}()
	<-blocked
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Pin did not return after cancel")
	}
}

// slowReader is an endless file that trickles.
type slowReader struct {
	started chan struct{}
	once    bool
}

func (s *slowReader) Read(p []byte) (int, error) {
	if !s.once {
		s.once = true
		close(s.started)
	}
	time.Sleep(5 * time.Millisecond)
	n := min(len(p), 1024)
	for i := range n {
		p[i] = 'x'
	}
	return n, nil
}
func (s *slowReader) Close() error { return nil }

// Kubo first, then a pinning service asked to keep the same roots, with
// the node's addresses as origins.
func TestRunKuboThenPinningService(t *testing.T) {
	k := testenv.StartKubo(t)
	kp := kuboPinner(t, k)
	ctx := context.Background()
	origins, err := kp.Origins(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv := newPSAServer(t)
	srv.throttle = 1 // one 429 without Retry-After on the way
	psa, err := NewPinningService(srv.URL, psaToken, PinningServiceOptions{Poll: time.Millisecond, Origins: origins})
	if err != nil {
		t.Fatal(err)
	}
	dir, db := newCollection(t, 4, 32)
	opts := Options{Dir: dir, DB: db, Collection: testCollection,
		Pinners: []Pinner{WithRetry(kp, testRetry), WithRetry(psa, testRetry)}}
	res, err := Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Destinations) != 2 || len(res.Destinations[1].Pinned) != 5 || srv.posts != 5 {
		t.Fatalf("destinations %+v, %d posts", res.Destinations, srv.posts)
	}
	rec, err := Latest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Pinned) != 10 {
		t.Fatalf("recorded %d root pins, want 10: %+v", len(rec.Pinned), rec.Pinned)
	}
	res2, err := Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if srv.posts != 5 || len(res2.Destinations[1].Already) != 5 || res2.Roots != res.Roots {
		t.Fatalf("re-run posted again: %d posts, %+v", srv.posts, res2.Destinations)
	}
}
