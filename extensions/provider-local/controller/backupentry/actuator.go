package backupentry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/backupbucket"
	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
)

// Actuator reconciles BackupEntries of type local.
type Actuator struct {
	// Client reaches the seed.
	Client client.Client
	// Dir is the backup directory: an entry is Dir/<spec.bucketName>/<entry name>.
	Dir string
}

// AddToManager registers the BackupEntry controller with mgr.
func (a *Actuator) AddToManager(mgr manager.Manager, o controller.Options) error {
	if a.Dir == "" {
		return errors.New("the BackupEntry controller needs a backup directory: set --backup-dir")
	}
	return extension.Add(mgr, extension.Args[*extensionsv1alpha1.BackupEntry]{
		Name:                    controller.ControllerName(extensionsv1alpha1.BackupEntryResource),
		NewObject:               func() *extensionsv1alpha1.BackupEntry { return &extensionsv1alpha1.BackupEntry{} },
		Type:                    controller.Type,
		Actuator:                a,
		Finalizer:               controller.Finalizer(extensionsv1alpha1.BackupEntryResource),
		Clock:                   o.Clock,
		MaxConcurrentReconciles: o.MaxConcurrentReconciles,
	})
}

// Path returns the directory of entry name in bucket below dir.
func Path(dir, bucket, name string) (string, error) {
	bucketDir, err := backupbucket.Path(dir, bucket)
	if err != nil {
		return "", err
	}
	entryDir, err := backupbucket.Path(bucketDir, name)
	if err != nil {
		return "", fmt.Errorf("entry: %w", err)
	}
	return entryDir, nil
}

// Reconcile creates the entry's directory inside the existing bucket directory.
func (a *Actuator) Reconcile(ctx context.Context, log logr.Logger, be *extensionsv1alpha1.BackupEntry, _ *extension.Cluster) error {
	dir, err := Path(a.Dir, be.Spec.BucketName, be.Name)
	if err != nil {
		return reconcile.TerminalError(err)
	}
	if _, err := os.Stat(filepath.Dir(dir)); err != nil {
		return fmt.Errorf("the directory of bucket %s is missing (%w): the BackupBucket %s must be reconciled first", be.Spec.BucketName, err, be.Spec.BucketName)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the entry directory: %w; check that --backup-dir is writable", err)
	}
	raw, err := providerstatus.Encode(&providerstatus.BackupEntryStatus{Path: dir})
	if err != nil {
		return err
	}
	log.Info("Entry directory ready", "path", dir)
	return controller.PatchStatus(ctx, a.Client, be, func(b *extensionsv1alpha1.BackupEntry) {
		b.Status.ProviderStatus = raw
	})
}

// Delete removes the entry's directory with every snapshot in it, as deleting a
// BackupEntry deletes its backups in Gardener.
func (a *Actuator) Delete(_ context.Context, log logr.Logger, be *extensionsv1alpha1.BackupEntry, _ *extension.Cluster) error {
	dir, err := Path(a.Dir, be.Spec.BucketName, be.Name)
	if err != nil {
		log.Info("Nothing to remove: the name is no directory name", "reason", err.Error())
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("removing the entry directory: %w", err)
	}
	log.Info("Removed the entry", "path", dir)
	return nil
}
