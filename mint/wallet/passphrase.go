package wallet

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// ErrNoPassphrase: no source of a passphrase was given and there is no
// terminal to ask on. Commands turn it into a usage error naming the flags.
var ErrNoPassphrase = errors.New("no passphrase: pass --password-file FILE or --password-env NAME (there is no terminal to ask on)")

// Passphrase says where a keystore passphrase comes from. It is never taken
// from argv: a flag names a file or an environment variable holding it.
type Passphrase struct {
	// File is --password-file: the passphrase is its first line (a trailing
	// newline is dropped, as geth and cast do).
	File string
	// Env is --password-env: the name of an environment variable holding it.
	Env string
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
	// Prompt asks on a terminal without echo; nil when there is no terminal
	// (a pipe, CI), so the flags must be used.
	Prompt func(prompt string) (string, error)
}

// Get returns the passphrase: an explicit --password-file or --password-env
// wins; with neither, the terminal prompt; with no terminal, ErrNoPassphrase.
// With confirm (a new key), the prompt asks twice and both must match.
// Errors name the file or variable, never their contents.
func (p Passphrase) Get(prompt string, confirm bool) (string, error) {
	switch {
	case p.File != "" && p.Env != "":
		return "", errors.New("give --password-file or --password-env, not both")
	case p.File != "":
		b, err := os.ReadFile(p.File)
		if err != nil {
			return "", fmt.Errorf("read --password-file: %w", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		line = strings.TrimSuffix(line, "\r")
		clear(b)
		return line, nil
	case p.Env != "":
		if err := CheckEnvName(p.Env); err != nil {
			return "", err
		}
		getenv := p.Getenv
		if getenv == nil {
			getenv = os.Getenv
		}
		v := getenv(p.Env)
		if v == "" {
			return "", fmt.Errorf("--password-env: the environment variable %s is empty or unset: put the passphrase in it", shownEnvName(p.Env))
		}
		return v, nil
	case p.Prompt == nil:
		return "", ErrNoPassphrase
	}
	pw, err := p.Prompt(prompt)
	if err != nil {
		return "", fmt.Errorf("read passphrase: %w", err)
	}
	if confirm {
		again, err := p.Prompt("Repeat the passphrase: ")
		if err != nil {
			return "", fmt.Errorf("read passphrase: %w", err)
		}
		if again != pw {
			return "", errors.New("the passphrases do not match: nothing was stored")
		}
	}
	return pw, nil
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

// ErrEnvNotAName: --password-env was given something that cannot be the
// name of an environment variable, most likely the passphrase itself. The
// message never repeats it.
var ErrEnvNotAName = errors.New("--password-env takes the name of an environment variable, not the passphrase itself " +
	"(what was given is not repeated here): put the passphrase in a variable and pass its name, e.g. --password-env KEY_PASS, " +
	"and clear the command from your shell history")

// CheckEnvName refuses a --password-env value that is not a variable name.
func CheckEnvName(name string) error {
	if !envName.MatchString(name) {
		return ErrEnvNotAName
	}
	return nil
}

// shownEnvName is how an error names the variable: as given when it reads
// like a conventional variable name (upper case, digits, underscores), else
// not at all, since a mistyped passphrase may also be a valid name.
func shownEnvName(name string) string {
	if strings.ToUpper(name) == name && strings.ContainsFunc(name, func(r rune) bool { return r >= 'A' && r <= 'Z' }) {
		return name
	}
	return "named by --password-env"
}
