package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

const (
	// DefaultValidity is the validity of a leaf certificate when CertConfig sets neither
	// Validity nor NotAfter.
	DefaultValidity = 365 * 24 * time.Hour

	// clockSkew is how far NotBefore is backdated, so that peers whose clocks lag a
	// little still accept a freshly issued certificate.
	clockSkew = time.Minute

	// PEM block types written by this package.
	certificatePEMType = "CERTIFICATE"
	privateKeyPEMType  = "PRIVATE KEY"
	publicKeyPEMType   = "PUBLIC KEY"
)

// CertKeyPair is a certificate with its private key, parsed and PEM-encoded.
type CertKeyPair struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte
	KeyPEM  []byte
}

// CertConfig describes a leaf certificate for CertKeyPair.Issue.
type CertConfig struct {
	CommonName string
	// Organization becomes the subject O (Kubernetes groups). DER sorts the values, so
	// their order is not kept.
	Organization []string
	DNSNames     []string
	IPAddresses  []net.IP
	// Server adds ExtKeyUsageServerAuth.
	Server bool
	// Client adds ExtKeyUsageClientAuth.
	Client bool
	// Validity is how long the certificate is valid from now. Zero means
	// DefaultValidity. The result never outlives the issuing CA.
	Validity time.Duration
	// NotAfter, if set, wins over Validity. It is also clamped to the CA's NotAfter and
	// truncated to whole seconds, the precision of X.509 times.
	NotAfter time.Time
}

// NewCA creates a self-signed ECDSA P-256 certificate authority valid from one minute
// ago until validity from now.
func NewCA(commonName string, validity time.Duration) (*CertKeyPair, error) {
	if commonName == "" {
		return nil, errors.New("CA common name must not be empty")
	}
	if validity <= 0 {
		return nil, fmt.Errorf("CA validity must be positive, got %s", validity)
	}
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-clockSkew).Truncate(time.Second),
		NotAfter:              now.Add(validity).Truncate(time.Second),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	pair, err := sign(tmpl, tmpl, key, key)
	if err != nil {
		return nil, fmt.Errorf("creating CA %q: %w", commonName, err)
	}
	return pair, nil
}

// Issue creates an ECDSA P-256 leaf certificate signed by ca. At least one of
// cfg.Server and cfg.Client must be set.
func (ca *CertKeyPair) Issue(cfg CertConfig) (*CertKeyPair, error) {
	if ca == nil || ca.Cert == nil || ca.Key == nil {
		return nil, errors.New("issuing certificate: CA certificate and key are required")
	}
	if !ca.Cert.IsCA {
		return nil, fmt.Errorf("issuing certificate: %q is not a CA", ca.Cert.Subject.CommonName)
	}
	if !cfg.Server && !cfg.Client {
		return nil, fmt.Errorf("issuing certificate %q: at least one of Server and Client must be set", cfg.CommonName)
	}

	var usages []x509.ExtKeyUsage
	if cfg.Server {
		usages = append(usages, x509.ExtKeyUsageServerAuth)
	}
	if cfg.Client {
		usages = append(usages, x509.ExtKeyUsageClientAuth)
	}

	now := time.Now().UTC()
	notBefore := now.Add(-clockSkew).Truncate(time.Second)
	notAfter := cfg.NotAfter
	if notAfter.IsZero() {
		validity := cfg.Validity
		if validity == 0 {
			validity = DefaultValidity
		}
		notAfter = now.Add(validity)
	}
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	notAfter = notAfter.UTC().Truncate(time.Second)
	if !notAfter.After(now) {
		return nil, fmt.Errorf("issuing certificate %q: NotAfter %s is not in the future (CA expires %s)",
			cfg.CommonName, notAfter.Format(time.RFC3339), ca.Cert.NotAfter.Format(time.RFC3339))
	}

	key, err := newKey()
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cfg.CommonName, Organization: cfg.Organization},
		DNSNames:              cfg.DNSNames,
		IPAddresses:           cfg.IPAddresses,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           usages,
		BasicConstraintsValid: true,
	}
	pair, err := sign(tmpl, ca.Cert, key, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("issuing certificate %q: %w", cfg.CommonName, err)
	}
	return pair, nil
}

// Verify checks that p.Cert chains up to one of roots and is currently valid. Any
// extended key usage is accepted.
func (p *CertKeyPair) Verify(roots ...*x509.Certificate) error {
	if p == nil || p.Cert == nil {
		return errors.New("verifying certificate: no certificate")
	}
	if len(roots) == 0 {
		return errors.New("verifying certificate: no roots given")
	}
	pool := x509.NewCertPool()
	for _, r := range roots {
		if r != nil {
			pool.AddCert(r)
		}
	}
	if _, err := p.Cert.Verify(x509.VerifyOptions{
		Roots:     pool,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return fmt.Errorf("verifying certificate %q: %w", p.Cert.Subject.CommonName, err)
	}
	return nil
}

// BundlePEM concatenates PEM-encoded certificates into one bundle, making sure each
// input ends with a newline. Empty inputs are skipped.
func BundlePEM(certs ...[]byte) []byte {
	var buf bytes.Buffer
	for _, c := range certs {
		if len(c) == 0 {
			continue
		}
		buf.Write(c)
		if c[len(c)-1] != '\n' {
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes()
}

func newKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating ECDSA P-256 key: %w", err)
	}
	return key, nil
}

// serialLimit is 2^128: serial numbers are random 128-bit integers.
var serialLimit = new(big.Int).Lsh(big.NewInt(1), 128)

func newSerial() (*big.Int, error) {
	for {
		n, err := rand.Int(rand.Reader, serialLimit)
		if err != nil {
			return nil, fmt.Errorf("generating serial number: %w", err)
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

// sign creates the certificate for tmpl, signed by parent with signer, and returns it
// with key, both parsed and PEM-encoded.
func sign(tmpl, parent *x509.Certificate, key *ecdsa.PrivateKey, signer crypto.Signer) (*CertKeyPair, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("creating certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing created certificate: %w", err)
	}
	keyPEM, err := encodePrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &CertKeyPair{
		Cert:    cert,
		Key:     key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: certificatePEMType, Bytes: der}),
		KeyPEM:  keyPEM,
	}, nil
}

func encodePrivateKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encoding private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: privateKeyPEMType, Bytes: der}), nil
}
