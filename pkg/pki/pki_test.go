package pki_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/pki"
)

const caValidity = 10 * 365 * 24 * time.Hour

func mustCA(t *testing.T, cn string) *pki.CertKeyPair {
	t.Helper()
	ca, err := pki.NewCA(cn, caValidity)
	if err != nil {
		t.Fatalf("NewCA(%q): %v", cn, err)
	}
	return ca
}

func mustIssue(t *testing.T, ca *pki.CertKeyPair, cfg pki.CertConfig) *pki.CertKeyPair {
	t.Helper()
	p, err := ca.Issue(cfg)
	if err != nil {
		t.Fatalf("Issue(%q): %v", cfg.CommonName, err)
	}
	return p
}

func TestNewCA(t *testing.T) {
	g := NewWithT(t)
	before := time.Now()
	ca, err := pki.NewCA("hortus-ca", 24*time.Hour)
	after := time.Now()
	g.Expect(err).NotTo(HaveOccurred())

	c := ca.Cert
	g.Expect(c.Subject.CommonName).To(Equal("hortus-ca"))
	g.Expect(c.Issuer.CommonName).To(Equal("hortus-ca"))
	g.Expect(c.IsCA).To(BeTrue())
	g.Expect(c.BasicConstraintsValid).To(BeTrue())
	g.Expect(c.KeyUsage).To(Equal(x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature))
	g.Expect(c.SerialNumber.Sign()).To(Equal(1))
	g.Expect(c.SerialNumber.BitLen()).To(BeNumerically("<=", 128))
	// Backdated by a minute; X.509 times have whole seconds.
	g.Expect(c.NotBefore).To(BeTemporally(">=", before.Add(-time.Minute-time.Second)))
	g.Expect(c.NotBefore).To(BeTemporally("<=", after.Add(-time.Minute)))
	g.Expect(c.NotAfter).To(BeTemporally(">=", before.Add(24*time.Hour-time.Second)))
	g.Expect(c.NotAfter).To(BeTemporally("<=", after.Add(24*time.Hour)))

	pub, ok := c.PublicKey.(*ecdsa.PublicKey)
	g.Expect(ok).To(BeTrue(), "public key is %T", c.PublicKey)
	g.Expect(pub.Curve).To(Equal(elliptic.P256()))
	g.Expect(c.CheckSignatureFrom(c)).To(Succeed(), "CA must be self-signed")
	g.Expect(ca.Verify(c)).To(Succeed())

	// The PEM forms are what the parsed fields say.
	parsed, err := pki.ParseCertKeyPair(ca.CertPEM, ca.KeyPEM)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(parsed.Cert.Equal(c)).To(BeTrue())

	other := mustCA(t, "hortus-ca")
	g.Expect(other.Cert.SerialNumber).NotTo(Equal(c.SerialNumber), "serials must be random")
}

func TestNewCAInvalid(t *testing.T) {
	tests := []struct {
		name       string
		commonName string
		validity   time.Duration
	}{
		{name: "empty common name", commonName: "", validity: time.Hour},
		{name: "zero validity", commonName: "ca", validity: 0},
		{name: "negative validity", commonName: "ca", validity: -time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ca, err := pki.NewCA(tt.commonName, tt.validity)
			g.Expect(err).To(HaveOccurred())
			g.Expect(ca).To(BeNil())
		})
	}
}

func TestVerify(t *testing.T) {
	ca := mustCA(t, "ca")
	otherCA := mustCA(t, "other-ca")
	leaf := mustIssue(t, ca, pki.CertConfig{CommonName: "leaf", Client: true})

	tests := []struct {
		name    string
		pair    *pki.CertKeyPair
		roots   []*x509.Certificate
		wantErr bool
	}{
		{name: "own CA", pair: leaf, roots: []*x509.Certificate{ca.Cert}},
		{name: "own CA among others", pair: leaf, roots: []*x509.Certificate{otherCA.Cert, ca.Cert}},
		{name: "other CA", pair: leaf, roots: []*x509.Certificate{otherCA.Cert}, wantErr: true},
		{name: "no roots", pair: leaf, wantErr: true},
		{name: "nil pair", pair: nil, roots: []*x509.Certificate{ca.Cert}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			err := tt.pair.Verify(tt.roots...)
			if tt.wantErr {
				g.Expect(err).To(HaveOccurred())
			} else {
				g.Expect(err).NotTo(HaveOccurred())
			}
		})
	}

	t.Run("unknown authority error is wrapped", func(t *testing.T) {
		g := NewWithT(t)
		var unknown x509.UnknownAuthorityError
		g.Expect(errors.As(leaf.Verify(otherCA.Cert), &unknown)).To(BeTrue())
	})
}

