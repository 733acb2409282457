package gardencontrollers_test

import (
	"context"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/referenceprotection"
	"github.com/hortus-dev/hortus/test/testenv"
)

func newProfile(name string, providerType string) *gardencorev1beta1.CloudProfile {
	return testenv.CloudProfile(name, providerType, nil)
}

func newRegistration(name, providerType string, policy gardencorev1beta1.ControllerDeploymentPolicy) *gardencorev1beta1.ControllerRegistration {
	r := &gardencorev1beta1.ControllerRegistration{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: gardencorev1beta1.ControllerRegistrationSpec{Resources: []gardencorev1beta1.ControllerResource{
			{Kind: "ControlPlane", Type: providerType}, {Kind: "Infrastructure", Type: providerType}, {Kind: "Worker", Type: providerType},
		}},
	}
	if policy != "" {
		r.Spec.Deployment = &gardencorev1beta1.ControllerRegistrationDeployment{Policy: &policy}
	}
	return r
}

func newShoot(namespace, name, profile, providerType string) *gardencorev1beta1.Shoot {
	return &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: gardencorev1beta1.ShootSpec{
			CloudProfile: &gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: profile},
			Region:       "local",
			Provider:     gardencorev1beta1.Provider{Type: providerType},
			Kubernetes:   gardencorev1beta1.Kubernetes{Version: "1.36.3"},
		},
	}
}

// bind schedules shoot to seedName through the shoots/binding subresource, as the
// scheduler does.
func bind(ctx context.Context, shoot *gardencorev1beta1.Shoot, seedName string) {
	GinkgoHelper()
	Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), shoot)).To(Succeed())
	shoot.Spec.SeedName = ptr.To(seedName)
	Expect(c.SubResource("binding").Update(ctx, shoot)).To(Succeed())
}

// deleteShoot confirms the deletion of shoot, deletes it, and waits until it is gone.
func deleteShoot(ctx context.Context, shoot *gardencorev1beta1.Shoot) {
	GinkgoHelper()
	current := &gardencorev1beta1.Shoot{}
	Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), current)).To(Succeed())
	patch := client.MergeFrom(current.DeepCopy())
	metav1.SetMetaDataAnnotation(&current.ObjectMeta, v1beta1constants.ConfirmationDeletion, "true")
	Expect(c.Patch(ctx, current, patch)).To(Succeed())
	Expect(c.Delete(ctx, current)).To(Succeed())
	Eventually(func() error {
		return c.Get(ctx, client.ObjectKeyFromObject(shoot), &gardencorev1beta1.Shoot{})
	}).Should(Satisfy(apierrors.IsNotFound))
}

