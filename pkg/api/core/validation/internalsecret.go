package validation

import (
	"encoding/json"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gardener/gardener/pkg/apis/core"
)

// ValidateInternalSecret validates an InternalSecret on creation, and is part of ValidateInternalSecretUpdate, by
// the rules of a core/v1 Secret: valid data keys, at most 1 MiB of data, and the keys its type requires.
func ValidateInternalSecret(secret *core.InternalSecret) field.ErrorList {
	dataPath := field.NewPath("data")

	allErrs := apivalidation.ValidateObjectMeta(&secret.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)

	size := 0
	for key, value := range secret.Data {
		for _, msg := range utilvalidation.IsConfigMapKey(key) {
			allErrs = append(allErrs, field.Invalid(dataPath.Key(key), key, msg))
		}
		size += len(value)
	}
	if size > corev1.MaxSecretSize {
		allErrs = append(allErrs, field.TooLong(dataPath, "", corev1.MaxSecretSize))
	}

	requireKeys := func(keys ...string) {
		for _, key := range keys {
			if _, ok := secret.Data[key]; !ok {
				allErrs = append(allErrs, field.Required(dataPath.Key(key), ""))
			}
		}
	}
	requireJSON := func(key string) {
		value, ok := secret.Data[key]
		if !ok {
			allErrs = append(allErrs, field.Required(dataPath.Key(key), ""))
			return
		}
		if err := json.Unmarshal(value, &map[string]any{}); err != nil {
			allErrs = append(allErrs, field.Invalid(dataPath.Key(key), "<secret contents redacted>", err.Error()))
		}
	}

	switch secret.Type {
	case corev1.SecretTypeServiceAccountToken:
		if secret.Annotations[corev1.ServiceAccountNameKey] == "" {
			allErrs = append(allErrs, field.Required(metadataPath.Child("annotations").Key(corev1.ServiceAccountNameKey), ""))
		}
	case corev1.SecretTypeDockercfg:
		requireJSON(corev1.DockerConfigKey)
	case corev1.SecretTypeDockerConfigJson:
		requireJSON(corev1.DockerConfigJsonKey)
	case corev1.SecretTypeBasicAuth:
		_, hasUser := secret.Data[corev1.BasicAuthUsernameKey]
		_, hasPassword := secret.Data[corev1.BasicAuthPasswordKey]
		if !hasUser && !hasPassword {
			requireKeys(corev1.BasicAuthUsernameKey, corev1.BasicAuthPasswordKey)
		}
	case corev1.SecretTypeSSHAuth:
		if len(secret.Data[corev1.SSHAuthPrivateKey]) == 0 {
			allErrs = append(allErrs, field.Required(dataPath.Key(corev1.SSHAuthPrivateKey), ""))
		}
	case corev1.SecretTypeTLS:
		requireKeys(corev1.TLSCertKey, corev1.TLSPrivateKeyKey)
	}

	return allErrs
}

// ValidateInternalSecretUpdate validates an update of an InternalSecret: the new secret as in
// ValidateInternalSecret, the ObjectMeta update rules, an unchanged type, and unchanged data once immutable.
func ValidateInternalSecretUpdate(newSecret, oldSecret *core.InternalSecret) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newSecret.ObjectMeta, &oldSecret.ObjectMeta, metadataPath)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSecret.Type, oldSecret.Type, field.NewPath("type"))...)
	if oldSecret.Immutable != nil && *oldSecret.Immutable {
		if newSecret.Immutable == nil || !*newSecret.Immutable {
			allErrs = append(allErrs, field.Forbidden(field.NewPath("immutable"), "must stay true once set"))
		}
		if !reflect.DeepEqual(newSecret.Data, oldSecret.Data) {
			allErrs = append(allErrs, field.Forbidden(field.NewPath("data"), "must not change while immutable is true"))
		}
	}
	allErrs = append(allErrs, ValidateInternalSecret(newSecret)...)
	return allErrs
}
