// Package c2pa writes and validates C2PA Content Credentials for genmint's
// final images, following the C2PA Technical Specification version 2.1
// (c2pa.org/specifications, 2.1). The parts it implements, by the
// specification's section titles:
//
//   - "Use of JUMBF" and "Manifest store": the store is a JUMBF superbox
//     (ISO/IEC 19566-5) labelled c2pa holding manifests (c2ma), each with an
//     assertion store (c2as), a claim (c2cl) and a claim signature (c2cs);
//     jumbf.go, the store's layout tested against the box bytes the
//     specification shows;
//   - "Embedding manifests into assets": PNG's caBX chunk before IDAT, JPEG's
//     APP11 segments in the JPEG XT box format (ISO/IEC 18477-3); container.go;
//   - "Claims": a c2pa.claim.v2 (created_assertions as hashed URIs, each the
//     SHA-256 of the assertion's superbox without its header, "Hashed URIs");
//   - "Actions" (c2pa.actions.v2): c2pa.created with the IPTC digital source
//     type (trainedAlgorithmicMedia for models, algorithmicMedia for the
//     procedural and layered generators), or c2pa.opened naming the parent
//     ingredient, then one action per post-process step with its parameters;
//   - "Data hash" (c2pa.hash.data): the hard binding, over every byte of the
//     asset except the store, with the exclusion range written in;
//   - "Ingredient" (c2pa.ingredient.v3): the provider's own manifest copied
//     into the store and named, with its validation results, as the parent;
//     a broken upstream store is recorded as such, an absent one adds none;
//   - "Digital signatures": COSE_Sign1 (RFC 9052) with ES256 and the x5chain
//     in the protected header, payload detached (the claim); signing
//     certificates follow the "Certificate profile" (not self-signed,
//     digitalSignature, emailProtection or documentSigning), so a
//     collection gets its own CA (NewCredentials);
//   - "Time-stamps": an RFC 3161 token over the signature (sigTst2), when an
//     authority is configured, none otherwise;
//   - "Validation": signature, hashed URIs, hard binding and ingredients;
//     a manifest that does not hold is broken (ErrBroken), one whose signer
//     does not chain to a trust anchor is untrusted (ErrUntrusted).
//
// genmint's own assertion, com.github.genmint.provenance, names the
// provenance record (its content hash), the prompt, model and seed.
// CBOR is github.com/fxamacker/cbor/v2 (core deterministic encoding) and
// COSE github.com/veraison/go-cose; the tests check every output with an
// independent implementation, @trustnxt/c2pa-ts.
package c2pa
