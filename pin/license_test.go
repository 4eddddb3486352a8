package pin

import (
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// A licence goes into token and contract metadata as license and
// license_url, and both schemas accept it (and refuse one without the other).
func TestLicenseInMetadata(t *testing.T) {
	dir, db := newCollection(t, 2, 16)
	c := testCollection
	c.License, c.LicenseURL = "CBE-NECR", "ar://_D9kN1WrNWbCq55BSAGRbTB4bS3v8QAPTYmBThSbX3A/2"
	lay := layoutFor(t, dir, db, c)
	tokenSchema := compileSchema(t, "token.schema.json", TokenSchema)
	contractSchema := compileSchema(t, "contract.schema.json", ContractSchema)
	tok, err := lay.tokenJSON(lay.items[0])
	if err != nil {
		t.Fatal(err)
	}
	validate(t, tokenSchema, tok)
	var md TokenMetadata
	if err := json.Unmarshal(tok, &md); err != nil || md.License != c.License || md.LicenseURL != c.LicenseURL {
		t.Fatalf("token: %+v %v", md, err)
	}
	con, err := lay.contractJSON()
	if err != nil {
		t.Fatal(err)
	}
	validate(t, contractSchema, con)
	var cm ContractMetadata
	if err := json.Unmarshal(con, &cm); err != nil || cm.License != c.License || cm.LicenseURL != c.LicenseURL {
		t.Fatalf("contract: %+v %v", cm, err)
	}
	// One without the other is refused by both schemas.
	for name, s := range map[string]*jsonschema.Schema{"token": tokenSchema, "contract": contractSchema} {
		var doc map[string]any
		b := tok
		if name == "contract" {
			b = con
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		delete(doc, "license_url")
		if err := s.Validate(doc); err == nil {
			t.Errorf("%s schema accepts license without license_url", name)
		}
	}
}
