package gardencontrollers_test

import (
	"context"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var _ = Describe("shoot quota", func() {
	It("deletes a shoot once the cluster lifetime of its quota has passed", func(ctx context.Context) {
		Expect(c.Create(ctx, newProfile("sq-profile", "sq"))).To(Succeed())
		Expect(c.Create(ctx, newRegistration("sq-provider", "sq", ""))).To(Succeed())
		namespace := newNamespace(ctx, "garden-sq-")
		Expect(c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "credentials", Namespace: namespace}})).To(Succeed())
		Expect(c.Create(ctx, &gardencorev1beta1.Quota{
			ObjectMeta: metav1.ObjectMeta{Name: "trial", Namespace: namespace},
			Spec: gardencorev1beta1.QuotaSpec{
				ClusterLifetimeDays: ptr.To[int32](1),
				Scope:               corev1.ObjectReference{APIVersion: "v1", Kind: "Secret"},
			},
		})).To(Succeed())
		Expect(c.Create(ctx, &gardencorev1beta1.SecretBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "trial", Namespace: namespace},
			SecretRef:  corev1.SecretReference{Name: "credentials", Namespace: namespace},
			Quotas:     []corev1.ObjectReference{{Name: "trial", Namespace: namespace}},
			Provider:   &gardencorev1beta1.SecretBindingProvider{Type: "sq"},
		})).To(Succeed())
		shoot := newShoot(namespace, "trial", "sq-profile", "sq")
		shoot.Spec.SecretBindingName = ptr.To("trial")
		Expect(c.Create(ctx, shoot)).To(Succeed())
		key := client.ObjectKeyFromObject(shoot)

		By("annotating it with its creation time plus one day")
		Eventually(func(g Gomega) map[string]string {
			g.Expect(c.Get(ctx, key, shoot)).To(Succeed())
			return shoot.Annotations
		}).Should(HaveKeyWithValue(v1beta1constants.ShootExpirationTimestamp,
			shoot.CreationTimestamp.Add(24*time.Hour).UTC().Format(time.RFC3339)))
		Consistently(func() error { return c.Get(ctx, key, &gardencorev1beta1.Shoot{}) }, "2s").Should(Succeed())

		By("deleting it after that")
		fakeClock.SetTime(shoot.CreationTimestamp.Add(24*time.Hour + time.Minute))
		// The controller waits for the expiry with RequeueAfter, on the real clock: an
		// annotation change makes it look again now.
		patch := client.MergeFrom(shoot.DeepCopy())
		metav1.SetMetaDataAnnotation(&shoot.ObjectMeta, "test.hortus.dev/trigger", "1")
		Expect(c.Patch(ctx, shoot, patch)).To(Succeed())
		Eventually(func() error { return c.Get(ctx, key, &gardencorev1beta1.Shoot{}) }).Should(Satisfy(apierrors.IsNotFound))
		Eventually(func(g Gomega) []string {
			list := &corev1.EventList{}
			g.Expect(c.List(ctx, list, client.InNamespace(namespace))).To(Succeed())
			var reasons []string
			for _, e := range list.Items {
				if e.InvolvedObject.Name == shoot.Name {
					reasons = append(reasons, e.Reason)
				}
			}
			return reasons
		}).Should(ContainElements("ExpirationTimestampSet", "DeletingExpiredShoot"))
	})
})
