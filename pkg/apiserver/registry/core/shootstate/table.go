package shootstate

import (
	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get shootstates.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.AgeColumn,
	)
}
