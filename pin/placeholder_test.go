package pin

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/genmint/genmint/internal/testenv"
)

// withPlaceholder is testCollection with a placeholder image written into dir.
func withPlaceholder(t *testing.T, dir string) MetadataFacts {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "assets", "Soon.PNG"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	c := testCollection
	c.Placeholder = &Placeholder{Image: "assets/Soon.PNG", Name: "Tidal Glyphs (unrevealed)", Description: "Revealed at the full moon."}
	return c
}

// TestPlaceholderPinnedToKuboAndCAR pins a collection with a placeholder to
// Kubo and to a CAR file: the placeholder roots are computed locally, equal
// Kubo's, and every token's URI under the placeholder baseURI is the same
// placeholder metadata, which names nothing of the real collection.
func TestPlaceholderPinnedToKuboAndCAR(t *testing.T) {
	const n = 12
	k := testenv.StartKubo(t)
	dir, db := newCollection(t, n, 48)
	coll := withPlaceholder(t, dir)
	ctx := context.Background()
	dry, err := Run(ctx, Options{Dir: dir, DB: db, Collection: coll, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Roots.Placeholder == "" || dry.Roots.PlaceholderImage == "" || dry.PlaceholderURI != "ipfs://"+dry.Roots.Placeholder+"/" {
		t.Fatalf("no placeholder roots: %+v", dry)
	}
	// The real roots are those of the collection without a placeholder:
	// the commitment binds them.
	if dry.Roots.Images != plain.Roots.Images || dry.Roots.Metadata != plain.Roots.Metadata || dry.BaseURI != plain.BaseURI {
		t.Fatalf("a placeholder changed the real roots: %+v vs %+v", dry.Roots, plain.Roots)
	}
	carPath := filepath.Join(t.TempDir(), "c.car")
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: coll, Pinners: []Pinner{kuboPinner(t, k)}, CAR: carPath})
	if err != nil {
		t.Fatal(err)
	}
	if res.Roots != dry.Roots || res.PlaceholderURI != dry.PlaceholderURI {
		t.Fatalf("kubo run roots %+v, dry run %+v", res.Roots, dry.Roots)
	}
	for _, d := range res.Destinations {
		if len(d.Pinned) != 7 {
			t.Fatalf("%s pinned %v, want 7 roots", d.Destination, d.Pinned)
		}
	}
	pins := k.IPFS(t, "pin", "ls", "--type=recursive", "--quiet")
	for _, c := range []string{res.Roots.Placeholder, res.Roots.PlaceholderImage} {
		if !strings.Contains(pins, c) {
			t.Fatalf("%s not pinned on the node", c)
		}
	}
	rec, err := Latest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Roots != res.Roots || rec.PlaceholderURI != res.PlaceholderURI {
		t.Fatalf("recorded %+v %s", rec.Roots, rec.PlaceholderURI)
	}
	if _, _, err := rec.Publication(); err != nil {
		t.Fatal(err)
	}

	var first string
	for id := 1; id <= n; id++ {
		got := k.IPFS(t, "cat", "/ipfs/"+res.Roots.Placeholder+"/"+strconv.Itoa(id))
		if first == "" {
			first = got
		}
		if got != first {
			t.Fatalf("token %d's placeholder differs:\n%s\n%s", id, got, first)
		}
	}
	var md PlaceholderMetadata
	if err := json.Unmarshal([]byte(first), &md); err != nil {
		t.Fatal(err)
	}
	if md.Name != "Tidal Glyphs (unrevealed)" || md.Description != "Revealed at the full moon." || md.Image != "ipfs://"+res.Roots.PlaceholderImage+"/placeholder.png" {
		t.Fatalf("placeholder metadata %+v", md)
	}
	img := gatewayGet(t, k, "/ipfs/"+strings.TrimPrefix(md.Image, "ipfs://"))
	if onDisk, _ := os.ReadFile(filepath.Join(dir, "assets", "Soon.PNG")); !bytes.Equal(img, onDisk) {
		t.Fatal("the placeholder image from Kubo differs from the file")
	}
	// Identical files are one block: the folder holds n links to it.
	if ls := k.IPFS(t, "ls", res.Roots.Placeholder); strings.Count(ls, strings.Fields(ls)[0]) != n {
		t.Fatalf("placeholder folder:\n%s", ls)
	}
	// Nothing published before the reveal names the real collection.
	contract := k.IPFS(t, "cat", res.Roots.Contract)
	for _, real := range []string{res.Roots.Images, res.Roots.Originals, res.Roots.Provenance, res.Roots.Metadata} {
		if strings.Contains(first, real) || strings.Contains(contract, real) {
			t.Fatalf("placeholder or contract metadata names real root %s:\n%s\n%s", real, first, contract)
		}
	}
	if !strings.Contains(contract, md.Image) {
		t.Fatalf("contract metadata's image is not the placeholder:\n%s", contract)
	}

	// The CAR holds the same roots, each block once, and a fresh node
	// importing it serves the placeholder.
	checkCAR(t, carPath, res.Roots)
	k2 := testenv.StartKubo(t)
	k2.IPFS(t, "dag", "import", "--pin-roots", carPath)
	if got := k2.IPFS(t, "cat", "/ipfs/"+res.Roots.Placeholder+"/"+strconv.Itoa(n)); got != first {
		t.Fatalf("placeholder from the CAR:\n%s", got)
	}
}
