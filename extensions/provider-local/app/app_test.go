package app_test

import (
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/hortus-dev/hortus/extensions/provider-local/app"
)

func TestValidate(t *testing.T) {
	g := NewWithT(t)
	g.Expect(app.Options{BackupDir: "/b"}.Validate()).To(Succeed())
	err := app.Options{MaxConcurrentReconciles: -1, LeaderElection: true}.Validate()
	g.Expect(err).To(MatchError(ContainSubstring("set --backup-dir")))
	g.Expect(err).To(MatchError(ContainSubstring("must not be negative")))
	g.Expect(err).To(MatchError(ContainSubstring("set --leader-election-namespace")))
}

func TestScheme(t *testing.T) {
	g := NewWithT(t)
	s := app.Scheme()
	for _, gv := range []string{
		extensionsv1alpha1.SchemeGroupVersion.String(), gardencorev1beta1.SchemeGroupVersion.String(),
		machinev1alpha1.SchemeGroupVersion.String(), rbacv1.SchemeGroupVersion.String(), "v1",
	} {
		g.Expect(s.PrioritizedVersionsAllGroups()).To(ContainElement(HaveField("String()", gv)), gv)
	}
}
