package backupbucket

import (
	"context"
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

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
func ConvertFieldLabel(label, value string) (string, string, error) {
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for backupbuckets: %s", label)
}

// groupVersions are the versions that serve BackupBuckets, for the reset fields of server-side apply.
var groupVersions = []schema.GroupVersion{gardencorev1beta1.SchemeGroupVersion}

// Strategy handles creates, updates and deletes of BackupBuckets through the main endpoint.
type Strategy struct {
	registry.Strategy
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{registry.NewStrategy(typer, false)}
}

// PrepareForCreate clears the status and starts the generation at 1.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	bucket := obj.(*core.BackupBucket)
	bucket.Generation = 1
	bucket.Status = core.BackupBucketStatus{}
}

// PrepareForUpdate keeps the status and bumps the generation when the spec changes or the deletion timestamp is set.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newBackupBucket, oldBackupBucket := obj.(*core.BackupBucket), old.(*core.BackupBucket)
	newBackupBucket.Status = oldBackupBucket.Status
	registry.BumpGeneration(newBackupBucket, oldBackupBucket, !equality.Semantic.DeepEqual(newBackupBucket.Spec, oldBackupBucket.Spec))
}

// Validate validates a new BackupBucket.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateBackupBucket(obj.(*core.BackupBucket))
}

// ValidateUpdate validates an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateBackupBucketUpdate(obj.(*core.BackupBucket), old.(*core.BackupBucket))
}

// GetResetFields names the fields that the main endpoint ignores: the status.
func (Strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return registry.ResetFields(groupVersions, "status")
}

// StatusStrategy handles updates through backupbuckets/status: only the status changes.
type StatusStrategy struct {
	Strategy
}

// NewStatusStrategy returns the strategy of the status subresource.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return StatusStrategy{NewStrategy(typer)}
}

// PrepareForUpdate keeps the spec; the generation stays.
func (StatusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*core.BackupBucket).Spec = old.(*core.BackupBucket).Spec
}

// ValidateUpdate has nothing to check beyond the metadata, which the generic store
// validates: the spec is the stored one, and the status is written by Hortus' own
// components.
func (StatusStrategy) ValidateUpdate(_ context.Context, _, _ runtime.Object) field.ErrorList {
	return nil
}

// GetResetFields names the fields that /status ignores: the spec.
func (StatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return registry.ResetFields(groupVersions, "spec")
}

// SelectableFields returns the fields of a BackupBucket that field selectors match.
func SelectableFields(bucket *core.BackupBucket) fields.Set {
	set := make(fields.Set, 5)
	set[FieldSeedName] = deref(bucket.Spec.SeedName)
	set[FieldShootRefName] = refName(bucket.Spec.ShootRef)
	set[FieldShootRefNamespace] = refNamespace(bucket.Spec.ShootRef)
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

func refName(ref *corev1.ObjectReference) string {
	if ref == nil {
		return ""
	}
	return ref.Name
}

func refNamespace(ref *corev1.ObjectReference) string {
	if ref == nil {
		return ""
	}
	return ref.Namespace
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
