package shootpki_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	"k8s.io/apiserver/pkg/server/options/encryptionconfig"
	"k8s.io/apiserver/pkg/storage/value"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	"github.com/hortus-dev/hortus/pkg/shootpki"
)

func TestEncryptionConfig(t *testing.T) {
	g := NewWithT(t)
	p := mustEnsure(t, fake.NewClientBuilder().Build(), testConfig())

	var config apiserverv1.EncryptionConfiguration
	g.Expect(yaml.UnmarshalStrict(p.EncryptionConfig, &config)).To(Succeed())
	g.Expect(config.APIVersion).To(Equal("apiserver.config.k8s.io/v1"))
	g.Expect(config.Kind).To(Equal("EncryptionConfiguration"))
	g.Expect(config.Resources).To(HaveLen(1))
	g.Expect(config.Resources[0].Resources).To(Equal([]string{"secrets"}))
	providers := config.Resources[0].Providers
	g.Expect(providers).To(HaveLen(2))
	g.Expect(providers[0].AESCBC).NotTo(BeNil(), "aescbc encrypts")
	g.Expect(providers[0].AESCBC.Keys).To(HaveLen(1))
	key := providers[0].AESCBC.Keys[0]
	g.Expect(key.Name).NotTo(BeEmpty())
	secret, err := base64.StdEncoding.DecodeString(key.Secret)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(secret).To(HaveLen(32))
	g.Expect(providers[1].Identity).NotTo(BeNil(), "identity comes last, to read unencrypted data")

	// The kube-apiserver's own loader accepts it and encrypts secrets with the key.
	path := filepath.Join(t.TempDir(), "encryption-config.yaml")
	g.Expect(os.WriteFile(path, p.EncryptionConfig, 0o600)).To(Succeed())
	loaded, err := encryptionconfig.LoadEncryptionConfig(t.Context(), path, false, "test")
	g.Expect(err).NotTo(HaveOccurred())
	transformer := loaded.Transformers[schema.GroupResource{Resource: "secrets"}]
	g.Expect(transformer).NotTo(BeNil())
	plain := []byte("top secret")
	dataCtx := value.DefaultContext("/registry/secrets/default/s")
	stored, err := transformer.TransformToStorage(t.Context(), plain, dataCtx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(stored).To(HavePrefix("k8s:enc:aescbc:v1:" + key.Name + ":"))
	g.Expect(bytes.Contains(stored, plain)).To(BeFalse())
	read, _, err := transformer.TransformFromStorage(t.Context(), stored, dataCtx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(read).To(Equal(plain))

	// Another shoot gets another key.
	cfg := testConfig()
	cfg.Namespace = "shoot--local--other"
	other := mustEnsure(t, fake.NewClientBuilder().Build(), cfg)
	g.Expect(other.EncryptionConfig).NotTo(Equal(p.EncryptionConfig))
}

// A stored configuration that is valid is kept, whatever it configures.
func TestEncryptionConfigIsKept(t *testing.T) {
	g := NewWithT(t)
	c := fake.NewClientBuilder().Build()
	mustEnsure(t, c, testConfig())
	rotated := []byte(`apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets, configmaps]
  providers:
  - aesgcm:
      keys:
      - name: new
        secret: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=
  - aescbc:
      keys:
      - name: old
        secret: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=
  - identity: {}
`)
	modify(t, c, shootpki.SecretEtcdEncryptionKey, func(s *corev1.Secret) { s.Data["encryption-config.yaml"] = rotated })
	before := secrets(t, c)

	p := mustEnsure(t, c, testConfig())

	g.Expect(p.EncryptionConfig).To(Equal(rotated))
	g.Expect(changed(before, secrets(t, c))).To(BeEmpty())
}
