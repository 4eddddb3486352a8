package pin

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/genmint/genmint/spec"
)

// Numeric traits are written as JSON numbers with display_type and
// max_value, read back as written, and every field of OpenSea's standard that
// genmint writes passes both schemas.
func TestRicherMetadata(t *testing.T) {
	for _, tc := range []struct {
		a    Attribute
		want string
	}{
		{Attribute{TraitType: "Mood", Value: "R&D <calm>"}, `{"trait_type":"Mood","value":"R&D <calm>"}`},
		{Attribute{TraitType: "Level", Value: "7", DisplayType: "number", MaxValue: "10"}, `{"display_type":"number","trait_type":"Level","value":7,"max_value":10}`},
		{Attribute{TraitType: "Speed", Value: "2.5", DisplayType: "boost_percentage"}, `{"display_type":"boost_percentage","trait_type":"Speed","value":2.5}`},
		{Attribute{TraitType: "Born", Value: "1700000000", DisplayType: "date"}, `{"display_type":"date","trait_type":"Born","value":1700000000}`},
		// Only a numeric trait's value is a number: "7" stays a string without display_type.
		{Attribute{TraitType: "Lucky", Value: "7"}, `{"trait_type":"Lucky","value":"7"}`},
	} {
		b, err := marshalCompact(tc.a) // as marshalMetadata writes it: no HTML escaping
		if err != nil || string(b) != tc.want {
			t.Errorf("%+v: %s %v, want %s", tc.a, b, err, tc.want)
			continue
		}
		var back Attribute
		if err := json.Unmarshal(b, &back); err != nil || back != tc.a {
			t.Errorf("%s read back as %+v %v", b, back, err)
		}
	}
	if err := json.Unmarshal([]byte(`{"trait_type":"x","value":true}`), new(Attribute)); err == nil {
		t.Error("a boolean value was accepted")
	}

	dir, db := newCollection(t, 2, 16)
	c := testCollection
	c.TraitDisplay = map[string]spec.TraitDisplay{"Shape": {DisplayType: "number"}}
	c.BackgroundColor = "1a2b3c"
	c.BannerImage, c.FeaturedImage = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/banner.png", "https://example.org/featured.png"
	c.Collaborators = []string{"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}
	lay := layoutFor(t, dir, db, c)
	tokenSchema := compileSchema(t, "token.schema.json", TokenSchema)
	contractSchema := compileSchema(t, "contract.schema.json", ContractSchema)
	tok, err := lay.tokenJSON(lay.items[0])
	if err != nil {
		t.Fatal(err)
	}
	validate(t, tokenSchema, tok)
	var md TokenMetadata
	if err := json.Unmarshal(tok, &md); err != nil || md.BackgroundColor != "1a2b3c" {
		t.Fatalf("token: %+v %v", md, err)
	}
	found := false
	for _, a := range md.Attributes {
		if a.TraitType == "Shape" {
			found = a.DisplayType == "number"
		}
	}
	if !found {
		t.Fatalf("Shape has no display_type: %+v", md.Attributes)
	}
	// Numeric values as the spec gives them (the fixture's traits are words).
	md.Attributes = []Attribute{{TraitType: "Level", Value: "7", DisplayType: "boost_number", MaxValue: "10"}, {TraitType: "Born", Value: "1700000000", DisplayType: "date"}}
	num, err := marshalMetadata(md)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, tokenSchema, num)
	if !strings.Contains(string(num), `"value": 7,`) || !strings.Contains(string(num), `"max_value": 10`) {
		t.Fatalf("numbers not written as numbers:\n%s", num)
	}
	con, err := lay.contractJSON()
	if err != nil {
		t.Fatal(err)
	}
	validate(t, contractSchema, con)
	var cm ContractMetadata
	if err := json.Unmarshal(con, &cm); err != nil || cm.BannerImage != c.BannerImage || cm.FeaturedImage != c.FeaturedImage || len(cm.Collaborators) != 2 {
		t.Fatalf("contract: %+v %v", cm, err)
	}
	// The schemas refuse what OpenSea would not read.
	for _, bad := range []struct {
		schema string
		edit   func(map[string]any)
	}{
		{"token", func(d map[string]any) { d["background_color"] = "#1a2b3c" }},
		{"token", func(d map[string]any) {
			d["attributes"] = []any{map[string]any{"trait_type": "Level", "value": 7, "display_type": "boost"}}
		}},
		{"token", func(d map[string]any) {
			d["attributes"] = []any{map[string]any{"trait_type": "Level", "value": 7, "max_value": "10"}}
		}},
		{"contract", func(d map[string]any) { d["collaborators"] = []any{"0x12"} }},
		{"contract", func(d map[string]any) { d["banner_image"] = 5 }},
	} {
		src, s := num, tokenSchema
		if bad.schema == "contract" {
			src, s = con, contractSchema
		}
		var doc map[string]any
		if err := json.Unmarshal(src, &doc); err != nil {
			t.Fatal(err)
		}
		bad.edit(doc)
		if err := s.Validate(doc); err == nil {
			t.Errorf("%s schema accepts %v", bad.schema, doc)
		}
	}
}
