package c2pa

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ConfigDir is where a collection keeps its C2PA settings and public
// certificates, relative to the collection folder (beside the state
// database). The private key is never here: it lives in the keystore
// folder, outside the collection.
const ConfigDir = ".genmint/c2pa"

const configFile = "c2pa.json"

// Config is a collection's C2PA set-up, written by `genmint c2pa init`.
type Config struct {
	// Key is the encrypted signing key file (absolute; outside the
	// collection folder).
	Key string `json:"key"`
	// Chain is the PEM signing certificate followed by its issuers,
	// relative to the collection folder.
	Chain string `json:"chain"`
	// Trust are PEM trust anchors (relative to the collection folder, or
	// absolute): the collection's own CA, or those the user trusts.
	Trust []string `json:"trust,omitempty"`
	// TSA is an RFC 3161 time-stamping authority URL ("" for none).
	TSA string `json:"tsa,omitempty"`
}

// LoadConfig reads dir's C2PA set-up; nil (and no error) when the
// collection has none.
func LoadConfig(dir string) (*Config, error) {
	b, err := os.ReadFile(filepath.Join(dir, ConfigDir, configFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil || c.Key == "" || c.Chain == "" {
		return nil, fmt.Errorf("%s is damaged: run genmint c2pa init --force", filepath.Join(ConfigDir, configFile))
	}
	return &c, nil
}

// Save writes the set-up into dir.
func (c *Config) Save(dir string) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, ConfigDir), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ConfigDir, configFile), append(b, '\n'), 0o644)
}

func resolvePath(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// ChainCerts reads the signing chain.
func (c *Config) ChainCerts(dir string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(resolvePath(dir, c.Chain))
	if err != nil {
		return nil, fmt.Errorf("C2PA certificate chain: %w: run genmint c2pa init", err)
	}
	certs, err := ParseCerts(b)
	if err != nil {
		return nil, fmt.Errorf("C2PA certificate chain %s: %w", c.Chain, err)
	}
	return certs, nil
}

// Roots are the trust anchors (nil when none is configured).
func (c *Config) Roots(dir string) (*x509.CertPool, error) {
	if len(c.Trust) == 0 {
		return nil, nil
	}
	pool := x509.NewCertPool()
	for _, t := range c.Trust {
		b, err := os.ReadFile(resolvePath(dir, t))
		if err != nil {
			return nil, fmt.Errorf("C2PA trust anchor: %w", err)
		}
		certs, err := ParseCerts(b)
		if err != nil {
			return nil, fmt.Errorf("C2PA trust anchor %s: %w", t, err)
		}
		for _, cert := range certs {
			pool.AddCert(cert)
		}
	}
	return pool, nil
}

// Signer decrypts the key and checks it matches the chain's certificate,
// which must be valid at now.
func (c *Config) Signer(dir, passphrase string, now time.Time) (*Signer, error) {
	certs, err := c.ChainCerts(dir)
	if err != nil {
		return nil, err
	}
	key, err := ReadKey(c.Key, passphrase)
	if err != nil {
		return nil, err
	}
	if !key.PublicKey.Equal(certs[0].PublicKey) {
		return nil, fmt.Errorf("the C2PA key %s does not belong to the certificate in %s: run genmint c2pa init --force", c.Key, c.Chain)
	}
	if now.After(certs[0].NotAfter) || now.Before(certs[0].NotBefore) {
		return nil, fmt.Errorf("the C2PA signing certificate is valid from %s to %s only: run genmint c2pa init --force for a new one",
			certs[0].NotBefore.Format(time.DateOnly), certs[0].NotAfter.Format(time.DateOnly))
	}
	s := &Signer{Key: key, Chain: certs}
	if c.TSA != "" {
		s.Timestamper = &TSA{URL: c.TSA}
	}
	return s, nil
}

// Inside reports whether path is dir or inside it (after cleaning both).
func Inside(dir, path string) bool {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	if ed, err := filepath.EvalSymlinks(d); err == nil {
		d = ed
	}
	if ep, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		p = filepath.Join(ep, filepath.Base(p))
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
