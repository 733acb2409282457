package quota

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get quotas.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Scope", "The kind of object the quota applies to.", 0, "", func(q *core.Quota) string { return q.Spec.Scope.Kind }),
		registry.StringColumn("Cluster Lifetime", "The lifetime of clusters in days.", 0, "<none>", func(q *core.Quota) string {
			if q.Spec.ClusterLifetimeDays != nil {
				return fmt.Sprintf("%d days", *q.Spec.ClusterLifetimeDays)
			}
			return ""
		}),
		registry.AgeColumn,
	)
}
