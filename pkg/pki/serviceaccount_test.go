package pki_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/client-go/util/keyutil"

	"github.com/hortus-dev/hortus/pkg/pki"
)

func TestNewServiceAccountKey(t *testing.T) {
	g := NewWithT(t)
	privPEM, pubPEM, err := pki.NewServiceAccountKey()
	g.Expect(err).NotTo(HaveOccurred())

	privBlock, rest := pem.Decode(privPEM)
	g.Expect(privBlock).NotTo(BeNil())
	g.Expect(privBlock.Type).To(Equal("PRIVATE KEY"))
	g.Expect(rest).To(BeEmpty())
	pubBlock, rest := pem.Decode(pubPEM)
	g.Expect(pubBlock).NotTo(BeNil())
	g.Expect(pubBlock.Type).To(Equal("PUBLIC KEY"))
	g.Expect(rest).To(BeEmpty())

	priv, err := x509.ParsePKCS8PrivateKey(privBlock.Bytes)
	g.Expect(err).NotTo(HaveOccurred())
	ecPriv, ok := priv.(*ecdsa.PrivateKey)
	g.Expect(ok).To(BeTrue(), "private key is %T", priv)
	g.Expect(ecPriv.Curve).To(Equal(elliptic.P256()))

	pub, err := x509.ParsePKIXPublicKey(pubBlock.Bytes)
	g.Expect(err).NotTo(HaveOccurred())
	ecPub, ok := pub.(*ecdsa.PublicKey)
	g.Expect(ok).To(BeTrue(), "public key is %T", pub)
	g.Expect(ecPub.Equal(ecPriv.Public())).To(BeTrue(), "public key must belong to the private key")

	// kube-apiserver reads --service-account-signing-key-file and
	// --service-account-key-file with these keyutil functions.
	signing, err := keyutil.ParsePrivateKeyPEM(privPEM)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ecPriv.Equal(signing)).To(BeTrue())
	verifying, err := keyutil.ParsePublicKeysPEM(pubPEM)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(verifying).To(HaveLen(1))
	g.Expect(ecPub.Equal(verifying[0])).To(BeTrue())
	otherPriv, _, err := pki.NewServiceAccountKey()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(otherPriv).NotTo(Equal(privPEM), "keys must be random")
}
