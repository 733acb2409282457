package etcd_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/hortus-dev/hortus/pkg/etcd"
)

// testPKI is a throwaway CA with a serving and a client certificate, as files.
type testPKI struct {
	CAFile                    string
	ServerCertFile, ServerKey string
	ClientCertFile, ClientKey string
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	g := NewWithT(t)
	dir := t.TempDir()

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	g.Expect(err).NotTo(HaveOccurred())
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hortus-test-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	g.Expect(err).NotTo(HaveOccurred())
	ca, err := x509.ParseCertificate(caDER)
	g.Expect(err).NotTo(HaveOccurred())

	p := testPKI{CAFile: filepath.Join(dir, "ca.crt")}
	writePEM(t, p.CAFile, "CERTIFICATE", caDER)

	issue := func(name string, serial int64, usages []x509.ExtKeyUsage) (certFile, keyFile string) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		g.Expect(err).NotTo(HaveOccurred())
		template := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  usages,
			IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
			DNSNames:     []string{"localhost"},
		}
		der, err := x509.CreateCertificate(rand.Reader, template, ca, &key.PublicKey, caKey)
		g.Expect(err).NotTo(HaveOccurred())
		keyDER, err := x509.MarshalECPrivateKey(key)
		g.Expect(err).NotTo(HaveOccurred())
		certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
		writePEM(t, certFile, "CERTIFICATE", der)
		writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
		return certFile, keyFile
	}
	// etcd's gRPC gateway dials the server with the serving certificate, so it is a
	// client certificate as well.
	p.ServerCertFile, p.ServerKey = issue("server", 2, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth})
	p.ClientCertFile, p.ClientKey = issue("client", 3, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth})
	return p
}

func writePEM(t *testing.T, path, blockType string, der []byte) {
	t.Helper()
	data := pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
	NewWithT(t).Expect(os.WriteFile(path, data, 0o600)).To(Succeed())
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	port := l.Addr().(*net.TCPAddr).Port
	NewWithT(t).Expect(l.Close()).To(Succeed())
	return port
}

// plainOptions are options for an etcd without TLS on free loopback ports.
func plainOptions(t *testing.T, dataDir string) etcd.Options {
	t.Helper()
	return etcd.Options{
		DataDir:         dataDir,
		ListenClientURL: fmt.Sprintf("http://127.0.0.1:%d", freePort(t)),
		ListenPeerURL:   fmt.Sprintf("http://127.0.0.1:%d", freePort(t)),
		ReadyTimeout:    30 * time.Second,
		Logger:          zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel)),
	}
}

// startServer starts etcd and stops it when the test ends.
func startServer(t *testing.T, o etcd.Options) *etcd.Server {
	t.Helper()
	s, err := etcd.Start(t.Context(), o)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	t.Cleanup(s.Stop)
	return s
}

// newClient connects to the server o describes and closes the client when the test ends.
func newClient(t *testing.T, o etcd.Options, tls etcd.ClientTLS) *clientv3.Client {
	t.Helper()
	g := NewWithT(t)
	cfg, err := etcd.ClientConfig(o, tls)
	g.Expect(err).NotTo(HaveOccurred())
	cli, err := clientv3.New(cfg)
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

func put(t *testing.T, cli *clientv3.Client, key, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := cli.Put(ctx, key, value)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
}

// get returns the value of key, or "" when it is missing.
func get(t *testing.T, cli *clientv3.Client, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, key)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	if len(resp.Kvs) == 0 {
		return ""
	}
	return string(resp.Kvs[0].Value)
}
