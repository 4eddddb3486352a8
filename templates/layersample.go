package templates

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"

	"github.com/genmint/genmint/internal/fsatomic"
)

// sampleSide is the sample layers' size in pixels.
const sampleSide = 256

// SampleLayers writes the layers starter's drawn layers into dir/layersDir
// (HashLips' layout: <trait>/<value>#<weight>.png) and returns the traits in
// draw order, "none" included where a trait may draw nothing. It refuses a
// folder that already exists.
func SampleLayers(dir, layersDir string) ([]LayerTrait, error) {
	root := filepath.Join(dir, layersDir)
	if _, err := os.Stat(root); err == nil {
		return nil, fmt.Errorf("%s already exists: move it aside, or use 'genmint init --from-hashlips %s' to use it", root, root)
	}
	type value struct {
		name   string
		weight int
		draw   func(x, y int) color.NRGBA
	}
	grad := func(top, bottom color.NRGBA) func(x, y int) color.NRGBA {
		return func(x, y int) color.NRGBA {
			mix := func(a, b uint8) uint8 { return uint8((int(a)*(sampleSide-1-y) + int(b)*y) / (sampleSide - 1)) }
			return color.NRGBA{mix(top.R, bottom.R), mix(top.G, bottom.G), mix(top.B, bottom.B), 255}
		}
	}
	// ellipse draws a filled ellipse (centre cx, cy; radii rx, ry) with a
	// half-transparent rim of width rim.
	ellipse := func(cx, cy, rx, ry, rim int, c color.NRGBA) func(x, y int) color.NRGBA {
		return func(x, y int) color.NRGBA {
			dx, dy := x-cx, y-cy
			in := func(rx, ry int) bool { return dx*dx*ry*ry+dy*dy*rx*rx <= rx*rx*ry*ry }
			switch {
			case in(rx, ry):
				return c
			case in(rx+rim, ry+rim):
				return color.NRGBA{c.R, c.G, c.B, 110}
			}
			return color.NRGBA{}
		}
	}
	either := func(fs ...func(x, y int) color.NRGBA) func(x, y int) color.NRGBA {
		return func(x, y int) color.NRGBA {
			for _, f := range fs {
				if c := f(x, y); c.A != 0 {
					return c
				}
			}
			return color.NRGBA{}
		}
	}
	rect := func(x0, y0, x1, y1 int, c color.NRGBA) func(x, y int) color.NRGBA {
		return func(x, y int) color.NRGBA {
			if x >= x0 && x < x1 && y >= y0 && y < y1 {
				return c
			}
			return color.NRGBA{}
		}
	}
	ink := color.NRGBA{24, 20, 36, 255}
	gold := color.NRGBA{236, 184, 48, 255}
	traits := []struct {
		name   string
		values []value
		none   int // weight of "none", 0 for no such value
	}{
		{"background", []value{
			{"Dusk", 40, grad(color.NRGBA{64, 40, 110, 255}, color.NRGBA{230, 120, 90, 255})},
			{"Mint", 30, grad(color.NRGBA{190, 240, 220, 255}, color.NRGBA{60, 160, 140, 255})},
			{"Sand", 20, grad(color.NRGBA{250, 232, 190, 255}, color.NRGBA{200, 150, 90, 255})},
			{"Night", 10, grad(color.NRGBA{8, 10, 30, 255}, color.NRGBA{30, 40, 90, 255})},
		}, 0},
		{"body", []value{
			{"Round", 50, ellipse(128, 160, 72, 72, 6, color.NRGBA{250, 200, 170, 255})},
			{"Tall", 30, ellipse(128, 150, 52, 90, 6, color.NRGBA{150, 210, 120, 255})},
			{"Wide", 20, ellipse(128, 170, 96, 60, 6, color.NRGBA{130, 170, 240, 255})},
		}, 0},
		{"eyes", []value{
			{"Open", 70, either(ellipse(104, 150, 10, 12, 2, ink), ellipse(152, 150, 10, 12, 2, ink))},
			{"Sleepy", 30, either(rect(92, 150, 116, 155, ink), rect(140, 150, 164, 155, ink))},
		}, 0},
		{"hat", []value{
			{"Cap", 30, either(ellipse(128, 92, 60, 22, 3, color.NRGBA{200, 40, 60, 255}), rect(128, 92, 200, 100, color.NRGBA{160, 30, 50, 255}))},
			{"Crown", 10, either(rect(88, 58, 168, 90, gold), rect(88, 40, 104, 58, gold), rect(120, 36, 136, 58, gold), rect(152, 40, 168, 58, gold))},
		}, 60},
	}
	var out []LayerTrait
	for _, t := range traits {
		lt := LayerTrait{Name: t.name}
		for _, v := range t.values {
			img := image.NewNRGBA(image.Rect(0, 0, sampleSide, sampleSide))
			for y := 0; y < sampleSide; y++ {
				for x := 0; x < sampleSide; x++ {
					img.SetNRGBA(x, y, v.draw(x, y))
				}
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				return nil, err
			}
			path := filepath.Join(root, t.name, fmt.Sprintf("%s#%d.png", v.name, v.weight))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return nil, fsatomic.Explain(err)
			}
			if err := fsatomic.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				return nil, err
			}
			lt.Values = append(lt.Values, LayerValue{Value: v.name, Weight: v.weight})
		}
		if t.none > 0 {
			lt.Values = append(lt.Values, LayerValue{Value: "none", Weight: t.none})
		}
		out = append(out, lt)
	}
	return out, nil
}
