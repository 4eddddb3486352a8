package provenance

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/genmint/genmint/internal/golden"
)

// The parsing rules of A1111's parse_generation_parameters
// (modules/infotext_utils.py), reimplemented to check that what genmint
// writes is what A1111 reads:
//   - the text is stripped and split on "\n"; the last line holds the
//     parameters only if re_param matches it at least three times;
//   - the lines before it are stripped; those up to one starting with
//     "Negative prompt:" are the prompt, the rest the negative prompt, each
//     joined with "\n";
//   - each re_param match is "Label: value"; a value in double quotes is
//     JSON-decoded; "WxH" values become Label-1 and Label-2; an empty value
//     raises inside A1111's try block and is skipped.
var (
	a1111Param     = regexp.MustCompile(`\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)`)
	a1111ImageSize = regexp.MustCompile(`^(\d+)x(\d+)$`)
)

func a1111Parse(x string) map[string]string {
	res := map[string]string{}
	lines := strings.Split(strings.TrimFunc(x, isPythonSpace), "\n")
	last := lines[len(lines)-1]
	lines = lines[:len(lines)-1]
	if len(a1111Param.FindAllStringSubmatch(last, -1)) < 3 {
		lines = append(lines, last)
		last = ""
	}
	var prompt, neg string
	done := false
	for _, line := range lines {
		line = strings.TrimFunc(line, isPythonSpace)
		if strings.HasPrefix(line, "Negative prompt:") {
			done = true
			line = strings.TrimFunc(line[len("Negative prompt:"):], isPythonSpace)
		}
		if done {
			if neg != "" {
				neg += "\n"
			}
			neg += line
		} else {
			if prompt != "" {
				prompt += "\n"
			}
			prompt += line
		}
	}
	res["Prompt"], res["Negative prompt"] = prompt, neg
	for _, m := range a1111Param.FindAllStringSubmatch(last, -1) {
		k, v := m[1], m[2]
		if v == "" {
			continue
		}
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			var s string
			if json.Unmarshal([]byte(v), &s) == nil {
				v = s
			}
		}
		if sz := a1111ImageSize.FindStringSubmatch(v); sz != nil {
			res[k+"-1"], res[k+"-2"] = sz[1], sz[2]
		} else {
			res[k] = v
		}
	}
	return res
}

func TestA1111ParserReadsItsOwnExample(t *testing.T) {
	// The example from parse_generation_parameters' docstring.
	got := a1111Parse("girl with an artist's beret, determined, blue eyes\nNegative prompt: ugly, fat\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 965400086, Size: 512x512, Model hash: 45dee52b")
	want := map[string]string{
		"Prompt": "girl with an artist's beret, determined, blue eyes", "Negative prompt": "ugly, fat",
		"Steps": "20", "Sampler": "Euler a", "CFG scale": "7", "Seed": "965400086",
		"Size-1": "512", "Size-2": "512", "Model hash": "45dee52b",
	}
	checkParsed(t, got, want)
}

