package c2pa

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Where a manifest store lives in an asset (C2PA 2.1, "Embedding manifests
// into assets"):
//   - PNG: one ancillary, private, not-safe-to-copy chunk "caBX" holding the
//     store, before the first IDAT;
//   - JPEG: APP11 segments in the JPEG XT box format (ISO/IEC 18477-3,
//     ISO/IEC 19566-5 D.2): "JP", a box instance number, a sequence number
//     from 1, then the store; a store over one segment's limit continues
//     in contiguous segments that repeat the box's LBox and TBox.
//
// The hard binding excludes exactly those bytes (the whole chunk, the whole
// run of segments), so the data hash is that of the asset without them.

// ErrNoManifest: the asset carries no C2PA manifest store.
var ErrNoManifest = errors.New("no C2PA manifest (Content Credentials) in the image")

// ErrUnsupported: not a PNG or JPEG.
var ErrUnsupported = errors.New("C2PA embedding supports png and jpeg images only")

var pngSig = []byte("\x89PNG\r\n\x1a\n")

const (
	jpegAPP11       = 0xEB
	jpegBoxInstance = 0x0211
	// maxAPP11Payload keeps each segment's length field (payload + 2) in
	// range with a margin, as other implementations do.
	maxAPP11Payload = 65531
)

// container is an asset split around its manifest store.
type container struct {
	mediaType string
	// head and tail are the asset without any manifest store: the store
	// goes between them.
	head, tail []byte
	// jumbf is the store found in the asset (nil when none).
	jumbf []byte
}

func (c *container) start() int { return len(c.head) }

// wrap returns the bytes that carry jumbf in this kind of asset.
func (c *container) wrap(jumbf []byte) []byte {
	if c.mediaType == "image/png" {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(jumbf)))
		out = append(out, "caBX"...)
		out = append(out, jumbf...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[4:]))
	}
	var out []byte
	for seq, rest := uint32(1), jumbf; len(rest) > 0; seq++ {
		hdr := []byte{'J', 'P', jpegBoxInstance >> 8, jpegBoxInstance & 0xFF}
		hdr = binary.BigEndian.AppendUint32(hdr, seq)
		if seq > 1 {
			hdr = append(hdr, jumbf[:8]...) // LBox, TBox again
		}
		n := min(len(rest), maxAPP11Payload-len(hdr))
		out = append(out, 0xFF, jpegAPP11)
		out = binary.BigEndian.AppendUint16(out, uint16(2+len(hdr)+n))
		out = append(out, hdr...)
		out = append(out, rest[:n]...)
		rest = rest[n:]
	}
	return out
}

func (c *container) assemble(jumbf []byte) []byte {
	w := c.wrap(jumbf)
	out := make([]byte, 0, len(c.head)+len(w)+len(c.tail))
	return append(append(append(out, c.head...), w...), c.tail...)
}

// split parses asset and takes out its manifest store, if any.
func split(asset []byte) (*container, error) {
	switch {
	case bytes.HasPrefix(asset, pngSig):
		return splitPNG(asset)
	case len(asset) >= 2 && asset[0] == 0xFF && asset[1] == 0xD8:
		return splitJPEG(asset)
	}
	return nil, ErrUnsupported
}

// PNGWithoutManifest reports, reading only the chunk headers of f, that f
// is a PNG that Verify would answer with ErrNoManifest: whole chunks up to
// IEND, an IDAT, and no caBX. False means "not sure": read the file and
// Verify it. It spares reading every byte of the usual final image.
func PNGWithoutManifest(f io.ReaderAt) bool {
	var hdr [8]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil || !bytes.Equal(hdr[:], pngSig) {
		return false
	}
	off, idat := int64(len(pngSig)), false
	for {
		// A chunk's header read whole means the chunk before it was whole.
		if _, err := f.ReadAt(hdr[:], off); err != nil {
			return false
		}
		typ := string(hdr[4:8])
		off += 12 + int64(binary.BigEndian.Uint32(hdr[:4]))
		switch typ {
		case "caBX":
			return false
		case "IDAT":
			idat = true
		case "IEND":
			_, err := f.ReadAt(hdr[:1], off-1) // its CRC's last byte
			return err == nil && idat
		}
	}
}

