package shoot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	etcdcomponent "github.com/hortus-dev/hortus/pkg/component/etcd"
	"github.com/hortus-dev/hortus/pkg/etcdbackup"
	"github.com/hortus-dev/hortus/pkg/flow"
)

// The etcd operations a user asks for on a Shoot with an annotation (see 'hortus backup'),
// and where the gardenlet records their results. They need a seed with spec.backup.
const (
	// AnnotationEtcdOperation asks the gardenlet for EtcdOperationSnapshot or
	// EtcdOperationRestore. The gardenlet removes it when the operation is done or
	// rejected; it stays while an operation fails and is retried.
	AnnotationEtcdOperation = "etcd.hortus.dev/operation"
	// EtcdOperationSnapshot takes a full snapshot of the shoot's etcd now.
	EtcdOperationSnapshot = "snapshot"
	// EtcdOperationRestore replaces the data of the shoot's etcd with a snapshot: the one
	// named by AnnotationEtcdRestoreSnapshot, else the latest. The kube-apiserver, the
	// kube-controller-manager, the kube-scheduler and the machine-controller-manager are
	// restarted on the restored data.
	EtcdOperationRestore = "restore"
	// AnnotationEtcdRestoreSnapshot names the snapshot to restore; empty or absent means
	// the latest.
	AnnotationEtcdRestoreSnapshot = "etcd.hortus.dev/restore-snapshot"
	// AnnotationEtcdLastSnapshot is the name of the last snapshot taken on request or
	// before hibernation.
	AnnotationEtcdLastSnapshot = "etcd.hortus.dev/last-snapshot"
	// AnnotationEtcdLastRestore is the name of the last snapshot restored.
	AnnotationEtcdLastRestore = "etcd.hortus.dev/last-restore"
)

// Events of the etcd operations.
const (
	EventEtcdSnapshotTaken    = "EtcdSnapshotTaken"
	EventEtcdSnapshotFailed   = "EtcdSnapshotFailed"
	EventEtcdRestored         = "EtcdRestored"
	EventEtcdRestoring        = "EtcdRestoring"
	EventEtcdOperationInvalid = "EtcdOperationRejected"
)

// EtcdBackup is the component (and executor set) of the shoot's etcd backup sidecar; only
// shoots on seeds with a backup have one.
const EtcdBackup = "etcd-backup"

// etcdBackupKeep is how many full snapshots the sidecar keeps: with a daily schedule and
// a snapshot before every hibernation, several days back.
const etcdBackupKeep = 7

// etcdOperation is the etcd operation the shoot asks for, "" for none.
func etcdOperation(shoot *gardencorev1beta1.Shoot) string {
	return shoot.Annotations[AnnotationEtcdOperation]
}

// restoreRequested tells whether the shoot asks for a restore of its etcd.
func restoreRequested(shoot *gardencorev1beta1.Shoot) bool {
	return etcdOperation(shoot) == EtcdOperationRestore
}

// etcdBackupConfig is the backup part of the etcd description: the store, the schedule
// (from the shoot's maintenance window, as Gardener derives it), the sidecar's port and
// its client certificate towards etcd, which also authenticates the gardenlet towards the
// sidecar.
func (o *operation) etcdBackupConfig() *etcdcomponent.BackupConfig {
	if o.backupDir == "" {
		return nil
	}
	begin := ""
	if m := o.shoot.Spec.Maintenance; m != nil && m.TimeWindow != nil {
		begin = m.TimeWindow.Begin
	}
	return &etcdcomponent.BackupConfig{
		StoreDir:      o.backupDir,
		Schedule:      etcdbackup.ScheduleFromMaintenance(begin),
		Keep:          etcdBackupKeep,
		Port:          o.ports[EtcdBackupPort],
		ClientCertPEM: o.pki.EtcdClient.CertPEM,
		ClientKeyPEM:  o.pki.EtcdClient.KeyPEM,
	}
}

