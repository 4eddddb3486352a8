package c2pa

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/scrypt"
)

// Scrypt are the key-derivation parameters a key file is encrypted with.
type Scrypt struct{ N, R, P int }

var (
	// Standard is what real keys use: the wallet's (go-ethereum's) N=2^18.
	Standard = Scrypt{N: 1 << 18, R: 8, P: 1}
	// Light is fast and weak: tests only.
	Light = Scrypt{N: 1 << 12, R: 8, P: 1}
)

// ErrWrongPassphrase: the passphrase does not decrypt the key file.
var ErrWrongPassphrase = errors.New("wrong passphrase for the C2PA signing key")

// keyFile is an encrypted private key: PKCS#8 DER sealed with AES-256-GCM
// under a scrypt-derived key, the way the wallet's keystore files keep
// theirs (Web3 Secret Storage uses scrypt too).
type keyFile struct {
	Version    int    `json:"version"`
	KDF        string `json:"kdf"`
	N          int    `json:"n"`
	R          int    `json:"r"`
	P          int    `json:"p"`
	Salt       []byte `json:"salt"`
	Cipher     string `json:"cipher"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"`
}

// WriteKey encrypts key with passphrase into path (mode 0600, its folder
// 0700), refusing to overwrite a file that exists.
func WriteKey(path string, key *ecdsa.PrivateKey, passphrase string, params Scrypt) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	defer clear(der)
	kf := keyFile{Version: 1, KDF: "scrypt", N: params.N, R: params.R, P: params.P, Cipher: "aes-256-gcm",
		Salt: make([]byte, 32), Nonce: make([]byte, 12)}
	if _, err := rand.Read(kf.Salt); err != nil {
		return err
	}
	if _, err := rand.Read(kf.Nonce); err != nil {
		return err
	}
	aead, err := kf.aead(passphrase)
	if err != nil {
		return err
	}
	kf.Ciphertext = aead.Seal(nil, kf.Nonce, der, []byte("genmint c2pa key v1"))
	b, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadKey decrypts the key file at path.
func ReadKey(path, passphrase string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var kf keyFile
	if err := json.Unmarshal(b, &kf); err != nil || kf.Version != 1 || kf.KDF != "scrypt" || kf.Cipher != "aes-256-gcm" {
		return nil, fmt.Errorf("%s is not a genmint C2PA key file", path)
	}
	if kf.N < 2 || kf.N > 1<<22 || kf.R < 1 || kf.R > 32 || kf.P < 1 || kf.P > 16 {
		return nil, fmt.Errorf("%s has unusable scrypt parameters", path)
	}
	aead, err := kf.aead(passphrase)
	if err != nil {
		return nil, err
	}
	der, err := aead.Open(nil, kf.Nonce, kf.Ciphertext, []byte("genmint c2pa key v1"))
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", ErrWrongPassphrase, path)
	}
	defer clear(der)
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%s does not hold an ECDSA P-256 key (genmint signs with ES256)", path)
	}
	return ek, nil
}

func (kf *keyFile) aead(passphrase string) (cipher.AEAD, error) {
	dk, err := scrypt.Key([]byte(passphrase), kf.Salt, kf.N, kf.R, kf.P, 32)
	if err != nil {
		return nil, fmt.Errorf("derive the key-file key: %w", err)
	}
	defer clear(dk)
	block, err := aes.NewCipher(dk)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ParsePrivateKey reads a PEM private key a user supplies (--key): PKCS#8,
// or SEC 1 ("EC PRIVATE KEY"), ECDSA P-256.
func ParsePrivateKey(data []byte) (*ecdsa.PrivateKey, error) {
	defer clear(data)
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, errors.New("no PEM private key found (an unencrypted PKCS#8 or EC PRIVATE KEY block)")
		}
		var k any
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		default:
			continue
		}
		clear(b.Bytes)
		if err != nil {
			return nil, errors.New("the PEM private key cannot be parsed")
		}
		ek, ok := k.(*ecdsa.PrivateKey)
		if !ok || ek.Curve != elliptic.P256() {
			return nil, errors.New("the private key is not ECDSA P-256 (genmint signs with ES256)")
		}
		return ek, nil
	}
}
