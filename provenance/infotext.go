package provenance

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Infotext renders the content as Automatic1111 "infotext", the text A1111
// stores in a PNG's "parameters" chunk and shows in PNG Info:
//
//	a castle on a hill, golden hour
//	Negative prompt: blurry
//	Steps: 30, Sampler: DPM++ 2M, CFG scale: 7, Seed: 42, Size: 512x512, Model hash: 6ce0161689, Model: v1-5, Provider: automatic1111
//
// The prompt comes first, then a "Negative prompt:" line when there is one,
// then one line of "Label: value" pairs joined by ", " in A1111's order:
// Steps, Sampler, Schedule type, CFG scale (from the parameters steps,
// sampler_name or sampler, scheduler, cfg_scale), Seed (the seed actually
// used; left out when the service has none), Size (the original's), Model
// hash, Model; then the other scalar parameters sorted by key, labelled the
// A1111 way ("style_preset" → "Style preset"); and last the provider.
// Values holding a comma, colon or newline are JSON-quoted, as A1111's
// quote() does, so A1111's parse_generation_parameters reads them back. The
// provider entry also guarantees the line has the three entries A1111
// requires before it treats the last line as parameters.
//
// The infotext is a readable courtesy copy for other tools; verification
// relies on the XMP packet and the record, never on this text.
func Infotext(c *Content) string {
	var p []string
	add := func(label string, v any) {
		s, ok := infotextValue(v)
		if !ok {
			return
		}
		p = append(p, label+": "+quoteInfotext(s))
	}
	used := map[string]bool{}
	param := func(keys ...string) any {
		for _, k := range keys {
			used[k] = true
		}
		for _, k := range keys {
			if v, ok := c.Parameters[k]; ok && v != nil {
				return v
			}
		}
		return nil
	}
	add("Steps", param("steps"))
	add("Sampler", param("sampler_name", "sampler"))
	add("Schedule type", param("scheduler"))
	add("CFG scale", param("cfg_scale"))
	if c.Seed.Actual != nil {
		add("Seed", *c.Seed.Actual)
	}
	if c.Original.Width > 0 && c.Original.Height > 0 {
		add("Size", fmt.Sprintf("%dx%d", c.Original.Width, c.Original.Height))
	}
	add("Model hash", c.ModelHash)
	add("Model", c.Model)

	// Facts shown above in their own way stay out of the extra entries.
	for _, k := range []string{"seed", "width", "height", "size", "model", "prompt", "negative_prompt"} {
		used[k] = true
	}
	labels := map[string]bool{"provider": true}
	for _, e := range p {
		labels[strings.ToLower(e[:strings.Index(e, ":")])] = true
	}
	keys := make([]string, 0, len(c.Parameters))
	for k := range c.Parameters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		label, ok := infotextLabel(k)
		if used[k] || !ok || labels[strings.ToLower(label)] {
			continue
		}
		labels[strings.ToLower(label)] = true
		add(label, c.Parameters[k])
	}
	add("Provider", c.Provider)

	var b strings.Builder
	b.WriteString(c.Prompt)
	if c.NegativePrompt != "" {
		b.WriteString("\nNegative prompt: ")
		b.WriteString(c.NegativePrompt)
	}
	b.WriteString("\n")
	b.WriteString(strings.Join(p, ", "))
	// A1111 strips the whole text, which also drops an empty prompt's line.
	return strings.TrimFunc(b.String(), isPythonSpace)
}

// infotextValue formats a scalar the way it reads in A1111 infotext. Lists,
// maps, nulls and empty strings are left out (they stay in the record).
func infotextValue(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, x != ""
	case json.Number:
		return x.String(), true
	case bool:
		if x { // Python's spelling, as A1111 writes it
			return "True", true
		}
		return "False", true
	case float64:
		return jsonFloat(x, 64)
	case float32:
		return jsonFloat(float64(x), 32)
	case int:
		return strconv.FormatInt(int64(x), 10), true
	case int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x), true
	}
	return "", false
}

// jsonFloat formats a float as encoding/json does, so the infotext shows the
// same digits as the record.
func jsonFloat(f float64, bits int) (string, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", false
	}
	var b []byte
	var err error
	if bits == 32 {
		b, err = json.Marshal(float32(f))
	} else {
		b, err = json.Marshal(f)
	}
	return string(b), err == nil
}

// infotextLabel turns a parameter key into an A1111-style label:
// underscores become spaces and the first letter is upper case. Keys that
// A1111's parser could not read back as a label (anything but ASCII letters,
// digits, '_', '-', '/' and single spaces, or shorter than two characters)
// are left out of the infotext.
func infotextLabel(key string) (string, bool) {
	if len(key) < 2 || len(key) > 64 {
		return "", false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		word := c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if i == 0 && !word || !word && c != '-' && c != '/' && c != ' ' {
			return "", false
		}
	}
	label := strings.ReplaceAll(key, "_", " ")
	if strings.TrimSpace(label) != label || strings.Contains(label, "  ") {
		return "", false
	}
	return strings.ToUpper(label[:1]) + label[1:], true
}

// quoteInfotext quotes a value the way A1111's quote() does: as a JSON
// string (non-ASCII kept as is) when it holds a comma, colon or newline. It
// also quotes values that A1111's parser would otherwise change: ones that
// start with a double quote or with white space (which its regular
// expression would eat).
func quoteInfotext(s string) string {
	if !strings.ContainsAny(s, ",:\n") && !strings.HasPrefix(s, `"`) && strings.TrimLeftFunc(s, isPythonSpace) == s {
		return s
	}
	return pythonJSONString(s)
}

// isPythonSpace is the white space Python's \s and str.strip() know.
func isPythonSpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }

// pythonJSONString is Python's json.dumps(s, ensure_ascii=False): only '"',
// '\\' and control characters are escaped.
func pythonJSONString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
