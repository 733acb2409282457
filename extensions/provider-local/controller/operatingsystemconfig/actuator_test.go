package operatingsystemconfig_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/operatingsystemconfig"
	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
	"github.com/hortus-dev/hortus/extensions/provider-local/userdata"
)

const (
	namespace = "shoot--p--s"
	caPEM     = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
)

func shootKubeconfig(t *testing.T) []byte {
	cfg := clientcmdapiConfig()
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = extensionsv1alpha1.AddToScheme(s)
	_ = corev1.AddToScheme(s)
	_ = rbacv1.AddToScheme(s)
	return s
}

type fixture struct {
	seed, shoot client.Client
	clock       *clocktesting.FakeClock
	actuator    *operatingsystemconfig.Actuator
	osc         *extensionsv1alpha1.OperatingSystemConfig
	cluster     *extension.Cluster
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{clock: clocktesting.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))}
	f.osc = &extensionsv1alpha1.OperatingSystemConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "worker-a-provision", Labels: map[string]string{"worker.gardener.cloud/pool": "a"}, UID: "uid-1"},
		Spec: extensionsv1alpha1.OperatingSystemConfigSpec{
			DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: "local"},
			Purpose:     extensionsv1alpha1.OperatingSystemConfigPurposeProvision,
			Files: []extensionsv1alpha1.File{
				{Path: "/etc/motd", Content: extensionsv1alpha1.FileContent{Inline: &extensionsv1alpha1.FileContentInline{Data: "hello"}}},
				{Path: "/etc/from-secret", Permissions: ptr.To[uint32](0o600), Content: extensionsv1alpha1.FileContent{SecretRef: &extensionsv1alpha1.FileContentSecretRef{Name: "file-secret", DataKey: "k"}}},
				{Path: userdata.KubeletConfigPath, Content: extensionsv1alpha1.FileContent{Inline: &extensionsv1alpha1.FileContentInline{Data: "ignored"}}},
			},
			CRIConfig: &extensionsv1alpha1.CRIConfig{Name: extensionsv1alpha1.CRINameContainerD, CgroupDriver: ptr.To(extensionsv1alpha1.CgroupDriverCgroupfs)},
		},
	}
	f.cluster = &extension.Cluster{Shoot: &gardencorev1beta1.Shoot{Spec: gardencorev1beta1.ShootSpec{
		Kubernetes: gardencorev1beta1.Kubernetes{Version: "1.33.2", Kubelet: &gardencorev1beta1.KubeletConfig{MaxPods: ptr.To[int32](50)}},
		Networking: &gardencorev1beta1.Networking{Services: ptr.To("10.0.0.0/16")},
		Provider: gardencorev1beta1.Provider{Workers: []gardencorev1beta1.Worker{
			{Name: "a", Kubernetes: &gardencorev1beta1.WorkerKubernetes{Version: ptr.To("1.32.5"), Kubelet: &gardencorev1beta1.KubeletConfig{
				MaxPods:      ptr.To[int32](64),
				EvictionHard: &gardencorev1beta1.KubeletConfigEviction{MemoryAvailable: ptr.To("200Mi")},
				KubeReserved: &gardencorev1beta1.KubeletConfigReserved{CPU: ptr.To(resourceMust("80m"))},
			}}},
			{Name: "b"},
		}},
	}}}
	f.seed = fake.NewClientBuilder().WithScheme(scheme()).WithObjects(
		f.osc,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "gardener"}, Data: map[string][]byte{"kubeconfig": shootKubeconfig(t)}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "file-secret"}, Data: map[string][]byte{"k": []byte("secret content")}},
	).WithStatusSubresource(f.osc).Build()
	f.shoot = fake.NewClientBuilder().WithScheme(scheme()).Build()
	f.actuator = &operatingsystemconfig.Actuator{
		Client: f.seed,
		Clock:  f.clock,
		NewShootClient: func(cfg *rest.Config) (client.Client, error) {
			if cfg.Host != "https://127.0.0.1:6443" {
				t.Errorf("shoot client for %s, want https://127.0.0.1:6443", cfg.Host)
			}
			return f.shoot, nil
		},
	}
	return f
}

// result reads the OSC back and parses the user data of its result Secret.
func (f *fixture) result(g *WithT) (*extensionsv1alpha1.OperatingSystemConfig, *corev1.Secret, *userdata.CloudConfig) {
	ctx := context.Background()
	osc := &extensionsv1alpha1.OperatingSystemConfig{}
	g.Expect(f.seed.Get(ctx, client.ObjectKeyFromObject(f.osc), osc)).To(Succeed())
	g.Expect(osc.Status.CloudConfig).NotTo(BeNil())
	secret := &corev1.Secret{}
	g.Expect(f.seed.Get(ctx, client.ObjectKey{Namespace: osc.Status.CloudConfig.SecretRef.Namespace, Name: osc.Status.CloudConfig.SecretRef.Name}, secret)).To(Succeed())
	cc, err := userdata.Parse(secret.Data[extensionsv1alpha1.OperatingSystemConfigSecretDataKey])
	g.Expect(err).NotTo(HaveOccurred())
	return osc, secret, cc
}

