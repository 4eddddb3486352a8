package provenance

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/genmint/genmint/internal/golden"
	"github.com/genmint/genmint/spec/trait"
)

func TestCanonicalJSONForm(t *testing.T) {
	c := fixtureContent()
	b, err := CanonicalJSON(&c)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasSuffix(b, []byte("\n")) {
		t.Error("canonical JSON ends with a newline")
	}
	if bytes.Contains(b, []byte(`\u0026`)) || !bytes.Contains(b, []byte("& <fog>")) {
		t.Errorf("HTML characters are escaped: %s", b)
	}
	if !bytes.HasPrefix(b, []byte(`{"collection":"Harbour Lights","creator":`)) {
		t.Errorf("fields are not in declaration order: %.60s", b)
	}
	if !bytes.Contains(b, []byte(`"parameters":{"cfg_scale":7.5,"height":512,"override_settings":{"CLIP_stop_at_last_layers":2},"restore_faces":false,"sampler_name":"DPM++ 2M","scheduler":"Karras","steps":30,"width":512}`)) {
		t.Errorf("map keys are not sorted or not compact: %s", b)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil || !bytes.Equal(compact.Bytes(), b) {
		t.Errorf("canonical JSON is not compact (err %v)", err)
	}
}

func TestCanonicalJSONRefuses(t *testing.T) {
	for name, v := range map[string]any{
		"invalid UTF-8 string": map[string]any{"prompt": "caf\xe9"},
		"invalid UTF-8 key":    map[string]any{"\xff": 1},
		"NaN":                  map[string]any{"cfg": math.NaN()},
		"infinity":             []any{math.Inf(1)},
		"channel":              map[string]any{"c": make(chan int)},
	} {
		if b, err := CanonicalJSON(v); err == nil {
			t.Errorf("%s: accepted as %s", name, b)
		}
	}
	c := fixtureContent()
	c.Prompt = "bad \xc3 byte"
	if _, err := c.SHA256(); !errors.Is(err, errInvalidUTF8) {
		t.Errorf("invalid UTF-8 prompt: err = %v, want errInvalidUTF8", err)
	}
	if _, err := MarshalRecord(&Record{Content: c}); !errors.Is(err, errInvalidUTF8) {
		t.Errorf("MarshalRecord with an invalid UTF-8 prompt: err = %v", err)
	}
}

func TestCanonicalJSONAcceptsLookalikes(t *testing.T) {
	// A genuine U+FFFD and the literal text \ufffd are fine: only encoding/json's
	// own replacement of invalid bytes is refused.
	for _, s := range []string{"\uFFFD", `\ufffd`, `\\ufffd`, `a\`, "\u2028\u2029"} {
		b, err := CanonicalJSON(map[string]string{"s": s})
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		var back map[string]string
		if err := json.Unmarshal(b, &back); err != nil || back["s"] != s {
			t.Errorf("%q came back as %q (%v)", s, back["s"], err)
		}
	}
}

func TestContentSHA256(t *testing.T) {
	c := fixtureContent()
	h1, err := c.SHA256()
	if err != nil {
		t.Fatal(err)
	}
	if len(h1) != 64 || strings.Trim(h1, "0123456789abcdef") != "" {
		t.Fatalf("hash %q is not lower-case hex sha256", h1)
	}
	c2 := fixtureContent()
	if h2, _ := c2.SHA256(); h2 != h1 {
		t.Error("equal contents hash differently (map order leaks into the hash?)")
	}
	c2.Parameters["steps"] = 31
	if h2, _ := c2.SHA256(); h2 == h1 {
		t.Error("changing a parameter does not change the hash")
	}
}

// roundTripContents are contents whose numbers and strings are easy to get
// wrong when a record is parsed back.
func roundTripContents() map[string]Content {
	base := fixtureContent
	m := map[string]Content{"fixture": base()}

	c := base()
	c.Parameters = map[string]any{
		"cfg":       7.5,
		"big_float": 1e21,
		"tiny":      1e-7,
		"neg_zero":  math.Copysign(0, -1),
		"third":     1.0 / 3,
		"f32":       float32(0.1),
		"max_u64":   uint64(math.MaxUint64),
		"min_i64":   int64(math.MinInt64),
		"max_i64":   int64(math.MaxInt64),
		"whole":     7.0,
		"number":    json.Number("12.50"),
	}
	m["numbers"] = c

	c = base()
	c.Prompt = "雪の灯台 🌊 \u2028line\u2029 <b>&amp;</b> \"quoted\" \\ back\tslash \x01\x7f \uFFFE"
	c.NegativePrompt = "é\u0301 ﬁ"
	c.Creator = "Zoë 🎨"
	c.Traits = []trait.Trait{{Type: "Ünïcode", Value: "✓"}}
	m["unicode"] = c

	c = base()
	c.Parameters = map[string]any{
		"workflow": map[string]any{
			"3": map[string]any{
				"class_type": "KSampler",
				"inputs":     map[string]any{"seed": 1234, "cfg": 8.0, "model": []any{"4", 0}},
			},
			"list": []any{1, "two", 3.5, true, nil, []any{}, map[string]any{}},
		},
	}
	c.ProviderFacts = map[string]any{"usage": map[string]any{"gpu_seconds": 3.25}}
	m["nested"] = c

	c = base()
	c.Parameters, c.Traits, c.PostProcess, c.Seed.Actual = nil, nil, nil, nil
	m["nils"] = c

	c = base()
	c.Parameters, c.Traits, c.PostProcess = map[string]any{}, []trait.Trait{}, []Step{{Op: "noop", Params: map[string]any{}}}
	m["empties"] = c
	return m
}

func TestRecordRoundTripKeepsHash(t *testing.T) {
	for name, c := range roundTripContents() {
		t.Run(name, func(t *testing.T) {
			checkRoundTrip(t, c)
		})
	}
}

// checkRoundTrip asserts hash(parse(marshal(c))) == hash(c), and that the
// sidecar bytes themselves are a fixed point.
func checkRoundTrip(t *testing.T, c Content) {
	t.Helper()
	h, err := c.SHA256()
	if err != nil {
		t.Fatal(err)
	}
	rec := &Record{Schema: Schema, Content: c, ContentSHA256: h}
	b, err := MarshalRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseRecord(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	h2, err := back.Content.SHA256()
	if err != nil {
		t.Fatal(err)
	}
	if h2 != h {
		c1, _ := CanonicalJSON(&c)
		c2, _ := CanonicalJSON(&back.Content)
		t.Fatalf("hash changed after a round trip:\n%s\n%s", c1, c2)
	}
	b2, err := MarshalRecord(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Fatalf("sidecar bytes changed after a round trip:\n%s\n%s", b, b2)
	}
	// The content alone, in canonical form, parses back to the same hash too
	// (this is what the image embeds).
	cj, _ := CanonicalJSON(&c)
	pc, err := ParseContent(cj)
	if err != nil {
		t.Fatal(err)
	}
	if h3, _ := pc.SHA256(); h3 != h {
		t.Fatal("canonical content does not re-hash to itself")
	}
}

func FuzzRecordRoundTrip(f *testing.F) {
	f.Add("a castle", "blurry", 7.5, uint64(42), int64(-3), "cfg_scale", "DPM++ 2M")
	f.Add("雪 \u2028", "", 1e21, uint64(math.MaxUint64), int64(math.MinInt64), "", "<&>")
	f.Add("", "x", -0.0, uint64(0), int64(0), "a.b", "\uFFFD")
	f.Fuzz(func(t *testing.T, prompt, neg string, fl float64, u uint64, i int64, key, sval string) {
		c := fixtureContent()
		c.Prompt, c.NegativePrompt = prompt, neg
		c.Seed.Actual = &u
		c.Parameters = map[string]any{
			"float": fl, "uint": u, "int": i, key: sval,
			"nested": map[string]any{key: []any{fl, sval, i}},
		}
		if _, err := c.SHA256(); err != nil {
			// Only invalid UTF-8 and non-finite floats may be refused.
			valid := utf8.ValidString(prompt) && utf8.ValidString(neg) && utf8.ValidString(key) && utf8.ValidString(sval)
			if valid && !math.IsNaN(fl) && !math.IsInf(fl, 0) {
				t.Fatalf("refused a valid content: %v", err)
			}
			return
		}
		checkRoundTrip(t, c)
	})
}

func TestParseRecordErrors(t *testing.T) {
	good, err := MarshalRecord(fixtureRecord(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseRecord(good); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		in   string
		want string
	}{
		"not json":      {"provenance", "invalid character"},
		"unknown field": {strings.Replace(string(good), `"collection"`, `"colection"`, 1), "unknown field"},
		"other schema":  {strings.Replace(string(good), Schema, "genmint.provenance/v9", 1), "unknown provenance schema"},
		"trailing data": {string(good) + "{}", "after the JSON value"},
		"wrong type":    {strings.Replace(string(good), `"item": 7`, `"item": "7"`, 1), "cannot unmarshal"},
	} {
		_, err := ParseRecord([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, tc.want)
		}
	}
	if _, err := ParseRecord([]byte(strings.Replace(string(good), Schema, "x", 1))); !errors.Is(err, ErrSchema) {
		t.Errorf("other schema: %v does not wrap ErrSchema", err)
	}
}

func TestSidecarGolden(t *testing.T) {
	b, err := MarshalRecord(fixtureRecord(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(b, []byte("}\n")) || !bytes.Contains(b, []byte("\n  \"content\": {\n    \"collection\"")) {
		t.Errorf("sidecar is not two-space indented with a trailing newline:\n%s", b)
	}
	golden.Check(t, filepath.Join("testdata", "provenance.json.golden"), b)
}
