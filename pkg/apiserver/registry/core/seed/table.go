package seed

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get seeds.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Status", "Ready when the gardenlet, the backup bucket, the extensions and the system components are.", 0, "", Status),
		registry.StringColumn("Last Operation", "The last operation, its state and progress.", 0, "<pending>", func(s *core.Seed) string { return lastOperation(s.Status.LastOperation) }),
		registry.StringColumn("Provider", "The provider type.", 0, "", func(s *core.Seed) string { return s.Spec.Provider.Type }),
		registry.StringColumn("Region", "The region.", 0, "", func(s *core.Seed) string { return s.Spec.Provider.Region }),
		registry.AgeColumn,
		registry.StringColumn("Version", "The version of the gardenlet.", 0, "<unknown>", func(s *core.Seed) string {
			if s.Status.Gardener != nil {
				return s.Status.Gardener.Version
			}
			return ""
		}),
		registry.StringColumn("K8S Version", "The Kubernetes version of the seed cluster.", 0, "<unknown>", func(s *core.Seed) string {
			if s.Status.KubernetesVersion != nil {
				return *s.Status.KubernetesVersion
			}
			return ""
		}),
	)
}

func lastOperation(op *core.LastOperation) string {
	if op == nil {
		return ""
	}
	return fmt.Sprintf("%s %s (%d%%)", op.Type, op.State, op.Progress)
}

// Status returns Ready, NotReady or Unknown from the seed's conditions, as Gardener does.
func Status(s *core.Seed) string {
	cond := func(t core.ConditionType) *core.Condition {
		for i := range s.Status.Conditions {
			if s.Status.Conditions[i].Type == t {
				return &s.Status.Conditions[i]
			}
		}
		return nil
	}
	gardenlet := cond(core.SeedGardenletReady)
	backup := cond(core.SeedBackupBucketsReady)
	extensions := cond(core.SeedExtensionsReady)
	system := cond(core.SeedSystemComponentsHealthy)
	switch {
	case gardenlet != nil && gardenlet.Status == core.ConditionUnknown:
		return "Unknown"
	case gardenlet == nil || gardenlet.Status != core.ConditionTrue,
		backup != nil && backup.Status != core.ConditionTrue,
		extensions == nil || extensions.Status == core.ConditionFalse || extensions.Status == core.ConditionUnknown,
		system != nil && (system.Status == core.ConditionFalse || system.Status == core.ConditionUnknown):
		return "NotReady"
	default:
		return "Ready"
	}
}
