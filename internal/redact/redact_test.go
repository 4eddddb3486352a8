package redact

import "testing"

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
