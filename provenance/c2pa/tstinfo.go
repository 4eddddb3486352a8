package c2pa

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/veraison/go-cose"
)

// stamp is a checked RFC 3161 time-stamp of a signature.
type stamp struct {
	time      time.Time
	authority string // the TSA certificate's subject
}

// signatureTime reads the sigTst2 time-stamp of msg (ok false when there is
// none) and checks it: the authority's CMS signature over the token
// (github.com/digitorus/timestamp), and that its message imprint is over
// this signature (C2PA 2.1, "Time-stamps": the v2 CounterSignature input).
// Whether the authority itself is trusted is not checked: genmint keeps no
// list of time-stamping authorities, and says whose the time-stamp is.
func signatureTime(msg *cose.Sign1Message) (stamp, bool, error) {
	v, ok := msg.Headers.Unprotected["sigTst2"]
	if !ok {
		return stamp{}, false, nil
	}
	m, _ := v.(map[any]any)
	toks, _ := m["tstTokens"].([]any)
	if len(toks) != 1 {
		return stamp{}, false, errors.New("sigTst2 must hold exactly one token")
	}
	tok, _ := toks[0].(map[any]any)
	der, _ := tok["val"].([]byte)
	ts, err := timestamp.ParseResponse(der)
	if err != nil {
		return stamp{}, false, fmt.Errorf("the time-stamp is not a valid RFC 3161 response (%v)", err)
	}
	if len(ts.Certificates) == 0 {
		return stamp{}, false, errors.New("the time-stamp carries no authority certificate, so its signature cannot be checked")
	}
	if ts.HashAlgorithm != crypto.SHA256 {
		return stamp{}, false, errors.New("the time-stamp uses a hash genmint does not check (not SHA-256)")
	}
	data, err := counterSignatureInput(msg)
	if err != nil {
		return stamp{}, false, err
	}
	sum := sha256.Sum256(data)
	if !bytes.Equal(sum[:], ts.HashedMessage) {
		return stamp{}, false, errors.New("the time-stamp is not over this signature")
	}
	return stamp{time: ts.Time, authority: ts.Certificates[0].Subject.String()}, true, nil
}
