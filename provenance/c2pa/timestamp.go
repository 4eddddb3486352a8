package c2pa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/veraison/go-cose"
)

// TSA is an RFC 3161 time-stamping authority reached over HTTP
// (RFC 3161 §3.4: POST application/timestamp-query).
type TSA struct {
	URL    string
	Client *http.Client // nil: a client with a 30 s timeout
}

// Timestamp sends data's SHA-256 to the authority and returns its DER
// TimeStampResp once it is granted, signed by the authority (its
// certificate included), over that hash and with the request's nonce.
func (t *TSA) Timestamp(ctx context.Context, data []byte) ([]byte, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, err
	}
	req, err := timestamp.CreateRequest(bytes.NewReader(data), &timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: true, Nonce: nonce})
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
	ts, err := timestamp.ParseResponse(body)
	if err != nil {
		return nil, fmt.Errorf("time-stamping authority %s: its answer is not a granted, validly signed RFC 3161 response (%v)", t.URL, err)
	}
	sum := sha256.Sum256(data)
	switch {
	case len(ts.Certificates) == 0:
		return nil, fmt.Errorf("time-stamping authority %s left out its certificate although asked for it", t.URL)
	case ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, sum[:]):
		return nil, fmt.Errorf("time-stamping authority %s stamped something else than genmint sent", t.URL)
	case ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0:
		return nil, fmt.Errorf("time-stamping authority %s answered another request (nonce mismatch)", t.URL)
	}
	return body, nil
}

// stampSignature returns the authority's response over the v2 time-stamp
// input of msg (C2PA 2.1, "Time-stamps": the CounterSignature Sig_structure
// of the protected header and the signature).
func stampSignature(ctx context.Context, t Timestamper, msg *cose.Sign1Message) ([]byte, error) {
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
