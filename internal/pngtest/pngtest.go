// Package pngtest makes the hostile PNGs that tests feed to every image
// reader genmint has (the provider guard, httpsafe, postprocess): tiny files
// whose header declares any size, so a reader that decodes before checking
// the size would ask for gigabytes.
package pngtest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// Header is a PNG of a few dozen bytes that declares a w×h 8-bit RGBA image:
// the signature, an IHDR with its CRC, an IDAT holding an empty zlib stream
// (no pixel data at all), and IEND.
func Header(w, h uint32) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&buf, binary.BigEndian, uint32(len(data)))
		c := append([]byte(typ), data...)
		buf.Write(c)
		_ = binary.Write(&buf, binary.BigEndian, crc32.ChecksumIEEE(c))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA; compression, filter, interlace 0
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return buf.Bytes()
}
