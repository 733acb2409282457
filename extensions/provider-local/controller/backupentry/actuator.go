package backupentry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/extensions/pkg/backupentry"
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

// Reconcile creates the entry's directory inside the existing bucket directory and, when
// the shoot's namespace exists in the seed, publishes the directory there as Secret
// backupentry.SecretName.
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
	if err := a.publish(ctx, log, be, dir); err != nil {
		return err
	}
	return controller.PatchStatus(ctx, a.Client, be, func(b *extensionsv1alpha1.BackupEntry) {
		b.Status.ProviderStatus = raw
	})
}

// shootNamespace returns the seed namespace of the entry's shoot, named by the technical
// ID in the entry's name, and whether it exists and is not being deleted.
func (a *Actuator) shootNamespace(ctx context.Context, be *extensionsv1alpha1.BackupEntry) (string, bool, error) {
	technicalID, ok := backupentry.TechnicalIDFromEntryName(be.Name)
	if !ok {
		return "", false, nil
	}
	ns := &corev1.Namespace{}
	if err := a.Client.Get(ctx, client.ObjectKey{Name: technicalID}, ns); err != nil {
		if apierrors.IsNotFound(err) {
			return technicalID, false, nil
		}
		return technicalID, false, fmt.Errorf("reading the shoot namespace %s: %w", technicalID, err)
	}
	return technicalID, ns.DeletionTimestamp == nil, nil
}

// publish writes Secret backupentry.SecretName with the entry's location into the shoot's
// namespace, if that exists.
func (a *Actuator) publish(ctx context.Context, log logr.Logger, be *extensionsv1alpha1.BackupEntry, dir string) error {
	namespace, ok, err := a.shootNamespace(ctx, be)
	if err != nil {
		return err
	}
	if !ok {
		log.Info("Not publishing the backup location: the shoot namespace does not exist", "namespace", namespace, "secret", backupentry.SecretName)
		return nil
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: backupentry.SecretName}}
	location := backupentry.Location{Provider: controller.Type, BucketName: be.Spec.BucketName, Path: dir}
	result, err := controllerutil.CreateOrUpdate(ctx, a.Client, secret, func() error {
		for k, v := range backupentry.Labels() {
			metav1.SetMetaDataLabel(&secret.ObjectMeta, k, v)
		}
		secret.Type = corev1.SecretTypeOpaque
		secret.Data = location.Data()
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing the backup location Secret %s: %w", client.ObjectKeyFromObject(secret), err)
	}
	if result != controllerutil.OperationResultNone {
		log.Info("Published the backup location", "secret", client.ObjectKeyFromObject(secret), "path", dir)
	}
	return nil
}

// Delete removes the entry's directory with every snapshot in it, as deleting a
// BackupEntry deletes its backups in Gardener, and the Secret backupentry.SecretName in
// the shoot's namespace.
func (a *Actuator) Delete(ctx context.Context, log logr.Logger, be *extensionsv1alpha1.BackupEntry, _ *extension.Cluster) error {
	if namespace, ok := backupentry.TechnicalIDFromEntryName(be.Name); ok {
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: backupentry.SecretName}}
		if err := a.Client.Delete(ctx, secret); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting the backup location Secret %s: %w", client.ObjectKeyFromObject(secret), err)
		}
	}
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
