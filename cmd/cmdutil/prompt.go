package cmdutil

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// ErrNoTTY: a question needs a terminal and there is none (a pipe, CI).
var ErrNoTTY = errors.New("no terminal to ask on")

// SecretPrompt returns a prompt that reads a line from the terminal without
// echoing it (a passphrase), or nil when the command may not prompt (stdin or
// stderr is not a terminal, or CI): the caller then names the flag to use.
func (s *IOStreams) SecretPrompt() func(prompt string) (string, error) {
	if !s.Interactive() {
		return nil
	}
	if s.readSecret != nil {
		return s.readSecret
	}
	return func(prompt string) (string, error) {
		fmt.Fprint(s.ErrOut, prompt)
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(s.ErrOut)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
}

// SetSecretPrompt replaces the terminal's no-echo prompt (tests; it is used
// only when the streams are interactive).
func (s *IOStreams) SetSecretPrompt(fn func(prompt string) (string, error)) { s.readSecret = fn }

// Confirm asks a yes/no question on the terminal; only "y" or "yes" is yes.
// Without a terminal it returns ErrNoTTY: the caller names the flag (--yes).
func (s *IOStreams) Confirm(question string) (bool, error) {
	if !s.Interactive() {
		return false, ErrNoTTY
	}
	fmt.Fprintf(s.ErrOut, "%s [y/N] ", question)
	line, err := bufio.NewReader(s.In).ReadString('\n')
	if err != nil && line == "" {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
