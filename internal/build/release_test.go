package build

import (
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestGoreleaserConfig checks .goreleaser.yaml's structure where goreleaser
// itself is not installed (scripts/release-check.sh runs `goreleaser check`
// when it is): static builds for linux, darwin and windows on amd64 and
// arm64, version ldflags that hit this package's variables, checksums.
func TestGoreleaserConfig(t *testing.T) {
	raw, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version int `yaml:"version"`
		Builds  []struct {
			Main    string   `yaml:"main"`
			Binary  string   `yaml:"binary"`
			Env     []string `yaml:"env"`
			Goos    []string `yaml:"goos"`
			Goarch  []string `yaml:"goarch"`
			Ldflags []string `yaml:"ldflags"`
		} `yaml:"builds"`
		Archives []struct {
			Formats         []string `yaml:"formats"`
			FormatOverrides []struct {
				Goos    string   `yaml:"goos"`
				Formats []string `yaml:"formats"`
			} `yaml:"format_overrides"`
		} `yaml:"archives"`
		Checksum struct {
			NameTemplate string `yaml:"name_template"`
			Algorithm    string `yaml:"algorithm"`
		} `yaml:"checksum"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if cfg.Version != 2 {
		t.Errorf("version = %d, goreleaser v2 wants 2", cfg.Version)
	}
	if len(cfg.Builds) != 1 {
		t.Fatalf("%d builds, want 1", len(cfg.Builds))
	}
	b := cfg.Builds[0]
	if b.Main != "./cmd/genmint" || b.Binary != "genmint" || !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("build: %+v (want ./cmd/genmint, static)", b)
	}
	slices.Sort(b.Goos)
	slices.Sort(b.Goarch)
	if !slices.Equal(b.Goos, []string{"darwin", "linux", "windows"}) || !slices.Equal(b.Goarch, []string{"amd64", "arm64"}) {
		t.Errorf("targets %v × %v", b.Goos, b.Goarch)
	}
	flags := strings.Join(b.Ldflags, " ")
	// The -X targets must name this package's variables exactly, or a
	// release silently reports "dev".
	_, _, _ = Version, Commit, Date
	for _, v := range []string{"Version", "Commit", "Date"} {
		if !strings.Contains(flags, "-X github.com/genmint/genmint/internal/build."+v+"=") {
			t.Errorf("ldflags do not set build.%s: %s", v, flags)
		}
	}
	if len(cfg.Archives) == 0 || len(cfg.Archives[0].Formats) == 0 {
		t.Errorf("archives need formats (plural, goreleaser v2)")
	}
	if cfg.Checksum.NameTemplate == "" || cfg.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum: %+v", cfg.Checksum)
	}
}
