package c2pa

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
)

// parentIngredient makes the parent ingredient for the provider's original
// image (C2PA 2.1, "Ingredient"): when the original carries a manifest
// store, its manifests are copied into the new store unchanged and the
// ingredient names the active one with hashed URIs and the result of
// validating it now; a store that cannot be read is recorded as broken,
// and an original with no store gives no ingredient at all: nothing is
// invented either way.
func parentIngredient(parent []byte, title, format string) (ing *ingredientV3, parents []*box, upstream string) {
	c, err := split(parent)
	if err != nil && !errors.Is(err, ErrMalformed) {
		return nil, nil, UpstreamAbsent
	}
	if err == nil && c.jumbf == nil {
		return nil, nil, UpstreamAbsent
	}
	ing = &ingredientV3{Title: title, Format: format, Relationship: relationshipParent}
	var st *store
	if err == nil {
		st, err = parseStore(c.jumbf)
	}
	if err != nil {
		ing.Description = "the provider's Content Credentials could not be read: " + err.Error()
		return ing, nil, "broken: " + err.Error()
	}
	act := st.active()
	r := st.validate(act, parent, Options{Now: time.Now()}, 0)
	mref := hashedURI{URL: selfJUMBF + "/c2pa/" + act.Label, Hash: sha(act.hashInput())}
	ing.ActiveManifest = &mref
	if sig := st.resolve(act, selfJUMBF+labelSignature); sig != nil {
		ing.ClaimSignature = &hashedURI{URL: selfJUMBF + "/c2pa/" + act.Label + "/" + labelSignature, Hash: sha(sig.hashInput())}
	}
	vr := &validationResults{ActiveManifest: statusCodes{Success: []statusEntry{}, Informational: []statusEntry{}, Failure: []statusEntry{}}}
	url := selfJUMBF + "/c2pa/" + act.Label
	for _, p := range r.Problems {
		vr.ActiveManifest.Failure = append(vr.ActiveManifest.Failure, statusEntry{Code: "general.error", URL: url, Explanation: p})
	}
	if len(r.Problems) == 0 {
		vr.ActiveManifest.Success = append(vr.ActiveManifest.Success,
			statusEntry{Code: "claimSignature.validated", URL: url + "/" + labelSignature},
			statusEntry{Code: "assertion.hashedURI.match", URL: url + "/" + labelAssertions},
			statusEntry{Code: "assertion.dataHash.match", URL: url + "/" + labelAssertions})
		if !r.Trusted {
			// genmint has no C2PA trust list: the provider's signer is
			// valid but not checked against one.
			vr.ActiveManifest.Failure = append(vr.ActiveManifest.Failure, statusEntry{Code: "signingCredential.untrusted", URL: url + "/" + labelSignature, Explanation: r.Untrusted})
		}
	}
	ing.ValidationResults = vr
	// Every manifest of the provider's store comes along, so ingredient
	// URIs inside it still resolve.
	parents = st.manifests
	if len(r.Problems) > 0 {
		return ing, parents, "broken: " + strings.Join(r.Problems, "; ")
	}
	return ing, parents, fmt.Sprintf("%s (%s, signed by %s)", UpstreamParent, act.Label, r.Signer)
}

func sha(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}
