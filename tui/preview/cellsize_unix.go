//go:build unix

package preview

import "golang.org/x/sys/unix"

// CellSizeOf asks the kernel for the terminal's pixel size (TIOCGWINSZ) on
// fd and divides it by the cell grid. ok is false when the terminal does not
// fill in pixel sizes (many do not); callers then use DefaultCellSize.
func CellSizeOf(fd uintptr) (c CellSize, ok bool) {
	ws, err := unix.IoctlGetWinsize(int(fd), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 || ws.Row == 0 || ws.Xpixel == 0 || ws.Ypixel == 0 {
		return CellSize{}, false
	}
	return CellSize{W: int(ws.Xpixel) / int(ws.Col), H: int(ws.Ypixel) / int(ws.Row)}, true
}