func TestReconcile(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	f := newFixture(t)
	g.Expect(f.actuator.Reconcile(ctx, logr.Discard(), f.osc, f.cluster)).To(Succeed())

	osc, secret, cc := f.result(g)
	g.Expect(osc.Status.CloudConfig.SecretRef).To(Equal(corev1.SecretReference{Namespace: namespace, Name: "osc-result-worker-a-provision"}))
	g.Expect(osc.Status.ExtensionFiles).To(BeEmpty(), "purpose provision")
	g.Expect(secret.OwnerReferences).To(ConsistOf(HaveField("Name", "worker-a-provision")))

	// The bootstrap token exists in the shoot and is in the kubeconfig.
	ps := &providerstatus.OperatingSystemConfigStatus{}
	g.Expect(providerstatus.Decode(osc.Status.ProviderStatus, ps)).To(Succeed())
	token := &corev1.Secret{}
	g.Expect(f.shoot.Get(ctx, client.ObjectKey{Namespace: "kube-system", Name: "bootstrap-token-" + ps.BootstrapTokenID}, token)).To(Succeed())
	g.Expect(token.Type).To(Equal(bootstrapapi.SecretTypeBootstrapToken))
	g.Expect(token.Data).To(HaveKeyWithValue(bootstrapapi.BootstrapTokenUsageAuthentication, []byte("true")))
	g.Expect(token.Data).To(HaveKeyWithValue(bootstrapapi.BootstrapTokenExpirationKey, []byte("2026-03-02T12:00:00Z")))
	g.Expect(ps.APIServerURL).To(Equal("https://127.0.0.1:6443"))

	kubeconfig, err := cc.Content(userdata.BootstrapKubeconfigPath)
	g.Expect(err).NotTo(HaveOccurred())
	bootstrap, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(bootstrap.Host).To(Equal("https://127.0.0.1:6443"))
	g.Expect(bootstrap.BearerToken).To(Equal(string(token.Data["token-id"]) + "." + string(token.Data["token-secret"])))
	g.Expect(string(bootstrap.CAData)).To(Equal(caPEM))
	g.Expect(cc.Content(userdata.CACertPath)).To(Equal([]byte(caPEM)))

	// The kubelet configuration is the pool's.
	raw, err := cc.Content(userdata.KubeletConfigPath)
	g.Expect(err).NotTo(HaveOccurred())
	kc := &kubeletv1beta1.KubeletConfiguration{}
	g.Expect(yaml.UnmarshalStrict(raw, kc)).To(Succeed())
	g.Expect(kc.Kind).To(Equal("KubeletConfiguration"))
	g.Expect(kc.MaxPods).To(Equal(int32(64)))
	g.Expect(kc.EvictionHard).To(HaveKeyWithValue("memory.available", "200Mi"))
	g.Expect(kc.EvictionHard).To(HaveKeyWithValue("nodefs.available", "5%"))
	g.Expect(kc.KubeReserved).To(Equal(map[string]string{"cpu": "80m"}))
	g.Expect(kc.ClusterDNS).To(Equal([]string{"10.0.0.10"}))
	g.Expect(kc.CgroupDriver).To(Equal("cgroupfs"))
	g.Expect(kc.Authentication.X509.ClientCAFile).To(Equal(userdata.CACertPath))

	// The spec's files are there, except where ours win.
	g.Expect(cc.Content("/etc/motd")).To(Equal([]byte("hello")))
	g.Expect(cc.Content("/etc/from-secret")).To(Equal([]byte("secret content")))
	g.Expect(cc.WriteFiles).To(HaveLen(6))

	// The kubelet runs the pool's own Kubernetes version.
	g.Expect(cc.Content(userdata.KubeletVersionPath)).To(Equal([]byte("v1.32.5")))

	// The shoot lets nodes bootstrap.
	crbs := &rbacv1.ClusterRoleBindingList{}
	g.Expect(f.shoot.List(ctx, crbs)).To(Succeed())
	g.Expect(crbs.Items).To(ContainElements(
		HaveField("RoleRef.Name", "system:node-bootstrapper"),
		HaveField("RoleRef.Name", "system:certificates.k8s.io:certificatesigningrequests:nodeclient"),
		HaveField("RoleRef.Name", "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient"),
	))

	// A second reconcile reuses the token and renders the same user data.
	first := secret.Data[extensionsv1alpha1.OperatingSystemConfigSecretDataKey]
	f.clock.Step(11 * time.Hour)
	g.Expect(f.actuator.Reconcile(ctx, logr.Discard(), osc, f.cluster)).To(Succeed())
	_, secret, _ = f.result(g)
	g.Expect(secret.Data[extensionsv1alpha1.OperatingSystemConfigSecretDataKey]).To(Equal(first))

	// Once less than half of the validity is left, a new token replaces it.
	f.clock.Step(2 * time.Hour)
	osc, _, _ = f.result(g)
	g.Expect(f.actuator.Reconcile(ctx, logr.Discard(), osc, f.cluster)).To(Succeed())
	osc, secret, _ = f.result(g)
	renewed := &providerstatus.OperatingSystemConfigStatus{}
	g.Expect(providerstatus.Decode(osc.Status.ProviderStatus, renewed)).To(Succeed())
	g.Expect(renewed.BootstrapTokenID).NotTo(Equal(ps.BootstrapTokenID))
	g.Expect(secret.Data[extensionsv1alpha1.OperatingSystemConfigSecretDataKey]).NotTo(Equal(first))
	g.Expect(f.shoot.Get(ctx, client.ObjectKeyFromObject(token), &corev1.Secret{})).To(Succeed(), "the old token stays until it expires")

	// Delete removes the current token and the result Secret.
	g.Expect(f.actuator.Delete(ctx, logr.Discard(), osc, f.cluster)).To(Succeed())
	g.Expect(apierrors.IsNotFound(f.shoot.Get(ctx, client.ObjectKey{Namespace: "kube-system", Name: "bootstrap-token-" + renewed.BootstrapTokenID}, &corev1.Secret{}))).To(BeTrue())
	g.Expect(apierrors.IsNotFound(f.seed.Get(ctx, client.ObjectKeyFromObject(secret), &corev1.Secret{}))).To(BeTrue())
}