func TestIssueSubject(t *testing.T) {
	g := NewWithT(t)
	ca := mustCA(t, "ca")
	leaf, err := ca.Issue(pki.CertConfig{
		CommonName:   "system:kube-controller-manager",
		Organization: []string{"system:masters", "hortus"},
		DNSNames:     []string{"kube-apiserver", "kube-apiserver.shoot--foo.svc"},
		IPAddresses:  []net.IP{net.ParseIP("10.0.0.1"), net.ParseIP("::1")},
		Server:       true,
	})
	g.Expect(err).NotTo(HaveOccurred())

	c := leaf.Cert
	g.Expect(c.Subject.CommonName).To(Equal("system:kube-controller-manager"))
	// DER sorts the values of a multi-valued attribute, so order is not kept.
	g.Expect(c.Subject.Organization).To(ConsistOf("system:masters", "hortus"))
	g.Expect(c.Issuer.CommonName).To(Equal("ca"))
	g.Expect(c.DNSNames).To(Equal([]string{"kube-apiserver", "kube-apiserver.shoot--foo.svc"}))
	g.Expect(c.IPAddresses).To(HaveLen(2))
	g.Expect(c.IPAddresses[0].Equal(net.ParseIP("10.0.0.1"))).To(BeTrue())
	g.Expect(c.IPAddresses[1].Equal(net.ParseIP("::1"))).To(BeTrue())
	g.Expect(c.IsCA).To(BeFalse())
	g.Expect(c.KeyUsage).To(Equal(x509.KeyUsageDigitalSignature))
	g.Expect(c.SerialNumber).NotTo(Equal(ca.Cert.SerialNumber))
	g.Expect(c.VerifyHostname("kube-apiserver.shoot--foo.svc")).To(Succeed())
	g.Expect(c.VerifyHostname("10.0.0.1")).To(Succeed())
	g.Expect(c.VerifyHostname("example.com")).NotTo(Succeed())

	pub, ok := c.PublicKey.(*ecdsa.PublicKey)
	g.Expect(ok).To(BeTrue(), "public key is %T", c.PublicKey)
	g.Expect(pub.Curve).To(Equal(elliptic.P256()))
}

func TestIssueExtKeyUsage(t *testing.T) {
	ca := mustCA(t, "ca")
	tests := []struct {
		name        string
		server      bool
		client      bool
		want        []x509.ExtKeyUsage
		wantErr     bool
		verifiesFor []x509.ExtKeyUsage
		rejectedFor []x509.ExtKeyUsage
	}{
		{
			name:        "server",
			server:      true,
			want:        []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			verifiesFor: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			rejectedFor: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		},
		{
			name:        "client",
			client:      true,
			want:        []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			verifiesFor: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			rejectedFor: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		},
		{
			name:        "server and client",
			server:      true,
			client:      true,
			want:        []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			verifiesFor: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		},
		{name: "neither", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			leaf, err := ca.Issue(pki.CertConfig{CommonName: "leaf", Server: tt.server, Client: tt.client})
			if tt.wantErr {
				g.Expect(err).To(HaveOccurred())
				g.Expect(leaf).To(BeNil())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(leaf.Cert.ExtKeyUsage).To(Equal(tt.want))

			roots := x509.NewCertPool()
			roots.AddCert(ca.Cert)
			for _, u := range tt.verifiesFor {
				_, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{u}})
				g.Expect(err).NotTo(HaveOccurred(), "usage %v", u)
			}
			for _, u := range tt.rejectedFor {
				_, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{u}})
				g.Expect(err).To(HaveOccurred(), "usage %v", u)
			}
		})
	}
}

