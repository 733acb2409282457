package validation_test

import (
	"testing"

	gardenletconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/gardenlet/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/gardener/gardener/pkg/apis/seedmanagement"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
)

// newManagedSeed returns a valid ManagedSeed.
func newManagedSeed() *seedmanagement.ManagedSeed {
	return &seedmanagement.ManagedSeed{
		ObjectMeta: metav1.ObjectMeta{Name: "seed-1", Namespace: "garden", ResourceVersion: "1"},
		Spec: seedmanagement.ManagedSeedSpec{
			Shoot: &seedmanagement.Shoot{Name: "shoot-1"},
			Gardenlet: seedmanagement.GardenletConfig{
				Deployment: &seedmanagement.GardenletDeployment{ReplicaCount: ptr.To[int32](1)},
				Config: &gardenletconfigv1alpha1.GardenletConfiguration{
					SeedConfig: &gardenletconfigv1alpha1.SeedConfig{SeedTemplate: gardencorev1beta1.SeedTemplate{
						Spec: gardencorev1beta1.SeedSpec{Provider: gardencorev1beta1.SeedProvider{Type: "local", Region: "local"}},
					}},
				},
				Bootstrap:       ptr.To(seedmanagement.BootstrapToken),
				MergeWithParent: ptr.To(true),
			},
		},
	}
}

func TestValidateManagedSeed(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*seedmanagement.ManagedSeed)
		want   []types.GomegaMatcher
	}{
		{name: "valid", mutate: func(*seedmanagement.ManagedSeed) {}},
		{name: "valid with an operation", mutate: func(m *seedmanagement.ManagedSeed) {
			m.Annotations = map[string]string{"gardener.cloud/operation": "renew-kubeconfig"}
		}},
		{
			name:   "not in the garden namespace",
			mutate: func(m *seedmanagement.ManagedSeed) { m.Namespace = "garden-dev" },
			want:   errs(invalid("metadata.namespace")),
		},
		{
			name:   "a name that is no DNS label",
			mutate: func(m *seedmanagement.ManagedSeed) { m.Name = "seed.1" },
			want:   errs(invalid("metadata.name")),
		},
		{
			name: "an unknown operation",
			mutate: func(m *seedmanagement.ManagedSeed) {
				m.Annotations = map[string]string{"gardener.cloud/operation": "maintain"}
			},
			want: errs(notSupported("metadata.annotations[gardener.cloud/operation]")),
		},
		{
			name:   "no shoot",
			mutate: func(m *seedmanagement.ManagedSeed) { m.Spec.Shoot = nil },
			want:   errs(required("spec.shoot")),
		},
		{
			name:   "no shoot name",
			mutate: func(m *seedmanagement.ManagedSeed) { m.Spec.Shoot.Name = "" },
			want:   errs(required("spec.shoot.name")),
		},
		{
			name:   "no gardenlet config",
			mutate: func(m *seedmanagement.ManagedSeed) { m.Spec.Gardenlet.Config = nil },
			want:   errs(required("spec.gardenlet.config")),
		},
		{
			name: "a typed nil gardenlet config",
			mutate: func(m *seedmanagement.ManagedSeed) {
				m.Spec.Gardenlet.Config = (*gardenletconfigv1alpha1.GardenletConfiguration)(nil)
			},
			want: errs(required("spec.gardenlet.config")),
		},
		{
			name:   "a gardenlet config of another kind",
			mutate: func(m *seedmanagement.ManagedSeed) { m.Spec.Gardenlet.Config = &seedmanagement.ManagedSeed{} },
			want:   errs(invalid("spec.gardenlet.config")),
		},
		{
			name: "a seed name in the gardenlet config",
			mutate: func(m *seedmanagement.ManagedSeed) {
				m.Spec.Gardenlet.Config.(*gardenletconfigv1alpha1.GardenletConfiguration).SeedConfig.Name = "other"
			},
			want: errs(forbidden("spec.gardenlet.config.seedConfig.metadata.name")),
		},
		{
			name: "an unknown bootstrap",
			mutate: func(m *seedmanagement.ManagedSeed) {
				m.Spec.Gardenlet.Bootstrap = ptr.To(seedmanagement.Bootstrap("Magic"))
			},
			want: errs(notSupported("spec.gardenlet.bootstrap")),
		},
		{
			name: "negative deployment counts",
			mutate: func(m *seedmanagement.ManagedSeed) {
				m.Spec.Gardenlet.Deployment.ReplicaCount = ptr.To[int32](-1)
				m.Spec.Gardenlet.Deployment.RevisionHistoryLimit = ptr.To[int32](-1)
			},
			want: errs(invalid("spec.gardenlet.deployment.replicaCount"), invalid("spec.gardenlet.deployment.revisionHistoryLimit")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManagedSeed()
			tt.mutate(m)
			NewWithT(t).Expect(validation.ValidateManagedSeed(m)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateManagedSeedUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*seedmanagement.ManagedSeed)
		// oldOperation is the operation annotation of the old ManagedSeed.
		oldOperation string
		want         []types.GomegaMatcher
	}{
		{name: "no change", mutate: func(*seedmanagement.ManagedSeed) {}},
		{name: "a changed gardenlet deployment", mutate: func(m *seedmanagement.ManagedSeed) {
			m.Spec.Gardenlet.Deployment.ReplicaCount = ptr.To[int32](3)
		}},
		{name: "an operation is set", mutate: func(m *seedmanagement.ManagedSeed) {
			m.Annotations = map[string]string{"gardener.cloud/operation": "reconcile"}
		}},
		{
			name:         "an operation replaces another one",
			oldOperation: "reconcile",
			mutate: func(m *seedmanagement.ManagedSeed) {
				m.Annotations = map[string]string{"gardener.cloud/operation": "renew-kubeconfig"}
			},
			want: errs(forbidden("metadata.annotations[gardener.cloud/operation]")),
		},
		{
			name:   "a changed shoot name",
			mutate: func(m *seedmanagement.ManagedSeed) { m.Spec.Shoot.Name = "shoot-2" },
			want:   errs(invalid("spec.shoot")),
		},
		{
			name:   "a removed shoot",
			mutate: func(m *seedmanagement.ManagedSeed) { m.Spec.Shoot = nil },
			want:   errs(invalid("spec.shoot"), required("spec.shoot")),
		},
		{
			name: "a changed bootstrap",
			mutate: func(m *seedmanagement.ManagedSeed) {
				m.Spec.Gardenlet.Bootstrap = ptr.To(seedmanagement.BootstrapServiceAccount)
			},
			want: errs(invalid("spec.gardenlet.bootstrap")),
		},
		{
			name:   "a changed mergeWithParent",
			mutate: func(m *seedmanagement.ManagedSeed) { m.Spec.Gardenlet.MergeWithParent = ptr.To(false) },
			want:   errs(invalid("spec.gardenlet.mergeWithParent")),
		},
		{
			name:   "the new object is validated",
			mutate: func(m *seedmanagement.ManagedSeed) { m.Spec.Gardenlet.Config = nil },
			want:   errs(required("spec.gardenlet.config")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := newManagedSeed()
			if tt.oldOperation != "" {
				old.Annotations = map[string]string{"gardener.cloud/operation": tt.oldOperation}
			}
			m := old.DeepCopy()
			tt.mutate(m)
			NewWithT(t).Expect(validation.ValidateManagedSeedUpdate(m, old)).To(consistOfErrors(tt.want))
		})
	}
}
