package apiserver_test

import (
	"context"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var _ = Describe("the gardener.cloud/operation annotation of Shoots", func() {
	const operation = "gardener.cloud/operation"
	var ns string

	BeforeEach(func(ctx context.Context) {
		ns = newNamespace(ctx)
	})

	// reconciled creates a Shoot whose last operation has the given state.
	reconciled := func(ctx context.Context, name string, state gardencorev1beta1.LastOperationState) *gardencorev1beta1.Shoot {
		GinkgoHelper()
		shoot := newShoot(ns, name)
		Expect(c.Create(ctx, shoot)).To(Succeed())
		shoot.Status.LastOperation = &gardencorev1beta1.LastOperation{
			Type: gardencorev1beta1.LastOperationTypeReconcile, State: state, Progress: 100, LastUpdateTime: metav1.Now(),
		}
		Expect(c.Status().Update(ctx, shoot)).To(Succeed())
		Expect(shoot.Generation).To(Equal(int64(1)))
		return shoot
	}
	annotate := func(ctx context.Context, shoot *gardencorev1beta1.Shoot, value string) {
		GinkgoHelper()
		patch := client.MergeFrom(shoot.DeepCopy())
		metav1.SetMetaDataAnnotation(&shoot.ObjectMeta, operation, value)
		Expect(c.Patch(ctx, shoot, patch)).To(Succeed())
	}

	It("reconcile bumps the generation and is consumed", func(ctx context.Context) {
		shoot := reconciled(ctx, "reconcile", gardencorev1beta1.LastOperationStateSucceeded)
		annotate(ctx, shoot, "reconcile")
		Expect(shoot.Generation).To(Equal(int64(2)))
		Expect(shoot.Annotations).NotTo(HaveKey(operation))
	})

	It("retry bumps the generation of a failed Shoot and is consumed", func(ctx context.Context) {
		shoot := reconciled(ctx, "retry", gardencorev1beta1.LastOperationStateFailed)
		annotate(ctx, shoot, "retry")
		Expect(shoot.Generation).To(Equal(int64(2)))
		Expect(shoot.Annotations).NotTo(HaveKey(operation))
	})

	It("a rotation bumps the generation and stays for the gardenlet", func(ctx context.Context) {
		shoot := reconciled(ctx, "rotate", gardencorev1beta1.LastOperationStateSucceeded)
		annotate(ctx, shoot, "rotate-ca-start")
		Expect(shoot.Generation).To(Equal(int64(2)))
		Expect(shoot.Annotations).To(HaveKeyWithValue(operation, "rotate-ca-start"))

		annotate(ctx, shoot, "rotate-credentials-start;rotate-ca-start")
		Expect(shoot.Generation).To(Equal(int64(3)))
		Expect(shoot.Annotations).To(HaveKeyWithValue(operation, "rotate-credentials-start"), "it covers rotate-ca-start")
	})

	It("maintain is left to the maintenance controller", func(ctx context.Context) {
		shoot := reconciled(ctx, "maintain", gardencorev1beta1.LastOperationStateSucceeded)
		annotate(ctx, shoot, "maintain")
		Expect(shoot.Generation).To(Equal(int64(1)))
		Expect(shoot.Annotations).To(HaveKeyWithValue(operation, "maintain"))
	})

	It("does nothing before the first reconciliation, which the generation starts anyway", func(ctx context.Context) {
		shoot := newShoot(ns, "new")
		Expect(c.Create(ctx, shoot)).To(Succeed())
		annotate(ctx, shoot, "reconcile")
		Expect(shoot.Generation).To(Equal(int64(1)))
		Expect(shoot.Annotations).To(HaveKeyWithValue(operation, "reconcile"))
	})
})
