package backupentry

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

// Field selector paths besides metadata.name and metadata.namespace.
const (
	FieldSeedName          = "spec.seedName"
	FieldStatusSeedName    = "status.seedName"
	FieldBucketName        = "spec.bucketName"
	FieldShootRefName      = "spec.shootRef.name"
	FieldShootRefNamespace = "spec.shootRef.namespace"
)

// FieldLabels are the field selector paths that BackupEntries support.
var FieldLabels = []string{"metadata.name", "metadata.namespace", FieldSeedName, FieldStatusSeedName, FieldBucketName, FieldShootRefName, FieldShootRefNamespace}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("backupentries", FieldLabels)

// rules are what the strategies of BackupEntries check and change.
var rules = registry.Rules[*core.BackupEntry]{
	Namespaced:     true,
	Validate:       validation.ValidateBackupEntry,
	ValidateUpdate: validation.ValidateBackupEntryUpdate,
	SpecChanged:    registry.SpecChanged(spec),
}

// specStatus reaches the spec and the status of BackupEntries in the versions that serve them.
var specStatus = registry.SpecAndStatus([]schema.GroupVersion{gardencorev1beta1.SchemeGroupVersion}, spec, status)

func spec(e *core.BackupEntry) *core.BackupEntrySpec     { return &e.Spec }
func status(e *core.BackupEntry) *core.BackupEntryStatus { return &e.Status }

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.SpecStatusStrategy[*core.BackupEntry] {
	return registry.NewSpecStatusStrategy(typer, rules, specStatus)
}

// NewStatusStrategy returns the strategy of backupentries/status: only the status changes.
func NewStatusStrategy(typer runtime.ObjectTyper) registry.StatusStrategy[*core.BackupEntry] {
	return registry.NewStatusStrategy(typer, rules, specStatus)
}

// SelectableFields returns the fields of a BackupEntry that field selectors match.
func SelectableFields(entry *core.BackupEntry) fields.Set {
	set := make(fields.Set, 7)
	set[FieldSeedName] = ptr.Deref(entry.Spec.SeedName, "")
	set[FieldStatusSeedName] = ptr.Deref(entry.Status.SeedName, "")
	set[FieldBucketName] = entry.Spec.BucketName
	set[FieldShootRefName] = registry.RefName(entry.Spec.ShootRef)
	set[FieldShootRefNamespace] = registry.RefNamespace(entry.Spec.ShootRef)
	return generic.AddObjectMetaFieldsSet(set, &entry.ObjectMeta, true)
}

// GetAttrs returns the labels and selectable fields of a BackupEntry.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	entry, ok := obj.(*core.BackupEntry)
	if !ok {
		return nil, nil, fmt.Errorf("not a BackupEntry: %T", obj)
	}
	return entry.Labels, SelectableFields(entry), nil
}
