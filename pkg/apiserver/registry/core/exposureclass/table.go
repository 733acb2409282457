package exposureclass

import (
	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get exposureclasses.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Handler", "The exposure handler.", 0, "", func(c *core.ExposureClass) string { return c.Handler }),
		registry.AgeColumn,
	)
}
