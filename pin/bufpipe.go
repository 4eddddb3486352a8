package pin

import (
	"errors"
	"io"
	"sync"
)

// bufPipe is an in-memory pipe with room for a few pieces: Write copies
// into the piece being filled and returns at once while a piece is free;
// Read or WriteTo hands the filled pieces to the reader in order. A
// dag/import body goes through one: genmint reads, hashes and encodes the
// next blocks while the HTTP transport still sends the last ones. (Through
// an io.Pipe each side waited for the other: Write returns only once the
// reader has taken every byte, so the transport sat idle while genmint
// worked, and genmint while the transport wrote; measured, each waited
// about half the time.)
//
// One goroutine writes (Write, Close) and one reads (Read, WriteTo);
// CloseWithError may be called from anywhere, any number of times: the
// first error wins, and both sides then get it. At most pieces×size bytes
// are held.
type bufPipe struct {
	size, pieces int
	made         int         // pieces allocated so far (writer's)
	free         chan []byte // empty pieces, back from the reader
	full         chan []byte // filled pieces, in order; closed by Close
	w            []byte      // the piece being filled (writer's)
	r            []byte      // the rest of the piece being read (reader's)
	rpiece       []byte      // that piece, to give back (reader's)
	closed       bool        // Close was called (writer's)

	once sync.Once
	done chan struct{} // closed by CloseWithError
	err  error         // set before done closes
}

func newBufPipe(pieces, size int) *bufPipe {
	return &bufPipe{size: size, pieces: pieces,
		free: make(chan []byte, pieces), full: make(chan []byte, pieces), done: make(chan struct{})}
}

// Write copies b into the pipe; it waits only while every piece is full.
func (p *bufPipe) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		if p.w == nil {
			select {
			case <-p.done:
				return n, p.err
			default:
			}
			if p.made < p.pieces {
				p.w = make([]byte, 0, p.size)
				p.made++
			} else {
				select {
				case p.w = <-p.free:
				case <-p.done:
					return n, p.err
				}
			}
		}
		k := copy(p.w[len(p.w):cap(p.w)], b)
		p.w, b, n = p.w[:len(p.w)+k], b[k:], n+k
		if len(p.w) == cap(p.w) {
			if err := p.send(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// send hands the piece being filled to the reader.
func (p *bufPipe) send() error {
	select {
	case p.full <- p.w:
	case <-p.done:
		return p.err
	}
	p.w = nil
	return nil
}

// Close hands over what is left; the reader then meets io.EOF.
func (p *bufPipe) Close() error {
	if p.closed {
		return nil
	}
	if len(p.w) > 0 {
		if err := p.send(); err != nil {
			return err
		}
	}
	p.closed = true
	close(p.full)
	return nil
}

// CloseWithError ends the pipe for both sides with err (the first given).
func (p *bufPipe) CloseWithError(err error) {
	p.once.Do(func() {
		p.err = err
		close(p.done)
	})
}

// Read reads what the writer handed over, io.EOF after Close, or the error
// CloseWithError gave.
func (p *bufPipe) Read(b []byte) (int, error) {
	if err := p.next(); err != nil {
		return 0, err
	}
	n := copy(b, p.r)
	p.r = p.r[n:]
	return n, nil
}

// next makes p.r the rest of a filled piece, waiting for one when the
// last is used up.
func (p *bufPipe) next() error {
	if len(p.r) > 0 {
		return nil
	}
	if p.rpiece != nil {
		p.free <- p.rpiece[:0] // never blocks: free holds every piece
		p.rpiece = nil
	}
	select {
	case <-p.done:
		return p.err
	default:
	}
	select {
	case piece, ok := <-p.full:
		if !ok {
			return io.EOF
		}
		p.r, p.rpiece = piece, piece
		return nil
	case <-p.done:
		return p.err
	}
}

// writeToMax is the most WriteTo hands w at once: a connection that takes
// more than 550 bytes a second is never seen to stall (2 minutes) inside
// one write.
const writeToMax = 64 << 10

// WriteTo writes what is left to w as the pieces fill, straight from each
// piece (Read copies it into the reader's buffer first), in writes of at
// most writeToMax bytes, calling took after each; it returns at io.EOF.
// (The HTTP transport copies a request body through WriteTo when it has
// one, and Read otherwise.)
func (p *bufPipe) WriteTo(w io.Writer, took func()) (int64, error) {
	var total int64
	for {
		if err := p.next(); err != nil {
			if errors.Is(err, io.EOF) {
				return total, nil
			}
			return total, err
		}
		b := p.r[:min(len(p.r), writeToMax)]
		n, err := w.Write(b)
		p.r = p.r[n:]
		total += int64(n)
		if n > 0 && took != nil {
			took()
		}
		if err != nil {
			return total, err
		}
	}
}
