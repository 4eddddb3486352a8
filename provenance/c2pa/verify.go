package c2pa

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"strings"
	"time"

	"github.com/veraison/go-cose"
)

// Sentinels of a validation (C2PA 2.1, "Validation"): a manifest that does
// not hold together is broken; one that holds together but whose signer
// does not chain to a trust anchor the caller gave is untrusted. Callers
// report the two distinctly.
var (
	ErrBroken    = errors.New("Content Credentials are broken")
	ErrUntrusted = errors.New("Content Credentials are signed by an untrusted certificate")
)

// Options configure Verify.
type Options struct {
	// Roots are the trust anchors: the collection's own CA and any the user
	// trusts. Nil: no signer is trusted.
	Roots *x509.CertPool
	// Now is the time certificates are checked at when the manifest has no
	// valid timestamp (time.Now when zero).
	Now time.Time
}

// Report is what Verify found in an image's active manifest.
type Report struct {
	Manifest  string `json:"manifest"`
	Title     string `json:"title,omitempty"`
	Generator string `json:"generator,omitempty"`
	// Signer and Issuer are the signing certificate's subject and issuer.
	Signer  string `json:"signer,omitempty"`
	Issuer  string `json:"issuer,omitempty"`
	Trusted bool   `json:"trusted"`
	// Untrusted says why the signer is not trusted ("" when it is).
	Untrusted string `json:"untrusted,omitempty"`
	// Timestamp is the RFC 3161 time of the signature (nil: none).
	Timestamp         *time.Time   `json:"timestamp,omitempty"`
	DigitalSourceType string       `json:"digital_source_type,omitempty"`
	Actions           []Action     `json:"actions,omitempty"`
	Genmint           *Genmint     `json:"genmint,omitempty"`
	Ingredients       []Ingredient `json:"ingredients,omitempty"`
	// Problems are why the manifest is broken (empty when it holds).
	Problems []string `json:"problems,omitempty"`
}

// Ingredient is one ingredient of the manifest and what its own manifest,
// when it has one, validated to.
type Ingredient struct {
	Title        string `json:"title,omitempty"`
	Format       string `json:"format,omitempty"`
	Relationship string `json:"relationship"`
	Manifest     string `json:"manifest,omitempty"`
	Signer       string `json:"signer,omitempty"`
	// Status is "valid", "broken" or "none" (no manifest of its own).
	Status      string   `json:"status"`
	Description string   `json:"description,omitempty"`
	Problems    []string `json:"problems,omitempty"`
}

// Err is nil for a manifest that holds and is trusted, else an error
// wrapping ErrBroken or ErrUntrusted and saying why.
func (r *Report) Err() error {
	if len(r.Problems) > 0 {
		return fmt.Errorf("%w: %s", ErrBroken, strings.Join(r.Problems, "; "))
	}
	if !r.Trusted {
		return fmt.Errorf("%w (%s): %s", ErrUntrusted, r.Signer, r.Untrusted)
	}
	return nil
}

// Verify finds the manifest store in asset and validates its active
// manifest: every assertion's hashed URI, the claim's COSE signature and
// certificate chain, the hard binding over asset, and each ingredient's own
// manifest. It fails only when there is nothing to validate (ErrNoManifest,
// ErrUnsupported) or the store cannot be read at all (ErrMalformed, wrapped
// in ErrBroken); everything else is in the Report.
func Verify(asset []byte, o Options) (*Report, error) {
	c, err := split(asset)
	if err != nil {
		if errors.Is(err, ErrMalformed) {
			return nil, fmt.Errorf("%w: %w", ErrBroken, err)
		}
		return nil, err
	}
	if c.jumbf == nil {
		return nil, ErrNoManifest
	}
	st, err := parseStore(c.jumbf)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBroken, err)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	return st.validate(st.active(), asset, o, 0), nil
}

type store struct {
	root      *box
	manifests []*box
}

func parseStore(jumbf []byte) (*store, error) {
	boxes, err := parseBoxes(jumbf, 0)
	if err != nil {
		return nil, err
	}
	if len(boxes) != 1 || boxes[0].Type != "jumb" || boxes[0].UUID != uuidManifestStore {
		return nil, fmt.Errorf("%w: not a C2PA manifest store", ErrMalformed)
	}
	st := &store{root: boxes[0]}
	st.manifests = st.root.childrenByUUID(uuidManifest)
	if len(st.manifests) == 0 {
		return nil, fmt.Errorf("%w: the manifest store holds no manifest", ErrMalformed)
	}
	return st, nil
}

// active is the last manifest in the store (C2PA 2.1, "Manifest store").
func (st *store) active() *box { return st.manifests[len(st.manifests)-1] }

func (st *store) manifest(label string) *box {
	for _, m := range st.manifests {
		if m.Label == label {
			return m
		}
	}
	return nil
}

