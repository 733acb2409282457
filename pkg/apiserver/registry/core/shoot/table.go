package shoot

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get shoots, as Gardener prints them.
// -o wide adds SEED, PURPOSE and the four health conditions.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("CloudProfile", "The cloud profile the shoot uses.", 0, "", func(s *core.Shoot) string {
			name, kind := cloudProfile(s)
			if kind == v1beta1constants.CloudProfileReferenceKindNamespacedCloudProfile {
				return s.Namespace + "/" + name
			}
			return name
		}),
		registry.StringColumn("Provider", "The provider type.", 0, "", func(s *core.Shoot) string { return s.Spec.Provider.Type }),
		registry.StringColumn("Region", "The region.", 0, "", func(s *core.Shoot) string { return s.Spec.Region }),
		registry.StringColumn("Seed", "The seed that hosts the control plane.", 1, "<none>", func(s *core.Shoot) string { return ptr.Deref(s.Spec.SeedName, "") }),
		registry.StringColumn("K8S Version", "The Kubernetes version.", 0, "", func(s *core.Shoot) string { return s.Spec.Kubernetes.Version }),
		registry.StringColumn("Hibernation", "Whether the shoot is hibernated, awake, or on its way.", 0, "", Hibernation),
		registry.StringColumn("Last Operation", "The last operation, its state and progress.", 0, "<pending>", func(s *core.Shoot) string {
			if op := s.Status.LastOperation; op != nil {
				return fmt.Sprintf("%s %s (%d%%)", op.Type, op.State, op.Progress)
			}
			return ""
		}),
		registry.StringColumn("Status", "The health status, from the shoot.gardener.cloud/status label.", 0, "<pending>", func(s *core.Shoot) string {
			return s.Labels[v1beta1constants.ShootStatus]
		}),
		registry.StringColumn("Purpose", "The purpose of the shoot.", 1, "<none>", func(s *core.Shoot) string {
			if s.Spec.Purpose != nil {
				return string(*s.Spec.Purpose)
			}
			return ""
		}),
		conditionColumn("APIServer", core.ShootAPIServerAvailable),
		conditionColumn("Control", core.ShootControlPlaneHealthy),
		conditionColumn("Nodes", core.ShootEveryNodeReady),
		conditionColumn("System", core.ShootSystemComponentsHealthy),
		registry.AgeColumn,
	)
}

// Hibernation returns Hibernated, Hibernating, Waking Up or Awake from the desired
// (spec) and the observed (status) hibernation.
func Hibernation(s *core.Shoot) string {
	want := s.Spec.Hibernation != nil && s.Spec.Hibernation.Enabled != nil && *s.Spec.Hibernation.Enabled
	is := s.Status.IsHibernated
	switch {
	case want && is:
		return "Hibernated"
	case want:
		return "Hibernating"
	case is:
		return "Waking Up"
	default:
		return "Awake"
	}
}

func conditionColumn(name string, condition core.ConditionType) registry.Column {
	return registry.StringColumn(name, fmt.Sprintf("The status of the %s condition.", condition), 1, "<unknown>", func(s *core.Shoot) string {
		for _, c := range s.Status.Conditions {
			if c.Type == condition {
				return string(c.Status)
			}
		}
		return ""
	})
}
