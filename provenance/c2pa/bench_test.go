package c2pa

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"math/rand/v2"
	"testing"
)

// BenchmarkSign1024 signs a 1024×1024 PNG of noise (about 4 MB, as
// incompressible as a final gets): the hard-binding hash over the whole
// file dominates.
func BenchmarkSign1024(b *testing.B) {
	pix := image.NewNRGBA(image.Rect(0, 0, 1024, 1024))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range pix.Pix {
		pix.Pix[i] = byte(r.Uint32())
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, pix); err != nil {
		b.Fatal(err)
	}
	img := buf.Bytes()
	s := testCreds(b).Signer()
	m := testManifest()
	b.SetBytes(int64(len(img)))
	for b.Loop() {
		if _, err := Sign(context.Background(), img, m, s); err != nil {
			b.Fatal(err)
		}
	}
}
