package providerlocal_test

import (
	"context"
	"encoding/json"
	"path/filepath"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/dnsrecord"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/worker"
	"github.com/hortus-dev/hortus/extensions/provider-local/machineclass"
	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
	"github.com/hortus-dev/hortus/extensions/provider-local/userdata"
	"github.com/hortus-dev/hortus/test/testenv"
)

// rawObject is obj as core.gardener.cloud/v1beta1 JSON of kind, as the gardenlet writes
// it into a Cluster.
func rawObject(obj runtime.Object, kind string) runtime.RawExtension {
	obj.GetObjectKind().SetGroupVersionKind(gardencorev1beta1.SchemeGroupVersion.WithKind(kind))
	b, err := json.Marshal(obj)
	Expect(err).NotTo(HaveOccurred())
	return runtime.RawExtension{Raw: b}
}

// newSeedNamespace creates a shoot's seed namespace with its Cluster and the Secret
// gardener, and returns the namespace's name.
func newSeedNamespace(ctx context.Context, shoot *gardencorev1beta1.Shoot) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "shoot--it--"}}
	Expect(c.Create(ctx, ns)).To(Succeed())
	DeferCleanup(func(ctx context.Context) {
		Expect(client.IgnoreNotFound(c.Delete(ctx, ns))).To(Succeed())
	})
	shoot.Name, shoot.Namespace = ns.Name, "garden-it"
	cluster := &extensionsv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: ns.Name},
		Spec: extensionsv1alpha1.ClusterSpec{
			Shoot:        rawObject(shoot, "Shoot"),
			Seed:         rawObject(&gardencorev1beta1.Seed{ObjectMeta: metav1.ObjectMeta{Name: "local"}}, "Seed"),
			CloudProfile: rawObject(testenv.CloudProfile("local", "local", nil), "CloudProfile"),
		},
	}
	Expect(c.Create(ctx, cluster)).To(Succeed())
	DeferCleanup(func(ctx context.Context) {
		Expect(client.IgnoreNotFound(c.Delete(ctx, cluster))).To(Succeed())
	})
	Expect(c.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "gardener"},
		Data:       map[string][]byte{"kubeconfig": adminKubeconfig},
	})).To(Succeed())
	return ns.Name
}

