package c2pa

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// JUMBF (ISO/IEC 19566-5) is the box format a C2PA manifest store is made
// of (C2PA Technical Specification 2.1, "JUMBF" in "Manifests"): a box is
// LBox (4 bytes, big-endian, the whole box's length), TBox (4 characters)
// and a payload. A superbox ("jumb") holds a description box ("jumd") and
// then its content boxes; the description box holds the content type UUID,
// a toggles byte and a NUL-terminated label.

// ErrMalformed wraps every structural problem of a JUMBF store or of the
// CBOR inside it.
var ErrMalformed = errors.New("malformed C2PA manifest store")

// Description box toggles (ISO/IEC 19566-5, "JUMBF description box").
const (
	toggleRequestable = 1 << 0
	toggleLabel       = 1 << 1
	toggleID          = 1 << 2
	toggleSignature   = 1 << 3
	togglePrivate     = 1 << 4
)

// C2PA content type UUIDs (C2PA 2.1, "Use of JUMBF"): each is four ASCII
// characters followed by 0011-0010-8000-00AA00389B71.
var (
	uuidManifestStore  = c2paUUID("c2pa")
	uuidManifest       = c2paUUID("c2ma")
	uuidAssertionStore = c2paUUID("c2as")
	uuidClaim          = c2paUUID("c2cl")
	uuidSignature      = c2paUUID("c2cs")
	uuidCBOR           = c2paUUID("cbor")
	uuidJSON           = c2paUUID("json")
)

func c2paUUID(fourCC string) [16]byte {
	var u [16]byte
	copy(u[:4], fourCC)
	copy(u[4:], []byte{0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71})
	return u
}

// box is one JUMBF box. A superbox (Type "jumb") has UUID, Label and
// Children; any other box has Data, its payload.
type box struct {
	Type     string
	UUID     [16]byte
	Label    string
	Children []*box
	Data     []byte

	// payload is, for a parsed box, its bytes after the 8-byte header, as
	// they were in the file: C2PA hashes a superbox over exactly these.
	payload []byte
}

func superbox(uuid [16]byte, label string, children ...*box) *box {
	return &box{Type: "jumb", UUID: uuid, Label: label, Children: children}
}

func contentBox(typ string, data []byte) *box { return &box{Type: typ, Data: data} }

// cborBox is a superbox labelled label holding one CBOR content box: how a
// claim, a signature and a CBOR assertion are stored.
func cborBox(uuid [16]byte, label string, cbor []byte) *box {
	return superbox(uuid, label, contentBox("cbor", cbor))
}

// appendBox appends b, serialised, to out.
func appendBox(out []byte, b *box) []byte {
	if b.payload != nil { // a parsed box is copied exactly as it was
		out = binary.BigEndian.AppendUint32(out, uint32(len(b.payload)+8))
		out = append(out, b.Type...)
		return append(out, b.payload...)
	}
	start := len(out)
	out = append(out, 0, 0, 0, 0)
	out = append(out, b.Type...)
	if b.Type == "jumb" {
		d := len(out)
		out = append(out, 0, 0, 0, 0)
		out = append(out, "jumd"...)
		out = append(out, b.UUID[:]...)
		out = append(out, toggleRequestable|toggleLabel)
		out = append(out, b.Label...)
		out = append(out, 0)
		binary.BigEndian.PutUint32(out[d:], uint32(len(out)-d))
		for _, c := range b.Children {
			out = appendBox(out, c)
		}
	} else {
		out = append(out, b.Data...)
	}
	binary.BigEndian.PutUint32(out[start:], uint32(len(out)-start))
	return out
}

// encode is b serialised.
func (b *box) encode() []byte { return appendBox(nil, b) }

// hashInput is what a hashed URI to b covers: the superbox without its
// 8-byte header (the description box and the content boxes).
func (b *box) hashInput() []byte {
	if b.payload != nil {
		return b.payload
	}
	return b.encode()[8:]
}

// parseBoxes splits data into boxes, recursing into superboxes.
func parseBoxes(data []byte, depth int) ([]*box, error) {
	if depth > 8 {
		return nil, fmt.Errorf("%w: JUMBF boxes nested too deep", ErrMalformed)
	}
	var out []*box
	for len(data) > 0 {
		if len(data) < 8 {
			return nil, fmt.Errorf("%w: truncated JUMBF box header", ErrMalformed)
		}
		n := uint64(binary.BigEndian.Uint32(data))
		typ := string(data[4:8])
		hdr := uint64(8)
		switch n {
		case 0: // to the end
			n = uint64(len(data))
		case 1: // XLBox
			if len(data) < 16 {
				return nil, fmt.Errorf("%w: truncated JUMBF XLBox", ErrMalformed)
			}
			n, hdr = binary.BigEndian.Uint64(data[8:]), 16
		}
		if n < hdr || n > uint64(len(data)) {
			return nil, fmt.Errorf("%w: JUMBF box %q claims %d bytes, %d are left", ErrMalformed, typ, n, len(data))
		}
		b := &box{Type: typ, payload: data[hdr:n]}
		if typ == "jumb" {
			if err := b.parseSuper(depth); err != nil {
				return nil, err
			}
		} else {
			b.Data = b.payload
		}
		out = append(out, b)
		data = data[n:]
	}
	return out, nil
}

func (b *box) parseSuper(depth int) error {
	kids, err := parseBoxes(b.payload, depth+1)
	if err != nil {
		return err
	}
	if len(kids) == 0 || kids[0].Type != "jumd" {
		return fmt.Errorf("%w: JUMBF superbox without a description box", ErrMalformed)
	}
	d := kids[0].Data
	if len(d) < 17 {
		return fmt.Errorf("%w: JUMBF description box is %d bytes", ErrMalformed, len(d))
	}
	copy(b.UUID[:], d[:16])
	toggles, rest := d[16], d[17:]
	if toggles&toggleLabel != 0 {
		i := indexByte(rest, 0)
		if i < 0 {
			return fmt.Errorf("%w: JUMBF label is not NUL-terminated", ErrMalformed)
		}
		b.Label, rest = string(rest[:i]), rest[i+1:]
	}
	if toggles&toggleID != 0 {
		if len(rest) < 4 {
			return fmt.Errorf("%w: truncated JUMBF box ID", ErrMalformed)
		}
		rest = rest[4:]
	}
	if toggles&toggleSignature != 0 && len(rest) < 32 {
		return fmt.Errorf("%w: truncated JUMBF box signature", ErrMalformed)
	}
	b.Children = kids[1:]
	return nil
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// child returns the first child superbox labelled label, or nil.
func (b *box) child(label string) *box {
	for _, c := range b.Children {
		if c.Type == "jumb" && c.Label == label {
			return c
		}
	}
	return nil
}

// childByUUID returns the child superboxes of the given content type.
func (b *box) childrenByUUID(u [16]byte) []*box {
	var out []*box
	for _, c := range b.Children {
		if c.Type == "jumb" && c.UUID == u {
			out = append(out, c)
		}
	}
	return out
}

// cborContent is the payload of b's first content box when it is CBOR.
func (b *box) cborContent() ([]byte, error) {
	if len(b.Children) == 0 || b.Children[0].Type != "cbor" {
		return nil, fmt.Errorf("%w: box %q has no CBOR content", ErrMalformed, b.Label)
	}
	return b.Children[0].Data, nil
}
