package credentialsbinding

import (
	"github.com/gardener/gardener/pkg/apis/security"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get credentialsbindings.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Provider", "The provider type.", 0, "", func(b *security.CredentialsBinding) string { return b.Provider.Type }),
		registry.StringColumn("Credentials Kind", "The kind of the referenced credentials.", 0, "", func(b *security.CredentialsBinding) string { return b.CredentialsRef.Kind }),
		registry.StringColumn("Credentials", "The referenced credentials, namespace/name.", 0, "", func(b *security.CredentialsBinding) string {
			return b.CredentialsRef.Namespace + "/" + b.CredentialsRef.Name
		}),
		registry.AgeColumn,
	)
}