// ready waits until the extension controller reports obj's operation done.
func ready(ctx context.Context, obj extensionsv1alpha1.Object) {
	GinkgoHelper()
	Eventually(ctx, func(g Gomega) {
		g.Expect(c.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
		g.Expect(extension.CheckReady(obj)).To(Succeed())
	}).Should(Succeed())
}

// gone deletes obj and waits until the controller released it.
func gone(ctx context.Context, obj client.Object) {
	GinkgoHelper()
	Expect(c.Delete(ctx, obj)).To(Succeed())
	Eventually(ctx, func() bool {
		return apierrors.IsNotFound(c.Get(ctx, client.ObjectKeyFromObject(obj), obj))
	}).Should(BeTrue())
}

func defaultSpec() extensionsv1alpha1.DefaultSpec {
	return extensionsv1alpha1.DefaultSpec{Type: "local"}
}

var _ = Describe("provider-local", func() {
	It("reconciles Infrastructure, ControlPlane, Network and DNSRecord with real status", func(ctx SpecContext) {
		ns := newSeedNamespace(ctx, &gardencorev1beta1.Shoot{Spec: gardencorev1beta1.ShootSpec{
			Networking: &gardencorev1beta1.Networking{Nodes: ptr.To("10.10.0.0/16"), Pods: ptr.To("100.96.0.0/11"), Services: ptr.To("100.64.0.0/13")},
		}})

		infra := &extensionsv1alpha1.Infrastructure{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "infra"}, Spec: extensionsv1alpha1.InfrastructureSpec{
			DefaultSpec: defaultSpec(), Region: "local", SecretRef: corev1.SecretReference{Namespace: ns, Name: "cloudprovider"},
		}}
		cp := &extensionsv1alpha1.ControlPlane{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cp"}, Spec: extensionsv1alpha1.ControlPlaneSpec{
			DefaultSpec: defaultSpec(), Region: "local", SecretRef: corev1.SecretReference{Namespace: ns, Name: "cloudprovider"},
		}}
		network := &extensionsv1alpha1.Network{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "network"}, Spec: extensionsv1alpha1.NetworkSpec{
			DefaultSpec: defaultSpec(), PodCIDR: "100.96.0.0/11", ServiceCIDR: "100.64.0.0/13",
		}}
		record := &extensionsv1alpha1.DNSRecord{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "external"}, Spec: extensionsv1alpha1.DNSRecordSpec{
			DefaultSpec: defaultSpec(), SecretRef: corev1.SecretReference{Namespace: ns, Name: "dns"},
			Name: "api.it.local.gardener.cloud", RecordType: extensionsv1alpha1.DNSRecordTypeA, Values: []string{"127.0.0.1"},
		}}
		for _, obj := range []client.Object{infra, cp, network, record} {
			Expect(c.Create(ctx, obj)).To(Succeed())
		}

		ready(ctx, infra)
		Expect(infra.Status.NodesCIDR).To(Equal(ptr.To("10.10.0.0/16")))
		Expect(infra.Finalizers).To(ContainElement("extensions.gardener.cloud/infrastructure"))
		infraStatus := &providerstatus.InfrastructureStatus{}
		Expect(providerstatus.Decode(infra.Status.ProviderStatus, infraStatus)).To(Succeed())
		Expect(infraStatus.NodesCIDR).To(Equal("10.10.0.0/16"))

		ready(ctx, cp)
		cpStatus := &providerstatus.ControlPlaneStatus{}
		Expect(providerstatus.Decode(cp.Status.ProviderStatus, cpStatus)).To(Succeed())
		Expect(cpStatus.ShootAPIServer.Checked).To(BeTrue())
		Expect(cpStatus.ShootAPIServer.URL).To(Equal(env.Config.Host))
		Expect(cpStatus.ShootAPIServer.GitVersion).To(HavePrefix("v1."))

		ready(ctx, network)
		Expect(network.Status.IPFamilies).To(Equal([]extensionsv1alpha1.IPFamily{extensionsv1alpha1.IPFamilyIPv4}))
		netStatus := &providerstatus.NetworkStatus{}
		Expect(providerstatus.Decode(network.Status.ProviderStatus, netStatus)).To(Succeed())
		Expect(netStatus.CNI).To(Equal("none"))

		ready(ctx, record)
		Expect(record.Status.Zone).To(Equal(ptr.To("it.local.gardener.cloud")))
		cm := &corev1.ConfigMap{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: dnsrecord.ConfigMapName(record.Name)}, cm)).To(Succeed())
		Expect(cm.Data).To(HaveKeyWithValue(dnsrecord.KeyValues, "127.0.0.1"))

		By("deleting the DNSRecord removes its ConfigMap")
		gone(ctx, record)
		Expect(apierrors.IsNotFound(c.Get(ctx, client.ObjectKeyFromObject(cm), cm))).To(BeTrue())
		for _, obj := range []client.Object{infra, cp, network} {
			gone(ctx, obj)
		}
	})

	It("keeps backup buckets and entries as directories", func(ctx SpecContext) {
		bucket := &extensionsv1alpha1.BackupBucket{ObjectMeta: metav1.ObjectMeta{Name: "bucket-it"}, Spec: extensionsv1alpha1.BackupBucketSpec{
			DefaultSpec: defaultSpec(), Region: "local", SecretRef: corev1.SecretReference{Namespace: "garden", Name: "backup"},
		}}
		entry := &extensionsv1alpha1.BackupEntry{ObjectMeta: metav1.ObjectMeta{Name: "shoot--it--backup--uid"}, Spec: extensionsv1alpha1.BackupEntrySpec{
			DefaultSpec: defaultSpec(), Region: "local", BucketName: bucket.Name, SecretRef: corev1.SecretReference{Namespace: "garden", Name: "backup"},
		}}
		Expect(c.Create(ctx, bucket)).To(Succeed())
		Expect(c.Create(ctx, entry)).To(Succeed())

		ready(ctx, bucket)
		bucketDir := filepath.Join(backupDir, bucket.Name)
		Expect(bucketDir).To(BeADirectory())
		Expect(bucket.Status.GeneratedSecretRef).To(Equal(&corev1.SecretReference{Namespace: "garden", Name: "generated-bucket-bucket-it"}))
		Expect(c.Get(ctx, client.ObjectKey{Namespace: "garden", Name: "generated-bucket-bucket-it"}, &corev1.Secret{})).To(Succeed())

		ready(ctx, entry)
		entryDir := filepath.Join(bucketDir, entry.Name)
		Expect(entryDir).To(BeADirectory())
		entryStatus := &providerstatus.BackupEntryStatus{}
		Expect(providerstatus.Decode(entry.Status.ProviderStatus, entryStatus)).To(Succeed())
		Expect(entryStatus.Path).To(Equal(entryDir))

		By("deleting the entry removes its directory, then the bucket can go")
		gone(ctx, entry)
		Expect(entryDir).NotTo(BeAnExistingFile())
		gone(ctx, bucket)
		Expect(bucketDir).NotTo(BeAnExistingFile())
	})

	It("renders user data with a working bootstrap token", func(ctx SpecContext) {
		ns := newSeedNamespace(ctx, &gardencorev1beta1.Shoot{Spec: gardencorev1beta1.ShootSpec{
			Kubernetes: gardencorev1beta1.Kubernetes{Kubelet: &gardencorev1beta1.KubeletConfig{MaxPods: ptr.To[int32](30)}},
		}})
		osc := &extensionsv1alpha1.OperatingSystemConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "worker-a", Labels: map[string]string{"worker.gardener.cloud/pool": "a"}},
			Spec:       extensionsv1alpha1.OperatingSystemConfigSpec{DefaultSpec: defaultSpec(), Purpose: extensionsv1alpha1.OperatingSystemConfigPurposeProvision},
		}
		Expect(c.Create(ctx, osc)).To(Succeed())
		ready(ctx, osc)

		Expect(osc.Status.CloudConfig).NotTo(BeNil())
		result := &corev1.Secret{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: osc.Status.CloudConfig.SecretRef.Name}, result)).To(Succeed())
		cc, err := userdata.Parse(result.Data[extensionsv1alpha1.OperatingSystemConfigSecretDataKey])
		Expect(err).NotTo(HaveOccurred())
		Expect(cc.Content(userdata.CACertPath)).To(Equal(env.Config.CAData))
		kubelet, err := cc.Content(userdata.KubeletConfigPath)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(kubelet)).To(ContainSubstring("maxPods: 30"))

		oscStatus := &providerstatus.OperatingSystemConfigStatus{}
		Expect(providerstatus.Decode(osc.Status.ProviderStatus, oscStatus)).To(Succeed())
		token := &corev1.Secret{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: "kube-system", Name: "bootstrap-token-" + oscStatus.BootstrapTokenID}, token)).To(Succeed())
		Expect(token.Type).To(Equal(corev1.SecretType("bootstrap.kubernetes.io/token")))

		By("the kube-apiserver authenticates the bootstrap kubeconfig as the token's user")
		kubeconfig, err := cc.Content(userdata.BootstrapKubeconfigPath)
		Expect(err).NotTo(HaveOccurred())
		cfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
		Expect(err).NotTo(HaveOccurred())
		cs, err := kubernetes.NewForConfig(cfg)
		Expect(err).NotTo(HaveOccurred())
		review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(review.Status.UserInfo.Username).To(Equal("system:bootstrap:" + oscStatus.BootstrapTokenID))
		Expect(review.Status.UserInfo.Groups).To(ContainElement("system:bootstrappers"))

		By("deleting the OperatingSystemConfig removes the token and the user data")
		gone(ctx, osc)
		Expect(apierrors.IsNotFound(c.Get(ctx, client.ObjectKeyFromObject(token), token))).To(BeTrue())
		Expect(apierrors.IsNotFound(c.Get(ctx, client.ObjectKeyFromObject(result), result))).To(BeTrue())
	})

	It("writes MachineClasses and MachineDeployments and waits for machines", func(ctx SpecContext) {
		ns := newSeedNamespace(ctx, &gardencorev1beta1.Shoot{})
		Expect(c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "user-data-a"}, Data: map[string][]byte{"cloud_config": []byte("#cloud-config\n")}})).To(Succeed())
		w := &extensionsv1alpha1.Worker{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "worker"}, Spec: extensionsv1alpha1.WorkerSpec{
			DefaultSpec: defaultSpec(), Region: "local", SecretRef: corev1.SecretReference{Namespace: ns, Name: "cloudprovider"},
			Pools: []extensionsv1alpha1.WorkerPool{{
				Name: "a", MachineType: "local", Minimum: 3, Maximum: 4, Zones: []string{"z1", "z2"},
				MaxSurge: intstr.FromInt32(1), MaxUnavailable: intstr.FromInt32(0),
				MachineImage:      extensionsv1alpha1.MachineImage{Name: "local", Version: "1.0.0"},
				UserDataSecretRef: corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "user-data-a"}, Key: "cloud_config"},
			}},
		}}
		Expect(c.Create(ctx, w)).To(Succeed())

		Eventually(ctx, func(g Gomega) {
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(w), w)).To(Succeed())
			g.Expect(w.Status.LastOperation).NotTo(BeNil())
			// It waits for machine-controller-manager: Processing, without an error.
			g.Expect(w.Status.LastOperation.State).To(Equal(gardencorev1beta1.LastOperationStateProcessing))
			g.Expect(w.Status.LastOperation.Description).To(ContainSubstring("waiting for machines"))
			g.Expect(w.Status.LastError).To(BeNil())
		}).Should(Succeed())
		Expect(extension.CheckReady(w)).To(MatchError(extension.ErrNotReady))
		Expect(w.Status.MachineDeployments).To(ConsistOf(
			extensionsv1alpha1.MachineDeployment{Name: ns + "-a-z1", Minimum: 2, Maximum: 2},
			extensionsv1alpha1.MachineDeployment{Name: ns + "-a-z2", Minimum: 1, Maximum: 2},
		))

		mds := &machinev1alpha1.MachineDeploymentList{}
		Expect(c.List(ctx, mds, client.InNamespace(ns))).To(Succeed())
		Expect(mds.Items).To(HaveLen(2))
		classes := &machinev1alpha1.MachineClassList{}
		Expect(c.List(ctx, classes, client.InNamespace(ns))).To(Succeed())
		Expect(classes.Items).To(HaveLen(2))
		for _, md := range mds.Items {
			Expect(md.Spec.Strategy.RollingUpdate.MaxSurge).To(Equal(ptr.To(intstr.FromInt32(1))))
			class := &machinev1alpha1.MachineClass{}
			Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: md.Spec.Template.Spec.Class.Name}, class)).To(Succeed())
			Expect(class.Provider).To(Equal("local"))
			spec, err := machineclass.Decode(class.ProviderSpec.Raw)
			Expect(err).NotTo(HaveOccurred())
			Expect(spec.MachineType).To(Equal("local"))
			Expect(spec.Memory.String()).To(Equal("1Gi"))
			secret := &corev1.Secret{}
			Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: class.SecretRef.Name}, secret)).To(Succeed())
			Expect(secret.Data).To(HaveKeyWithValue(machineclass.UserDataKey, []byte("#cloud-config\n")))
		}

		By("deleting the Worker removes its machine objects")
		gone(ctx, w)
		Expect(c.List(ctx, mds, client.InNamespace(ns))).To(Succeed())
		Expect(mds.Items).To(BeEmpty())
		Expect(c.List(ctx, classes, client.InNamespace(ns))).To(Succeed())
		Expect(classes.Items).To(BeEmpty())
		secrets := &corev1.SecretList{}
		Expect(c.List(ctx, secrets, client.InNamespace(ns), client.MatchingLabels{worker.WorkerLabel: w.Name})).To(Succeed())
		Expect(secrets.Items).To(BeEmpty())
	})
})
