//go:build !unix

package preview

// CellSizeOf reports that the pixel size is unknown on this platform.
func CellSizeOf(fd uintptr) (CellSize, bool) { return CellSize{}, false }
