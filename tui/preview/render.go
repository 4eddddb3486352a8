package preview

import (
	"fmt"
	"image"
	"strconv"

	"golang.org/x/image/draw"
)

// CellSize is a terminal cell's size in pixels. Graphics protocols need it to
// size an image in pixels so it covers a whole number of cells.
type CellSize struct{ W, H int }

// DefaultCellSize is assumed when the terminal does not report its pixel
// size. It is small on purpose: a sixel image sized for cells smaller than
// the real ones draws smaller than its box, never past it (which would scroll
// the screen).
var DefaultCellSize = CellSize{W: 7, H: 14}

func (c CellSize) orDefault() CellSize {
	if c.W <= 0 || c.H <= 0 {
		return DefaultCellSize
	}
	return c
}

// Frame is an image rendered for one box of cells.
type Frame struct {
	Protocol Protocol
	// Cols and Rows are the cells the image covers (at most the box's size);
	// the caller centres the frame in its box.
	Cols, Rows int
	// Lines holds Rows text lines of exactly Cols cells each (Blocks only).
	Lines []string
	// Seq draws the image with its top-left corner at the cursor (graphics
	// protocols only). Use DrawAt to draw it at a screen position.
	Seq string
}

// DrawAt returns the sequence that draws the frame with its top-left corner
// at the 0-based screen cell (row, col) and puts the cursor back where it
// was.
func (f Frame) DrawAt(row, col int) string {
	if f.Seq == "" {
		return ""
	}
	// DECSC (save the cursor), CUP (1-based), the image, DECRC (restore).
	return "\x1b7\x1b[" + strconv.Itoa(row+1) + ";" + strconv.Itoa(col+1) + "H" + f.Seq + "\x1b8"
}

// KittyImageID is the one image id genmint uses in kitty: each new preview
// replaces the last, so the terminal never holds more than one.
const KittyImageID = 0x676d // "gm"

// ClearSeq returns what removes a previously drawn preview when the box no
// longer shows one. Only kitty needs it: its images live above the text and
// survive being written over; iTerm2 and sixel images are overwritten by the
// box's text.
func ClearSeq(p Protocol) string {
	if p == Kitty {
		return "\x1b_Ga=d,d=I,i=" + strconv.Itoa(KittyImageID) + ",q=2\x1b\\"
	}
	return ""
}

// Renderer draws images for one protocol.
type Renderer interface {
	// Render draws img to fit inside a box of cols×rows cells, keeping its
	// aspect ratio. It is pure CPU work (no terminal I/O) and safe for
	// concurrent use.
	Render(img image.Image, cols, rows int) (Frame, error)
	Protocol() Protocol
}

// NewRenderer returns the renderer for p. Cell is the terminal's cell size
// in pixels (zero when unknown), used by the graphics protocols.
func NewRenderer(p Protocol, cell CellSize) (Renderer, error) {
	switch p {
	case Blocks:
		return blocksRenderer{}, nil
	case Kitty:
		return kittyRenderer{cell: cell.orDefault()}, nil
	case ITerm:
		return itermRenderer{cell: cell.orDefault()}, nil
	case Sixel:
		return sixelRenderer{cell: cell.orDefault()}, nil
	case None:
		return noneRenderer{}, nil
	}
	return nil, fmt.Errorf("no renderer for preview protocol %q", p)
}

type noneRenderer struct{}

func (noneRenderer) Render(image.Image, int, int) (Frame, error) { return Frame{Protocol: None}, nil }
func (noneRenderer) Protocol() Protocol                          { return None }

// fit returns the largest w×h with img's aspect ratio inside maxW×maxH,
// never smaller than 1×1.
func fit(b image.Rectangle, maxW, maxH int) (int, int) {
	iw, ih := b.Dx(), b.Dy()
	if iw <= 0 || ih <= 0 || maxW <= 0 || maxH <= 0 {
		return 0, 0
	}
	w, h := maxW, ih*maxW/iw
	if h > maxH {
		w, h = iw*maxH/ih, maxH
	}
	return max(w, 1), max(h, 1)
}

// scale resizes img to w×h with a bilinear kernel, which is deterministic
// and averages properly when shrinking.
func scale(img image.Image, w, h int) *image.NRGBA {
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	if b := img.Bounds(); b.Dx() == w && b.Dy() == h {
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
		return dst
	}
	draw.BiLinear.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	return dst
}

// graphicsGeometry sizes an image for a graphics protocol: the pixel size of
// the scaled image, and the cells it covers.
func graphicsGeometry(b image.Rectangle, cols, rows int, cell CellSize) (pw, ph, cw, ch int) {
	pw, ph = fit(b, cols*cell.W, rows*cell.H)
	if pw == 0 {
		return 0, 0, 0, 0
	}
	cw = min(max((pw+cell.W-1)/cell.W, 1), cols)
	ch = min(max((ph+cell.H-1)/cell.H, 1), rows)
	return pw, ph, cw, ch
}
