package secretbinding

import (
	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get secretbindings.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Secret", "The referenced secret, namespace/name.", 0, "", func(b *core.SecretBinding) string { return b.SecretRef.Namespace + "/" + b.SecretRef.Name }),
		registry.StringColumn("Provider", "The provider type.", 0, "<unknown>", providerType),
		registry.AgeColumn,
	)
}