func newNamespace(ctx context.Context, prefix string) string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix}}
	Expect(c.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// installationsOf returns the installations on seedName as registration names.
func installationsOf(ctx context.Context, seedName string) func(Gomega) []string {
	return func(g Gomega) []string {
		list := &gardencorev1beta1.ControllerInstallationList{}
		g.Expect(c.List(ctx, list)).To(Succeed())
		var out []string
		for _, i := range list.Items {
			if i.Spec.SeedRef != nil && i.Spec.SeedRef.Name == seedName && i.DeletionTimestamp == nil {
				out = append(out, i.Spec.RegistrationRef.Name)
			}
		}
		return out
	}
}

var _ = Describe("ControllerInstallations", func() {
	It("appear and disappear as shoots of a new provider type come and go", func(ctx context.Context) {
		Expect(c.Create(ctx, newProfile("ci-local", "local"))).To(Succeed())
		Expect(c.Create(ctx, newProfile("ci-foo", "foo"))).To(Succeed())
		Expect(c.Create(ctx, newRegistration("ci-provider-local", "local", ""))).To(Succeed())
		Expect(c.Create(ctx, newRegistration("ci-provider-foo", "foo", gardencorev1beta1.ControllerDeploymentPolicyOnDemand))).To(Succeed())
		always := &gardencorev1beta1.ControllerRegistration{
			ObjectMeta: metav1.ObjectMeta{Name: "ci-always"},
			Spec: gardencorev1beta1.ControllerRegistrationSpec{
				Resources:  []gardencorev1beta1.ControllerResource{{Kind: "Extension", Type: "ci-always"}},
				Deployment: &gardencorev1beta1.ControllerRegistrationDeployment{Policy: ptr.To(gardencorev1beta1.ControllerDeploymentPolicyAlways)},
			},
		}
		Expect(c.Create(ctx, always)).To(Succeed())

		seed := &gardencorev1beta1.Seed{
			ObjectMeta: metav1.ObjectMeta{Name: "ci-seed"},
			Spec: gardencorev1beta1.SeedSpec{
				Provider: gardencorev1beta1.SeedProvider{Type: "local", Region: "local"},
				Networks: gardencorev1beta1.SeedNetworks{Pods: "10.1.0.0/16", Services: "10.2.0.0/16"},
			},
		}
		Expect(c.Create(ctx, seed)).To(Succeed())

		By("installing what the empty seed needs: its own provider, and the Always registration")
		Eventually(installationsOf(ctx, seed.Name)).Should(ConsistOf("ci-provider-local", "ci-always"))
		inst := &gardencorev1beta1.ControllerInstallation{}
		Expect(c.Get(ctx, client.ObjectKey{Name: "ci-always-ci-seed"}, inst)).To(Succeed())
		Expect(inst.Spec.SeedRef).To(HaveValue(HaveField("Name", seed.Name)))

		By("installing the foo provider once a foo shoot is scheduled to the seed")
		namespace := newNamespace(ctx, "garden-ci-")
		shoot := newShoot(namespace, "foo", "ci-foo", "foo")
		Expect(c.Create(ctx, shoot)).To(Succeed())
		Consistently(installationsOf(ctx, seed.Name), "2s").ShouldNot(ContainElement("ci-provider-foo"))
		bind(ctx, shoot, seed.Name)
		Eventually(installationsOf(ctx, seed.Name)).Should(ConsistOf("ci-provider-local", "ci-provider-foo", "ci-always"))
		Expect(c.Get(ctx, client.ObjectKey{Name: "ci-provider-foo-ci-seed"}, inst)).To(Succeed())
		Expect(inst.Spec.RegistrationRef.Name).To(Equal("ci-provider-foo"))

		By("removing it again when the shoot is gone, keeping the others")
		deleteShoot(ctx, shoot)
		Eventually(installationsOf(ctx, seed.Name)).Should(ConsistOf("ci-provider-local", "ci-always"))
		Consistently(installationsOf(ctx, seed.Name), "2s").Should(ConsistOf("ci-provider-local", "ci-always"))
	})
})

var _ = Describe("reference protection", func() {
	It("keeps a CloudProfile used by a shoot until the shoot is gone", func(ctx context.Context) {
		// A provider type of its own, which no seed uses, so that its registration does
		// not show up in the ControllerInstallations of the other spec.
		profile := newProfile("rp-profile", "rp")
		Expect(c.Create(ctx, profile)).To(Succeed())
		Expect(c.Create(ctx, newRegistration("rp-provider", "rp", ""))).To(Succeed())
		key := client.ObjectKeyFromObject(profile)
		Eventually(func(g Gomega) []string {
			g.Expect(c.Get(ctx, key, profile)).To(Succeed())
			return profile.Finalizers
		}).Should(ContainElement(referenceprotection.FinalizerName))

		namespace := newNamespace(ctx, "garden-rp-")
		shoot := newShoot(namespace, "user", profile.Name, "rp")
		Expect(c.Create(ctx, shoot)).To(Succeed())

		By("deleting the profile, which waits for the shoot")
		Expect(c.Delete(ctx, profile)).To(Succeed())
		Consistently(func(g Gomega) *gardencorev1beta1.CloudProfile {
			current := &gardencorev1beta1.CloudProfile{}
			g.Expect(c.Get(ctx, key, current)).To(Succeed())
			return current
		}, "3s").Should(And(
			HaveField("ObjectMeta.DeletionTimestamp", Not(BeNil())),
			HaveField("ObjectMeta.Finalizers", ContainElement(referenceprotection.FinalizerName)),
		))

		By("completing the deletion once the shoot is gone")
		deleteShoot(ctx, shoot)
		Eventually(func() error {
			return c.Get(ctx, key, &gardencorev1beta1.CloudProfile{})
		}).Should(Satisfy(apierrors.IsNotFound))
	})
})
