package pin

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"testing"
	"time"

	files "github.com/ipfs/boxo/files"

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

// WriteTo hands w the pieces as they fill, in order, none larger than
// writeToMax, and tells took after each; after a Read has taken part of a
// piece, it goes on from there.
func TestBufPipeWriteTo(t *testing.T) {
	data := unixfstest.RandBytes(8, 3*writeToMax+12_345)
	p := newBufPipe(3, writeToMax+1000) // pieces larger than one write
	go func() {
		for rest := data; len(rest) > 0; {
			k := min(len(rest), 70_001)
			if _, err := p.Write(rest[:k]); err != nil {
				return
			}
			rest = rest[k:]
		}
		p.Close()
	}()
	first := make([]byte, 1)
	if n, err := p.Read(first); n != 1 || err != nil {
		t.Fatalf("probe read: %d, %v", n, err)
	}
	var w sizesWriter
	took := 0
	n, err := p.WriteTo(&w, func() { took++ })
	if err != nil {
		t.Fatal(err)
	}
	got := append(first, w.buf.Bytes()...)
	if n != int64(len(data)-1) || !bytes.Equal(got, data) {
		t.Fatalf("WriteTo returned %d and delivered %d bytes (equal: %v), want %d", n, len(got), bytes.Equal(got, data), len(data))
	}
	for _, size := range w.sizes {
		if size > writeToMax {
			t.Fatalf("a write of %d bytes, more than %d", size, writeToMax)
		}
	}
	if took != len(w.sizes) {
		t.Fatalf("took called %d times for %d writes", took, len(w.sizes))
	}
}

// A writer that fails ends WriteTo with its error; a pipe closed with an
// error ends it with that one.
func TestBufPipeWriteToErrors(t *testing.T) {
	p := newBufPipe(2, 10)
	if _, err := p.Write([]byte("0123456789abc")); err != nil {
		t.Fatal(err)
	}
	broken := errors.New("connection reset")
	if _, err := p.WriteTo(failingWriter{broken}, nil); !errors.Is(err, broken) {
		t.Fatalf("WriteTo into a failing writer: %v, want %v", err, broken)
	}
	stop := errors.New("stopped")
	p.CloseWithError(stop)
	if _, err := p.WriteTo(io.Discard, nil); !errors.Is(err, stop) {
		t.Fatalf("WriteTo after CloseWithError: %v, want %v", err, stop)
	}
}

type sizesWriter struct {
	buf   bytes.Buffer
	sizes []int
}

func (w *sizesWriter) Write(p []byte) (int, error) {
	w.sizes = append(w.sizes, len(p))
	return w.buf.Write(p)
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// The dag/import body is the multipart/form-data `ipfs dag import` sends
// (one application/octet-stream file part per section, in order), as
// Kubo's own parser (boxo's files.NewFileFromPartReader) reads it, whether
// the transport reads it or has it write itself, and the stall watch hears
// the section bytes taken.
func TestImportBodyFraming(t *testing.T) {
	for _, mode := range []string{"Read", "WriteTo"} {
		t.Run(mode, func(t *testing.T) {
			sections := [][]byte{unixfstest.RandBytes(9, 300_000), []byte("roots")}
			pipes := []*bufPipe{newBufPipe(2, 64<<10), newBufPipe(2, 64<<10)}
			watch := &stallWatch{clk: realClock{}, stall: time.Hour, onStall: func() {}}
			body := newImportBody([]string{"blocks.car", "roots.car"}, pipes, watch)
			go func() {
				for i, p := range pipes {
					p.Write(sections[i])
					p.Close()
				}
			}()
			var wire bytes.Buffer
			var err error
			if mode == "Read" {
				_, err = io.CopyBuffer(&wire, struct{ io.Reader }{body}, make([]byte, 777))
			} else {
				_, err = body.WriteTo(&wire)
			}
			if err != nil {
				t.Fatal(err)
			}
			mt, params, err := mime.ParseMediaType(body.contentType)
			if err != nil {
				t.Fatalf("content type %q: %v", body.contentType, err)
			}
			dir, err := files.NewFileFromPartReader(multipart.NewReader(&wire, params["boundary"]), mt)
			if err != nil {
				t.Fatal(err)
			}
			it := dir.Entries()
			for i, name := range []string{"blocks.car", "roots.car"} {
				if !it.Next() {
					t.Fatalf("part %d: %v", i, it.Err())
				}
				f := files.ToFile(it.Node())
				if it.Name() != name || f == nil {
					t.Fatalf("part %d: %q, a file: %v", i, it.Name(), f != nil)
				}
				got, err := io.ReadAll(f)
				if err != nil || !bytes.Equal(got, sections[i]) {
					t.Fatalf("part %d: %d bytes (equal: %v), %v", i, len(got), bytes.Equal(got, sections[i]), err)
				}
			}
			if more := it.Next(); more || it.Err() != nil {
				t.Fatalf("after the last part: another part %v, error %v", more, it.Err())
			}
			if watch.last.IsZero() {
				t.Fatal("the stall watch heard no bytes taken")
			}
		})
	}
}
