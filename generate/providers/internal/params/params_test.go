package params

import (
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
)

func TestReader(t *testing.T) {
	r := New("openai", generate.Params{
		"qualty":   "high",
		"size":     "1024x1024",
		"style":    "vivd",
		"steps":    30,
		"cfg":      7.5,
		"poll":     "250ms",
		"tiling":   "yes",
		"n":        2.5,
		"template": map[string]any{"a": 1},
	})
	if got := r.String("size", ""); got != "1024x1024" {
		t.Errorf("size = %q", got)
	}
	r.String("quality", "auto", "low", "medium", "high", "auto")
	r.String("style", "vivid", "vivid", "natural")
	if got := r.Int("steps", 20, 1, 150); got != 30 {
		t.Errorf("steps = %d", got)
	}
	if got := r.Float("cfg", 7, 1, 30); got != 7.5 {
		t.Errorf("cfg = %v", got)
	}
	if got := r.Duration("poll", time.Second, time.Millisecond, time.Minute); got != 250*time.Millisecond {
		t.Errorf("poll = %v", got)
	}
	r.Bool("tiling", false)
	r.Int("n", 1, 1, 10)
	if m := r.Map("template"); m["a"] != 1 {
		t.Errorf("template = %v", m)
	}
	err := r.Err()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{
		`provider.params.style: "vivd" is not one of vivid, natural (did you mean "vivid"?)`,
		`provider.params.tiling: must be true or false`,
		`provider.params.n: must be a whole number`,
		`provider.params.qualty: openai has no parameter "qualty" (did you mean "quality"?)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Error("the error must be one line")
	}
}

func TestSuggest(t *testing.T) {
	// An unambiguous prefix is a likely intent (the rule every genmint hint shares).
	if s := Suggest("sampler", []string{"sampler_name", "steps"}); s != "sampler_name" {
		t.Errorf("Suggest = %q, want sampler_name", s)
	}
	if s := Suggest("sampler", []string{"sampler_name", "sampler_index"}); s != "" {
		t.Errorf("Suggest = %q for an ambiguous prefix", s)
	}
	if s := Suggest("cfg_scal", []string{"cfg_scale", "steps"}); s != "cfg_scale" {
		t.Errorf("Suggest = %q", s)
	}
	if s := Suggest("zzzz", []string{"cfg_scale"}); s != "" {
		t.Errorf("Suggest = %q", s)
	}
}
