package backupbucket

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get backupbuckets.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Provider", "The provider type.", 0, "", func(b *core.BackupBucket) string { return b.Spec.Provider.Type }),
		registry.StringColumn("Region", "The region.", 0, "", func(b *core.BackupBucket) string { return b.Spec.Provider.Region }),
		registry.StringColumn("Seed", "The seed the bucket belongs to.", 0, "<none>", func(b *core.BackupBucket) string { return ptr.Deref(b.Spec.SeedName, "") }),
		registry.StringColumn("Operation", "The state of the last operation.", 0, "<pending>", func(b *core.BackupBucket) string {
			if b.Status.LastOperation != nil {
				return string(b.Status.LastOperation.State)
			}
			return ""
		}),
		registry.StringColumn("Progress", "The progress of the last operation.", 0, "<pending>", func(b *core.BackupBucket) string {
			if b.Status.LastOperation != nil {
				return fmt.Sprintf("%d%%", b.Status.LastOperation.Progress)
			}
			return ""
		}),
		registry.AgeColumn,
	)
}
