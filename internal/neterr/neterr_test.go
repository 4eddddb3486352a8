package neterr

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"
)

func TestDropped(t *testing.T) {
	op := func(err error) error {
		return &url.Error{Op: "Put", URL: "http://h/k", Err: &net.OpError{Op: "write", Net: "tcp", Err: err}}
	}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{op(syscall.ECONNRESET), true},
		{op(syscall.EPIPE), true},
		{fmt.Errorf("part 3: %w", op(net.ErrClosed)), true},
		{&url.Error{Op: "Put", URL: "http://h/k", Err: io.EOF}, true},
		{fmt.Errorf("read body: %w", io.ErrUnexpectedEOF), true},
		{io.EOF, false}, // the end of a stream, not a transport's
		{op(syscall.ECONNREFUSED), false},
		{errors.New("HTTP 400 BadDigest"), false},
	} {
		if got := Dropped(c.err); got != c.want {
			t.Errorf("Dropped(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
