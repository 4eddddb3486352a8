package pin

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/genmint/genmint/pin/unixfs/unixfstest"
)

// The pipe delivers the bytes in order, whatever the sizes of writes and
// reads, then io.EOF; the writer runs ahead
// of the reader by up to pieces×size bytes without waiting.
func TestBufPipeDeliversInOrder(t *testing.T) {
	data := unixfstest.RandBytes(7, 100_003)
	p := newBufPipe(4, 1000)
	// Four pieces fit without a reader.
	if n, err := p.Write(data[:4000]); n != 4000 || err != nil {
		t.Fatalf("write within the room: %d, %v", n, err)
	}
	done := make(chan error, 1)
	go func() {
		rest := data[4000:]
		for i := 1; len(rest) > 0; i++ {
			k := min(len(rest), i*37%2500+1)
			if _, err := p.Write(rest[:k]); err != nil {
				done <- err
				return
			}
			rest = rest[k:]
		}
		done <- p.Close()
	}()
	var got bytes.Buffer
	buf := make([]byte, 777)
	for {
		n, err := p.Read(buf)
		got.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("read %d bytes (equal: %v), wrote %d", got.Len(), bytes.Equal(got.Bytes(), data), len(data))
	}
}

// CloseWithError ends both sides: a writer waiting for room and the
// reader get the error, and a later error does not replace it.
func TestBufPipeCloseWithError(t *testing.T) {
	p := newBufPipe(2, 10)
	stop := errors.New("stopped")
	done := make(chan error, 1)
	go func() {
		_, err := p.Write(make([]byte, 100)) // more than the room: waits
		done <- err
	}()
	p.CloseWithError(stop)
	p.CloseWithError(errors.New("later"))
	if err := <-done; !errors.Is(err, stop) {
		t.Fatalf("writer: %v, want %v", err, stop)
	}
	if _, err := p.Read(make([]byte, 5)); !errors.Is(err, stop) {
		t.Fatalf("reader: %v, want %v", err, stop)
	}
	if _, err := p.Write([]byte("x")); !errors.Is(err, stop) {
		t.Fatalf("write after: %v, want %v", err, stop)
	}
}
