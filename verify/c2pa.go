package verify

import (
	"crypto/x509"
	"errors"
	"strings"

	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/provenance/c2pa"
)

// LinkContentCredentials is the image's C2PA manifest: its signature, its
// hard binding to the image's bytes and its ingredient chain. It is listed
// among a report's links once an image carried one.
const LinkContentCredentials Link = "c2pa"

// ContentCredentials is what the C2PA check of one image found.
type ContentCredentials struct {
	// Status is "valid", "untrusted" (it holds, but its signer does not
	// chain to a trust anchor), "broken" or "absent".
	Status    string `json:"status"`
	Manifest  string `json:"manifest,omitempty"`
	Signer    string `json:"signer,omitempty"`
	Untrusted string `json:"untrusted,omitempty"`
	// Upstream is what became of the provider's own Content Credentials.
	Upstream string `json:"upstream,omitempty"`
}

// C2PA configures the Content Credentials check.
type C2PA struct {
	// Roots are the trust anchors (the collection's CA from its
	// .genmint/c2pa set-up). With none, a valid manifest is reported
	// untrusted without failing; with some, an untrusted signer fails.
	Roots *x509.CertPool
}

const fixC2PA = "the image or its Content Credentials were changed after genmint signed them: restore the image, or regenerate it with 'genmint generate --only ID --force' if it is not pinned yet"

// contentCredentials checks img's C2PA manifest, if it has one, and that it
// names rec. A missing manifest is recorded, not failed: the record's hash
// of the image already covers the bytes a manifest would be in.
func (t *tokenRun) contentCredentials(cfg *C2PA, img []byte, rec *provenance.Record) error {
	if cfg == nil {
		return nil
	}
	r, err := c2pa.Verify(img, c2pa.Options{Roots: cfg.Roots})
	switch {
	case errors.Is(err, c2pa.ErrNoManifest) || errors.Is(err, c2pa.ErrUnsupported):
		t.res.ContentCredentials = &ContentCredentials{Status: "absent"}
		return nil
	case err != nil:
		t.res.ContentCredentials = &ContentCredentials{Status: "broken"}
		return t.fail(LinkContentCredentials, "broken", "the image's Content Credentials are broken: "+err.Error(), "", "", fixC2PA)
	}
	cc := &ContentCredentials{Status: "valid", Manifest: r.Manifest, Signer: r.Signer, Untrusted: r.Untrusted}
	if r.Genmint != nil {
		cc.Upstream = r.Genmint.Upstream
	}
	t.res.ContentCredentials = cc
	if err := r.Err(); errors.Is(err, c2pa.ErrBroken) {
		cc.Status = "broken"
		return t.fail(LinkContentCredentials, "broken", "the image's Content Credentials are broken: "+strings.Join(r.Problems, "; "), "", "", fixC2PA)
	}
	if r.Genmint == nil || r.Genmint.RecordSHA256 != rec.ContentSHA256 {
		got := ""
		if r.Genmint != nil {
			got = r.Genmint.RecordSHA256
		}
		cc.Status = "broken"
		return t.fail(LinkContentCredentials, "record-hash", "the image's Content Credentials name another provenance record", rec.ContentSHA256, got, fixC2PA)
	}
	if !r.Trusted {
		cc.Status = "untrusted"
		if cfg.Roots != nil {
			return t.fail(LinkContentCredentials, "untrusted", "the image's Content Credentials are signed by an untrusted certificate ("+r.Signer+": "+r.Untrusted+")", "", "",
				"the image was re-signed with a key that is not the collection's: restore it, or regenerate it with 'genmint generate --only ID --force' if it is not pinned yet")
		}
	}
	return nil
}
