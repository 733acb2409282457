package node

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
)

func TestBootstrapTokenSecret(t *testing.T) {
	g := NewWithT(t)
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	s := BootstrapTokenSecret("abcdef", "0123456789abcdef", exp, "system:bootstrappers:hortus:machines")
	g.Expect(s.Namespace).To(Equal("kube-system"))
	g.Expect(s.Name).To(Equal("bootstrap-token-abcdef"))
	g.Expect(s.Type).To(Equal(corev1.SecretType("bootstrap.kubernetes.io/token")))
	g.Expect(s.Data).To(HaveKeyWithValue("token-id", []byte("abcdef")))
	g.Expect(s.Data).To(HaveKeyWithValue("token-secret", []byte("0123456789abcdef")))
	g.Expect(s.Data).To(HaveKeyWithValue("expiration", []byte("2030-01-02T02:04:05Z")))
	g.Expect(s.Data).To(HaveKeyWithValue("usage-bootstrap-authentication", []byte("true")))
	g.Expect(s.Data).NotTo(HaveKey("usage-bootstrap-signing"))
	g.Expect(s.Data).To(HaveKeyWithValue("auth-extra-groups", []byte("system:bootstrappers:hortus:machines")))

	g.Expect(BootstrapTokenSecret("abcdef", "0123456789abcdef", exp).Data).NotTo(HaveKey("auth-extra-groups"))
}

func TestBootstrapRBAC(t *testing.T) {
	g := NewWithT(t)
	got := map[string]string{}
	for _, b := range BootstrapRBAC() {
		g.Expect(b.RoleRef.Kind).To(Equal("ClusterRole"))
		g.Expect(b.Subjects).To(HaveLen(1))
		g.Expect(b.Subjects[0].Kind).To(Equal("Group"))
		got[b.RoleRef.Name] = b.Subjects[0].Name
	}
	g.Expect(got).To(Equal(map[string]string{
		"system:node-bootstrapper": "system:bootstrappers",
		"system:certificates.k8s.io:certificatesigningrequests:nodeclient":     "system:bootstrappers",
		"system:certificates.k8s.io:certificatesigningrequests:selfnodeclient": "system:nodes",
	}))
}