func TestIssueValidity(t *testing.T) {
	ca, err := pki.NewCA("ca", 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	longCA := mustCA(t, "long-ca")
	at := time.Now().Add(7*24*time.Hour + 123*time.Millisecond)
	past := time.Now().Add(-time.Hour)

	tests := []struct {
		name string
		ca   *pki.CertKeyPair
		cfg  pki.CertConfig
		// wantNotAfter returns the expected NotAfter; leaf gives the issue window for
		// validities relative to now.
		wantNotAfter func(issued time.Time) time.Time
		wantErr      bool
	}{
		{
			name:         "zero validity means one year",
			ca:           longCA,
			cfg:          pki.CertConfig{},
			wantNotAfter: func(issued time.Time) time.Time { return issued.Add(365 * 24 * time.Hour) },
		},
		{
			name:         "validity within CA",
			ca:           ca,
			cfg:          pki.CertConfig{Validity: 24 * time.Hour},
			wantNotAfter: func(issued time.Time) time.Time { return issued.Add(24 * time.Hour) },
		},
		{
			name:         "validity beyond CA is clamped",
			ca:           ca,
			cfg:          pki.CertConfig{Validity: 365 * 24 * time.Hour},
			wantNotAfter: func(time.Time) time.Time { return ca.Cert.NotAfter },
		},
		{
			name:         "default validity beyond CA is clamped",
			ca:           ca,
			cfg:          pki.CertConfig{},
			wantNotAfter: func(time.Time) time.Time { return ca.Cert.NotAfter },
		},
		{
			name:         "NotAfter wins over Validity",
			ca:           ca,
			cfg:          pki.CertConfig{Validity: time.Hour, NotAfter: at},
			wantNotAfter: func(time.Time) time.Time { return at.Truncate(time.Second) },
		},
		{
			name:         "NotAfter beyond CA is clamped",
			ca:           ca,
			cfg:          pki.CertConfig{NotAfter: ca.Cert.NotAfter.Add(time.Hour)},
			wantNotAfter: func(time.Time) time.Time { return ca.Cert.NotAfter },
		},
		{
			name:    "NotAfter in the past",
			ca:      ca,
			cfg:     pki.CertConfig{NotAfter: past},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			cfg := tt.cfg
			cfg.CommonName = "leaf"
			cfg.Client = true
			before := time.Now()
			leaf, err := tt.ca.Issue(cfg)
			after := time.Now()
			if tt.wantErr {
				g.Expect(err).To(HaveOccurred())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(leaf.Cert.NotAfter).NotTo(BeTemporally(">", tt.ca.Cert.NotAfter), "must not outlive the CA")
			// Relative expectations are bounded by the issue window at second precision.
			g.Expect(leaf.Cert.NotAfter).To(BeTemporally(">=", tt.wantNotAfter(before).Truncate(time.Second)))
			g.Expect(leaf.Cert.NotAfter).To(BeTemporally("<=", tt.wantNotAfter(after)))
			g.Expect(leaf.Verify(tt.ca.Cert)).To(Succeed())
		})
	}
}

func TestIssueRequiresCA(t *testing.T) {
	ca := mustCA(t, "ca")
	leaf := mustIssue(t, ca, pki.CertConfig{CommonName: "leaf", Server: true})
	tests := []struct {
		name   string
		issuer *pki.CertKeyPair
	}{
		{name: "nil issuer", issuer: nil},
		{name: "issuer without key", issuer: &pki.CertKeyPair{Cert: ca.Cert}},
		{name: "issuer is not a CA", issuer: leaf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := tt.issuer.Issue(pki.CertConfig{CommonName: "x", Client: true})
			g.Expect(err).To(HaveOccurred())
		})
	}
}

