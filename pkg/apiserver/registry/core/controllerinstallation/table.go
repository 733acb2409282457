package controllerinstallation

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get controllerinstallations.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Registration", "The ControllerRegistration.", 0, "", func(i *core.ControllerInstallation) string { return i.Spec.RegistrationRef.Name }),
		registry.StringColumn("Seed", "The seed the controller is installed in.", 0, "<none>", func(i *core.ControllerInstallation) string { return registry.RefName(i.Spec.SeedRef) }),
		conditionColumn("Valid", core.ControllerInstallationValid),
		conditionColumn("Installed", core.ControllerInstallationInstalled),
		conditionColumn("Healthy", core.ControllerInstallationHealthy),
		conditionColumn("Progressing", core.ControllerInstallationProgressing),
		registry.AgeColumn,
	)
}

func conditionColumn(name string, condition core.ConditionType) registry.Column {
	return registry.StringColumn(name, fmt.Sprintf("The status of the %s condition.", condition), 0, "<unknown>", func(i *core.ControllerInstallation) string {
		for _, c := range i.Status.Conditions {
			if c.Type == condition {
				return string(c.Status)
			}
		}
		return ""
	})
}