// claimAny reads C2PA 1.x and 2.x claims alike.
type claimAny struct {
	InstanceID         string      `cbor:"instanceID"`
	Title              string      `cbor:"dc:title"`
	Generator          string      `cbor:"claim_generator"`
	GeneratorInfo      any         `cbor:"claim_generator_info"`
	Signature          string      `cbor:"signature"`
	Assertions         []hashedURI `cbor:"assertions"`
	CreatedAssertions  []hashedURI `cbor:"created_assertions"`
	GatheredAssertions []hashedURI `cbor:"gathered_assertions"`
	Alg                string      `cbor:"alg"`
}

func (c *claimAny) generator() string {
	info := c.GeneratorInfo
	if l, ok := info.([]any); ok && len(l) > 0 {
		info = l[0]
	}
	if m, ok := info.(map[string]any); ok {
		n, _ := m["name"].(string)
		if v, _ := m["version"].(string); v != "" {
			n += " " + v
		}
		return n
	}
	return c.Generator
}

func newHash(alg string) (hash.Hash, bool) {
	switch alg {
	case "", "sha256":
		return sha256.New(), true
	case "sha384":
		return sha512.New384(), true
	case "sha512":
		return sha512.New(), true
	}
	return nil, false
}

// resolve finds the superbox a JUMBF URI names, relative to manifest m.
func (st *store) resolve(m *box, url string) *box {
	path, ok := strings.CutPrefix(url, selfJUMBF)
	if !ok {
		return nil
	}
	at := m
	if rest, ok := strings.CutPrefix(path, "/c2pa/"); ok {
		label, sub, _ := strings.Cut(rest, "/")
		if at = st.manifest(label); at == nil {
			return nil
		}
		if sub == "" {
			return at
		}
		path = sub
	}
	for _, part := range strings.Split(path, "/") {
		if at = at.child(part); at == nil {
			return nil
		}
	}
	return at
}

// checkRef checks a hashed URI; its alg defaults to the claim's.
func (st *store) checkRef(m *box, ref hashedURI, claimAlg string) (*box, error) {
	b := st.resolve(m, ref.URL)
	if b == nil {
		return nil, fmt.Errorf("%s is missing", ref.URL)
	}
	alg := ref.Alg
	if alg == "" {
		alg = claimAlg
	}
	h, ok := newHash(alg)
	if !ok {
		return nil, fmt.Errorf("%s uses the unsupported hash %q", ref.URL, alg)
	}
	h.Write(b.hashInput())
	if !bytes.Equal(h.Sum(nil), ref.Hash) {
		return nil, fmt.Errorf("%s does not match its hash in the claim (it was changed)", ref.URL)
	}
	return b, nil
}

// validate checks manifest m; asset is nil for an ingredient's manifest,
// whose asset is not at hand (its hard binding is then not checked).
func (st *store) validate(m *box, asset []byte, o Options, depth int) *Report {
	r := &Report{Manifest: m.Label}
	bad := func(format string, a ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, a...)) }

	claims := m.childrenByUUID(uuidClaim)
	if len(claims) != 1 {
		bad("the manifest has %d claims, not one", len(claims))
		return r
	}
	raw, err := claims[0].cborContent()
	if err != nil {
		bad("claim: %v", err)
		return r
	}
	var cl claimAny
	if err := decMode.Unmarshal(raw, &cl); err != nil {
		bad("the claim is not valid CBOR: %v", err)
		return r
	}
	r.Title, r.Generator = cl.Title, cl.generator()
	refs := cl.CreatedAssertions
	if claims[0].Label == "c2pa.claim" {
		refs = cl.Assertions
	}
	refs = append(append([]hashedURI(nil), refs...), cl.GatheredAssertions...)

	// The signature (C2PA 2.1, "Validate the signature").
	sigBox := st.resolve(m, cl.Signature)
	if sigBox == nil || sigBox.UUID != uuidSignature {
		bad("the claim's signature %q is missing", cl.Signature)
	} else {
		st.checkSignature(r, sigBox, raw, o)
	}

	// Assertions, by their hashed URIs.
	var hardBindings int
	for _, ref := range refs {
		b, err := st.checkRef(m, ref, cl.Alg)
		if err != nil {
			bad("assertion %v", err)
			continue
		}
		data, err := b.cborContent()
		if err != nil {
			continue // JSON and other assertions genmint does not read
		}
		label := baseLabel(b.Label)
		switch {
		case label == LabelDataHash:
			hardBindings++
			if asset != nil {
				if err := checkDataHash(data, asset); err != nil {
					bad("hard binding: %v", err)
				}
			}
		case label == "c2pa.hash.bmff" || label == "c2pa.hash.bmff.v2" || label == "c2pa.hash.bmff.v3" || label == "c2pa.hash.boxes":
			hardBindings++
			if asset != nil {
				bad("hard binding %s is not supported for png and jpeg images", label)
			}
		case label == LabelActions || label == "c2pa.actions":
			var as actionsV2
			if err := decMode.Unmarshal(data, &as); err != nil {
				bad("%s is not valid CBOR: %v", label, err)
				continue
			}
			r.Actions = append(r.Actions, as.Actions...)
			for _, a := range as.Actions {
				if (a.Action == ActionCreated || a.Action == ActionOpened) && r.DigitalSourceType == "" {
					r.DigitalSourceType = a.DigitalSourceType
				}
			}
		case label == LabelGenmint:
			var g Genmint
			if err := decMode.Unmarshal(data, &g); err != nil {
				bad("%s is not valid CBOR: %v", label, err)
				continue
			}
			r.Genmint = &g
		case strings.HasPrefix(label, "c2pa.ingredient"):
			r.Ingredients = append(r.Ingredients, st.ingredient(m, data, cl.Alg, o, depth))
		}
	}
	switch {
	case hardBindings == 0:
		bad("the manifest has no hard binding")
	case hardBindings > 1:
		bad("the manifest has %d hard bindings, not one", hardBindings)
	}
	for _, ing := range r.Ingredients {
		for _, p := range ing.Problems {
			bad("ingredient %s: %s", ing.Title, p)
		}
	}
	return r
}

