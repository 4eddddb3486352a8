package cmdutil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// Factory builds what commands depend on, lazily, from the global flags.
type Factory struct {
	IO      *IOStreams
	Getenv  func(string) string
	Now     func() time.Time
	Version string

	// Global flags, filled in by the root command before any command runs.
	Dir   string // -C/--dir: the collection folder
	JSON  bool   // --json
	Quiet bool   // -q/--quiet

	// C2PAKeys are the passphrase sources of the collection's C2PA signing
	// key, from the flags of commands that make final images.
	C2PAKeys KeyFlags
}

// New returns the Factory for a real process.
func New(version string) *Factory {
	return &Factory{IO: System(), Getenv: os.Getenv, Now: Clock(os.Getenv), Version: version, Dir: "."}
}

// Clock returns time.Now, or a fixed time when SOURCE_DATE_EPOCH is set, so
// provenance timestamps can be reproducible.
func Clock(getenv func(string) string) func() time.Time {
	if v := getenv("SOURCE_DATE_EPOCH"); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
			t := time.Unix(secs, 0).UTC()
			return func() time.Time { return t }
		}
	}
	return time.Now
}

// LoadSpec reads the collection's genmint.yaml. An invalid spec is a usage
// error whose message is its first problem; warnings are printed to stderr
// unless quiet.
func (f *Factory) LoadSpec() (*spec.Spec, error) {
	s, problems, err := spec.Load(f.Dir, SpecOptions())
	if err != nil {
		return nil, AsUsage(err)
	}
	if !f.Quiet {
		for _, w := range problems.Warnings() {
			fmt.Fprintln(f.IO.ErrOut, f.IO.Color(Yellow, w.String()))
		}
	}
	return s, nil
}

// SpecOptions checks provider names and parameters against the registry.
func SpecOptions() spec.Options {
	var names []string
	for _, p := range providers.All() {
		names = append(names, p.Name)
	}
	return spec.Options{
		Providers: names,
		CheckProvider: func(p spec.Provider, dir string) error {
			info, ok := providers.Lookup(p.Name)
			if !ok {
				return nil // reported with a hint already
			}
			_, err := info.New(ProviderConfig(info, p, dir, ""))
			if err != nil {
				// A provider names the parameter at fault as "provider.params.NAME: …".
				path := "provider.params"
				if rest, ok := strings.CutPrefix(err.Error(), path+"."); ok {
					if name, msg, ok := strings.Cut(rest, ": "); ok && !strings.ContainsAny(name, " :") {
						return &spec.FieldError{Path: path + "." + name, Err: errors.New(msg)}
					}
				}
				return &spec.FieldError{Path: path, Err: err}
			}
			return nil
		},
	}
}

// ProviderConfig turns the spec's provider section into a provider config.
func ProviderConfig(info generate.ProviderInfo, p spec.Provider, dir, apiKey string) generate.ProviderConfig {
	base := p.BaseURL
	if base == "" {
		base = info.DefaultBaseURL
	}
	return generate.ProviderConfig{Model: p.Model, BaseURL: base, APIKey: apiKey, Params: p.Params, Dir: dir}
}

// Opener builds a provider around the run's journal (see generate.Options.Open).
type Opener func(journal generate.Observer) (generate.Provider, error)

// Provider checks the spec's provider and reads its credential from the
// environment, then returns an opener that builds it with the shared
// wrappers (retries, limits, timeouts, image guard) around the run's
// journal. Retry notes go to logger.
func (f *Factory) Provider(s *spec.Spec, logger *slog.Logger) (Opener, generate.ProviderInfo, error) {
	info, ok := providers.Lookup(s.Provider.Name)
	if !ok {
		return nil, info, UsageError("unknown provider %q: see 'genmint providers'", s.Provider.Name)
	}
	key, err := providers.APIKey(info, s.Provider.APIKeyEnv, f.Getenv)
	if err != nil {
		return nil, info, AsUsage(err)
	}
	cfg := ProviderConfig(info, s.Provider, s.Dir, key)
	retries := s.Provider.Retries
	if retries < 0 {
		retries = 0 // 0 means the provider's default to providers.Open
	} else if retries == 0 {
		retries = -1 // retries: 0 in the spec means none
	}
	lim := providers.Limits{
		Concurrency:       s.Provider.Concurrency,
		RequestsPerMinute: s.Provider.RequestsPerMinute,
		Timeout:           s.Provider.Timeout,
		MaxRetries:        retries,
		Logger:            logger,
	}
	if _, err := info.New(cfg); err != nil {
		return nil, info, AsUsage(fmt.Errorf("%s: provider.params: %w", spec.FileName, err))
	}
	return func(journal generate.Observer) (generate.Provider, error) {
		l := lim
		l.Observer = journal
		return providers.Open(info, cfg, l)
	}, info, nil
}

// OpenState opens the collection's state database. create makes it when
// missing; otherwise a folder never generated is reported with the fix.
func (f *Factory) OpenState(ctx context.Context, create bool) (*state.DB, error) {
	db, err := state.Open(ctx, f.Dir, state.Options{Create: create, Now: f.Now})
	if errors.Is(err, state.ErrNoCollection) {
		if _, serr := os.Stat(filepath.Join(f.Dir, spec.FileName)); serr != nil {
			return nil, AsUsage(fmt.Errorf("no genmint collection in %s: run 'genmint init' first, or pass -C DIR", displayDir(f.Dir)))
		}
		return nil, AsUsage(fmt.Errorf("nothing generated yet in %s: run 'genmint generate' first", displayDir(f.Dir)))
	}
	return db, err
}

func displayDir(dir string) string {
	if dir == "." || dir == "" {
		return "the current folder"
	}
	return dir
}

// PrintJSON writes v as one indented JSON document.
func PrintJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
