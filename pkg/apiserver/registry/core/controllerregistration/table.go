package controllerregistration

import (
	"strings"

	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get controllerregistrations.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Resources", "The extension resources the controller handles, kind/type.", 0, "", Resources),
		registry.AgeColumn,
	)
}

// Resources lists the registration's resources as kind/type, comma-separated.
func Resources(r *core.ControllerRegistration) string {
	parts := make([]string, 0, len(r.Spec.Resources))
	for _, res := range r.Spec.Resources {
		parts = append(parts, res.Kind+"/"+res.Type)
	}
	return strings.Join(parts, ",")
}
