package pki_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/pki"
)

func TestParseCertKeyPair(t *testing.T) {
	ca := mustCA(t, "ca")
	leaf := mustIssue(t, ca, pki.CertConfig{CommonName: "leaf", Server: true})
	other := mustIssue(t, ca, pki.CertConfig{CommonName: "other", Server: true})

	// The same key as leaf's, as SEC 1 ("EC PRIVATE KEY") instead of PKCS#8.
	ecKey, ok := leaf.Key.(*ecdsa.PrivateKey)
	if !ok {
		t.Fatalf("leaf key is %T", leaf.Key)
	}
	sec1, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	sec1PEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})

	// An RSA key, which cannot match an ECDSA certificate.
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})

	tests := []struct {
		name    string
		certPEM []byte
		keyPEM  []byte
		wantCN  string
		wantErr bool
	}{
		{name: "matching PKCS#8 key", certPEM: leaf.CertPEM, keyPEM: leaf.KeyPEM, wantCN: "leaf"},
		{name: "matching SEC 1 key", certPEM: leaf.CertPEM, keyPEM: sec1PEM, wantCN: "leaf"},
		{name: "chain keeps leaf first", certPEM: pki.BundlePEM(leaf.CertPEM, ca.CertPEM), keyPEM: leaf.KeyPEM, wantCN: "leaf"},
		{name: "mismatched key", certPEM: leaf.CertPEM, keyPEM: other.KeyPEM, wantErr: true},
		{name: "CA key for leaf", certPEM: leaf.CertPEM, keyPEM: ca.KeyPEM, wantErr: true},
		{name: "RSA key for ECDSA certificate", certPEM: leaf.CertPEM, keyPEM: rsaPEM, wantErr: true},
		{name: "key swapped with certificate", certPEM: leaf.KeyPEM, keyPEM: leaf.CertPEM, wantErr: true},
		{name: "garbage certificate", certPEM: []byte("not pem"), keyPEM: leaf.KeyPEM, wantErr: true},
		{name: "garbage key", certPEM: leaf.CertPEM, keyPEM: []byte("not pem"), wantErr: true},
		{name: "corrupt certificate block", certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}}), keyPEM: leaf.KeyPEM, wantErr: true},
		{name: "corrupt key block", certPEM: leaf.CertPEM, keyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			p, err := pki.ParseCertKeyPair(tt.certPEM, tt.keyPEM)
			if tt.wantErr {
				g.Expect(err).To(HaveOccurred())
				g.Expect(p).To(BeNil())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(p.Cert.Subject.CommonName).To(Equal(tt.wantCN))
			g.Expect(p.CertPEM).To(Equal(tt.certPEM))
			g.Expect(p.KeyPEM).To(Equal(tt.keyPEM))
			g.Expect(p.Verify(ca.Cert)).To(Succeed())
		})
	}
}

func TestParseCertificatePEM(t *testing.T) {
	ca := mustCA(t, "ca")
	leaf := mustIssue(t, ca, pki.CertConfig{CommonName: "leaf", Client: true})
	tests := []struct {
		name    string
		in      []byte
		wantCN  string
		wantErr bool
	}{
		{name: "single", in: leaf.CertPEM, wantCN: "leaf"},
		{name: "first of bundle", in: pki.BundlePEM(ca.CertPEM, leaf.CertPEM), wantCN: "ca"},
		{name: "skips other blocks", in: pki.BundlePEM(leaf.KeyPEM, leaf.CertPEM), wantCN: "leaf"},
		{name: "key only", in: leaf.KeyPEM, wantErr: true},
		{name: "empty", in: nil, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			c, err := pki.ParseCertificatePEM(tt.in)
			if tt.wantErr {
				g.Expect(err).To(HaveOccurred())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(c.Subject.CommonName).To(Equal(tt.wantCN))
		})
	}
}

func TestNotAfterReadBack(t *testing.T) {
	g := NewWithT(t)
	ca := mustCA(t, "ca")
	// Deliberately not on a second boundary.
	requested := time.Now().Add(90*24*time.Hour + 456*time.Millisecond)
	leaf := mustIssue(t, ca, pki.CertConfig{CommonName: "leaf", Server: true, NotAfter: requested})

	got, err := pki.NotAfter(leaf.CertPEM)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Equal(requested.Truncate(time.Second))).To(BeTrue(), "got %s, want %s", got, requested.Truncate(time.Second))
	g.Expect(got.Equal(leaf.Cert.NotAfter)).To(BeTrue())

	_, err = pki.NotAfter([]byte("garbage"))
	g.Expect(err).To(HaveOccurred())
}

func TestNeedsRenewal(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cert := &x509.Certificate{NotBefore: start, NotAfter: start.Add(100 * time.Hour)}
	tests := []struct {
		name     string
		cert     *x509.Certificate
		now      time.Time
		fraction float64
		want     bool
	}{
		{name: "fresh", cert: cert, now: start, fraction: 0.2, want: false},
		{name: "before NotBefore", cert: cert, now: start.Add(-time.Hour), fraction: 0.2, want: false},
		{name: "more than fraction left", cert: cert, now: start.Add(79 * time.Hour), fraction: 0.2, want: false},
		{name: "exactly fraction left", cert: cert, now: start.Add(80 * time.Hour), fraction: 0.2, want: false},
		{name: "less than fraction left", cert: cert, now: start.Add(80*time.Hour + time.Second), fraction: 0.2, want: true},
		{name: "at NotAfter", cert: cert, now: start.Add(100 * time.Hour), fraction: 0.2, want: true},
		{name: "expired", cert: cert, now: start.Add(200 * time.Hour), fraction: 0.2, want: true},
		{name: "zero fraction, valid", cert: cert, now: start.Add(99 * time.Hour), fraction: 0, want: false},
		{name: "zero fraction, expired", cert: cert, now: start.Add(101 * time.Hour), fraction: 0, want: true},
		{name: "fraction one always renews", cert: cert, now: start.Add(time.Second), fraction: 1, want: true},
		{name: "nil certificate", cert: nil, now: start, fraction: 0.2, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(pki.NeedsRenewal(tt.cert, tt.now, tt.fraction)).To(Equal(tt.want))
		})
	}

	t.Run("issued certificate", func(t *testing.T) {
		g := NewWithT(t)
		ca := mustCA(t, "ca")
		leaf := mustIssue(t, ca, pki.CertConfig{CommonName: "leaf", Client: true, Validity: 100 * time.Hour})
		g.Expect(pki.NeedsRenewal(leaf.Cert, time.Now(), 0.2)).To(BeFalse())
		g.Expect(pki.NeedsRenewal(leaf.Cert, leaf.Cert.NotAfter.Add(-10*time.Hour), 0.2)).To(BeTrue())
	})
}

func TestParsePrivateKeyPEMKinds(t *testing.T) {
	g := NewWithT(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	g.Expect(err).NotTo(HaveOccurred())
	der, err := x509.MarshalPKCS8PrivateKey(key)
	g.Expect(err).NotTo(HaveOccurred())
	signer, err := pki.ParsePrivateKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(key.Equal(signer)).To(BeTrue())
}
