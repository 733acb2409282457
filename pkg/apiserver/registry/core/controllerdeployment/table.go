package controllerdeployment

import (
	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get controllerdeployments.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Type", "helm for a Helm deployment, else the custom type.", 0, "", func(d *core.ControllerDeployment) string {
			if d.Helm != nil {
				return "helm"
			}
			return d.Type
		}),
		registry.AgeColumn,
	)
}