func TestReconcilePurposeReconcile(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	f.osc.Spec.Purpose = extensionsv1alpha1.OperatingSystemConfigPurposeReconcile
	g.Expect(f.actuator.Reconcile(context.Background(), logr.Discard(), f.osc, f.cluster)).To(Succeed())
	osc, secret, _ := f.result(g)
	g.Expect(osc.Status.ExtensionFiles).To(ConsistOf(
		HaveField("Content.SecretRef", Equal(&extensionsv1alpha1.FileContentSecretRef{Name: secret.Name, DataKey: operatingsystemconfig.BootstrapKubeconfigKey})),
		HaveField("Path", userdata.CACertPath),
		HaveField("Path", userdata.KubeletConfigPath),
		HaveField("Content.Inline.Data", base64.StdEncoding.EncodeToString([]byte("v1.32.5"))),
	))
	g.Expect(secret.Data).To(HaveKey(operatingsystemconfig.BootstrapKubeconfigKey))
}

func TestReconcileWithoutShootAccess(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	g.Expect(f.seed.Delete(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "gardener"}})).To(Succeed())
	g.Expect(f.actuator.Reconcile(context.Background(), logr.Discard(), f.osc, f.cluster)).To(MatchError(ContainSubstring("no Secret gardener")))
}

func TestClusterDNSAddress(t *testing.T) {
	g := NewWithT(t)
	g.Expect(operatingsystemconfig.ClusterDNSAddress("100.64.0.0/13")).To(Equal("100.64.0.10"))
	g.Expect(operatingsystemconfig.ClusterDNSAddress("fd00::/108")).To(Equal("fd00::a"))
	_, err := operatingsystemconfig.ClusterDNSAddress("10.0.0.0/30")
	g.Expect(err).To(MatchError(ContainSubstring("too small")))
	_, err = operatingsystemconfig.ClusterDNSAddress("x")
	g.Expect(err).To(MatchError(ContainSubstring("is not a CIDR")))
}

func TestKubeletInputFor(t *testing.T) {
	g := NewWithT(t)
	shoot := newFixture(t).cluster.Shoot
	g.Expect(operatingsystemconfig.KubeletInputFor(shoot, "a", nil).Kubelet.MaxPods).To(Equal(ptr.To[int32](64)), "pool's own")
	g.Expect(operatingsystemconfig.KubeletInputFor(shoot, "b", nil).Kubelet.MaxPods).To(Equal(ptr.To[int32](50)), "shoot's")
	g.Expect(operatingsystemconfig.KubeletInputFor(shoot, "a", nil).Version).To(Equal("1.32.5"), "pool's own")
	g.Expect(operatingsystemconfig.KubeletInputFor(shoot, "b", nil).Version).To(Equal("1.33.2"), "shoot's")
	g.Expect(operatingsystemconfig.KubeletInputFor(nil, "b", nil).Version).To(BeEmpty(), "no Cluster")
	kc, err := operatingsystemconfig.KubeletConfiguration(operatingsystemconfig.KubeletInput{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(kc.MaxPods).To(Equal(int32(110)))
	g.Expect(kc.ClusterDNS).To(Equal([]string{"100.64.0.10"}))
	g.Expect(kc.CgroupDriver).To(Equal("systemd"))
}
