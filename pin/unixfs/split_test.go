package unixfs

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	chunker "github.com/ipfs/boxo/chunker"
)

// chunks splits r to the end and returns the chunks.
func chunks(t *testing.T, s chunker.Splitter) [][]byte {
	t.Helper()
	var out [][]byte
	for {
		b, err := s.NextBytes()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bytes.Clone(b))
	}
}

// The sized splitter cuts every file exactly as boxo's fixed-size chunker
// does, whether the size it was given is right, too small (the file grew)
// or too large (it shrank), and reads every file to EOF.
func TestSizedSplitterMatchesBoxo(t *testing.T) {
	const chunk = 1024
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk, 3*chunk + 7} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.IntN(256))
		}
		want := chunks(t, chunker.NewSizeSplitter(bytes.NewReader(data), chunk))
		for _, hint := range []int{size, size / 2, size + 5, size + chunk} {
			r := bytes.NewReader(data)
			got := chunks(t, &sizedSplitter{r: r, chunk: chunk, left: int64(hint)})
			if len(got) != len(want) {
				t.Fatalf("size %d, hint %d: %d chunks, boxo %d", size, hint, len(got), len(want))
			}
			for i := range got {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("size %d, hint %d: chunk %d differs (%d bytes, boxo %d)", size, hint, i, len(got[i]), len(want[i]))
				}
			}
			if r.Len() != 0 {
				t.Fatalf("size %d, hint %d: %d bytes left unread", size, hint, r.Len())
			}
		}
	}
}
