// Package redact keeps credentials out of what genmint prints: endpoints
// shown without what may be a key, and secrets removed from text that a
// server or a transport produced.
package redact

import (
	"net/url"
	"slices"
	"strings"
)

// URL shows where an endpoint points without what may be a credential: RPC
// and API providers put keys in the path (https://host/v3/KEY), the query,
// the user info or the fragment. It keeps the scheme and host and marks
// anything dropped with "/…": https://host/…. Anything that is not a URL
// with a host is shown as "the given URL".
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "the given URL"
	}
	s := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil || u.Fragment != "" {
		s += "/…"
	}
	return s
}

// Secrets replaces every occurrence in s of each secret of four or more
// characters (shorter ones would garble the text and hide nothing) with
// "[redacted]", longest first so that no part of one secret that holds
// another is left.
func Secrets(s string, secrets ...string) string {
	secrets = slices.Clone(secrets)
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// URLIn returns err with the URL raw, wherever its text spells it (as
// given, or with its path escaped as a request prints it), replaced by
// URL(raw): an HTTP client's *url.Error quotes the whole URL of the
// request, path and query included. errors.Is and errors.As still see err.
// raw with nothing to hide, or a nil err, gives err itself.
func URLIn(err error, raw string) error {
	shown := URL(raw)
	u, perr := url.Parse(raw)
	if err == nil || perr != nil || shown == strings.TrimRight(raw, "/") {
		return err
	}
	msg := err.Error()
	out := msg
	for _, s := range []string{raw, strings.TrimRight(raw, "/"), u.Scheme + "://" + u.Host + u.EscapedPath()} {
		if len(s) > len(u.Scheme+"://"+u.Host) {
			out = strings.ReplaceAll(out, s, shown)
		}
	}
	if out == msg {
		return err
	}
	return &shownError{msg: out, err: err}
}

// shownError is an error with another text; it unwraps to the original.
type shownError struct {
	msg string
	err error
}

func (e *shownError) Error() string { return e.msg }
func (e *shownError) Unwrap() error { return e.err }
