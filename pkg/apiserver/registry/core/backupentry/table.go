package backupentry

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// NewTableConvertor returns the columns of kubectl get backupentries.
func NewTableConvertor() *registry.TableConvertor {
	return registry.NewTableConvertor(
		registry.NameColumn,
		registry.StringColumn("Bucket", "The BackupBucket.", 0, "", func(e *core.BackupEntry) string { return e.Spec.BucketName }),
		registry.StringColumn("Seed", "The seed the entry belongs to.", 0, "<none>", func(e *core.BackupEntry) string { return ptr.Deref(e.Spec.SeedName, "") }),
		registry.StringColumn("Operation", "The state of the last operation.", 0, "<pending>", func(e *core.BackupEntry) string {
			if e.Status.LastOperation != nil {
				return string(e.Status.LastOperation.State)
			}
			return ""
		}),
		registry.StringColumn("Progress", "The progress of the last operation.", 0, "<pending>", func(e *core.BackupEntry) string {
			if e.Status.LastOperation != nil {
				return fmt.Sprintf("%d%%", e.Status.LastOperation.Progress)
			}
			return ""
		}),
		registry.AgeColumn,
	)
}
