package pki

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
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
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, nil, fmt.Errorf("encoding service account public key: %w", err)
	}
	return privateKeyPEM, pem.EncodeToMemory(&pem.Block{Type: publicKeyPEMType, Bytes: der}), nil
}
