package backupbucket

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Field selector paths besides metadata.name.
const (
	FieldSeedName          = "spec.seedName"
	FieldShootRefName      = "spec.shootRef.name"
	FieldShootRefNamespace = "spec.shootRef.namespace"
)

// FieldLabels are the field selector paths that BackupBuckets support.
var FieldLabels = []string{"metadata.name", FieldSeedName, FieldShootRefName, FieldShootRefNamespace}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("backupbuckets", FieldLabels)

// rules are what the strategies of BackupBuckets check and change.
var rules = registry.Rules[*core.BackupBucket]{
	Validate:       validation.ValidateBackupBucket,
	ValidateUpdate: validation.ValidateBackupBucketUpdate,
	SpecChanged:    registry.SpecChanged(spec),
}

// specStatus reaches the spec and the status of BackupBuckets in the versions that serve them.
var specStatus = registry.SpecAndStatus([]schema.GroupVersion{gardencorev1beta1.SchemeGroupVersion}, spec, status)

func spec(b *core.BackupBucket) *core.BackupBucketSpec     { return &b.Spec }
func status(b *core.BackupBucket) *core.BackupBucketStatus { return &b.Status }

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.SpecStatusStrategy[*core.BackupBucket] {
	return registry.NewSpecStatusStrategy(typer, rules, specStatus)
}

// NewStatusStrategy returns the strategy of backupbuckets/status: only the status changes.
func NewStatusStrategy(typer runtime.ObjectTyper) registry.StatusStrategy[*core.BackupBucket] {
	return registry.NewStatusStrategy(typer, rules, specStatus)
}

// SelectableFields returns the fields of a BackupBucket that field selectors match.
func SelectableFields(bucket *core.BackupBucket) fields.Set {
	set := make(fields.Set, 5)
	set[FieldSeedName] = ptr.Deref(bucket.Spec.SeedName, "")
	set[FieldShootRefName] = registry.RefName(bucket.Spec.ShootRef)
	set[FieldShootRefNamespace] = registry.RefNamespace(bucket.Spec.ShootRef)
	return generic.AddObjectMetaFieldsSet(set, &bucket.ObjectMeta, false)
}

// GetAttrs returns the labels and selectable fields of a BackupBucket.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	bucket, ok := obj.(*core.BackupBucket)
	if !ok {
		return nil, nil, fmt.Errorf("not a BackupBucket: %T", obj)
	}
	return bucket.Labels, SelectableFields(bucket), nil
}
