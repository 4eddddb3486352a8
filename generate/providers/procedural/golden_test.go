package procedural

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/internal/golden"
)

// goldenCase is one pinned request. Together they cover every motif and
// style, both backgrounds, grain, every density, and non-square sizes.
type goldenCase struct {
	name   string
	params generate.Params
	req    generate.Request
}

func goldenCases() []goldenCase {
	sz := func(w, h int, kv ...any) generate.Params {
		p := generate.Params{"width": w, "height": h}
		for i := 0; i+1 < len(kv); i += 2 {
			p[kv[i].(string)] = kv[i+1]
		}
		return p
	}
	tr := func(typ, val string) []generate.Trait { return []generate.Trait{{Type: typ, Value: val}} }
	return []goldenCase{
		{"flow-ribbons", sz(240, 180), generate.Request{Seed: 1, Prompt: "ocean currents drawn with a brush"}},
		{"flow-beads", sz(180, 240), generate.Request{Seed: 2, Prompt: "dotted ember stream", Traits: tr("Mood", "busy")}},
		{"flow-silk", sz(200, 200, "grain", true), generate.Request{Seed: 3, Prompt: "aurora silk"}},
		{"rings-bands", sz(200, 160), generate.Request{Seed: 4, Prompt: "pastel agate bands", Traits: tr("Light", "Night")}},
		{"rings-contours", sz(160, 200), generate.Request{Seed: 5, Prompt: "topographic map, mono, sparse"}},
		{"rings-halo", sz(192, 192, "density", "dense"), generate.Request{Seed: 6, Prompt: "cosmic ripple"}},
		{"cells-stained", sz(220, 180), generate.Request{Seed: 7, Prompt: "regal stained glass"}},
		{"cells-crystal", sz(180, 180, "background", "light"), generate.Request{Seed: 8, Prompt: "storm crystal"}},
		{"cells-mosaic", sz(240, 160), generate.Request{Seed: 9, Prompt: "desert mosaic", Traits: tr("Detail", "intricate")}},
		{"ridges-mountains", sz(256, 160), generate.Request{Seed: 10, Prompt: "forest mountains"}},
		{"ridges-dunes", sz(256, 192), generate.Request{Seed: 11, Prompt: "sahara dunes at dawn"}},
		{"ridges-lines", sz(192, 256), generate.Request{Seed: 12, Prompt: "neon pulsar signal"}},
		{"ridges-waves", sz(256, 200, "grain", "on"), generate.Request{Seed: 13, Prompt: "waves on a sea", Traits: tr("Style", "vintage")}},
		{"tiles-truchet", sz(200, 200), generate.Request{Seed: 14, Prompt: "citrus truchet"}},
		{"tiles-maze", sz(210, 170), generate.Request{Seed: 15, Prompt: "rust maze"}},
		{"tiles-weave", sz(200, 180), generate.Request{Seed: 16, Prompt: "bloom tartan"}},
		{"tiles-bauhaus", sz(170, 210), generate.Request{Seed: 17, Prompt: "pastel bauhaus quilt"}},
		{"seed-only", sz(128, 96), generate.Request{Seed: 4242, Prompt: "untitled"}},
	}
}

// goldenRecord is what testdata/golden/<case> holds: the SHA-256 of the
// pixels and of the PNG file. When only the PNG hash changes, Go's PNG or
// flate encoder changed (a Go upgrade), not the algorithm.
func goldenRecord(res *generate.Result, pix []byte) string {
	ps := sha256.Sum256(pix)
	fs := sha256.Sum256(res.Image)
	return fmt.Sprintf("pixels %s\npng %s\nmodel_version %s\n", hex.EncodeToString(ps[:]), hex.EncodeToString(fs[:]), res.ModelVersion)
}

// renderCase renders a case twice over: through Generate (the PNG) and the
// renderer directly (the pixels), so both hashes are pinned.
func renderCase(t testing.TB, c goldenCase) (*generate.Result, []byte) {
	t.Helper()
	p := mustNew(t, c.params)
	res, err := p.Generate(context.Background(), c.req)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	o, err := parseParams(c.params, "provider.params")
	if err != nil {
		t.Fatal(err)
	}
	l, _ := o.resolve(c.req)
	img := image.NewRGBA(image.Rect(0, 0, l.width, l.height))
	if err := render(context.Background(), img, l, c.req.Seed, nil); err != nil {
		t.Fatal(err)
	}
	return res, img.Pix
}

// TestGolden pins the output of every case. Run with -update after an
// intentional change to the algorithm, and bump algorithmVersion with it.
// The cross-architecture test runs this same test in 386 and arm64 builds.
func TestGolden(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	if golden.Update() {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	seenStyles := map[string]bool{}
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			res, pix := renderCase(t, c)
			seenStyles[res.Params["style"].(string)] = true
			got := goldenRecord(res, pix)
			path := filepath.Join(dir, c.name)
			if golden.Update() {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if got != string(want) {
				wl, gl := strings.Split(string(want), "\n"), strings.Split(got, "\n")
				switch {
				case wl[0] == gl[0] && wl[2] == gl[2]:
					t.Errorf("same pixels, different PNG bytes: Go's image/png or compress/flate changed; "+
						"regenerate with -update if this is a Go upgrade\nwant %s\ngot  %s", wl[1], gl[1])
				default:
					t.Errorf("output changed (model_version %s):\nwant\n%sgot\n%s"+
						"If the change is intended, bump algorithmVersion and run go test -run TestGolden -update.",
						res.ModelVersion, want, got)
				}
			}
		})
	}
	var all []string
	for _, m := range motifs {
		all = append(all, m.styles...)
	}
	for _, s := range all {
		if !seenStyles[s] {
			t.Errorf("no golden case renders style %s", s)
		}
	}
}

// TestDeterministicConcurrent renders the same requests sequentially and
// from many goroutines at once: every byte must agree.
func TestDeterministicConcurrent(t *testing.T) {
	cases := goldenCases()
	want := make([][]byte, len(cases))
	for i, c := range cases {
		res, _ := renderCase(t, c)
		want[i] = res.Image
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4*len(cases))
	for round := 0; round < 4; round++ {
		for i, c := range cases {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := New(generate.ProviderConfig{Params: c.params})
				if err != nil {
					errs <- err.Error()
					return
				}
				res, err := p.Generate(context.Background(), c.req)
				if err != nil {
					errs <- err.Error()
					return
				}
				if string(res.Image) != string(want[i]) {
					errs <- fmt.Sprintf("%s: concurrent render differs from sequential", c.name)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestProviderShared checks one Provider value serves concurrent calls with
// different requests without them affecting each other.
func TestProviderShared(t *testing.T) {
	p := mustNew(t, generate.Params{"width": 96, "height": 96})
	reqs := []generate.Request{{Seed: 1, Prompt: "flow"}, {Seed: 2, Prompt: "rings"}, {Seed: 3, Prompt: "cells"}}
	want := make([]string, len(reqs))
	for i, r := range reqs {
		res, err := p.Generate(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = string(res.Image)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := 0
	for k := 0; k < 24; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := p.Generate(context.Background(), reqs[k%len(reqs)])
			mu.Lock()
			defer mu.Unlock()
			if err != nil || string(res.Image) != want[k%len(reqs)] {
				bad++
			}
		}()
	}
	wg.Wait()
	if bad > 0 {
		t.Errorf("%d of 24 concurrent calls on one Provider differed", bad)
	}
}
