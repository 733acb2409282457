package shootquotavalidator_test

import (
	"context"
	"testing"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/admission/admissiontest"
	"github.com/hortus-dev/hortus/pkg/admission/shootquotavalidator"
)

var (
	projectScope = corev1.ObjectReference{APIVersion: "core.gardener.cloud/v1beta1", Kind: "Project"}
	secretScope  = corev1.ObjectReference{APIVersion: "v1", Kind: "Secret"}
)

func quota(scope corev1.ObjectReference, metrics corev1.ResourceList) *gardencorev1beta1.Quota {
	return &gardencorev1beta1.Quota{
		ObjectMeta: metav1.ObjectMeta{Name: "trial", Namespace: "garden-trial"},
		Spec:       gardencorev1beta1.QuotaSpec{Scope: scope, Metrics: metrics},
	}
}

func secretBinding(namespace string) *gardencorev1beta1.SecretBinding {
	return &gardencorev1beta1.SecretBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: namespace},
		Quotas:     []corev1.ObjectReference{{Name: "trial", Namespace: "garden-trial"}},
	}
}

// existing is a stored Shoot of namespace that uses the binding "creds" and needs max
// machines of type local (1 CPU, 8Gi each).
func existing(namespace, name string, max int32) *gardencorev1beta1.Shoot {
	return &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: gardencorev1beta1.ShootSpec{
			CloudProfile:      &gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "local"},
			SecretBindingName: ptr.To("creds"),
			Provider: gardencorev1beta1.Provider{Type: "local", Workers: []gardencorev1beta1.Worker{
				{Name: "pool", Machine: gardencorev1beta1.Machine{Type: "local"}, Maximum: max},
			}},
		},
	}
}

func newShoot(max int32) *core.Shoot {
	return &core.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: "new", Namespace: "garden-dev"},
		Spec: core.ShootSpec{
			CloudProfile:      &core.CloudProfileReference{Kind: "CloudProfile", Name: "local"},
			SecretBindingName: ptr.To("creds"),
			Provider: core.Provider{Type: "local", Workers: []core.Worker{
				{Name: "pool", Machine: core.Machine{Type: "local"}, Maximum: max},
			}},
		},
	}
}

func TestCreate(t *testing.T) {
	tests := []struct {
		name        string
		shoot       *core.Shoot
		objects     []client.Object
		wantRefusal []string
	}{
		{
			name:    "within the quota",
			shoot:   newShoot(2),
			objects: []client.Object{quota(projectScope, corev1.ResourceList{"cpu": resource.MustParse("4")}), secretBinding("garden-dev"), existing("garden-dev", "other", 2)},
		},
		{
			name:        "beyond the CPUs of the quota",
			shoot:       newShoot(3),
			objects:     []client.Object{quota(projectScope, corev1.ResourceList{"cpu": resource.MustParse("4"), "memory": resource.MustParse("1Ti")}), secretBinding("garden-dev"), existing("garden-dev", "other", 2)},
			wantRefusal: []string{"quota garden-trial/trial exceeded", "cpu (needs 5, limit 4)"},
		},
		{
			name:        "beyond the memory of the quota",
			shoot:       newShoot(2),
			objects:     []client.Object{quota(projectScope, corev1.ResourceList{"memory": resource.MustParse("16Gi")}), secretBinding("garden-dev"), existing("garden-dev", "other", 1)},
			wantRefusal: []string{"memory (needs 24Gi, limit 16Gi)"},
		},
		{
			name:        "beyond the load balancers of the quota",
			shoot:       newShoot(1),
			objects:     []client.Object{quota(projectScope, corev1.ResourceList{"loadbalancer": resource.MustParse("1")}), secretBinding("garden-dev"), existing("garden-dev", "other", 1)},
			wantRefusal: []string{"loadbalancer (needs 2, limit 1)"},
		},
		{
			name:  "a project quota does not count other namespaces",
			shoot: newShoot(3),
			objects: []client.Object{quota(projectScope, corev1.ResourceList{"cpu": resource.MustParse("4")}), secretBinding("garden-dev"),
				secretBinding("garden-prod"), existing("garden-prod", "other", 2)},
		},
		{
			name:  "a credentials quota counts every namespace",
			shoot: newShoot(3),
			objects: []client.Object{quota(secretScope, corev1.ResourceList{"cpu": resource.MustParse("4")}), secretBinding("garden-dev"),
				secretBinding("garden-prod"), existing("garden-prod", "other", 2)},
			wantRefusal: []string{"cpu (needs 5, limit 4)"},
		},
		{
			name: "through a CredentialsBinding",
			shoot: func() *core.Shoot {
				s := newShoot(5)
				s.Spec.SecretBindingName, s.Spec.CredentialsBindingName = nil, ptr.To("creds")
				return s
			}(),
			objects: []client.Object{quota(projectScope, corev1.ResourceList{"cpu": resource.MustParse("4")}), &securityv1alpha1.CredentialsBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "garden-dev"},
				Quotas:     []corev1.ObjectReference{{Name: "trial", Namespace: "garden-trial"}},
			}},
			wantRefusal: []string{"cpu (needs 5, limit 4)"},
		},
		{
			name:    "a binding without quotas",
			shoot:   newShoot(100),
			objects: []client.Object{&gardencorev1beta1.SecretBinding{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "garden-dev"}}},
		},
		{
			name:        "a quota that does not exist",
			shoot:       newShoot(1),
			objects:     []client.Object{secretBinding("garden-dev")},
			wantRefusal: []string{"garden-trial/trial, which does not exist"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			r := admissiontest.Reader(append(tt.objects, admissiontest.CloudProfile())...)
			err := shootquotavalidator.Validate(context.Background(), admissiontest.Attributes(admission.Create, "Shoot", tt.shoot, nil), r)
			if len(tt.wantRefusal) == 0 {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
			for _, s := range tt.wantRefusal {
				g.Expect(err).To(MatchError(ContainSubstring(s)))
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	objects := []client.Object{admissiontest.CloudProfile(), quota(projectScope, corev1.ResourceList{"cpu": resource.MustParse("2")}), secretBinding("garden-dev")}

	g := NewWithT(t)
	old := newShoot(3)
	labelled := old.DeepCopy()
	labelled.Labels = map[string]string{"some": "label"}
	g.Expect(shootquotavalidator.Validate(context.Background(), admissiontest.Attributes(admission.Update, "Shoot", labelled, old), admissiontest.Reader(objects...))).
		To(Succeed(), "an update that needs nothing more is not checked")

	grown := old.DeepCopy()
	grown.Spec.Provider.Workers[0].Maximum = 4
	err := shootquotavalidator.Validate(context.Background(), admissiontest.Attributes(admission.Update, "Shoot", grown, old), admissiontest.Reader(objects...))
	g.Expect(err).To(MatchError(ContainSubstring("cpu (needs 4, limit 2)")))
}
