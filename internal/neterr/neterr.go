// Package neterr names the network failures that mean "nobody is there",
// so commands can say which address to check instead of a raw dial error.
package neterr

import (
	"errors"
	"net"
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
