package apiserver_test

import (
	"context"
	"os"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// Hortus' own admission plugins (pkg/admission), end to end through the kube-apiserver.
// Each test gets a CloudProfile of its own: provider-local's example with an expired
// Kubernetes version added, under a random name, and the ControllerRegistrations that
// provider-local and calico bring.
var _ = Describe("Hortus' admission plugins", func() {
	var (
		ns      string
		profile *gardencorev1beta1.CloudProfile
	)

	BeforeEach(func(ctx context.Context) {
		ns = newNamespace(ctx)

		data, err := os.ReadFile(compatDir + "/provider-local/cloudprofile.yaml")
		Expect(err).NotTo(HaveOccurred())
		profile = &gardencorev1beta1.CloudProfile{}
		Expect(yaml.Unmarshal(data, profile)).To(Succeed())
		profile.Name = "local-" + rand.String(6)
		profile.Spec.Kubernetes.Versions = append(profile.Spec.Kubernetes.Versions, gardencorev1beta1.ExpirableVersion{
			Version: "1.31.0", ExpirationDate: &metav1.Time{Time: time.Now().Add(-24 * time.Hour)},
		})
		Expect(c.Create(ctx, profile)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(c.Delete(ctx, profile))).To(Succeed()) })

		for _, registration := range []*gardencorev1beta1.ControllerRegistration{
			{
				ObjectMeta: metav1.ObjectMeta{GenerateName: "provider-local-"},
				Spec: gardencorev1beta1.ControllerRegistrationSpec{Resources: []gardencorev1beta1.ControllerResource{
					{Kind: "ControlPlane", Type: "local"},
					{Kind: "Infrastructure", Type: "local"},
					{Kind: "Worker", Type: "local"},
					{Kind: "OperatingSystemConfig", Type: "local"},
				}},
			},
			{
				ObjectMeta: metav1.ObjectMeta{GenerateName: "networking-calico-"},
				Spec: gardencorev1beta1.ControllerRegistrationSpec{Resources: []gardencorev1beta1.ControllerResource{
					{Kind: "Network", Type: "calico"},
				}},
			},
		} {
			Expect(c.Create(ctx, registration)).To(Succeed())
			DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(c.Delete(ctx, registration))).To(Succeed()) })
		}
	})

	// workerless returns a workerless Shoot of the test's profile; withWorkers one with a
	// worker pool like provider-local's example Shoot.
	workerless := func(name string) *gardencorev1beta1.Shoot {
		return &gardencorev1beta1.Shoot{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: gardencorev1beta1.ShootSpec{
				CloudProfile: &gardencorev1beta1.CloudProfileReference{Name: profile.Name},
				Region:       "local",
				Provider:     gardencorev1beta1.Provider{Type: "local"},
			},
		}
	}
	withWorkers := func(name string) *gardencorev1beta1.Shoot {
		shoot := workerless(name)
		shoot.Spec.Networking = &gardencorev1beta1.Networking{Type: ptr.To("calico"), Nodes: ptr.To("10.0.0.0/16")}
		shoot.Spec.Provider.Workers = []gardencorev1beta1.Worker{{
			Name:    "local",
			Machine: gardencorev1beta1.Machine{Type: "local"},
			Minimum: 1, Maximum: 2,
		}}
		return shoot
	}
	// create creates shoot and deletes it, confirmed, after the test.
	create := func(ctx context.Context, shoot *gardencorev1beta1.Shoot) {
		GinkgoHelper()
		Expect(c.Create(ctx, shoot)).To(Succeed())
		DeferCleanup(func(ctx context.Context) {
			patch := client.MergeFrom(shoot.DeepCopy())
			metav1.SetMetaDataAnnotation(&shoot.ObjectMeta, "confirmation.gardener.cloud/deletion", "true")
			if err := c.Patch(ctx, shoot, patch); apierrors.IsNotFound(err) {
				return
			}
			Expect(client.IgnoreNotFound(c.Delete(ctx, shoot))).To(Succeed())
		})
	}

	DescribeTable("refuse Shoots that the cloud profile does not allow, naming the field",
		func(ctx context.Context, mutate func(*gardencorev1beta1.Shoot), field, errorType string) {
			shoot := withWorkers("refused")
			mutate(shoot)
			err := c.Create(ctx, shoot)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected 422, got %v", err)
			Expect(fieldCauseTypes(err)).To(HaveKeyWithValue(field, errorType), err.Error())
		},
		Entry("a Kubernetes version the profile does not offer",
			func(s *gardencorev1beta1.Shoot) { s.Spec.Kubernetes.Version = "1.30.0" },
			"spec.kubernetes.version", "FieldValueNotSupported"),
		Entry("an expired Kubernetes version",
			func(s *gardencorev1beta1.Shoot) { s.Spec.Kubernetes.Version = "1.31.0" },
			"spec.kubernetes.version", "FieldValueForbidden"),
		Entry("an unknown machine type",
			func(s *gardencorev1beta1.Shoot) { s.Spec.Provider.Workers[0].Machine.Type = "huge" },
			"spec.provider.workers[0].machine.type", "FieldValueNotSupported"),
		Entry("an unknown region",
			func(s *gardencorev1beta1.Shoot) { s.Spec.Region = "mars" },
			"spec.region", "FieldValueNotSupported"),
		Entry("a CredentialsBinding that does not exist",
			func(s *gardencorev1beta1.Shoot) { s.Spec.CredentialsBindingName = ptr.To("missing") },
			"spec.credentialsBindingName", "FieldValueNotFound"),
	)

	It("default the Kubernetes version, the machine image and the networks", func(ctx context.Context) {
		shoot := withWorkers("defaulted")
		create(ctx, shoot)
		Expect(shoot.Spec.Kubernetes.Version).To(Equal("1.36.0"), "the newest supported version of the profile")
		Expect(shoot.Spec.Provider.Workers[0].Machine.Image).To(Equal(&gardencorev1beta1.ShootMachineImage{Name: "local", Version: ptr.To("1.0.0")}),
			"the newest version that is not a preview")
		Expect(shoot.Spec.Networking.Pods).To(Equal(ptr.To("100.96.0.0/11")))
		Expect(shoot.Spec.Networking.Services).To(Equal(ptr.To("100.64.0.0/13")))
		Expect(shoot.Annotations).To(HaveKey("gardener.cloud/created-by"))

		minor := workerless("minor")
		minor.Spec.Kubernetes.Version = "1.35"
		create(ctx, minor)
		Expect(minor.Spec.Kubernetes.Version).To(Equal("1.35.4"))
	})

	It("delete Shoots only with the confirmation annotation", func(ctx context.Context) {
		shoot := workerless("confirm")
		Expect(c.Create(ctx, shoot)).To(Succeed())

		err := c.Delete(ctx, shoot)
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "expected 403, got %v", err)
		Expect(err.Error()).To(ContainSubstring(`must have a "confirmation.gardener.cloud/deletion" annotation to delete`))
		Expect(err.Error()).To(ContainSubstring("kubectl annotate shoot confirm -n " + ns + " confirmation.gardener.cloud/deletion=true"))

		kubectl(ctx, "annotate", "shoot", "confirm", "-n", ns, "confirmation.gardener.cloud/deletion=true")
		Expect(c.Delete(ctx, shoot)).To(Succeed())
		Eventually(func() error { return c.Get(ctx, client.ObjectKeyFromObject(shoot), shoot) }).Should(Satisfy(apierrors.IsNotFound))
	})

	It("refuse extension types that no ControllerRegistration registers", func(ctx context.Context) {
		shoot := withWorkers("cilium")
		shoot.Spec.Networking.Type = ptr.To("cilium")
		err := c.Create(ctx, shoot)
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "expected 403, got %v", err)
		Expect(err.Error()).To(ContainSubstring(`spec.networking.type: no ControllerRegistration registers kind Network with type "cilium"`))
	})

	It("keep a CloudProfile from dropping a version that a Shoot uses", func(ctx context.Context) {
		shoot := workerless("user")
		shoot.Spec.Kubernetes.Version = "1.35.4"
		create(ctx, shoot)

		Expect(c.Get(ctx, client.ObjectKeyFromObject(profile), profile)).To(Succeed())
		var versions []gardencorev1beta1.ExpirableVersion
		for _, v := range profile.Spec.Kubernetes.Versions {
			if v.Version != "1.35.4" {
				versions = append(versions, v)
			}
		}
		profile.Spec.Kubernetes.Versions = versions
		err := c.Update(ctx, profile)
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "expected 403, got %v", err)
		Expect(err.Error()).To(ContainSubstring("cannot remove Kubernetes version 1.35.4 from CloudProfile %q: it is still in use by shoot %s/user", profile.Name, ns))
	})
})

// fieldCauseTypes returns the field paths of an Invalid error with their error types.
func fieldCauseTypes(err error) map[string]string {
	out := map[string]string{}
	if status, ok := err.(apierrors.APIStatus); ok && status.Status().Details != nil {
		for _, cause := range status.Status().Details.Causes {
			out[cause.Field] = string(cause.Type)
		}
	}
	return out
}
