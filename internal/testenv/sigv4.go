package testenv

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// checkSigV4 checks a request's AWS Signature Version 4 (the Authorization
// header form) the way an S3 server does, computed here from AWS's
// documented steps — canonical request, string to sign, signing key — not
// by the client library under test. It returns "" when the signature is
// right, else the S3 error code and message. The payload's hash is taken
// from X-Amz-Content-Sha256 as signed; the body itself is not re-hashed
// (it may be gigabytes; parts carry Content-MD5, which gofakes3 checks).
func checkSigV4(r *http.Request, accessKey, secret string) (code, msg string) {
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ")
	if !ok {
		return "AccessDenied", "Only AWS4-HMAC-SHA256 Authorization headers are accepted here."
	}
	fields := map[string]string{}
	for _, kv := range strings.Split(auth, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		fields[k] = v
	}
	// Credential=AKID/20261206/us-east-1/s3/aws4_request
	cred := strings.SplitN(fields["Credential"], "/", 2)
	if len(cred) != 2 || cred[0] != accessKey {
		return "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
	}
	scope := cred[1]
	parts := strings.Split(scope, "/")
	if len(parts) != 4 || parts[2] != "s3" || parts[3] != "aws4_request" {
		return "AuthorizationHeaderMalformed", "The credential scope is malformed."
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	if !slices.Contains(signed, "host") || !slices.IsSorted(signed) {
		return "AuthorizationHeaderMalformed", "SignedHeaders must be sorted and include host."
	}

	// 1. The canonical request.
	var cr strings.Builder
	cr.WriteString(r.Method + "\n")
	cr.WriteString(r.URL.EscapedPath() + "\n")
	cr.WriteString(canonicalQuery(r.URL.Query()) + "\n")
	for _, h := range signed {
		var v string
		switch h {
		case "host":
			v = r.Host
		case "content-length":
			v = strconv.FormatInt(r.ContentLength, 10)
		default:
			vals := r.Header.Values(h)
			for i := range vals {
				vals[i] = strings.Join(strings.Fields(vals[i]), " ")
			}
			v = strings.Join(vals, ",")
		}
		cr.WriteString(h + ":" + v + "\n")
	}
	cr.WriteString("\n" + fields["SignedHeaders"] + "\n")
	cr.WriteString(r.Header.Get("X-Amz-Content-Sha256"))

	// 2. The string to sign.
	crHash := sha256.Sum256([]byte(cr.String()))
	toSign := "AWS4-HMAC-SHA256\n" + r.Header.Get("X-Amz-Date") + "\n" + scope + "\n" + hex.EncodeToString(crHash[:])

	// 3. The signing key, derived from the secret through the scope.
	key := []byte("AWS4" + secret)
	for _, p := range parts {
		key = hmacSHA256(key, p)
	}
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	}
	return "", ""
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalQuery is the query sorted by name, then value, each part
// encoded as RFC 3986 says (a space is %20, "~" stays).
func canonicalQuery(q url.Values) string {
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, uriEncode(k)+"="+uriEncode(v))
		}
	}
	slices.Sort(pairs)
	return strings.Join(pairs, "&")
}

func uriEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
