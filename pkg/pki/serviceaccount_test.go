package pki_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"path/filepath"
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

func TestLoadOrCreateServiceAccountKey(t *testing.T) {
	existingPriv, existingPub, err := pki.NewServiceAccountKey()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		// want is "created", "reused" or "error".
		want string
	}{
		{name: "nothing stored", setup: func(*testing.T, string) {}, want: "created"},
		{
			name: "stored key",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "sa.key"), existingPriv)
			},
			want: "reused",
		},
		{
			name: "corrupt key",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "sa.key"), []byte("not a key"))
			},
			want: "error",
		},
		{
			name: "a certificate instead of a key",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "sa.key"), mustCA(t, "ca").CertPEM)
			},
			want: "error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			dir := t.TempDir()
			tt.setup(t, dir)
			before := snapshot(t, dir)

			priv, pub, err := pki.LoadOrCreateServiceAccountKey(dir, "sa")

			switch tt.want {
			case "error":
				g.Expect(err).To(MatchError(pki.ErrInvalidFile))
				g.Expect(err.Error()).To(ContainSubstring(filepath.Join(dir, "sa.key")))
				g.Expect(snapshot(t, dir)).To(Equal(before), "an invalid file must not be overwritten")
				return
			case "reused":
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(priv).To(Equal(existingPriv))
				g.Expect(pub).To(Equal(existingPub))
				g.Expect(snapshot(t, dir)).To(Equal(before))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(priv).NotTo(Equal(existingPriv))
			g.Expect(fileMode(t, filepath.Join(dir, "sa.key"))).To(Equal(fs.FileMode(0o600)))
			signing, err := keyutil.ParsePrivateKeyPEM(priv)
			g.Expect(err).NotTo(HaveOccurred())
			verifying, err := keyutil.ParsePublicKeysPEM(pub)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(verifying).To(HaveLen(1))
			g.Expect(signing.(*ecdsa.PrivateKey).Public()).To(Equal(verifying[0]), "the public key belongs to the private key")

			// A second call returns the same key, byte for byte.
			priv2, pub2, err := pki.LoadOrCreateServiceAccountKey(dir, "sa")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(priv2).To(Equal(priv))
			g.Expect(pub2).To(Equal(pub))
		})
	}
}
