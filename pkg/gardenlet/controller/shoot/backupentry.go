package shoot

import (
	"context"
	"errors"
	"fmt"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/hortus-dev/hortus/extensions/pkg/backupentry"
	"github.com/hortus-dev/hortus/pkg/flow"
)

// backupEntryPollInterval is how often the flow looks at the BackupEntry it waits for.
const backupEntryPollInterval = 200 * time.Millisecond

// localBackupProvider is the only backup provider whose location Hortus' etcd backups can
// use: a directory on the seed's host.
const localBackupProvider = "local"

// seedBackup reads the gardenlet's Seed from the garden and tells whether it has a backup
// configured (spec.backup), so that its shoots get BackupEntries.
func (r *Reconciler) seedBackup(ctx context.Context) (*gardencorev1beta1.Seed, bool, error) {
	seed := &gardencorev1beta1.Seed{}
	if err := r.GardenClient.Get(ctx, client.ObjectKey{Name: r.SeedName}, seed); err != nil {
		return nil, false, fmt.Errorf("reading seed %s: %w", r.SeedName, err)
	}
	return seed, seed.Spec.Backup != nil, nil
}

// backupEntryKey is the shoot's BackupEntry in its project namespace, named as in Gardener.
func (o *operation) backupEntryKey() client.ObjectKey {
	return client.ObjectKey{Namespace: o.shoot.Namespace, Name: backupentry.EntryName(o.technicalID, string(o.shoot.UID))}
}

// deployBackupEntry creates or updates the shoot's BackupEntry in the garden, in the
// seed's BackupBucket (named after the Seed's UID), asks the gardenlet's backupentry
// controller to reconcile it (gardener.cloud/operation=reconcile), and waits until it has
// succeeded for its generation and the backup extension has published the backup location
// as Secret etcd-backup in the shoot's seed namespace.
func (o *operation) deployBackupEntry(ctx context.Context) error {
	seed, ok, err := o.r.seedBackup(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return flow.Terminal(fmt.Errorf("seed %s has no backup configured (spec.backup), so the shoot gets no BackupEntry", o.r.SeedName))
	}
	key := o.backupEntryKey()
	entry := &gardencorev1beta1.BackupEntry{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
	owner := metav1.OwnerReference{
		APIVersion:         gardencorev1beta1.SchemeGroupVersion.String(),
		Kind:               "Shoot",
		Name:               o.shoot.Name,
		UID:                o.shoot.UID,
		Controller:         ptr.To(false),
		BlockOwnerDeletion: ptr.To(false),
	}
	if _, err := controllerutil.CreateOrPatch(ctx, o.r.GardenClient, entry, func() error {
		annotations := entry.GetAnnotations()
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[v1beta1constants.GardenerOperation] = v1beta1constants.GardenerOperationReconcile
		annotations[v1beta1constants.GardenerTimestamp] = o.r.Clock.Now().UTC().Format(time.RFC3339Nano)
		entry.SetAnnotations(annotations)
		if !ownedBy(entry.OwnerReferences, o.shoot.UID) {
			entry.OwnerReferences = append(entry.OwnerReferences, owner)
		}
		entry.Spec.BucketName = string(seed.UID)
		entry.Spec.SeedName = ptr.To(o.r.SeedName)
		return nil
	}); err != nil {
		return fmt.Errorf("writing BackupEntry %s in the garden: %w", key, err)
	}
	return o.waitBackupEntry(ctx, key)
}

// ownedBy tells whether refs hold an owner with uid.
func ownedBy(refs []metav1.OwnerReference, uid types.UID) bool {
	for _, ref := range refs {
		if ref.UID == uid {
			return true
		}
	}
	return false
}

// waitBackupEntry waits until the BackupEntry key is reconciled and the backup location
// is published, or its last operation failed.
func (o *operation) waitBackupEntry(ctx context.Context, key client.ObjectKey) error {
	var last error
	err := wait.PollUntilContextCancel(ctx, backupEntryPollInterval, true, func(ctx context.Context) (bool, error) {
		var failed bool
		failed, last = o.backupEntryReady(ctx, key)
		if failed {
			return false, last
		}
		return last == nil, nil
	})
	if err == nil {
		return nil
	}
	if last != nil && !errors.Is(err, last) {
		err = fmt.Errorf("%w: %w", err, last)
	}
	return fmt.Errorf("waiting for BackupEntry %s and Secret %s/%s in the seed: %w; check the BackupEntry's status (kubectl get backupentry -n %s %s -o yaml), the seed's BackupBucket and the backup extension's ControllerInstallation on seed %s",
		key, o.technicalID, backupentry.SecretName, err, key.Namespace, key.Name, o.r.SeedName)
}

// backupEntryReady says what the BackupEntry key and the backup location still lack, nil
// when nothing; failed is true when the entry's last operation failed for good.
func (o *operation) backupEntryReady(ctx context.Context, key client.ObjectKey) (failed bool, _ error) {
	entry := &gardencorev1beta1.BackupEntry{}
	if err := o.r.GardenClient.Get(ctx, key, entry); err != nil {
		return false, fmt.Errorf("reading the BackupEntry: %w", err)
	}
	if entry.Annotations[v1beta1constants.GardenerOperation] == v1beta1constants.GardenerOperationReconcile {
		return false, errors.New("the gardenlet's backupentry controller has not taken up the reconcile request yet")
	}
	op, status := entry.Status.LastOperation, entry.Status
	switch {
	case op == nil:
		return false, errors.New("the BackupEntry has not been reconciled yet")
	case status.ObservedGeneration != entry.Generation:
		return false, fmt.Errorf("generation %d of the BackupEntry has not been reconciled yet (observed: %d)", entry.Generation, status.ObservedGeneration)
	case op.State == gardencorev1beta1.LastOperationStateFailed:
		return true, fmt.Errorf("the BackupEntry's last operation failed: %s", op.Description)
	case op.State != gardencorev1beta1.LastOperationStateSucceeded:
		msg := fmt.Sprintf("the BackupEntry's last operation is %s %s: %s", op.Type, op.State, op.Description)
		if status.LastError != nil && status.LastError.Description != op.Description {
			msg += "; last error: " + status.LastError.Description
		}
		return false, errors.New(msg)
	}
	if _, err := o.backupLocation(ctx); err != nil {
		return false, err
	}
	return false, nil
}

// backupLocation reads the backup location that the backup extension published in the
// shoot's seed namespace.
func (o *operation) backupLocation(ctx context.Context) (backupentry.Location, error) {
	secret := &corev1.Secret{}
	key := client.ObjectKey{Namespace: o.technicalID, Name: backupentry.SecretName}
	if err := o.r.SeedClient.Get(ctx, key, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return backupentry.Location{}, fmt.Errorf("the backup extension has not published Secret %s in the seed yet", key)
		}
		return backupentry.Location{}, fmt.Errorf("reading Secret %s in the seed: %w", key, err)
	}
	return backupentry.LocationFromSecret(secret)
}

