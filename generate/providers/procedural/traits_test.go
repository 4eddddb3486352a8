package procedural

import (
	"fmt"
	"image"
	"math"
	"testing"

	"github.com/genmint/genmint/generate"
)

// These tests prove that the words of a request drive the picture in ways
// that can be measured on the pixels, over several seeds and every motif.

var allMotifs = []string{"flow", "rings", "cells", "ridges", "tiles"}

func TestPaletteIsVisible(t *testing.T) {
	p := mustNew(t, generate.Params{"width": 160, "height": 160})
	for _, m := range allMotifs {
		for seed := uint32(1); seed <= 3; seed++ {
			for _, bg := range []string{"night", "dawn"} {
				_, img := generateImage(t, p, generate.Request{Seed: seed, Prompt: m + " by the sea at " + bg})
				r, g, b := stats{img}.meanRGB()
				if b < r+20 {
					t.Errorf("%s/%d sea at %s: mean R %.0f G %.0f B %.0f, want blue well above red", m, seed, bg, r, g, b)
				}
				_, img = generateImage(t, p, generate.Request{Seed: seed, Prompt: m + " of embers at " + bg})
				r, g, b = stats{img}.meanRGB()
				if r < b+30 {
					t.Errorf("%s/%d embers at %s: mean R %.0f G %.0f B %.0f, want red well above blue", m, seed, bg, r, g, b)
				}
				_, img = generateImage(t, p, generate.Request{Seed: seed, Prompt: m + " in a forest at " + bg})
				r, g, b = stats{img}.meanRGB()
				if g < r || g < b {
					t.Errorf("%s/%d forest at %s: mean R %.0f G %.0f B %.0f, want green on top", m, seed, bg, r, g, b)
				}
			}
		}
	}
}

func TestBackgroundIsVisible(t *testing.T) {
	p := mustNew(t, generate.Params{"width": 160, "height": 160})
	for _, m := range allMotifs {
		for _, pal := range []string{"ocean", "ember", "mono", "pastel"} {
			for seed := uint32(1); seed <= 3; seed++ {
				_, night := generateImage(t, p, generate.Request{Seed: seed, Prompt: fmt.Sprintf("%s %s at midnight", pal, m)})
				_, dawn := generateImage(t, p, generate.Request{Seed: seed, Prompt: fmt.Sprintf("%s %s at dawn", pal, m)})
				ln, ld := stats{night}.meanLum(), stats{dawn}.meanLum()
				if ld < ln+30 {
					t.Errorf("%s %s/%d: mean luminance %.0f at dawn vs %.0f at midnight, want dawn clearly lighter", pal, m, seed, ld, ln)
				}
			}
		}
	}
}

func TestGrainIsVisible(t *testing.T) {
	p := mustNew(t, generate.Params{"width": 160, "height": 160})
	for _, m := range allMotifs {
		_, clean := generateImage(t, p, generate.Request{Seed: 5, Prompt: m + ", clean"})
		_, grainy := generateImage(t, p, generate.Request{Seed: 5, Prompt: m + ", film grain"})
		// Grain is the only difference: it must be strong enough to see
		// and fine-grained (pixel to pixel), not a shift of tone.
		diff := image.NewRGBA(clean.Bounds())
		var sum float64
		for i := 0; i < len(clean.Pix); i += 4 {
			for c := 0; c < 3; c++ {
				d := int(grainy.Pix[i+c]) - int(clean.Pix[i+c])
				sum += math.Abs(float64(d))
				diff.Pix[i+c] = uint8(128 + d)
			}
			diff.Pix[i+3] = 255
		}
		mean := sum / float64(3*len(clean.Pix)/4)
		if lap := (stats{diff}).laplacian(); mean < 3 || lap < 3 {
			t.Errorf("%s: grain changes pixels by %.1f levels on average with high-frequency energy %.1f, want both ≥ 3", m, mean, lap)
		}
	}
}

// TestDensityIsVisible compares sparse and dense renders of the same seed:
// dense pictures have more detail (more pixels on an edge).
func TestDensityIsVisible(t *testing.T) {
	p := mustNew(t, generate.Params{"width": 192, "height": 192, "palette": "mono"})
	for _, m := range allMotifs {
		for seed := uint32(1); seed <= 3; seed++ {
			_, sparse := generateImage(t, p, generate.Request{Seed: seed, Prompt: "a calm " + m})
			_, dense := generateImage(t, p, generate.Request{Seed: seed, Prompt: "an intricate " + m})
			es, ed := stats{sparse}.edgeDensity(8), stats{dense}.edgeDensity(8)
			if ed < es*1.2 {
				t.Errorf("%s/%d: edge density %.3f dense vs %.3f sparse, want clearly more", m, seed, ed, es)
			}
		}
	}
}

func TestSeedsDiffer(t *testing.T) {
	p := mustNew(t, generate.Params{"width": 128, "height": 128})
	for _, m := range allMotifs {
		_, a := generateImage(t, p, generate.Request{Seed: 100, Prompt: "ocean " + m})
		_, b := generateImage(t, p, generate.Request{Seed: 101, Prompt: "ocean " + m})
		var diff float64
		for i := 0; i < len(a.Pix); i += 4 {
			diff += math.Abs(float64(a.Pix[i+2]) - float64(b.Pix[i+2]))
		}
		diff /= float64(len(a.Pix) / 4)
		if diff < 8 {
			t.Errorf("%s: seeds 100 and 101 differ by %.1f levels per pixel, want different pictures", m, diff)
		}
	}
}

