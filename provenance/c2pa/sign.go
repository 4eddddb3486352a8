package c2pa

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/veraison/go-cose"
)

// Signer signs manifests: an ES256 key and its X.509 chain, the signing
// certificate first, then the certificates that issued it (C2PA 2.1,
// "Digital signatures": COSE_Sign1 with x5chain in the protected header).
type Signer struct {
	Key   crypto.Signer // an ECDSA P-256 private key
	Chain []*x509.Certificate
	// Timestamper adds an RFC 3161 timestamp over the signature
	// (C2PA 2.1, "Time-stamps", sigTst2). Nil: the manifest carries none,
	// and its signature is only as old as its certificate says.
	Timestamper Timestamper
	// Generator names the claim generator (claim_generator_info).
	Generator, Version string
}

// Timestamper asks an RFC 3161 time-stamping authority to timestamp data
// and returns its DER TimeStampResp.
type Timestamper interface {
	Timestamp(ctx context.Context, data []byte) ([]byte, error)
}

// Manifest is what genmint says about one final image.
type Manifest struct {
	// Title is the final's file name (dc:title).
	Title string
	// DigitalSourceType is the IPTC digital source type URI of the
	// created (or opened) action.
	DigitalSourceType string
	// Steps are the post-process actions, in order, after c2pa.created.
	Steps []Action
	// Genmint is genmint's assertion. Sign fills in Upstream.
	Genmint Genmint
	// Parent is the provider's original image, whose own manifest (when it
	// has one) becomes the parent ingredient; nil when the provider is not
	// one that signs (the procedural and layered generators).
	Parent       []byte
	ParentTitle  string
	ParentFormat string
}

// Upstream values of Genmint.Upstream.
const (
	UpstreamNone   = "none (the provider does not sign its images)"
	UpstreamAbsent = "absent (the provider's image carried no Content Credentials)"
	UpstreamParent = "parent ingredient"
)

// Sign embeds a signed C2PA manifest store describing m into asset (a PNG
// or JPEG; any manifest store it had is replaced) and returns the new
// bytes. The hard binding (c2pa.hash.data) covers every byte of the result
// except the store itself.
func Sign(ctx context.Context, asset []byte, m *Manifest, s *Signer) ([]byte, error) {
	if s == nil || s.Key == nil || len(s.Chain) == 0 {
		return nil, errors.New("c2pa: no signing key and certificate: run genmint c2pa init")
	}
	c, err := split(asset)
	if err != nil {
		return nil, fmt.Errorf("c2pa: %w", err)
	}
	h := sha256.New()
	h.Write(c.head)
	h.Write(c.tail)
	digest := h.Sum(nil)

	label, err := urn()
	if err != nil {
		return nil, err
	}
	instance, err := uuid4()
	if err != nil {
		return nil, err
	}
	g := m.Genmint
	var parents []*box
	var ingredient *box
	if m.Parent == nil {
		g.Upstream = UpstreamNone
	} else {
		ing, ps, up := parentIngredient(m.Parent, m.ParentTitle, m.ParentFormat)
		g.Upstream, parents = up, ps
		if ing != nil {
			b, err := marshal("ingredient", ing)
			if err != nil {
				return nil, err
			}
			ingredient = cborBox(uuidCBOR, LabelIngredient, b)
		}
	}

	agent := &generatorInfo{Name: s.Generator, Version: s.Version}
	if agent.Name == "" {
		agent.Name = "genmint"
	}
	first := Action{Action: ActionCreated, DigitalSourceType: m.DigitalSourceType, SoftwareAgent: agent}
	if ingredient != nil {
		// C2PA 2.1, "Actions": an asset with a parentOf ingredient starts
		// with c2pa.opened naming it.
		first.Action = ActionOpened
		first.Parameters = map[string]any{"ingredients": []hashedURI{assertionRef(ingredient)}}
	}
	actions := append([]Action{first}, m.Steps...)
	for i := 1; i < len(actions); i++ {
		actions[i].SoftwareAgent = agent
	}
	ab, err := marshal("actions", actionsV2{Actions: actions})
	if err != nil {
		return nil, err
	}
	gb, err := marshal("genmint assertion", g)
	if err != nil {
		return nil, err
	}
	fixed := []*box{cborBox(uuidCBOR, LabelActions, ab)}
	if ingredient != nil {
		fixed = append(fixed, ingredient)
	}
	fixed = append(fixed, cborBox(uuidCBOR, LabelGenmint, gb))

	chain := make([][]byte, len(s.Chain))
	for i, cert := range s.Chain {
		chain[i] = cert.Raw
	}
	excl, pad := int64(0), 0
	for round := 0; round < 16; round++ {
		db, err := marshal("data hash", dataHash{
			Exclusions: []exclusion{{Start: int64(c.start()), Length: max(excl, 1)}},
			Name:       dataHashName, Alg: hashAlg, Hash: digest, Pad: []byte{},
		})
		if err != nil {
			return nil, err
		}
		assertions := append(append([]*box(nil), fixed...), cborBox(uuidCBOR, LabelDataHash, db))
		cl := claimV2{
			InstanceID:         "xmp:iid:" + instance,
			Title:              m.Title,
			ClaimGeneratorInfo: *agent,
			Signature:          selfJUMBF + labelSignature,
			Alg:                hashAlg,
		}
		for _, a := range assertions {
			cl.CreatedAssertions = append(cl.CreatedAssertions, assertionRef(a))
		}
		claim, err := marshal("claim", cl)
		if err != nil {
			return nil, err
		}
		sig, err := signClaim(ctx, claim, s, chain, pad)
		if err != nil {
			return nil, err
		}
		manifest := superbox(uuidManifest, label,
			superbox(uuidAssertionStore, labelAssertions, assertions...),
			cborBox(uuidClaim, labelClaim, claim),
			cborBox(uuidSignature, labelSignature, sig))
		store := superbox(uuidManifestStore, labelStore, append(append([]*box(nil), parents...), manifest)...)
		jumbf := store.encode()
		w := int64(len(c.wrap(jumbf)))
		switch {
		case w == excl:
			return c.assemble(jumbf), nil
		case w < excl:
			// Only a timestamp token of another size does this: grow the
			// unprotected pad, which no signature covers.
			if n, ok := padFor(pad, excl-w); ok {
				pad = n
				continue
			}
			excl = w
		default:
			excl = w
		}
	}
	return nil, errors.New("c2pa: the manifest's size did not settle (the time-stamping authority answers tokens of changing sizes)")
}

