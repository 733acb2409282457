package validation

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gardener/gardener/pkg/apis/core"
)

const (
	shootAPIVersion = "core.gardener.cloud/v1beta1"
	shootKind       = "Shoot"
)

// ValidateBackupBucket validates a BackupBucket on creation, and is part of ValidateBackupBucketUpdate: a provider
// type and region, exactly one of a seed or a (self-hosted) shoot, and credentials.
func ValidateBackupBucket(bucket *core.BackupBucket) field.ErrorList {
	specPath := field.NewPath("spec")

	allErrs := apivalidation.ValidateObjectMeta(&bucket.ObjectMeta, false, apivalidation.NameIsDNSLabel, metadataPath)
	allErrs = append(allErrs, validateRequired(bucket.Spec.Provider.Type, specPath.Child("provider", "type"))...)
	allErrs = append(allErrs, validateRequired(bucket.Spec.Provider.Region, specPath.Child("provider", "region"))...)
	allErrs = append(allErrs, validateSeedOrShootRef(bucket.Spec.SeedName, bucket.Spec.ShootRef, specPath)...)
	if bucket.Spec.CredentialsRef == nil {
		allErrs = append(allErrs, field.Required(specPath.Child("credentialsRef"), "must refer to a Secret or WorkloadIdentity"))
	} else {
		allErrs = append(allErrs, validateCredentialsRef(*bucket.Spec.CredentialsRef, specPath.Child("credentialsRef"))...)
	}
	return allErrs
}

// ValidateBackupBucketUpdate validates an update of a BackupBucket: the new bucket as in ValidateBackupBucket, the
// ObjectMeta update rules, and an unchanged provider and seed.
func ValidateBackupBucketUpdate(newBucket, oldBucket *core.BackupBucket) field.ErrorList {
	specPath := field.NewPath("spec")

	allErrs := apivalidation.ValidateObjectMetaUpdate(&newBucket.ObjectMeta, &oldBucket.ObjectMeta, metadataPath)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newBucket.Spec.Provider, oldBucket.Spec.Provider, specPath.Child("provider"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newBucket.Spec.SeedName, oldBucket.Spec.SeedName, specPath.Child("seedName"))...)
	allErrs = append(allErrs, ValidateBackupBucket(newBucket)...)
	return allErrs
}

// ValidateBackupEntry validates a BackupEntry on creation, and is part of ValidateBackupEntryUpdate: a bucket, and
// exactly one of a seed or a shoot in the entry's namespace. Gardener puts no constraint on the name beyond
// ObjectMeta's own.
func ValidateBackupEntry(entry *core.BackupEntry) field.ErrorList {
	specPath := field.NewPath("spec")

	allErrs := apivalidation.ValidateObjectMeta(&entry.ObjectMeta, true, anyName, metadataPath)
	allErrs = append(allErrs, validateRequired(entry.Spec.BucketName, specPath.Child("bucketName"))...)
	allErrs = append(allErrs, validateSeedOrShootRef(entry.Spec.SeedName, entry.Spec.ShootRef, specPath)...)
	if ref := entry.Spec.ShootRef; ref != nil && entry.Spec.SeedName == nil && ref.Namespace != "" && ref.Namespace != entry.Namespace {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("shootRef", "namespace"), "must be the namespace of the BackupEntry"))
	}
	return allErrs
}

// ValidateBackupEntryUpdate validates an update of a BackupEntry: the new entry as in ValidateBackupEntry and the
// ObjectMeta update rules. The seed may change, as a control plane migration moves the entry.
func ValidateBackupEntryUpdate(newEntry, oldEntry *core.BackupEntry) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newEntry.ObjectMeta, &oldEntry.ObjectMeta, metadataPath)
	allErrs = append(allErrs, ValidateBackupEntry(newEntry)...)
	return allErrs
}

// validateSeedOrShootRef requires exactly one of a non-empty seed name or a reference to a Shoot.
func validateSeedOrShootRef(seedName *string, shootRef *corev1.ObjectReference, specPath *field.Path) field.ErrorList {
	switch {
	case seedName == nil && shootRef == nil:
		return field.ErrorList{field.Required(specPath.Child("seedName"), "either seedName or shootRef must be set")}
	case seedName != nil && shootRef != nil:
		return field.ErrorList{field.Forbidden(specPath.Child("seedName"), "must not be set together with shootRef")}
	case seedName != nil:
		return validateRequired(*seedName, specPath.Child("seedName"))
	}

	var allErrs field.ErrorList
	refPath := specPath.Child("shootRef")
	if shootRef.APIVersion != shootAPIVersion {
		allErrs = append(allErrs, field.NotSupported(refPath.Child("apiVersion"), shootRef.APIVersion, []string{shootAPIVersion}))
	}
	if shootRef.Kind != shootKind {
		allErrs = append(allErrs, field.NotSupported(refPath.Child("kind"), shootRef.Kind, []string{shootKind}))
	}
	allErrs = append(allErrs, validateRequired(shootRef.Name, refPath.Child("name"))...)
	allErrs = append(allErrs, validateRequired(shootRef.Namespace, refPath.Child("namespace"))...)
	return allErrs
}

// anyName accepts every name; ObjectMeta validation still requires one.
func anyName(string, bool) []string {
	return nil
}