// TestMotifsDifferStructurally checks each motif's defining geometry on
// the pixels, against the same measure on the other motifs, with one
// palette so that only structure differs. The renderers' recorded choices
// (ring centres, tile grid, flow field) say where to look.
func TestMotifsDifferStructurally(t *testing.T) {
	const size = 320
	p := mustNew(t, generate.Params{"width": size, "height": size, "palette": "mono"})
	for seed := uint32(1); seed <= 4; seed++ {
		res := map[string]*generate.Result{}
		img := map[string]stats{}
		for _, m := range allMotifs {
			r, im := generateImage(t, p, generate.Request{Seed: seed, Prompt: m})
			res[m], img[m] = r, stats{im}
		}
		others := func(m string) []string {
			var v []string
			for _, o := range allMotifs {
				if o != m {
					v = append(v, o)
				}
			}
			return v
		}

		// Rings: gradients point away from the ring centres.
		var centres [][2]float64
		for k := 1; k <= 3; k++ {
			if v, ok := res["rings"].Params[fmt.Sprintf("rings.centre_%d_px", k)].([]any); ok {
				centres = append(centres, [2]float64{float64(v[0].(int)), float64(v[1].(int))})
			}
		}
		if len(centres) == 0 {
			t.Fatalf("rings recorded no centres: %v", res["rings"].Params)
		}
		if a := img["rings"].radialAlignment(centres); a < 0.85 {
			t.Errorf("seed %d rings: radial alignment %.2f, want ≥ 0.85", seed, a)
		}
		for _, o := range others("rings") {
			if a := img[o].radialAlignment(centres); a > 0.75 {
				t.Errorf("seed %d %s: radial alignment %.2f about the ring centres, want < 0.75", seed, o, a)
			}
		}

		// Flow: strokes run along the field, so gradients lie across it.
		// (Beads are dots, whose gradients point every way: not measured.)
		fp := res["flow"].Params
		ff := flowField{
			f:    newField(uint32(fp["flow.field_seed"].(int)), int32(fp["flow.field_cells"].(int)), size),
			base: int32(fp["flow.field_base_q16"].(int)), gain: int32(fp["flow.field_turns_q16"].(int)), oct: 2,
		}
		if q, ok := fp["flow.field_directions"].(int); ok {
			ff.quant = turn / int32(q)
		}
		dir := func(x, y int) (float64, float64) {
			dx, dy := ff.dir(int32(x)*sub+halfSub, int32(y)*sub+halfSub)
			return float64(dx) / one, float64(dy) / one
		}
		if fp["style"] != "beads" {
			if a := img["flow"].fieldAlignment(dir); a > 0.35 {
				t.Errorf("seed %d flow (%s): gradient·field %.2f, want ≤ 0.35 (strokes along the field)", seed, fp["style"], a)
			}
		}
		for _, o := range others("flow") {
			if a := img[o].fieldAlignment(dir); a < 0.5 {
				t.Errorf("seed %d %s: gradient·field %.2f, want ≥ 0.5", seed, o, a)
			}
		}

		// Ridges: layers under an empty sky; the top tenth is nearly free
		// of edges, unlike motifs that cover the canvas.
		topShare := func(s stats) float64 {
			return s.bandEdges(0, size/10, 3) / max(s.edgeDensity(3), 1e-9)
		}
		if r := topShare(img["ridges"]); r > 0.1 {
			t.Errorf("seed %d ridges: top tenth has %.2f of the mean edge density, want < 0.1", seed, r)
		}
		for _, o := range others("ridges") {
			if r := topShare(img[o]); r < 0.15 {
				t.Errorf("seed %d %s: top tenth has %.2f of the mean edge density, want ≥ 0.15", seed, o, r)
			}
		}

		// Tiles: edges sit at fixed places within each tile, so they line
		// up with the tile grid far better than with a grid of another
		// period. (Cells are left out: a Voronoi diagram of a jittered
		// grid keeps some of its grid's rhythm.)
		tr := res["tiles"].Params
		period := float64(size) / float64(tr["tiles.tiles_across"].(int))
		oy := (float64(size) - float64(tr["tiles.tile_rows"].(int))*period) / 2
		gridRatio := func(s stats) float64 { return s.gridPhaseF(period, oy, 16) / s.gridPhaseF(period*1.37, oy, 16) }
		if g := gridRatio(img["tiles"]); g < 2 {
			t.Errorf("seed %d tiles (%s): grid alignment ratio %.2f, want ≥ 2", seed, tr["style"], g)
		}
		for _, o := range []string{"flow", "rings", "ridges"} {
			if g := gridRatio(img[o]); g > 1.5 {
				t.Errorf("seed %d %s: grid alignment ratio %.2f, want < 1.5", seed, o, g)
			}
		}

		// Cells: the picture falls into about as many flat regions as the
		// renderer drew cells.
		cells := float64(res["cells"].Params["cells.cells"].(int))
		cellPx := res["cells"].Params["cells.cell_px"].(int)
		if n := float64(img["cells"].regions(6, cellPx*cellPx/8)); n < cells*0.7 || n > cells*1.5 {
			t.Errorf("seed %d cells (%s): %0.f flat regions for %0.f cells", seed, res["cells"].Params["style"], n, cells)
		}
	}
}
