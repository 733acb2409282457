package pki

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// ParseCertKeyPair parses a PEM certificate and PEM private key and checks that the key
// belongs to the certificate. If certPEM holds several certificates, the first is the
// pair's certificate and the rest are kept in CertPEM as its chain.
func ParseCertKeyPair(certPEM, keyPEM []byte) (*CertKeyPair, error) {
	cert, err := ParseCertificatePEM(certPEM)
	if err != nil {
		return nil, err
	}
	key, err := ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	return newPair(cert, key, certPEM, keyPEM)
}

// newPair checks that key belongs to cert and returns both as a pair, with copies of
// their PEM.
func newPair(cert *x509.Certificate, key crypto.Signer, certPEM, keyPEM []byte) (*CertKeyPair, error) {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("private key does not match certificate %q", cert.Subject.CommonName)
	}
	return &CertKeyPair{
		Cert:    cert,
		Key:     key,
		CertPEM: append([]byte(nil), certPEM...),
		KeyPEM:  append([]byte(nil), keyPEM...),
	}, nil
}

// ParseCertificatePEM returns the first certificate in certPEM.
func ParseCertificatePEM(certPEM []byte) (*x509.Certificate, error) {
	certs, err := ParseCertificatesPEM(certPEM)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

// ParseCertificatesPEM returns every certificate in certPEM, such as a CA bundle, in
// order. Blocks of other types are skipped; at least one certificate is required.
func ParseCertificatesPEM(certPEM []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := certPEM
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != certificatePEMType {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parsing certificate: %w", err)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, errors.New("no CERTIFICATE PEM block found")
	}
	return certs, nil
}

// ParsePrivateKeyPEM parses the first private key in keyPEM, in PKCS#8 ("PRIVATE KEY"),
// SEC 1 ("EC PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY") form.
func ParsePrivateKeyPEM(keyPEM []byte) (crypto.Signer, error) {
	rest := keyPEM
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no private key PEM block found")
		}
		var (
			key any
			err error
		)
		switch block.Type {
		case privateKeyPEMType:
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", block.Type, err)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("private key of type %T cannot sign", key)
		}
		return signer, nil
	}
}

// NotAfter returns the expiry of the first certificate in certPEM.
func NotAfter(certPEM []byte) (time.Time, error) {
	cert, err := ParseCertificatePEM(certPEM)
	if err != nil {
		return time.Time{}, err
	}
	return cert.NotAfter, nil
}

// NeedsRenewal reports whether cert has less than fraction of its total validity left at
// now, for example 0.2 for the last fifth, or has expired. A nil certificate needs
// renewal.
func NeedsRenewal(cert *x509.Certificate, now time.Time, fraction float64) bool {
	if cert == nil {
		return true
	}
	remaining := cert.NotAfter.Sub(now)
	if remaining <= 0 {
		return true
	}
	total := cert.NotAfter.Sub(cert.NotBefore)
	return float64(remaining) < fraction*float64(total)
}
