package controllerinstallation_test

import (
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/controllerinstallation"
)

func installation(name, seed, registration string, deployment *corev1.ObjectReference) *gardencorev1beta1.ControllerInstallation {
	return &gardencorev1beta1.ControllerInstallation{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: gardencorev1beta1.ControllerInstallationSpec{
			RegistrationRef: corev1.ObjectReference{Name: registration},
			SeedRef:         &corev1.ObjectReference{Name: seed},
			DeploymentRef:   deployment,
		},
	}
}

func TestReconcile(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		inst *gardencorev1beta1.ControllerInstallation
		// want maps condition type to status and reason; nil means no status written.
		want map[gardencorev1beta1.ConditionType][2]string
	}{
		{
			name: "registration without deployment: nothing to install",
			inst: installation("a-local", "local", "a", nil),
			want: map[gardencorev1beta1.ConditionType][2]string{
				gardencorev1beta1.ControllerInstallationValid:       {"True", controllerinstallation.ReasonRegistrationValid},
				gardencorev1beta1.ControllerInstallationInstalled:   {"True", controllerinstallation.ReasonNothingToInstall},
				gardencorev1beta1.ControllerInstallationHealthy:     {"True", controllerinstallation.ReasonNothingToInstall},
				gardencorev1beta1.ControllerInstallationProgressing: {"False", controllerinstallation.ReasonNothingToInstall},
			},
		},
		{
			name: "a ControllerDeployment is not installed yet, and says so",
			inst: installation("a-local", "local", "a", &corev1.ObjectReference{Name: "chart"}),
			want: map[gardencorev1beta1.ConditionType][2]string{
				gardencorev1beta1.ControllerInstallationValid:       {"True", controllerinstallation.ReasonRegistrationValid},
				gardencorev1beta1.ControllerInstallationInstalled:   {"False", controllerinstallation.ReasonInstallationNotSupported},
				gardencorev1beta1.ControllerInstallationHealthy:     {"Unknown", controllerinstallation.ReasonInstallationNotSupported},
				gardencorev1beta1.ControllerInstallationProgressing: {"False", controllerinstallation.ReasonInstallationNotSupported},
			},
		},
		{
			name: "missing registration",
			inst: installation("b-local", "local", "b", nil),
			want: map[gardencorev1beta1.ConditionType][2]string{
				gardencorev1beta1.ControllerInstallationValid: {"False", controllerinstallation.ReasonRegistrationNotFound},
			},
		},
		{
			name: "another seed's installation is left alone",
			inst: installation("a-other", "other", "a", nil),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			scheme := runtime.NewScheme()
			g.Expect(gardencorev1beta1.AddToScheme(scheme)).To(Succeed())
			c := fake.NewClientBuilder().WithScheme(scheme).
				WithObjects(tt.inst, &gardencorev1beta1.ControllerRegistration{ObjectMeta: metav1.ObjectMeta{Name: "a"}}).
				WithStatusSubresource(&gardencorev1beta1.ControllerInstallation{}).Build()
			r := &controllerinstallation.Reconciler{GardenClient: c, SeedName: "local", Clock: clocktesting.NewFakeClock(now)}
			req := reconcile.Request{NamespacedName: client.ObjectKeyFromObject(tt.inst)}
			_, err := r.Reconcile(t.Context(), req)
			g.Expect(err).NotTo(HaveOccurred())
			got := &gardencorev1beta1.ControllerInstallation{}
			g.Expect(c.Get(t.Context(), req.NamespacedName, got)).To(Succeed())
			g.Expect(got.Status.Conditions).To(HaveLen(len(tt.want)))
			for _, cond := range got.Status.Conditions {
				g.Expect(tt.want).To(HaveKeyWithValue(cond.Type, [2]string{string(cond.Status), cond.Reason}))
				g.Expect(cond.Message).NotTo(BeEmpty())
				g.Expect(cond.LastTransitionTime.Time).To(BeTemporally("==", now))
			}

			// A second pass changes nothing: no write, no new times.
			before := got.ResourceVersion
			r.Clock = clocktesting.NewFakeClock(now.Add(time.Hour))
			_, err = r.Reconcile(t.Context(), req)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(c.Get(t.Context(), req.NamespacedName, got)).To(Succeed())
			g.Expect(got.ResourceVersion).To(Equal(before))
		})
	}
}
