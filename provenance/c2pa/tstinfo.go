package c2pa

import (
	"bytes"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"math/big"
	"time"

	"github.com/veraison/go-cose"
)

// contentInfo is CMS ContentInfo (RFC 5652 §3).
type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type encapsulatedContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     []byte `asn1:"explicit,optional,tag:0"`
}

// signedData is CMS SignedData (RFC 5652 §5.1), what a time-stamp token
// carries; the fields after the content are kept raw.
type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo encapsulatedContentInfo
	Rest             []asn1.RawValue `asn1:"optional"`
}

// tstInfo is RFC 3161 §2.4.2's TSTInfo, up to genTime.
type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time       `asn1:"generalized"`
	Rest           []asn1.RawValue `asn1:"optional"`
}

// signatureTime reads the sigTst2 time-stamp of msg (ok false when there is
// none) and checks that it is over this signature (its message imprint).
func signatureTime(msg *cose.Sign1Message) (time.Time, bool, error) {
	v, ok := msg.Headers.Unprotected["sigTst2"]
	if !ok {
		return time.Time{}, false, nil
	}
	m, _ := v.(map[any]any)
	toks, _ := m["tstTokens"].([]any)
	if len(toks) != 1 {
		return time.Time{}, false, errors.New("sigTst2 must hold exactly one token")
	}
	tok, _ := toks[0].(map[any]any)
	der, _ := tok["val"].([]byte)
	info, err := parseTimeStampResp(der)
	if err != nil {
		return time.Time{}, false, err
	}
	data, err := counterSignatureInput(msg)
	if err != nil {
		return time.Time{}, false, err
	}
	if !info.MessageImprint.HashAlgorithm.Algorithm.Equal(oidSHA256) {
		return time.Time{}, false, errors.New("the time-stamp uses a hash genmint does not check (not SHA-256)")
	}
	sum := sha256.Sum256(data)
	if !bytes.Equal(sum[:], info.MessageImprint.HashedMessage) {
		return time.Time{}, false, errors.New("the time-stamp is not over this signature")
	}
	return info.GenTime, true, nil
}

func parseTimeStampResp(der []byte) (*tstInfo, error) {
	var resp timeStampResp
	if rest, err := asn1.Unmarshal(der, &resp); err != nil || len(rest) != 0 {
		return nil, errors.New("the time-stamp is not an RFC 3161 response")
	}
	if resp.Status.Status > 1 || len(resp.TimeStampToken.FullBytes) == 0 {
		return nil, errors.New("the time-stamp response was not granted")
	}
	var ci contentInfo
	if _, err := asn1.Unmarshal(resp.TimeStampToken.FullBytes, &ci); err != nil {
		return nil, errors.New("the time-stamp token is not CMS")
	}
	var sd signedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, errors.New("the time-stamp token is not CMS SignedData")
	}
	var info tstInfo
	if _, err := asn1.Unmarshal(sd.EncapContentInfo.EContent, &info); err != nil {
		return nil, errors.New("the time-stamp token holds no TSTInfo")
	}
	return &info, nil
}