// waitBackupLocation waits until the backup extension has published where the shoot's
// snapshots go (Secret etcd-backup), and remembers the directory. For a shoot that had a
// BackupEntry before (a reconcile, a wake) that is at once; a new shoot waits for the
// task "Deploying the BackupEntry", which runs in parallel.
func (o *operation) waitBackupLocation(ctx context.Context) error {
	var (
		dir  string
		last error
	)
	err := wait.PollUntilContextCancel(ctx, backupEntryPollInterval, true, func(ctx context.Context) (bool, error) {
		dir, last = o.backupStoreDir(ctx)
		if flow.IsTerminal(last) {
			return false, last
		}
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the shoot's backup location: %w", errors.Join(err, last))
	}
	o.mu.Lock()
	o.backupDir = dir
	o.mu.Unlock()
	return nil
}

// knowBackupLocation remembers the shoot's backup location if the backup extension
// published it before (every shoot but a new one), so that the flow need not wait for it.
func (o *operation) knowBackupLocation(ctx context.Context) {
	if !o.backup {
		return
	}
	if dir, err := o.backupStoreDir(ctx); err == nil {
		o.backupDir = dir
	}
}

// backupClient is a client of the shoot's etcd backup sidecar, with the etcd client
// certificate.
func (o *operation) backupClient() (*etcdbackup.Client, error) {
	url := etcdcomponent.Config{Backup: &etcdcomponent.BackupConfig{Port: o.ports[EtcdBackupPort]}}.BackupURL()
	return etcdbackup.NewClient(url, o.pki.EtcdCA.CertPEM, o.pki.EtcdClient.CertPEM, o.pki.EtcdClient.KeyPEM)
}

// snapshotBeforeHibernation takes a full snapshot of etcd after the kube-apiserver
// stopped, so that it holds the shoot's last state. A shoot whose etcd is no longer
// running (a hibernation that already got that far) needs none.
func (o *operation) snapshotBeforeHibernation(ctx context.Context) error {
	if stateOf(ctx, o.ex, Etcd) != processRunning || stateOf(ctx, o.ex, EtcdBackup) != processRunning {
		logf.FromContext(ctx).Info("No snapshot before hibernation: etcd or its backup sidecar is not running")
		return nil
	}
	c, err := o.backupClient()
	if err != nil {
		return err
	}
	s, err := c.TakeSnapshot(ctx)
	if err != nil {
		return fmt.Errorf("taking a full snapshot of etcd before hibernation: %w", err)
	}
	o.r.Recorder.Eventf(o.shoot, nil, corev1.EventTypeNormal, EventEtcdSnapshotTaken, "Hibernate", "Took etcd snapshot %s before hibernation", s.Name)
	return o.annotate(ctx, map[string]string{AnnotationEtcdLastSnapshot: s.Name}, nil)
}

// annotate sets and removes annotations of the shoot in the garden.
func (o *operation) annotate(ctx context.Context, set map[string]string, remove []string) error {
	patch := client.MergeFrom(o.shoot.DeepCopy())
	if o.shoot.Annotations == nil {
		o.shoot.Annotations = map[string]string{}
	}
	for k, v := range set {
		o.shoot.Annotations[k] = v
	}
	for _, k := range remove {
		delete(o.shoot.Annotations, k)
	}
	if err := o.r.GardenClient.Patch(ctx, o.shoot, patch); err != nil {
		return fmt.Errorf("annotating the shoot: %w", err)
	}
	return nil
}

// prepareRestore checks that the snapshot to restore exists, stops every process that
// uses etcd and etcd itself, and removes etcd's data: the etcd the next task starts finds
// an empty data directory and restores the snapshot into it before it serves (the path a
// shoot moving to another seed takes too). A gardenlet that stops in between runs this
// again: the snapshot is still there, the processes are stopped and the data is gone.
func (o *operation) prepareRestore(ctx context.Context) error {
	store := etcdbackup.Store{Dir: o.backupDir}
	snapshots, err := store.List()
	if err != nil {
		return fmt.Errorf("listing the snapshots in %s: %w", o.backupDir, err)
	}
	want := o.shoot.Annotations[AnnotationEtcdRestoreSnapshot]
	if msg := snapshotMissing(snapshots, want); msg != "" {
		return flow.Terminal(errors.New(msg))
	}
	found := snapshots[len(snapshots)-1]
	for _, s := range snapshots {
		if s.Name == want {
			found = s
		}
	}
	o.mu.Lock()
	o.restoreSnapshot = found.Name
	o.mu.Unlock()
	o.r.Recorder.Eventf(o.shoot, nil, corev1.EventTypeNormal, EventEtcdRestoring, "Restore", "Restoring etcd from snapshot %s (taken %s)", found.Name, found.Time.UTC().Format(time.RFC3339))
	for _, name := range []string{MachineControllerManager, KubeControllerManager, KubeScheduler, KubeAPIServer, EtcdBackup, Etcd} {
		if err := o.ex.Stop(ctx, name); err != nil {
			return fmt.Errorf("stopping %s before the restore: %w", name, err)
		}
	}
	if err := o.ex.Delete(ctx, Etcd); err != nil {
		return fmt.Errorf("removing etcd's data before the restore: %w", err)
	}
	// etcd restores this snapshot, not the latest, when it starts on the empty data dir.
	o.mu.Lock()
	defer o.mu.Unlock()
	cfg := o.cp.etcd
	backup := *cfg.Backup
	backup.RestoreSnapshot = found.Name
	cfg.Backup = &backup
	c := etcdcomponent.Build(cfg)
	c.Env = append(c.Env, goRuntimeEnv...)
	o.cp.components[Etcd] = c
	return nil
}

// recordRestore marks the restore done, before the kube-apiserver starts on the restored
// data: a gardenlet that stops after this does not restore again.
func (o *operation) recordRestore(ctx context.Context) error {
	if err := o.annotate(ctx, map[string]string{AnnotationEtcdLastRestore: o.restoreSnapshot}, []string{AnnotationEtcdOperation, AnnotationEtcdRestoreSnapshot}); err != nil {
		return err
	}
	o.r.Recorder.Eventf(o.shoot, nil, corev1.EventTypeNormal, EventEtcdRestored, "Restore", "Restored etcd from snapshot %s", o.restoreSnapshot)
	return nil
}

// etcdOperationRetry is how soon a snapshot that failed is tried again.
const etcdOperationRetry = 10 * time.Second

// handleEtcdOperation serves an etcd operation that needs no flow: a snapshot now, or a
// rejected request. It reports whether it is done with the shoot for now; a restore is
// left to the reconcile flow, and a snapshot that failed to the next call, while the
// shoot is reconciled as usual.
func (r *Reconciler) handleEtcdOperation(ctx context.Context, shoot *gardencorev1beta1.Shoot) bool {
	op := etcdOperation(shoot)
	if op == "" {
		return false
	}
	log := logf.FromContext(ctx).WithValues("etcdOperation", op)
	reject := func(format string, args ...any) bool {
		msg := fmt.Sprintf(format, args...)
		log.Info("Rejected etcd operation", "reason", msg)
		r.Recorder.Eventf(shoot, nil, corev1.EventTypeWarning, EventEtcdOperationInvalid, "EtcdOperation", "%s", msg)
		patch := client.MergeFrom(shoot.DeepCopy())
		delete(shoot.Annotations, AnnotationEtcdOperation)
		delete(shoot.Annotations, AnnotationEtcdRestoreSnapshot)
		if err := r.GardenClient.Patch(ctx, shoot, patch); err != nil {
			log.Error(err, "Removing the rejected etcd operation")
		}
		return false
	}
	if op != EtcdOperationSnapshot && op != EtcdOperationRestore {
		return reject("Unknown etcd operation %q in annotation %s: use %q or %q", op, AnnotationEtcdOperation, EtcdOperationSnapshot, EtcdOperationRestore)
	}
	_, hasBackup, err := r.seedBackup(ctx)
	if err != nil {
		log.Error(err, "Reading the seed's backup")
		return false
	}
	if !hasBackup {
		return reject("Seed %s has no backup configured (spec.backup), so shoot etcds on it have no snapshots", r.SeedName)
	}
	if shoot.Status.IsHibernated || wantHibernated(shoot) || shoot.Status.TechnicalID == "" {
		return reject("The shoot's etcd is not running (hibernated or not created yet): wake the shoot first. Hibernation took a snapshot (annotation %s)", AnnotationEtcdLastSnapshot)
	}
	if op == EtcdOperationRestore {
		// The reconcile flow restores; a snapshot that does not exist is refused before it
		// stops anything.
		if msg := r.missingSnapshot(ctx, shoot); msg != "" {
			return reject("%s", msg)
		}
		return false
	}
	if err := r.takeSnapshot(ctx, shoot); err != nil {
		log.Error(err, "Taking an etcd snapshot on request failed, retrying")
		r.Recorder.Eventf(shoot, nil, corev1.EventTypeWarning, EventEtcdSnapshotFailed, "Snapshot", "Taking an etcd snapshot failed, retrying in %s: %v", etcdOperationRetry, err)
		return false
	}
	return true
}

// missingSnapshot says why the shoot's backup has no snapshot to restore, "" if it has
// one or cannot tell yet (the restore task checks again).
func (r *Reconciler) missingSnapshot(ctx context.Context, shoot *gardencorev1beta1.Shoot) string {
	o, err := r.newOperation(ctx, shoot)
	if err != nil {
		return ""
	}
	dir, err := o.backupStoreDir(ctx)
	if err != nil {
		return ""
	}
	snapshots, err := etcdbackup.Store{Dir: dir}.List()
	if err != nil {
		return ""
	}
	return snapshotMissing(snapshots, shoot.Annotations[AnnotationEtcdRestoreSnapshot])
}

// snapshotMissing says why snapshots hold no snapshot want (the latest when empty), ""
// when they do.
func snapshotMissing(snapshots []etcdbackup.Snapshot, want string) string {
	if len(snapshots) == 0 {
		return "The shoot's backup holds no etcd snapshot yet: take one with 'hortus backup snapshot' first. Nothing was changed"
	}
	names := make([]string, 0, len(snapshots))
	for _, s := range snapshots {
		if want == "" || s.Name == want {
			return ""
		}
		names = append(names, s.Name)
	}
	return fmt.Sprintf("The shoot's backup holds no etcd snapshot %q; it holds %s. Set annotation %s to one of them, or remove it for the latest. Nothing was changed", want, strings.Join(names, ", "), AnnotationEtcdRestoreSnapshot)
}

// takeSnapshot takes a full snapshot of the shoot's etcd through its backup sidecar and
// records it on the shoot.
func (r *Reconciler) takeSnapshot(ctx context.Context, shoot *gardencorev1beta1.Shoot) error {
	o, err := r.newOperation(ctx, shoot)
	if err != nil {
		return err
	}
	if err := o.ensureSecrets(ctx); err != nil {
		return err
	}
	if err := o.reservePorts(ctx); err != nil {
		return err
	}
	c, err := o.backupClient()
	if err != nil {
		return err
	}
	s, err := c.TakeSnapshot(ctx)
	if err != nil {
		return err
	}
	r.Recorder.Eventf(shoot, nil, corev1.EventTypeNormal, EventEtcdSnapshotTaken, "Snapshot", "Took etcd snapshot %s (%d bytes)", s.Name, s.SizeBytes)
	logf.FromContext(ctx).Info("Took etcd snapshot on request", "snapshot", s.Name, "sizeBytes", s.SizeBytes)
	return o.annotate(ctx, map[string]string{AnnotationEtcdLastSnapshot: s.Name}, []string{AnnotationEtcdOperation})
}
