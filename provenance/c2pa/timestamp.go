package c2pa

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/veraison/go-cose"
)

// TSA is an RFC 3161 time-stamping authority reached over HTTP
// (RFC 3161 §3.4: POST application/timestamp-query).
type TSA struct {
	URL    string
	Client *http.Client // nil: a client with a 30 s timeout
}

var oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type messageImprint struct {
	HashAlgorithm algorithmIdentifier
	HashedMessage []byte
}

// timeStampReq is RFC 3161 §2.4.1's TimeStampReq.
type timeStampReq struct {
	Version        int
	MessageImprint messageImprint
	Nonce          *big.Int `asn1:"optional"`
	CertReq        bool     `asn1:"optional,default:false"`
}

type pkiStatusInfo struct {
	Status       int
	StatusString []string       `asn1:"optional,utf8"`
	FailInfo     asn1.BitString `asn1:"optional"`
}

// timeStampResp is RFC 3161 §2.4.2's TimeStampResp, the token kept raw.
type timeStampResp struct {
	Status         pkiStatusInfo
	TimeStampToken asn1.RawValue `asn1:"optional"`
}

// Timestamp sends data's SHA-256 to the authority and returns its DER
// TimeStampResp once the authority granted it.
func (t *TSA) Timestamp(ctx context.Context, data []byte) ([]byte, error) {
	sum := sha256.Sum256(data)
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, err
	}
	req, err := asn1.Marshal(timeStampReq{
		Version:        1,
		MessageImprint: messageImprint{HashAlgorithm: algorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1.NullRawValue}, HashedMessage: sum[:]},
		Nonce:          nonce,
		CertReq:        true,
	})
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(req))
	if err != nil {
		return nil, fmt.Errorf("time-stamping authority %s: %w", t.URL, err)
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	cl := t.Client
	if cl == nil {
		cl = &http.Client{Timeout: 30 * time.Second}
	}
	res, err := cl.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("time-stamping authority %s: %w", t.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("time-stamping authority %s: %w", t.URL, err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("time-stamping authority %s answered %s", t.URL, res.Status)
	}
	var resp timeStampResp
	if rest, err := asn1.Unmarshal(body, &resp); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("time-stamping authority %s answered something that is not an RFC 3161 response", t.URL)
	}
	if resp.Status.Status > 1 || len(resp.TimeStampToken.FullBytes) == 0 { // 0 granted, 1 grantedWithMods
		return nil, fmt.Errorf("time-stamping authority %s refused (status %d)", t.URL, resp.Status.Status)
	}
	return body, nil
}

// timestamp returns the authority's response over the v2 timestamp input
// of msg (C2PA 2.1, "Time-stamps": the CounterSignature Sig_structure of
// the protected header and the signature).
func timestamp(ctx context.Context, t Timestamper, msg *cose.Sign1Message) ([]byte, error) {
	data, err := counterSignatureInput(msg)
	if err != nil {
		return nil, err
	}
	tst, err := t.Timestamp(ctx, data)
	if err != nil {
		return nil, fmt.Errorf("c2pa: %w", err)
	}
	return tst, nil
}

func counterSignatureInput(msg *cose.Sign1Message) ([]byte, error) {
	protected := msg.Headers.RawProtected
	if protected == nil {
		p, err := msg.Headers.MarshalProtected()
		if err != nil {
			return nil, err
		}
		protected = p
	}
	// RawProtected is the bstr-wrapped header; Sig_structure wants its
	// content as a bstr, which is exactly that encoding.
	var inner []byte
	if err := decMode.Unmarshal(protected, &inner); err != nil {
		return nil, errors.New("c2pa: protected header is not a byte string")
	}
	sig, err := encMode.Marshal(msg.Signature)
	if err != nil {
		return nil, err
	}
	return encMode.Marshal([]any{"CounterSignature", inner, []byte{}, sig})
}
