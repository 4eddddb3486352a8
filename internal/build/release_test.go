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
// arm64, version ldflags that hit this package's variables, checksums,
// archives and deb/rpm packages that ship the LICENSE, man pages and
// completions scripts/release-files.sh makes.
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
		Before struct {
			Hooks []string `yaml:"hooks"`
		} `yaml:"before"`
		Nfpms []struct {
			Formats  []string `yaml:"formats"`
			License  string   `yaml:"license"`
			Contents []struct {
				Src string `yaml:"src"`
				Dst string `yaml:"dst"`
			} `yaml:"contents"`
		} `yaml:"nfpms"`
		Archives []struct {
			Files           []string `yaml:"files"`
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
	if !slices.Contains(cfg.Before.Hooks, "./scripts/release-files.sh") {
		t.Errorf("before hooks %v do not make the man pages and completions (./scripts/release-files.sh)", cfg.Before.Hooks)
	}
	for _, a := range cfg.Archives {
		for _, want := range []string{"LICENSE", "README.md", "completions/*", "manpages/*"} {
			if !slices.Contains(a.Files, want) {
				t.Errorf("archive files %v lack %s", a.Files, want)
			}
		}
	}
	if len(cfg.Nfpms) != 1 {
		t.Fatalf("%d nfpms entries, want 1 (deb and rpm)", len(cfg.Nfpms))
	}
	n := cfg.Nfpms[0]
	slices.Sort(n.Formats)
	if !slices.Equal(n.Formats, []string{"deb", "rpm"}) || n.License != "Apache-2.0" {
		t.Errorf("nfpms: formats %v, license %q", n.Formats, n.License)
	}
	dsts := map[string]string{}
	for _, c := range n.Contents {
		dsts[c.Src] = c.Dst
	}
	for src, dst := range map[string]string{
		"./LICENSE": "/usr/share/doc/genmint/LICENSE", "./manpages/*.1.gz": "/usr/share/man/man1/",
		"./completions/genmint.bash": "/usr/share/bash-completion/completions/genmint",
	} {
		if dsts[src] != dst {
			t.Errorf("nfpms contents: %s goes to %q, want %s", src, dsts[src], dst)
		}
	}
	if _, err := os.Stat("../../LICENSE"); err != nil {
		t.Errorf("no LICENSE file: %v", err)
	}
	if cfg.Checksum.NameTemplate == "" || cfg.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum: %+v", cfg.Checksum)
	}
}