func checkParsed(t *testing.T, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestInfotextGolden(t *testing.T) {
	c := fixtureContent()
	text := Infotext(&c)
	want := "a lighthouse at dusk, (oil painting:1.2), warm light & <fog>\n" +
		"Negative prompt: blurry, lowres\n" +
		"Steps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7.5, Seed: 1234, Size: 512x512, " +
		"Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Restore faces: False, Provider: automatic1111"
	if text != want {
		t.Errorf("infotext:\n%s\nwant:\n%s", text, want)
	}
	golden.Check(t, filepath.Join("testdata", "infotext.golden"), []byte(text))
}

func TestInfotextParsesBackInA1111(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(c *Content)
		want map[string]string
		none []string
	}{
		"automatic1111": {
			edit: func(c *Content) {},
			want: map[string]string{
				"Prompt": "a lighthouse at dusk, (oil painting:1.2), warm light & <fog>", "Negative prompt": "blurry, lowres",
				"Steps": "30", "Sampler": "DPM++ 2M", "Schedule type": "Karras", "CFG scale": "7.5", "Seed": "1234",
				"Size-1": "512", "Size-2": "512", "Model hash": "6ce0161689", "Model": "v1-5-pruned-emaonly",
				"Provider": "automatic1111", "Restore faces": "False",
			},
			// Nested maps and facts shown elsewhere stay out.
			none: []string{"Override settings", "Width", "Height"},
		},
		"openai has no seed": {
			edit: func(c *Content) {
				c.Provider, c.Model, c.ModelHash, c.Seed.Actual = "openai", "dall-e-3", "", nil
				c.NegativePrompt = ""
				c.Original.Width, c.Original.Height = 1792, 1024
				c.Parameters = map[string]any{"quality": "hd", "style": "vivid", "size": "1792x1024", "n": 1}
			},
			want: map[string]string{
				"Prompt": "a lighthouse at dusk, (oil painting:1.2), warm light & <fog>", "Negative prompt": "",
				"Size-1": "1792", "Size-2": "1024", "Model": "dall-e-3", "Quality": "hd", "Style": "vivid", "Provider": "openai",
			},
			none: []string{"Seed", "Model hash", "Steps", "N"},
		},
		"procedural, multi-line prompt": {
			edit: func(c *Content) {
				c.Provider, c.Model, c.ModelHash = "procedural", "flowfield/v1", ""
				c.Prompt = "line one\nline two, with: punctuation"
				c.NegativePrompt = ""
				c.Parameters = map[string]any{"palette": "ember", "density": 0.35}
			},
			want: map[string]string{
				"Prompt": "line one\nline two, with: punctuation", "Negative prompt": "",
				"Seed": "1234", "Model": "flowfield/v1", "Palette": "ember", "Density": "0.35",
			},
		},
		"values that need quoting": {
			edit: func(c *Content) {
				c.Model = `sdxl, "turbo": v2`
				c.ModelHash = "  padded"
				c.NegativePrompt = "bad hands\nextra fingers"
				c.Parameters = map[string]any{
					"sampler":   `"Euler a"`,
					"cfg_scale": 1e21,
					"note":      "multi\nline",
					"path/to":   `C:\models\x.ckpt`,
					"unicode":   "雪, 灯台",
					"bad key!":  "skipped",
					"x":         "too short a key",
				}
			},
			want: map[string]string{
				"Negative prompt": "bad hands\nextra fingers",
				"Model":           `sdxl, "turbo": v2`, "Model hash": "  padded", "Sampler": `"Euler a"`,
				"CFG scale": "1e+21", "Note": "multi\nline", "Path/to": `C:\models\x.ckpt`, "Unicode": "雪, 灯台",
			},
			none: []string{"Bad key!", "X"},
		},
		"empty prompt": {
			edit: func(c *Content) { c.Prompt, c.NegativePrompt = "", "" },
			want: map[string]string{"Prompt": "", "Negative prompt": "", "Seed": "1234", "Model": "v1-5-pruned-emaonly"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := fixtureContent()
			tc.edit(&c)
			text := Infotext(&c)
			got := a1111Parse(text)
			checkParsed(t, got, tc.want)
			for _, k := range tc.none {
				if v, ok := got[k]; ok {
					t.Errorf("%s = %q, want it left out", k, v)
				}
			}
			if t.Failed() {
				t.Logf("infotext:\n%s", text)
			}
		})
	}
}

func TestInfotextQuoteMatchesPython(t *testing.T) {
	// Expected values are Python's json.dumps(s, ensure_ascii=False).
	for in, want := range map[string]string{
		"plain":       "plain",
		"a, b":        `"a, b"`,
		"k: v":        `"k: v"`,
		"two\nlines":  `"two\nlines"`,
		`say "hi", x`: `"say \"hi\", x"`,
		"tab\t, \\":   `"tab\t, \\"`,
		"bell\x07, é": `"bell\u0007, é"`,
		"雪, ☃":        `"雪, ☃"`,
	} {
		if got := quoteInfotext(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// FuzzInfotextValues checks that any label value survives A1111's parser.
func FuzzInfotextValues(f *testing.F) {
	f.Add("v1-5", "Euler a", "6ce0161689", uint64(42))
	f.Add(`a "b", c: d`, "\"", " x", uint64(0))
	f.Add("\\", "a\\\"", "\t", uint64(1<<63))
	f.Fuzz(func(t *testing.T, model, sampler, hash string, seed uint64) {
		if !utf8.ValidString(model + sampler + hash) {
			t.Skip()
		}
		c := fixtureContent()
		c.Model, c.ModelHash, c.Seed.Actual = model, hash, &seed
		c.Parameters = map[string]any{"sampler": sampler}
		got := a1111Parse(Infotext(&c))
		for label, want := range map[string]string{"Model": model, "Sampler": sampler, "Model hash": hash} {
			if want == "" {
				continue
			}
			if a1111ImageSize.MatchString(want) {
				continue // A1111 splits WxH values into two fields
			}
			if got[label] != want {
				t.Fatalf("%s = %q, want %q\ninfotext: %q", label, got[label], want, Infotext(&c))
			}
		}
		if got["Provider"] != c.Provider || got["Prompt"] != c.Prompt || got["Negative prompt"] != c.NegativePrompt {
			t.Fatalf("prompt or provider lost: %q", Infotext(&c))
		}
	})
}
