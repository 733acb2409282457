package controllerinstallation

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get controllerinstallations: Gardener's,
// and with -o wide the Required condition (False once no shoot or seed needs the
// controller, so that the installation goes).
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Registration", "The ControllerRegistration.", 0, "", func(i *core.ControllerInstallation) string { return i.Spec.RegistrationRef.Name }),
		registry.StringColumn("Seed", "The seed the controller is installed in.", 0, "<none>", func(i *core.ControllerInstallation) string { return registry.RefName(i.Spec.SeedRef) }),
		conditionColumn("Valid", 0, core.ControllerInstallationValid),
		conditionColumn("Installed", 0, core.ControllerInstallationInstalled),
		conditionColumn("Healthy", 0, core.ControllerInstallationHealthy),
		conditionColumn("Progressing", 0, core.ControllerInstallationProgressing),
		registry.AgeColumn,
		conditionColumn("Required", 1, core.ControllerInstallationRequired),
	)
}

func conditionColumn(name string, priority int32, condition core.ConditionType) registry.Column {
	return registry.StringColumn(name, fmt.Sprintf("The status of the %s condition.", condition), priority, "<unknown>", func(i *core.ControllerInstallation) string {
		for _, c := range i.Status.Conditions {
			if c.Type == condition {
				return string(c.Status)
			}
		}
		return ""
	})
}
