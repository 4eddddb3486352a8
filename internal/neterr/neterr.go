// Package neterr names the network failures that mean "nobody is there",
// so commands can say which address to check instead of a raw dial error.
package neterr

import (
	"errors"
	"io"
	"net"
	"net/url"
	"syscall"
)

// Unreachable reports whether err means the address could not be reached
// at all, and how to say it: "connection refused", "no route to host",
// "no such host", "connection timed out", or the dial's own words.
func Unreachable(err error) (string, bool) {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused", true
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to host", true
	case errors.As(err, &dnsErr):
		return "no such host", true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		if op.Timeout() {
			return "connection timed out", true
		}
		return op.Err.Error(), true
	}
	return "", false
}

// Dropped reports whether err means a connection that was up broke while a
// request or its answer was on the way: reset by the peer, a broken pipe,
// or the stream ending early. Unlike Unreachable, trying again is worth it
// (for an idempotent request: an upload part, a TUS chunk from the
// server's offset).
func Dropped(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNABORTED) ||
		(errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)) && isTransport(err)
}

// isTransport reports whether err came from an HTTP client's transport
// (a *url.Error or a *net.OpError), where a bare io.EOF means the server
// closed the connection before it answered, and net.ErrClosed that the
// transport closed it on seeing the peer go while the body was still
// being written (which of the two a reset shows as is a race).
func isTransport(err error) bool {
	var ue *url.Error
	var op *net.OpError
	return errors.As(err, &ue) || errors.As(err, &op)
}