// baseLabel drops an assertion label's instance suffix ("__2").
func baseLabel(l string) string {
	if i := strings.LastIndex(l, "__"); i > 0 {
		return l[:i]
	}
	return l
}

type ingredientAny struct {
	Title             string             `cbor:"dc:title"`
	Format            string             `cbor:"dc:format"`
	Relationship      string             `cbor:"relationship"`
	ActiveManifest    *hashedURI         `cbor:"activeManifest"`
	C2PAManifest      *hashedURI         `cbor:"c2pa_manifest"`
	ClaimSignature    *hashedURI         `cbor:"claimSignature"`
	ValidationResults *validationResults `cbor:"validationResults"`
	ValidationStatus  []statusEntry      `cbor:"validationStatus"`
	Description       string             `cbor:"description"`
}

// ingredient reads an ingredient assertion and validates the manifest it
// names. An ingredient recorded as failing when the manifest was made is
// reported as "broken" without being a problem of this manifest; one
// recorded as valid that no longer validates is.
func (st *store) ingredient(m *box, data []byte, claimAlg string, o Options, depth int) Ingredient {
	var in ingredientAny
	if err := decMode.Unmarshal(data, &in); err != nil {
		return Ingredient{Status: "broken", Problems: []string{fmt.Sprintf("not valid CBOR: %v", err)}}
	}
	ing := Ingredient{Title: in.Title, Format: in.Format, Relationship: in.Relationship, Description: in.Description, Status: "none"}
	ref := in.ActiveManifest
	if ref == nil {
		ref = in.C2PAManifest
	}
	if ref == nil {
		return ing
	}
	recordedBroken := in.ValidationResults != nil && len(in.ValidationResults.ActiveManifest.Failure) > 0 &&
		!onlyUntrusted(in.ValidationResults.ActiveManifest.Failure)
	mb, err := st.checkRef(m, *ref, claimAlg)
	if err != nil {
		ing.Status, ing.Problems = "broken", []string{"its manifest " + err.Error()}
		return ing
	}
	ing.Manifest = mb.Label
	if in.ClaimSignature != nil {
		if _, err := st.checkRef(m, *in.ClaimSignature, claimAlg); err != nil {
			ing.Status, ing.Problems = "broken", []string{"its claim signature " + err.Error()}
			return ing
		}
	}
	if depth > 8 {
		ing.Status, ing.Problems = "broken", []string{"ingredients nested too deep"}
		return ing
	}
	sub := st.validate(mb, nil, o, depth+1)
	ing.Signer = sub.Signer
	switch {
	case recordedBroken:
		ing.Status = "broken"
		for _, e := range in.ValidationResults.ActiveManifest.Failure {
			ing.Description = strings.TrimSpace(ing.Description + " " + e.Explanation)
		}
		ing.Description += " (recorded when the manifest was signed)"
	case len(sub.Problems) == 0:
		ing.Status = "valid"
	default:
		ing.Status, ing.Problems = "broken", sub.Problems
	}
	return ing
}

func onlyUntrusted(es []statusEntry) bool {
	for _, e := range es {
		if e.Code != "signingCredential.untrusted" {
			return false
		}
	}
	return true
}

