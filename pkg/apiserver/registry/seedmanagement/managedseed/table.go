package managedseed

import (
	"github.com/gardener/gardener/pkg/apis/seedmanagement"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get managedseeds.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Status", "The status of the SeedRegistered condition.", 0, "<unknown>", func(m *seedmanagement.ManagedSeed) string {
			for _, c := range m.Status.Conditions {
				if c.Type == seedmanagement.ManagedSeedSeedRegistered {
					return string(c.Status)
				}
			}
			return ""
		}),
		registry.StringColumn("Shoot", "The shoot that is registered as seed.", 0, "", shootName),
		registry.AgeColumn,
	)
}
