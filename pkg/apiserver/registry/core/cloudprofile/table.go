package cloudprofile

import (
	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get cloudprofiles.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Provider", "The provider type.", 0, "", func(p *core.CloudProfile) string { return p.Spec.Type }),
		registry.AgeColumn,
	)
}
