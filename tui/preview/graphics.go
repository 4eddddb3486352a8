package preview

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/iterm2"
	"github.com/charmbracelet/x/ansi/kitty"
	"github.com/charmbracelet/x/ansi/sixel"
)

// kittyRenderer sends the image as PNG (f=100) in the kitty graphics
// protocol, base64 in chunks of at most 4096 bytes (m=1 … m=0), transmitted
// and placed at once (a=T) over cols×rows cells (c=, r=), without moving the
// cursor (C=1) and without a reply from the terminal (q=2: a reply would
// arrive on stdin as keystrokes). It first deletes the previous preview: all
// previews share one image id.
type kittyRenderer struct{ cell CellSize }

func (kittyRenderer) Protocol() Protocol { return Kitty }

func (r kittyRenderer) Render(img image.Image, cols, rows int) (Frame, error) {
	pw, ph, cw, ch := graphicsGeometry(img.Bounds(), cols, rows, r.cell)
	if pw == 0 {
		return Frame{Protocol: Kitty}, nil
	}
	var buf bytes.Buffer
	buf.WriteString(ClearSeq(Kitty))
	err := kitty.EncodeGraphics(&buf, scale(img, pw, ph), &kitty.Options{
		Action:          kitty.TransmitAndPut,
		Transmission:    kitty.Direct, // explicit: the zero value sends an empty payload
		Format:          kitty.PNG,
		Quiet:           2,
		ID:              KittyImageID,
		PlacementID:     1,
		Columns:         cw,
		Rows:            ch,
		DoNotMoveCursor: true,
		Chunk:           true,
	})
	if err != nil {
		return Frame{}, fmt.Errorf("kitty preview: %w", err)
	}
	return Frame{Protocol: Kitty, Cols: cw, Rows: ch, Seq: buf.String()}, nil
}

// itermRenderer sends the image as PNG in iTerm2's inline image protocol
// (OSC 1337 File=…;inline=1:<base64> BEL), sized in cells; iTerm2 keeps the
// aspect ratio inside them.
type itermRenderer struct{ cell CellSize }

func (itermRenderer) Protocol() Protocol { return ITerm }

func (r itermRenderer) Render(img image.Image, cols, rows int) (Frame, error) {
	pw, ph, cw, ch := graphicsGeometry(img.Bounds(), cols, rows, r.cell)
	if pw == 0 {
		return Frame{Protocol: ITerm}, nil
	}
	var raw bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&raw, scale(img, pw, ph)); err != nil {
		return Frame{}, fmt.Errorf("iterm2 preview: %w", err)
	}
	seq := ansi.ITerm2(iterm2.File{
		Size:            int64(raw.Len()),
		Width:           iterm2.Cells(cw),
		Height:          iterm2.Cells(ch),
		Inline:          true,
		DoNotMoveCursor: true,
		Content:         []byte(base64.StdEncoding.EncodeToString(raw.Bytes())),
	})
	return Frame{Protocol: ITerm, Cols: cw, Rows: ch, Seq: seq}, nil
}

// sixelRenderer quantises the image to a palette of at most 256 colours and
// sends it as DECSIXEL (DCS P1;P2;P3 q "raster #palette… data ST). Its pixel
// height is a multiple of six (one sixel band) and fits the box's rows.
type sixelRenderer struct{ cell CellSize }

func (sixelRenderer) Protocol() Protocol { return Sixel }

func (r sixelRenderer) Render(img image.Image, cols, rows int) (Frame, error) {
	pw, ph, cw, ch := graphicsGeometry(img.Bounds(), cols, rows, r.cell)
	if pw == 0 {
		return Frame{Protocol: Sixel}, nil
	}
	if ph >= 6 {
		// Trim to whole bands, keeping the aspect ratio.
		nh := ph - ph%6
		pw, ph = max(pw*nh/ph, 1), nh
		cw = min(max((pw+r.cell.W-1)/r.cell.W, 1), cols)
		ch = min(max((ph+r.cell.H-1)/r.cell.H, 1), rows)
	}
	var payload bytes.Buffer
	if err := (&sixel.Encoder{}).Encode(&payload, scale(img, pw, ph)); err != nil {
		return Frame{}, fmt.Errorf("sixel preview: %w", err)
	}
	// P2=1: pixels not drawn keep the background instead of painting black.
	seq := ansi.SixelGraphics(0, 1, 0, payload.Bytes())
	return Frame{Protocol: Sixel, Cols: cw, Rows: ch, Seq: seq}, nil
}
