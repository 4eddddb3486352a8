package redact

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"testing"
)

// TestURL holds the cases of the two redactors it replaced (mint's and
// verify's): they agreed on every URL and differed only in the words for
// what is not one.
func TestURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8545":                           "http://127.0.0.1:8545",
		"http://127.0.0.1:8545/":                          "http://127.0.0.1:8545",
		"https://mainnet.infura.io/v3/0123abcd":           "https://mainnet.infura.io/…",
		"https://eth-mainnet.g.alchemy.com/v2/SECRETKEY":  "https://eth-mainnet.g.alchemy.com/…",
		"https://rpc.example?key=s3cret":                  "https://rpc.example/…",
		"https://user:pass@rpc.example":                   "https://rpc.example/…",
		"https://user:pw@node.example/?key=SECRET":        "https://node.example/…",
		"https://node.example/#token":                     "https://node.example/…",
		"wss://eth-mainnet.g.alchemy.com/v2/KEY":          "wss://eth-mainnet.g.alchemy.com/…",
		"/var/run/geth.ipc":                               "the given URL",
		"not a url":                                       "the given URL",
		"":                                                "the given URL",
		"http://[::1]:8545":                               "http://[::1]:8545",
		"https://rpc.example/%zz":                         "the given URL",
		"https://api.example/psa?token=abcd&other=efgh#x": "https://api.example/…",
	} {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSecrets(t *testing.T) {
	for _, tc := range []struct {
		in      string
		secrets []string
		want    string
	}{
		{"bad key sk-canary retry", []string{"sk-canary"}, "bad key [redacted] retry"},
		{"tok tok", []string{"tok"}, "tok tok"}, // too short to be a secret
		{"a abcd b abcd", []string{"", "abcd"}, "a [redacted] b [redacted]"},
		{"Basic dXNlcjpwYXNz and pass", []string{"pass", "dXNlcjpwYXNz"}, "Basic [redacted] and [redacted]"},
		// A secret inside another is replaced after it, so no part of the
		// longer one is left.
		{"key mypassword", []string{"pass", "mypassword"}, "key [redacted]"},
		{"nothing here", nil, "nothing here"},
	} {
		if got := Secrets(tc.in, tc.secrets...); got != tc.want {
			t.Errorf("Secrets(%q, %q) = %q, want %q", tc.in, tc.secrets, got, tc.want)
		}
	}
}

// TestURLIn hides a base URL's path wherever an error's text spells it, as
// an HTTP client's *url.Error does for every request under it, and keeps
// the error's chain.
func TestURLIn(t *testing.T) {
	inner := &url.Error{Op: "Post", URL: "https://rpc.example/api/KEY%20X/api/v0/add?arg=1", Err: io.ErrUnexpectedEOF}
	err := fmt.Errorf("kubo: add: %w", inner)
	got := URLIn(err, "https://rpc.example/api/KEY X")
	if want := `kubo: add: Post "https://rpc.example/…/api/v0/add?arg=1": unexpected EOF`; got.Error() != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var ue *url.Error
	if !errors.As(got, &ue) || !errors.Is(got, io.ErrUnexpectedEOF) {
		t.Errorf("the chain is lost: %#v", got)
	}
	// Nothing to hide: the same error.
	for _, raw := range []string{"http://127.0.0.1:5001", "http://127.0.0.1:5001/"} {
		if e := URLIn(err, raw); e != err {
			t.Errorf("URLIn(err, %q) = %v, want err itself", raw, e)
		}
	}
	if URLIn(nil, "https://rpc.example/api/KEY") != nil {
		t.Error("URLIn(nil) is not nil")
	}
}
