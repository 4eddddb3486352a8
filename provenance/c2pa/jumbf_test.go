package c2pa

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// The manifest store's description box as C2PA 2.1 ("Use of JUMBF") lays it
// out: LBox, "jumd", the c2pa UUID 63327061-0011-0010-8000-00AA00389B71,
// toggles 0x03 (requestable, label present) and the label "c2pa" with its NUL.
func TestJUMBFStoreBoxLayout(t *testing.T) {
	b := superbox(uuidManifestStore, "c2pa").encode()
	want, _ := hex.DecodeString("00000026" + "6a756d62" + // LBox 38, "jumb"
		"0000001e" + "6a756d64" + // LBox 30, "jumd"
		"63327061" + "00110010" + "800000aa" + "00389b71" + // UUID
		"03" + "6332706100") // toggles, "c2pa\0"
	if !bytes.Equal(b, want) {
		t.Fatalf("store box\n got %x\nwant %x", b, want)
	}
}

func TestJUMBFRoundTrip(t *testing.T) {
	in := superbox(uuidManifestStore, "c2pa",
		superbox(uuidManifest, "urn:c2pa:x",
			cborBox(uuidClaim, labelClaim, []byte{0xa0}),
			superbox(uuidAssertionStore, labelAssertions, cborBox(uuidCBOR, LabelActions, []byte{0xa1, 0x61, 0x61, 0x01}))))
	enc := in.encode()
	boxes, err := parseBoxes(enc, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(boxes) != 1 || boxes[0].Label != "c2pa" || boxes[0].UUID != uuidManifestStore {
		t.Fatalf("parsed %+v", boxes)
	}
	m := boxes[0].child("urn:c2pa:x")
	a := m.child(labelAssertions).child(LabelActions)
	if a == nil || !bytes.Equal(a.Children[0].Data, []byte{0xa1, 0x61, 0x61, 0x01}) {
		t.Fatal("assertion not found after parsing")
	}
	if !bytes.Equal(boxes[0].encode(), enc) || !bytes.Equal(a.hashInput(), in.Children[0].Children[1].Children[0].encode()[8:]) {
		t.Fatal("a parsed box does not re-encode to the same bytes")
	}
	for _, bad := range [][]byte{enc[:len(enc)-1], append([]byte{0, 0, 0, 9}, enc[4:]...)} {
		if _, err := parseBoxes(bad, 0); err == nil {
			t.Errorf("parsed damaged JUMBF %x", bad[:8])
		}
	}
}
