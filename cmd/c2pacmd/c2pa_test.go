package c2pacmd

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/provenance/c2pa"
)

const secret = "correct horse battery staple"

func opts(t *testing.T, dir, ks string) (*InitOptions, *bytes.Buffer) {
	io, _, out, _ := cmdutil.Test()
	o := &InitOptions{IO: io, Dir: dir, Scrypt: c2pa.Light, Subject: "Foxes", Years: 3, Now: time.Now,
		Getenv: func(k string) string {
			if k == "C2PA_PASS" {
				return secret
			}
			return ""
		}}
	o.Keys.Keystore, o.Keys.PasswordEnv = ks, "C2PA_PASS"
	return o, out
}

func pngFixture(t *testing.T) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 16, 16))
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestInitMakesCAAndSigningCertOutsideTheCollection(t *testing.T) {
	dir, ks := t.TempDir(), t.TempDir()
	o, out := opts(t, dir, ks)
	if err := initRun(o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "no timestamp authority") || strings.Contains(out.String(), secret) {
		t.Fatalf("init printed %q", out)
	}
	cfg, err := c2pa.LoadConfig(dir)
	if err != nil || cfg == nil {
		t.Fatalf("config %v %v", cfg, err)
	}
	if c2pa.Inside(dir, cfg.Key) || !c2pa.Inside(ks, cfg.Key) {
		t.Fatalf("key %s is not in the keystore %s, outside %s", cfg.Key, ks, dir)
	}
	fi, err := os.Stat(cfg.Key)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", fi, err)
	}
	raw, _ := os.ReadFile(cfg.Key)
	if strings.Contains(string(raw), "PRIVATE") {
		t.Fatal("key file holds a plain PEM key")
	}
	// Nothing private anywhere in the collection.
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if b, _ := os.ReadFile(p); strings.Contains(string(b), "PRIVATE KEY") || strings.Contains(string(b), "ciphertext") {
			t.Errorf("%s holds key material", p)
		}
		return nil
	})
	s, err := cfg.Signer(dir, secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Chain) != 2 || s.Chain[0].IsCA || !s.Chain[1].IsCA || string(s.Chain[0].RawIssuer) != string(s.Chain[1].RawSubject) {
		t.Fatalf("chain is not signing cert + issuing CA")
	}
	if _, err := cfg.Signer(dir, "wrong", time.Now()); !errors.Is(err, c2pa.ErrWrongPassphrase) || strings.Contains(err.Error(), "wrong\"") {
		t.Fatalf("wrong passphrase: %v", err)
	}
	// A signature made with it is trusted through the collection's CA.
	img := pngFixture(t)
	signed, err := c2pa.Sign(context.Background(), img, &c2pa.Manifest{Title: "final.png", DigitalSourceType: "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"}, s)
	if err != nil {
		t.Fatal(err)
	}
	roots, err := cfg.Roots(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c2pa.Verify(signed, c2pa.Options{Roots: roots})
	if err != nil || r.Err() != nil {
		t.Fatalf("%v %v", err, r.Err())
	}
	// A second init refuses without --force.
	o2, _ := opts(t, dir, ks)
	if err := initRun(o2); cmdutil.CodeOf(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("second init: %v", err)
	}
	// The keystore may not sit inside the collection.
	o3, _ := opts(t, dir, filepath.Join(dir, "keys"))
	o3.Force = true
	if err := initRun(o3); cmdutil.CodeOf(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "inside the collection") {
		t.Fatalf("keystore inside: %v", err)
	}
}

func TestInitWithOwnCertAndKey(t *testing.T) {
	dir, ks, src := t.TempDir(), t.TempDir(), t.TempDir()
	creds, err := c2pa.NewCredentials("Studio", time.Now(), 1)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(creds.Key)
	write := func(name string, b []byte) string {
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	o, _ := opts(t, dir, ks)
	o.Cert = write("chain.pem", c2pa.EncodeCerts(creds.Cert, creds.CA))
	o.Key = write("key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	o.Trust = []string{write("root.pem", c2pa.EncodeCerts(creds.CA))}
	if err := initRun(o); err != nil {
		t.Fatal(err)
	}
	cfg, _ := c2pa.LoadConfig(dir)
	if _, err := cfg.Signer(dir, secret, time.Now()); err != nil {
		t.Fatal(err)
	}
	// A key that is not the certificate's is refused.
	other, _ := c2pa.NewCredentials("Other", time.Now(), 1)
	der2, _ := x509.MarshalPKCS8PrivateKey(other.Key)
	o2, _ := opts(t, t.TempDir(), ks)
	o2.Cert, o2.Key = o.Cert, write("other.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der2}))
	if err := initRun(o2); cmdutil.CodeOf(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "not the private key") {
		t.Fatalf("mismatched key: %v", err)
	}
	// A key pasted instead of a file name is not echoed.
	o4, _ := opts(t, t.TempDir(), ks)
	o4.Cert, o4.Key = o.Cert, "-----BEGIN PRIVATE KEY-----MIGHAgEAMBMG"
	if err := initRun(o4); cmdutil.CodeOf(err) != cmdutil.ExitUsage || strings.Contains(err.Error(), "MIGHAgEAMBMG") {
		t.Fatalf("pasted key: %v", err)
	}
	// A self-signed signing certificate is refused.
	o3, _ := opts(t, t.TempDir(), ks)
	derCA, _ := x509.MarshalPKCS8PrivateKey(creds.CAKey)
	o3.Cert, o3.Key = write("ca.pem", c2pa.EncodeCerts(creds.CA)), write("cakey.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: derCA}))
	if err := initRun(o3); cmdutil.CodeOf(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "self-signed") {
		t.Fatalf("self-signed: %v", err)
	}
}

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{args: []string{"init", "--cert", "a.pem"}, err: "--cert and --key together"},
		{args: []string{"init", "--password-file", "a", "--password-env", "B"}, err: "not both"},
		{args: []string{"init", "--years", "0"}, err: "--years"},
	} {
		io, _, _, _ := cmdutil.Test()
		f := &cmdutil.Factory{IO: io, Dir: "."}
		cmd := NewCmdC2PA(f, func(o *InitOptions) error { return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(io.ErrOut)
		cmd.SetErr(io.ErrOut)
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), tc.err) || cmdutil.CodeOf(err) != cmdutil.ExitUsage {
			t.Errorf("%v: err %v, want %q", tc.args, err, tc.err)
		}
	}
}
