package internalsecret

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get internalsecrets.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Type", "The secret type.", 0, "", func(s *core.InternalSecret) string { return string(s.Type) }),
		registry.Column{Name: "Data", Type: "integer", Description: "The number of data keys.", Cell: func(obj runtime.Object) any {
			if s, ok := obj.(*core.InternalSecret); ok {
				return int64(len(s.Data))
			}
			return int64(0)
		}},
		registry.AgeColumn,
	)
}
