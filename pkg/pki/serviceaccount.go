package pki

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// NewServiceAccountKey creates an ECDSA P-256 key pair for signing and verifying service
// account tokens. The private key is PKCS#8 ("PRIVATE KEY") for kube-apiserver's
// --service-account-signing-key-file and the public key is PKIX ("PUBLIC KEY") for
// --service-account-key-file. Pass the public key there: kube-apiserver reads EC private
// keys in that flag only in SEC 1 form, not PKCS#8.
func NewServiceAccountKey() (privateKeyPEM, publicKeyPEM []byte, err error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	privateKeyPEM, err = encodePrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	publicKeyPEM, err = encodePublicKey(key.Public())
	if err != nil {
		return nil, nil, err
	}
	return privateKeyPEM, publicKeyPEM, nil
}

// LoadOrCreateServiceAccountKey returns the service account key pair whose private key is
// stored in KeyPath(dir, name), or creates one with NewServiceAccountKey and stores its
// private key there (mode 0600, dir 0700) when that file does not exist. Only the private
// key is stored; the public key (PKIX PEM) is derived from it, so repeated calls return
// the same bytes. A file that holds no private key is an error wrapping ErrInvalidFile,
// and is left as it is.
func LoadOrCreateServiceAccountKey(dir, name string) (privateKeyPEM, publicKeyPEM []byte, err error) {
	if err := validName(name); err != nil {
		return nil, nil, err
	}
	path := KeyPath(dir, name)
	privateKeyPEM, err = os.ReadFile(path)
	switch {
	case err == nil:
		key, err := ParsePrivateKeyPEM(privateKeyPEM)
		if err != nil {
			return nil, nil, fmt.Errorf("loading service account key: %w %s: %w (remove it to create a new key; tokens signed with this one stop working)", ErrInvalidFile, path, err)
		}
		publicKeyPEM, err = encodePublicKey(key.Public())
		if err != nil {
			return nil, nil, err
		}
		return privateKeyPEM, publicKeyPEM, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("loading service account key: %w", err)
	}
	privateKeyPEM, publicKeyPEM, err = NewServiceAccountKey()
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, nil, fmt.Errorf("creating directory for service account key %q: %w", name, err)
	}
	if err := writeFileAtomic(path, privateKeyPEM, keyMode); err != nil {
		return nil, nil, fmt.Errorf("storing service account key %q: %w", name, err)
	}
	return privateKeyPEM, publicKeyPEM, nil
}

func encodePublicKey(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encoding public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: publicKeyPEMType, Bytes: der}), nil
}