// backupStoreDir is the directory where the shoot's etcd snapshots go: the path that the
// backup extension published in Secret etcd-backup of the shoot's seed namespace. Only
// the local provider's locations are directories.
func (o *operation) backupStoreDir(ctx context.Context) (string, error) {
	location, err := o.backupLocation(ctx)
	if err != nil {
		return "", err
	}
	if location.Provider != localBackupProvider {
		return "", flow.Terminal(fmt.Errorf("the shoot's backup location (Secret %s/%s) is of provider %q; Hortus' etcd backups support only provider %q", o.technicalID, backupentry.SecretName, location.Provider, localBackupProvider))
	}
	return location.Path, nil
}

// deleteBackupEntry deletes the shoot's BackupEntry, and with it its backups, and waits
// until it is gone. Gardener keeps a deleted shoot's BackupEntry for a grace period
// (the gardenlet's controllers.backupEntry.deletionGracePeriodHours), so that its backups
// outlive it for a while; Hortus deletes it at once.
func (o *operation) deleteBackupEntry(ctx context.Context) error {
	key := o.backupEntryKey()
	entry := &gardencorev1beta1.BackupEntry{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
	if err := o.r.GardenClient.Delete(ctx, entry); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("deleting BackupEntry %s: %w", key, err)
	}
	var last string
	err := wait.PollUntilContextCancel(ctx, backupEntryPollInterval, true, func(ctx context.Context) (bool, error) {
		err := o.r.GardenClient.Get(ctx, key, entry)
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		if err != nil {
			last = err.Error()
		} else if op := entry.Status.LastOperation; op != nil {
			last = fmt.Sprintf("%s %s: %s", op.Type, op.State, op.Description)
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the deletion of BackupEntry %s: %w (last operation: %q); check the BackupEntry's status and the backup extension on seed %s", key, err, last, o.r.SeedName)
	}
	return nil
}
