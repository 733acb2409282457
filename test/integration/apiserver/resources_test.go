package apiserver_test

import (
	"context"
	"strings"

	gardencorev1 "github.com/gardener/gardener/pkg/apis/core/v1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/test/testenv"
)

// compatDir holds Gardener's example manifests, which Hortus must accept.
var compatDir = func() string {
	dir, err := testenv.CompatDir()
	if err != nil {
		panic(err)
	}
	return dir
}()

var _ = Describe("Seeds", func() {
	It("are cluster-scoped and go through create, status, update and delete", func(ctx context.Context) {
		seed := newSeed("crud-")
		Expect(c.Create(ctx, seed)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(c.Delete(ctx, seed))).To(Succeed()) })
		Expect(seed.Namespace).To(BeEmpty())
		Expect(seed.Generation).To(Equal(int64(1)))
		Expect(seed.Labels).To(HaveKeyWithValue("seed.gardener.cloud/provider", "local"))

		seed.Status.KubernetesVersion = ptr.To("1.36.3")
		Expect(c.Status().Update(ctx, seed)).To(Succeed())
		Expect(seed.Generation).To(Equal(int64(1)))

		seed.Spec.Provider.Zones = []string{"z1"}
		Expect(c.Update(ctx, seed)).To(Succeed())
		Expect(seed.Generation).To(Equal(int64(2)))
		Expect(*seed.Status.KubernetesVersion).To(Equal("1.36.3"))

		list := &gardencorev1beta1.SeedList{}
		Expect(c.List(ctx, list, client.MatchingFields{"spec.provider.type": "local", "metadata.name": seed.Name})).To(Succeed())
		Expect(list.Items).To(HaveLen(1))
		Expect(c.List(ctx, list, client.MatchingFields{"spec.provider.type": "other", "metadata.name": seed.Name})).To(Succeed())
		Expect(list.Items).To(BeEmpty())

		out := kubectl(ctx, "get", "seed", seed.Name)
		Expect(out).To(MatchRegexp(`NAME\s+STATUS\s+LAST OPERATION\s+PROVIDER\s+REGION\s+AGE\s+VERSION\s+K8S VERSION`))
		Expect(out).To(MatchRegexp(seed.Name + `\s+NotReady\s+<pending>\s+local\s+local\s+\d+s\s+<unknown>\s+1\.36\.3`))

		Expect(c.Delete(ctx, seed)).To(Succeed())
		Eventually(func() error { return c.Get(ctx, client.ObjectKeyFromObject(seed), seed) }).Should(Satisfy(apierrors.IsNotFound))
	})
})

var _ = Describe("Projects", func() {
	It("keep spec.namespace once set and print Gardener's columns", func(ctx context.Context) {
		ns := newNamespace(ctx)
		project := &gardencorev1beta1.Project{
			ObjectMeta: metav1.ObjectMeta{
				Name:        strings.TrimPrefix(ns, "garden-"),
				Annotations: map[string]string{"confirmation.gardener.cloud/deletion": "true"},
			},
			Spec: gardencorev1beta1.ProjectSpec{
				Namespace: ptr.To(ns),
				Owner:     &rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"},
			},
		}
		Expect(c.Create(ctx, project)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(c.Delete(ctx, project))).To(Succeed()) })

		list := &gardencorev1beta1.ProjectList{}
		Expect(c.List(ctx, list, client.MatchingFields{"spec.namespace": ns})).To(Succeed())
		Expect(list.Items).To(HaveLen(1))

		project.Spec.Namespace = ptr.To("garden-other")
		err := c.Update(ctx, project)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected 422, got %v", err)
		Expect(fieldCauses(err)).To(ContainElement("spec.namespace"))

		out := kubectl(ctx, "get", "project", project.Name)
		Expect(out).To(MatchRegexp(`NAME\s+NAMESPACE\s+STATUS\s+OWNER\s+CREATOR\s+AGE`))
		Expect(out).To(MatchRegexp(project.Name + `\s+` + ns + `\s+<unknown>\s+alice\s+`))
	})
})

