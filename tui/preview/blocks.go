package preview

import (
	"image"
	"image/color"
	"strconv"
	"strings"
)

// blocksRenderer draws with Unicode half-blocks: every cell is ▀ with the
// upper pixel as its 24-bit foreground and the lower pixel as its 24-bit
// background, so a box of c×r cells shows c×2r square-ish pixels. Fully
// transparent pixels show the terminal's own background (▄ or a space).
// Output is a pure function of the image and the box, for golden tests.
type blocksRenderer struct{}

func (blocksRenderer) Protocol() Protocol { return Blocks }

func (blocksRenderer) Render(img image.Image, cols, rows int) (Frame, error) {
	w, h := fit(img.Bounds(), cols, rows*2)
	if w == 0 {
		return Frame{Protocol: Blocks}, nil
	}
	px := scale(img, w, h)
	f := Frame{Protocol: Blocks, Cols: w, Rows: (h + 1) / 2}
	f.Lines = make([]string, 0, f.Rows)
	var sb strings.Builder
	for y := 0; y < h; y += 2 {
		sb.Reset()
		var fg, bg *color.NRGBA // what the terminal currently has set in this line
		for x := 0; x < w; x++ {
			top := px.NRGBAAt(x, y)
			bot := color.NRGBA{}
			if y+1 < h {
				bot = px.NRGBAAt(x, y+1)
			}
			topOn, botOn := top.A >= 0x80, bot.A >= 0x80
			switch {
			case topOn && botOn:
				setColor(&sb, &fg, top, "38")
				setColor(&sb, &bg, bot, "48")
				sb.WriteString("▀")
			case topOn:
				resetBG(&sb, &bg)
				setColor(&sb, &fg, top, "38")
				sb.WriteString("▀")
			case botOn:
				resetBG(&sb, &bg)
				setColor(&sb, &fg, bot, "38")
				sb.WriteString("▄")
			default:
				resetBG(&sb, &bg)
				sb.WriteByte(' ')
			}
		}
		if fg != nil || bg != nil {
			sb.WriteString("\x1b[0m")
		}
		f.Lines = append(f.Lines, sb.String())
	}
	return f, nil
}

func setColor(sb *strings.Builder, cur **color.NRGBA, c color.NRGBA, layer string) {
	c.A = 0xff
	if *cur != nil && **cur == c {
		return
	}
	sb.WriteString("\x1b[")
	sb.WriteString(layer)
	sb.WriteString(";2;")
	sb.WriteString(strconv.Itoa(int(c.R)))
	sb.WriteByte(';')
	sb.WriteString(strconv.Itoa(int(c.G)))
	sb.WriteByte(';')
	sb.WriteString(strconv.Itoa(int(c.B)))
	sb.WriteByte('m')
	*cur = &c
}

func resetBG(sb *strings.Builder, cur **color.NRGBA) {
	if *cur != nil {
		sb.WriteString("\x1b[49m")
		*cur = nil
	}
}