// TestTLSHandshake checks that issued pairs work for mutual TLS with crypto/tls, the way
// kube-apiserver and its clients use them.
func TestTLSHandshake(t *testing.T) {
	ca := mustCA(t, "ca")
	otherCA := mustCA(t, "other-ca")
	server := mustIssue(t, ca, pki.CertConfig{CommonName: "kube-apiserver", DNSNames: []string{"kube-apiserver"}, Server: true})
	tests := []struct {
		name       string
		client     *pki.CertKeyPair
		serverName string
		wantErr    bool
	}{
		{name: "client from same CA", client: mustIssue(t, ca, pki.CertConfig{CommonName: "admin", Client: true}), serverName: "kube-apiserver"},
		{name: "client from other CA", client: mustIssue(t, otherCA, pki.CertConfig{CommonName: "admin", Client: true}), serverName: "kube-apiserver", wantErr: true},
		{name: "server-only certificate as client", client: mustIssue(t, ca, pki.CertConfig{CommonName: "admin", Server: true}), serverName: "kube-apiserver", wantErr: true},
		{name: "wrong server name", client: mustIssue(t, ca, pki.CertConfig{CommonName: "admin", Client: true}), serverName: "etcd", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			serverCert, err := tls.X509KeyPair(server.CertPEM, server.KeyPEM)
			g.Expect(err).NotTo(HaveOccurred())
			clientCert, err := tls.X509KeyPair(tt.client.CertPEM, tt.client.KeyPEM)
			g.Expect(err).NotTo(HaveOccurred())
			pool := x509.NewCertPool()
			g.Expect(pool.AppendCertsFromPEM(ca.CertPEM)).To(BeTrue())

			// A loopback connection rather than net.Pipe: the kernel buffers let either
			// side write its alert without waiting for the other to read.
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			g.Expect(err).NotTo(HaveOccurred())
			defer func() { _ = ln.Close() }()
			srvErr := make(chan error, 1)
			go func() {
				sc, err := ln.Accept()
				if err != nil {
					srvErr <- err
					return
				}
				defer func() { _ = sc.Close() }()
				_ = sc.SetDeadline(time.Now().Add(time.Minute))
				srv := tls.Server(sc, &tls.Config{
					Certificates: []tls.Certificate{serverCert},
					ClientCAs:    pool,
					ClientAuth:   tls.RequireAndVerifyClientCert,
					MinVersion:   tls.VersionTLS12,
				})
				err = srv.Handshake()
				if err == nil {
					// With TLS 1.3 the client's handshake returns before the server
					// has checked the client certificate; one round trip surfaces a
					// rejection on both sides.
					_, err = srv.Write([]byte{1})
				}
				srvErr <- err
			}()
			cc, err := net.Dial("tcp", ln.Addr().String())
			g.Expect(err).NotTo(HaveOccurred())
			defer func() { _ = cc.Close() }()
			_ = cc.SetDeadline(time.Now().Add(time.Minute))
			cli := tls.Client(cc, &tls.Config{
				Certificates: []tls.Certificate{clientCert},
				RootCAs:      pool,
				ServerName:   tt.serverName,
				MinVersion:   tls.VersionTLS12,
			})
			cliErr := cli.Handshake()
			if cliErr == nil {
				_, cliErr = cli.Read(make([]byte, 1))
			}
			_ = cc.Close()
			err = errors.Join(cliErr, <-srvErr)
			if tt.wantErr {
				g.Expect(err).To(HaveOccurred())
			} else {
				g.Expect(err).NotTo(HaveOccurred())
			}
		})
	}
}

func TestBundlePEM(t *testing.T) {
	tests := []struct {
		name  string
		certs [][]byte
		want  string
	}{
		{name: "none", certs: nil, want: ""},
		{name: "one", certs: [][]byte{[]byte("a\n")}, want: "a\n"},
		{name: "adds missing newline", certs: [][]byte{[]byte("a"), []byte("b\n")}, want: "a\nb\n"},
		{name: "skips empty", certs: [][]byte{nil, []byte("a\n"), {}, []byte("b")}, want: "a\nb\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(string(pki.BundlePEM(tt.certs...))).To(Equal(tt.want))
		})
	}

	t.Run("bundle of CAs verifies leaves of each", func(t *testing.T) {
		g := NewWithT(t)
		a, b := mustCA(t, "a"), mustCA(t, "b")
		bundle := pki.BundlePEM(a.CertPEM, b.CertPEM)
		roots, err := pki.ParseCertificatesPEM(bundle)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(roots).To(HaveLen(2))
		g.Expect(mustIssue(t, a, pki.CertConfig{CommonName: "x", Client: true}).Verify(roots...)).To(Succeed())
		g.Expect(mustIssue(t, b, pki.CertConfig{CommonName: "y", Client: true}).Verify(roots...)).To(Succeed())
	})
}
