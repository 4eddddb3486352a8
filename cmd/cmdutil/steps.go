package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/genmint/genmint/internal/usage"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/templates"
)

// The steps `genmint demo` runs that another command runs too, with the
// same words and exit codes: writing a starter (`genmint init`) and pinning
// (`genmint pin`). Generating is in generate.go.

// WriteStarter creates dir and writes the starter template into it with v.
// A refusal that wrote nothing (an existing collection, an unknown starter,
// a file in the way) is a usage error; a failure after writing began is not.
// It returns the files written, relative to dir.
func WriteStarter(dir, template string, v templates.Vars) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	files, err := templates.Write(template, dir, v)
	if err != nil {
		if errors.Is(err, templates.ErrExists) || len(files) == 0 {
			return files, AsUsage(err)
		}
		return files, err
	}
	return files, nil
}

// PinError maps pin's errors to exit codes: bad flag combinations and
// nothing to pin are usage errors (2); everything else fails (1).
func PinError(err error) error {
	switch {
	case errors.Is(err, usage.Err), errors.Is(err, pin.ErrNothingToPin), errors.Is(err, pin.ErrNotKubo):
		return AsUsage(err)
	}
	return err
}

// RegisterKuboAuth registers --ipfs-api-auth-env NAME into env; also ends
// the flag's help (", for pin and verify").
func RegisterKuboAuth(fs *pflag.FlagSet, env *string, also string) {
	fs.StringVar(env, "ipfs-api-auth-env", "", "the environment variable `NAME` holding the whole Authorization header value for --ipfs-api ('Bearer …' or 'Basic …')"+also)
}

// CheckKuboAuth refuses --ipfs-api-auth-env without the --ipfs-api it is
// the header for.
func CheckKuboAuth(api, env string) error {
	if env != "" && api == "" {
		return UsageError("--ipfs-api-auth-env names the header for the node given by --ipfs-api URL: add --ipfs-api")
	}
	return nil
}

// KuboAuth reads the Authorization header for --ipfs-api from the
// variable --ipfs-api-auth-env names (env; "" is no header). An empty
// variable is a usage error naming it; the value is never shown.
func KuboAuth(getenv func(string) string, env string) (pin.KuboAuth, error) {
	if env == "" {
		return pin.KuboAuth{}, nil
	}
	auth := pin.KuboAuth{Header: strings.TrimSpace(getenv(env)), Env: env}
	if auth.Header == "" {
		return auth, UsageError("the environment variable %s is empty: put the whole Authorization header value in it ('Bearer …' or 'Basic …')", env)
	}
	return auth, nil
}

// PrintPinned writes what a pin run did: where the items went (or that a
// dry run uploaded nothing), the baseURI and the contractURI.
func PrintPinned(w io.Writer, res *pin.Result) {
	if res.DryRun {
		fmt.Fprintf(w, "Dry run: %d items would be pinned; nothing was uploaded.\n", len(res.Items))
	} else {
		var where []string
		for _, d := range res.Destinations {
			where = append(where, fmt.Sprintf("%s (%d new, %d already there)", d.Destination, len(d.Pinned), len(d.Already)))
		}
		fmt.Fprintf(w, "Pinned %d items (%d newly) to %s.\n", len(res.Items), res.NewlyPinned, strings.Join(where, "; "))
	}
	fmt.Fprintf(w, "baseURI:     %s\ncontractURI: %s\n", res.BaseURI, res.ContractURI)
	if res.PlaceholderURI != "" {
		fmt.Fprintf(w, "placeholder: %s (the baseURI until 'genmint reveal')\n", res.PlaceholderURI)
	}
}

// NoteCAROnly writes, when only CAR files confirmed rec's roots, that
// publishing them is the user's own responsibility: mint and reveal accept
// such a baseURI, and say so.
func NoteCAROnly(w io.Writer, rec *pin.Record) {
	if _, carOnly, err := rec.Publication(); err == nil && carOnly {
		fmt.Fprintln(w, "Note: the collection's blocks were only written to a CAR file (pin --car): publishing them is your responsibility; the tokens resolve once the CAR is imported on IPFS.")
	}
}