func splitPNG(b []byte) (*container, error) {
	c := &container{mediaType: "image/png"}
	off, insert := len(pngSig), -1
	var stores [][2]int // [start, end) of each caBX chunk
	for {
		if off+12 > len(b) {
			return nil, fmt.Errorf("%w: png is truncated", ErrMalformed)
		}
		n := int(binary.BigEndian.Uint32(b[off:]))
		if n < 0 || n > len(b) || off+12+n > len(b) {
			return nil, fmt.Errorf("%w: png chunk at byte %d runs past the end", ErrMalformed, off)
		}
		typ := string(b[off+4 : off+8])
		switch {
		case typ == "caBX":
			stores = append(stores, [2]int{off, off + 12 + n})
			c.jumbf = b[off+8 : off+8+n]
		case typ == "IDAT" && insert < 0:
			insert = off
		}
		off += 12 + n
		if typ == "IEND" {
			break
		}
	}
	if len(stores) > 1 {
		return nil, fmt.Errorf("%w: png has %d caBX chunks", ErrMalformed, len(stores))
	}
	if insert < 0 {
		return nil, fmt.Errorf("%w: png has no IDAT chunk", ErrMalformed)
	}
	if len(stores) == 0 {
		// The usual case, a fresh final: no copy.
		c.head, c.tail = b[:insert:insert], b[insert:]
		return c, nil
	}
	// Take the old store out, wherever it was.
	rest := append(append([]byte(nil), b[:stores[0][0]]...), b[stores[0][1]:]...)
	if stores[0][0] < insert {
		insert -= stores[0][1] - stores[0][0]
	}
	c.head, c.tail = rest[:insert:insert], rest[insert:]
	return c, nil
}

func splitJPEG(b []byte) (*container, error) {
	c := &container{mediaType: "image/jpeg"}
	head := []byte{0xFF, 0xD8}
	var jumbf []byte
	var seq uint32
	off := 2
	inApp := true // still among the APPn segments at the start
	insert := -1
	for {
		if off+4 > len(b) || b[off] != 0xFF {
			return nil, fmt.Errorf("%w: jpeg has no marker at byte %d", ErrMalformed, off)
		}
		m := b[off+1]
		if m == 0xDA { // start of scan: the rest is image data
			break
		}
		if m == 0xD8 || m == 0xD9 || m == 0x01 || m >= 0xD0 && m <= 0xD7 {
			return nil, fmt.Errorf("%w: jpeg has marker %#02x before its image data", ErrMalformed, m)
		}
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		if n < 2 || off+2+n > len(b) {
			return nil, fmt.Errorf("%w: jpeg segment at byte %d runs past the end", ErrMalformed, off)
		}
		seg, p := b[off:off+2+n], b[off+4:off+2+n]
		if m == jpegAPP11 && len(p) >= 16 && p[0] == 'J' && p[1] == 'P' && string(p[12:16]) == "jumb" {
			s := binary.BigEndian.Uint32(p[4:])
			switch {
			case s == 1 && jumbf == nil:
				jumbf = append(jumbf, p[8:]...)
			case s == seq+1 && jumbf != nil && len(p) >= 16:
				jumbf = append(jumbf, p[16:]...)
			default:
				return nil, fmt.Errorf("%w: jpeg APP11 segments out of order", ErrMalformed)
			}
			seq = s
			off += 2 + n
			continue
		}
		if inApp && !(m >= 0xE0 && m <= 0xEF) {
			inApp = false
			insert = len(head)
		}
		head = append(head, seg...)
		off += 2 + n
	}
	if insert < 0 {
		insert = len(head)
	}
	c.head = head[:insert:insert]
	if jumbf == nil && bytes.Equal(head, b[:off]) {
		c.tail = b[insert:] // the usual case, no store to take out: no copy
	} else {
		c.tail = append(append([]byte(nil), head[insert:]...), b[off:]...)
	}
	if jumbf != nil {
		if len(jumbf) < 8 || int(binary.BigEndian.Uint32(jumbf)) != len(jumbf) {
			return nil, fmt.Errorf("%w: jpeg APP11 store is %d bytes, its box says otherwise", ErrMalformed, len(jumbf))
		}
		c.jumbf = jumbf
	}
	return c, nil
}