// assertionRef is the hashed URI of an assertion in this manifest.
func assertionRef(a *box) hashedURI {
	sum := sha256.Sum256(a.hashInput())
	return hashedURI{URL: selfJUMBF + labelAssertions + "/" + a.Label, Hash: sum[:]}
}

// signClaim returns the COSE_Sign1_Tagged signature of claim, its payload
// detached (C2PA 2.1, "Digital signatures"), with pad zero bytes in the
// unprotected header's "pad".
func signClaim(ctx context.Context, claim []byte, s *Signer, chain [][]byte, pad int) ([]byte, error) {
	signer, err := cose.NewSigner(cose.AlgorithmES256, s.Key)
	if err != nil {
		return nil, fmt.Errorf("c2pa: signing key: %w (genmint signs with ECDSA P-256 keys)", err)
	}
	msg := cose.NewSign1Message()
	msg.Headers.Protected.SetAlgorithm(cose.AlgorithmES256)
	msg.Headers.Protected[cose.HeaderLabelX5Chain] = chain
	msg.Payload = claim
	if err := msg.Sign(rand.Reader, nil, signer); err != nil {
		return nil, fmt.Errorf("c2pa: sign the claim: %w", err)
	}
	if s.Timestamper != nil {
		tst, err := timestamp(ctx, s.Timestamper, msg)
		if err != nil {
			return nil, err
		}
		msg.Headers.Unprotected["sigTst2"] = map[string]any{"tstTokens": []map[string]any{{"val": tst}}}
	}
	msg.Headers.Unprotected["pad"] = make([]byte, pad)
	msg.Payload = nil
	b, err := msg.MarshalCBOR()
	if err != nil {
		return nil, fmt.Errorf("c2pa: encode the signature: %w", err)
	}
	return b, nil
}

// padFor returns the pad length whose CBOR byte string is grow bytes
// longer than that of a pad of length cur.
func padFor(cur int, grow int64) (int, bool) {
	want := int64(bstrSize(cur)) + grow
	for n := int(max(want-9, 0)); int64(n) <= want; n++ {
		if int64(bstrSize(n)) == want {
			return n, true
		}
	}
	return 0, false
}

func bstrSize(n int) int {
	switch {
	case n < 24:
		return 1 + n
	case n < 1<<8:
		return 2 + n
	case n < 1<<16:
		return 3 + n
	}
	return 5 + n
}

func uuid4() (string, error) {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return "", fmt.Errorf("c2pa: %w", err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:]), nil
}

// urn is a C2PA 2.x manifest label (C2PA 2.1, "Manifests": urn:c2pa:UUID).
func urn() (string, error) {
	u, err := uuid4()
	if err != nil {
		return "", err
	}
	return "urn:c2pa:" + u, nil
}