var _ = Describe("ControllerDeployments", func() {
	It("are served as core.gardener.cloud/v1 and v1beta1", func(ctx context.Context) {
		out := kubectl(ctx, "apply", "-f", compatDir+"/generic/25-controllerdeployment.yaml")
		Expect(out).To(ContainSubstring("controllerdeployment.core.gardener.cloud/os-gardenlinux"))
		DeferCleanup(func(ctx context.Context) {
			kubectl(ctx, "delete", "-f", compatDir+"/generic/25-controllerdeployment.yaml", "--ignore-not-found")
		})

		v1 := &gardencorev1.ControllerDeployment{}
		Expect(c.Get(ctx, client.ObjectKey{Name: "os-gardenlinux"}, v1)).To(Succeed())
		Expect(v1.Helm).NotTo(BeNil())
		Expect(v1.Helm.OCIRepository.Ref).To(Equal(ptr.To("registry.example.com/foo:1.0.0@sha256:abc")))
		Expect(v1.InjectGardenKubeconfig).To(Equal(ptr.To(false)))

		v1beta1 := &gardencorev1beta1.ControllerDeployment{}
		Expect(c.Get(ctx, client.ObjectKey{Name: "os-gardenlinux"}, v1beta1)).To(Succeed())
		Expect(v1beta1.UID).To(Equal(v1.UID))

		v1.Helm.OCIRepository.Ref = ptr.To("registry.example.com/foo:2.0.0")
		Expect(c.Update(ctx, v1)).To(Succeed())
		Expect(v1.Generation).To(Equal(int64(2)))
		Expect(kubectl(ctx, "get", "controllerdeployments.v1.core.gardener.cloud", "os-gardenlinux", "-o", "jsonpath={.apiVersion}")).
			To(Equal("core.gardener.cloud/v1"))
	})
})

var _ = Describe("discovery", func() {
	It("publishes Gardener's scopes, short names and categories", func(ctx context.Context) {
		out := kubectl(ctx, "api-resources", "--api-group=core.gardener.cloud", "-o", "wide")
		for _, want := range []string{
			`shoots\s+core\.gardener\.cloud/v1beta1\s+true\s+Shoot\s+.*\s+all`,
			`seeds\s+core\.gardener\.cloud/v1beta1\s+false\s+Seed`,
			`projects\s+core\.gardener\.cloud/v1beta1\s+false\s+Project`,
			`cloudprofiles\s+cprofile,cpfl\s+core\.gardener\.cloud/v1beta1\s+false\s+CloudProfile`,
			`controllerdeployments\s+ctrldeploy\s+core\.gardener\.cloud/v1beta1\s+false\s+ControllerDeployment`,
			`controllerinstallations\s+ctrlinst\s+core\.gardener\.cloud/v1beta1\s+false\s+ControllerInstallation`,
			`backupbuckets\s+bbc\s+core\.gardener\.cloud/v1beta1\s+false\s+BackupBucket`,
			`backupentries\s+bec\s+core\.gardener\.cloud/v1beta1\s+true\s+BackupEntry`,
			`namespacedcloudprofiles\s+nsprofile,nscpfl\s+core\.gardener\.cloud/v1beta1\s+true\s+NamespacedCloudProfile`,
			`quotas\s+squota\s+core\.gardener\.cloud/v1beta1\s+true\s+Quota`,
			`secretbindings\s+sb\s+core\.gardener\.cloud/v1beta1\s+true\s+SecretBinding`,
			`controllerregistrations\s+ctrlreg\s+core\.gardener\.cloud/v1beta1\s+false\s+ControllerRegistration`,
			`exposureclasses\s+expclass,expcls\s+core\.gardener\.cloud/v1beta1\s+false\s+ExposureClass`,
			`internalsecrets\s+ins\s+core\.gardener\.cloud/v1beta1\s+true\s+InternalSecret`,
			`shootstates\s+core\.gardener\.cloud/v1beta1\s+true\s+ShootState`,
		} {
			Expect(out).To(MatchRegexp(want))
		}
		Expect(kubectl(ctx, "api-resources", "--api-group=security.gardener.cloud")).
			To(MatchRegexp(`credentialsbindings\s+cb\s+security\.gardener\.cloud/v1alpha1\s+true\s+CredentialsBinding`))
		Expect(kubectl(ctx, "api-resources", "--api-group=seedmanagement.gardener.cloud")).
			To(MatchRegexp(`managedseeds\s+ms\s+seedmanagement\.gardener\.cloud/v1alpha1\s+true\s+ManagedSeed`))
	})
})

