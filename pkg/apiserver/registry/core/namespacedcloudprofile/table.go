package namespacedcloudprofile

import (
	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get namespacedcloudprofiles.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Parent Name", "The name of the parent cloud profile.", 0, "", func(p *core.NamespacedCloudProfile) string { return p.Spec.Parent.Name }),
		registry.StringColumn("Parent Kind", "The kind of the parent cloud profile.", 0, "", func(p *core.NamespacedCloudProfile) string { return p.Spec.Parent.Kind }),
		registry.AgeColumn,
	)
}