func checkDataHash(data, asset []byte) error {
	var dh dataHash
	if err := decMode.Unmarshal(data, &dh); err != nil {
		return fmt.Errorf("c2pa.hash.data is not valid CBOR: %v", err)
	}
	h, ok := newHash(dh.Alg)
	if !ok {
		return fmt.Errorf("unsupported hash %q", dh.Alg)
	}
	pos := int64(0)
	for _, e := range dh.Exclusions {
		if e.Start < pos || e.Length < 0 || e.Start+e.Length > int64(len(asset)) {
			return errors.New("its exclusions are out of order or out of the file")
		}
		h.Write(asset[pos:e.Start])
		pos = e.Start + e.Length
	}
	h.Write(asset[pos:])
	if !bytes.Equal(h.Sum(nil), dh.Hash) {
		return errors.New("the image's bytes do not match the signed hash (the image was changed after signing)")
	}
	return nil
}

// checkSignature verifies the COSE_Sign1 over claim and the signer's chain.
func (st *store) checkSignature(r *Report, sigBox *box, claim []byte, o Options) {
	bad := func(format string, a ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, a...)) }
	raw, err := sigBox.cborContent()
	if err != nil {
		bad("signature: %v", err)
		return
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(raw); err != nil {
		var u cose.UntaggedSign1Message
		if err2 := u.UnmarshalCBOR(raw); err2 != nil {
			bad("the signature is not a COSE_Sign1 message: %v", err)
			return
		}
		msg = cose.Sign1Message(u)
	}
	chain, err := x5chain(&msg)
	if err != nil {
		bad("signature: %v", err)
		return
	}
	leaf := chain[0]
	r.Signer, r.Issuer = leaf.Subject.String(), leaf.Issuer.String()
	alg, err := msg.Headers.Protected.Algorithm()
	if err != nil {
		bad("signature: no algorithm in the protected header")
		return
	}
	v, err := cose.NewVerifier(alg, leaf.PublicKey)
	if err != nil {
		bad("signature: the certificate's key does not fit algorithm %v: %v", alg, err)
		return
	}
	msg.Payload = claim
	if err := msg.Verify(nil, v); err != nil {
		// COSE wants ECDSA signatures as raw r‖s (RFC 9053 §2.1); c2pa-ts
		// 0.9.4 under Node writes them DER-encoded, and validates those.
		// Accept that form too, converted, so such providers chain.
		raw, ok := derToRaw(msg.Signature, leaf)
		if ok {
			msg.Signature = raw
			err = msg.Verify(nil, v)
		}
		if err != nil {
			bad("the claim's signature does not verify (the claim or signature was changed)")
			return
		}
	}
	at := o.Now
	if t, ok, err := signatureTime(&msg); err != nil {
		bad("timestamp: %v", err)
	} else if ok {
		r.Timestamp, at = &t, t
	}
	if bytes.Equal(leaf.RawSubject, leaf.RawIssuer) {
		bad("the signing certificate is self-signed, which C2PA forbids: sign with a certificate a CA issued (genmint c2pa init makes both)")
		return
	}
	if o.Roots == nil {
		r.Untrusted = "no trust anchor is configured"
		return
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: o.Roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		r.Untrusted = err.Error()
		return
	}
	r.Trusted = true
}

// derToRaw converts a DER ECDSA signature to COSE's r‖s form.
func derToRaw(sig []byte, cert *x509.Certificate) ([]byte, bool) {
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, false
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) != 0 || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 {
		return nil, false
	}
	n := (pub.Curve.Params().BitSize + 7) / 8
	if len(rs.R.Bytes()) > n || len(rs.S.Bytes()) > n {
		return nil, false
	}
	out := make([]byte, 2*n)
	rs.R.FillBytes(out[:n])
	rs.S.FillBytes(out[n:])
	return out, true
}

func x5chain(msg *cose.Sign1Message) ([]*x509.Certificate, error) {
	v, ok := msg.Headers.Protected[cose.HeaderLabelX5Chain]
	if !ok {
		if v, ok = msg.Headers.Unprotected[cose.HeaderLabelX5Chain]; !ok {
			return nil, errors.New("no x5chain certificate in the COSE headers")
		}
	}
	var ders [][]byte
	switch t := v.(type) {
	case []byte:
		ders = [][]byte{t}
	case []any:
		for _, e := range t {
			b, ok := e.([]byte)
			if !ok {
				return nil, errors.New("x5chain holds something that is not a certificate")
			}
			ders = append(ders, b)
		}
	default:
		return nil, errors.New("x5chain holds something that is not a certificate")
	}
	if len(ders) == 0 {
		return nil, errors.New("x5chain is empty")
	}
	var out []*x509.Certificate
	for _, d := range ders {
		c, err := x509.ParseCertificate(d)
		if err != nil {
			return nil, fmt.Errorf("x5chain: %v", err)
		}
		out = append(out, c)
	}
	return out, nil
}
