package project

import (
	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get projects.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Namespace", "The namespace of the project.", 0, "<unknown>", func(p *core.Project) string {
			if p.Spec.Namespace != nil {
				return *p.Spec.Namespace
			}
			return ""
		}),
		registry.StringColumn("Status", "The phase of the project.", 0, "<unknown>", func(p *core.Project) string { return string(p.Status.Phase) }),
		registry.StringColumn("Owner", "The owner of the project.", 0, "<unknown>", func(p *core.Project) string {
			if p.Spec.Owner != nil {
				return p.Spec.Owner.Name
			}
			return ""
		}),
		registry.StringColumn("Creator", "Who created the project.", 0, "<unknown>", func(p *core.Project) string {
			if p.Spec.CreatedBy != nil {
				return p.Spec.CreatedBy.Name
			}
			return ""
		}),
		registry.AgeColumn,
	)
}
