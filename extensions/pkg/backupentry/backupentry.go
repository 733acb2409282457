package backupentry

import (
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// SecretName is the Secret in the shoot's seed namespace in which the backup extension
// publishes the shoot's etcd backup location, once the shoot's BackupEntry is reconciled.
const SecretName = "etcd-backup"

// The keys of Secret SecretName.
const (
	// KeyProvider is the backup provider type, e.g. "local".
	KeyProvider = "provider"
	// KeyBucketName is the name of the BackupBucket that holds the entry.
	KeyBucketName = "bucketName"
	// KeyPath is where the entry keeps the backups: for provider local an absolute
	// directory.
	KeyPath = "path"
)

// LabelPurpose is the label that marks Secret SecretName; its value is PurposeEtcdBackup.
const LabelPurpose = "backup.hortus.dev/purpose"

// PurposeEtcdBackup is the value of LabelPurpose on Secret SecretName.
const PurposeEtcdBackup = "etcd-backup"

// Labels returns the labels of Secret SecretName.
func Labels() map[string]string { return map[string]string{LabelPurpose: PurposeEtcdBackup} }

// separator separates the technical ID and the shoot's UID in an entry's name.
const separator = "--"

// EntryName is the name of the BackupEntry of the shoot with technicalID and uid, as in
// Gardener: <technicalID>--<uid>.
func EntryName(technicalID, uid string) string { return technicalID + separator + uid }

// TechnicalIDFromEntryName returns the technical ID of the shoot of the BackupEntry named
// name, the part before the last "--" (technical IDs contain "--" themselves, UIDs do
// not). It returns false when name has no "--" or either part would be empty.
func TechnicalIDFromEntryName(name string) (string, bool) {
	i := strings.LastIndex(name, separator)
	if i <= 0 || i+len(separator) == len(name) {
		return "", false
	}
	return name[:i], true
}

// Location is what Secret SecretName says.
type Location struct {
	// Provider is the backup provider type (KeyProvider).
	Provider string
	// BucketName is the BackupBucket (KeyBucketName).
	BucketName string
	// Path is where the backups go (KeyPath).
	Path string
}

// Data returns the Secret data of l.
func (l Location) Data() map[string][]byte {
	return map[string][]byte{KeyProvider: []byte(l.Provider), KeyBucketName: []byte(l.BucketName), KeyPath: []byte(l.Path)}
}

// LocationFromSecret reads the Location from secret, a Secret SecretName. Its error names
// every missing key.
func LocationFromSecret(secret *corev1.Secret) (Location, error) {
	l := Location{
		Provider:   string(secret.Data[KeyProvider]),
		BucketName: string(secret.Data[KeyBucketName]),
		Path:       string(secret.Data[KeyPath]),
	}
	var errs []error
	for _, kv := range [][2]string{{KeyProvider, l.Provider}, {KeyBucketName, l.BucketName}, {KeyPath, l.Path}} {
		if kv[1] == "" {
			errs = append(errs, fmt.Errorf("key %q is missing or empty", kv[0]))
		}
	}
	if len(errs) > 0 {
		return Location{}, fmt.Errorf("secret %s/%s is no etcd backup location: %w; the backup extension writes it when it reconciles the shoot's BackupEntry", secret.Namespace, secret.Name, errors.Join(errs...))
	}
	return l, nil
}