var _ = Describe("Gardener's example manifests", func() {
	It("are accepted by kubectl apply", func(ctx context.Context) {
		// The examples reference these namespaces without creating them.
		for _, name := range []string{"garden", "garden-dev", "garden-local", "garden-trial"} {
			_ = kubectlMayFail(ctx, "create", "namespace", name)
		}
		// The example Seed uses extensions of these kinds and types. (The suite applies
		// provider-local/cloudprofile.yaml.)
		registration := &gardencorev1beta1.ControllerRegistration{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "example-seed-"},
			Spec: gardencorev1beta1.ControllerRegistrationSpec{Resources: []gardencorev1beta1.ControllerResource{
				{Kind: "ControlPlane", Type: "<provider-name>"},
				{Kind: "BackupBucket", Type: "<provider-name>"},
				{Kind: "BackupEntry", Type: "<provider-name>"},
				{Kind: "DNSRecord", Type: "aws-route53"},
				{Kind: "Extension", Type: "foobar", ClusterCompatibility: []gardencorev1beta1.ClusterType{gardencorev1beta1.ClusterTypeSeed}},
			}},
		}
		Expect(c.Create(ctx, registration)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(c.Delete(ctx, registration))).To(Succeed()) })
		// The provider-local CredentialsBinding names this Secret.
		_ = kubectlMayFail(ctx, "create", "secret", "generic", "local", "-n", "garden-local")
		for _, file := range []string{
			"generic/05-project-dev.yaml",
			"generic/11-internal-secret.yaml",
			"generic/25-controllerregistration.yaml",
			"generic/30-cloudprofile.yaml",
			"generic/50-seed.yaml",
			"generic/60-quota.yaml",
			"generic/80-credentialsbinding.yaml",
			"generic/81-exposureclass.yaml",
			"provider-local/project.yaml",
			"provider-local/secretbinding.yaml",
			"provider-local/credentialsbinding.yaml",
			"provider-local/shoot.yaml",
			"provider-local/shoot-workerless.yaml",
		} {
			out := kubectl(ctx, "apply", "-f", compatDir+"/"+file)
			Expect(out).To(MatchRegexp(`(created|unchanged|configured)`), file)
			DeferCleanup(func(ctx context.Context) {
				_ = kubectlMayFail(ctx, "annotate", "-f", compatDir+"/"+file, "confirmation.gardener.cloud/deletion=true", "--overwrite")
				_ = kubectlMayFail(ctx, "delete", "-f", compatDir+"/"+file, "--ignore-not-found", "--wait=false")
			})
			// What was applied reads back unchanged, plus defaults.
			for _, doc := range gardenerDocs(file) {
				stored := kubectlJSON(ctx, "get", "-f", "-", "-o", "json", doc)
				Expect(subsetDiff("", doc, stored)).To(BeEmpty(), "%s: %s/%s reads back with other values", file, doc["kind"], name(doc))
			}
		}
		shoot := &gardencorev1beta1.Shoot{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: "garden-local", Name: "local"}, shoot)).To(Succeed())
		Expect(shoot.Spec.Kubernetes.Version).NotTo(BeEmpty(), "the version is defaulted from the cloud profile")
		Expect(shoot.Spec.Maintenance).NotTo(BeNil(), "a maintenance window is defaulted")
	})
})
