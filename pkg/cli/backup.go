package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/shoot"
)

// backupOptions are the flags of 'hortus backup snapshot|restore'.
type backupOptions struct {
	gardenKubeconfig, context, namespace string
	timeout                              time.Duration
	// snapshot is the snapshot to restore; the latest when empty.
	snapshot string
}

func newBackupCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Take and restore snapshots of a shoot's etcd",
		Long: `Take and restore snapshots of a shoot's etcd, on seeds with a backup (spec.backup).

The seed's gardenlet keeps a BackupEntry for every shoot and runs an etcd backup sidecar
next to the shoot's etcd. It takes a full snapshot every day at the start of the shoot's
maintenance window and before every hibernation, and keeps the newest 7. These commands ask
the gardenlet for a snapshot now, or for a restore, through annotations on the Shoot
(etcd.hortus.dev/operation), and wait until it is done.`,
	}
	cmd.AddCommand(newBackupSnapshotCommand(), newBackupRestoreCommand())
	return cmd
}

func (o *backupOptions) addFlags(cmd *cobra.Command, timeout time.Duration) {
	f := cmd.Flags()
	f.StringVarP(&o.namespace, "namespace", "n", "", "Namespace of the shoot (its project's, e.g. garden-local); default: the namespace of the kubeconfig's context")
	f.StringVar(&o.gardenKubeconfig, "kubeconfig", "", "Kubeconfig of the garden; default: $KUBECONFIG, else .hortus/garden.kubeconfig if it exists, else ~/.kube/config")
	f.StringVar(&o.context, "context", "", "Context of the garden kubeconfig to use; default: its current context")
	f.DurationVar(&o.timeout, "timeout", timeout, "How long to wait for the gardenlet")
}

func newBackupSnapshotCommand() *cobra.Command {
	var o backupOptions
	cmd := &cobra.Command{
		Use:   "snapshot SHOOT | shoot/SHOOT",
		Short: "Take a full snapshot of a shoot's etcd now",
		Long: `Ask the gardenlet for a full snapshot of the shoot's etcd now, wait for it, and print its
name. The shoot must be awake.`,
		Example: `  hortus backup snapshot local -n garden-local`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, args[0], shoot.EtcdOperationSnapshot)
		},
	}
	o.addFlags(cmd, 2*time.Minute)
	return cmd
}

func newBackupRestoreCommand() *cobra.Command {
	var o backupOptions
	cmd := &cobra.Command{
		Use:   "restore SHOOT | shoot/SHOOT",
		Short: "Restore a shoot's etcd from a snapshot",
		Long: `Replace the data of the shoot's etcd with a snapshot: the latest, or the one --snapshot
names. Everything written after the snapshot is lost.

The gardenlet stops the shoot's kube-apiserver, kube-controller-manager, kube-scheduler and
machine-controller-manager and its etcd, starts etcd on the restored data (with revisions
moved past the old ones, so that watches and caches start over), and starts the rest
again. The command waits until the shoot is reconciled, printing progress. The shoot must
be awake. A snapshot that does not exist is refused before anything stops.`,
		Example: `  # The latest snapshot.
  hortus backup restore local -n garden-local

  # A given one (names are printed by 'hortus backup snapshot' and in the shoot's events).
  hortus backup restore local -n garden-local --snapshot full-20261129T024105.123456789Z.db`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, args[0], shoot.EtcdOperationRestore)
		},
	}
	o.addFlags(cmd, 5*time.Minute)
	cmd.Flags().StringVar(&o.snapshot, "snapshot", "", "Name of the snapshot to restore; default: the latest")
	return cmd
}

func (o *backupOptions) run(cmd *cobra.Command, arg, op string) error {
	name, err := shootName(arg)
	if err != nil {
		return err
	}
	cfg, namespace, err := gardenConfigAndNamespace(o.gardenKubeconfig, o.context, o.namespace)
	if err != nil {
		return err
	}
	scheme := runtime.NewScheme()
	utilruntime.Must(gardencorev1beta1.AddToScheme(scheme))
	utilruntime.Must(corev1.AddToScheme(scheme))
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return fmt.Errorf("creating a client for the garden: %w", err)
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	defer cancel()
	return requestEtcdOperation(ctx, c, client.ObjectKey{Namespace: namespace, Name: name}, op, o.snapshot, cmd.ErrOrStderr(), cmd.OutOrStdout())
}

// requestEtcdOperation annotates the shoot with op, waits until the gardenlet took the
// annotation away (and, for a restore, reconciled the shoot), and prints the result.
func requestEtcdOperation(ctx context.Context, c client.Client, key client.ObjectKey, op, snapshot string, progress, out io.Writer) error {
	s := &gardencorev1beta1.Shoot{}
	if err := c.Get(ctx, key, s); err != nil {
		return fmt.Errorf("reading shoot %s: %w", key, err)
	}
	if current := s.Annotations[shoot.AnnotationEtcdOperation]; current != "" {
		return fmt.Errorf("shoot %s already has etcd operation %q pending (annotation %s); wait for it, or remove the annotation", key, current, shoot.AnnotationEtcdOperation)
	}
	resultKey := shoot.AnnotationEtcdLastSnapshot
	if op == shoot.EtcdOperationRestore {
		resultKey = shoot.AnnotationEtcdLastRestore
	}
	before := s.Annotations[resultKey]
	requested := time.Now()
	patch := client.MergeFrom(s.DeepCopy())
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations[shoot.AnnotationEtcdOperation] = op
	if snapshot != "" {
		s.Annotations[shoot.AnnotationEtcdRestoreSnapshot] = snapshot
	}
	if err := c.Patch(ctx, s, patch); err != nil {
		return fmt.Errorf("asking for the etcd %s on shoot %s: %w", op, key, err)
	}
	fmt.Fprintf(progress, "Asked the gardenlet for an etcd %s of shoot %s.\n", op, key)

	lastLine := ""
	var lastGetErr error
	err := wait.PollUntilContextCancel(ctx, 500*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		if lastGetErr = c.Get(ctx, key, s); lastGetErr != nil {
			if apierrors.IsNotFound(lastGetErr) {
				return false, fmt.Errorf("shoot %s was deleted while waiting", key)
			}
			return false, nil //nolint:nilerr // retried until the timeout, which reports the last error
		}
		if lo := s.Status.LastOperation; lo != nil && op == shoot.EtcdOperationRestore {
			line := fmt.Sprintf("%s %s (%d%%): %s", lo.Type, lo.State, lo.Progress, lo.Description)
			if line != lastLine {
				fmt.Fprintln(progress, line)
				lastLine = line
			}
		}
		if s.Annotations[shoot.AnnotationEtcdOperation] != "" {
			return false, nil
		}
		if op == shoot.EtcdOperationRestore && s.Annotations[resultKey] != before {
			// Restored; done once the kube-apiserver and the rest are back.
			lo := s.Status.LastOperation
			return lo != nil && lo.State == gardencorev1beta1.LastOperationStateSucceeded && lo.LastUpdateTime.After(requested), nil
		}
		return true, nil
	})
	if err != nil {
		err = errors.Join(err, lastGetErr)
		if s.Annotations[shoot.AnnotationEtcdOperation] != "" {
			return fmt.Errorf("the gardenlet has not done the etcd %s of shoot %s yet: %w. Look at its events (kubectl describe shoot %s -n %s) and the seed's gardenlet log", op, key, err, key.Name, key.Namespace)
		}
		return fmt.Errorf("the shoot was restored from %s, but is not reconciled yet: %w. Watch it with kubectl get shoot %s -n %s -w", s.Annotations[resultKey], err, key.Name, key.Namespace)
	}
	result := s.Annotations[resultKey]
	if result == before {
		return fmt.Errorf("the gardenlet refused the etcd %s of shoot %s: %s", op, key, rejection(ctx, c, key, requested))
	}
	if op == shoot.EtcdOperationRestore {
		fmt.Fprintf(progress, "Restored the etcd of shoot %s from snapshot %s.\n", key, result)
	} else {
		fmt.Fprintf(progress, "Took snapshot %s of the etcd of shoot %s.\n", result, key)
	}
	_, err = fmt.Fprintln(out, result)
	return err
}

// rejection is the message of the gardenlet's newest EtcdOperationRejected event on the
// shoot since when.
func rejection(ctx context.Context, c client.Client, key client.ObjectKey, since time.Time) string {
	events := &corev1.EventList{}
	sel := fields.Set{"involvedObject.name": key.Name, "reason": shoot.EventEtcdOperationInvalid}.AsSelector()
	if err := c.List(ctx, events, client.InNamespace(key.Namespace), client.MatchingFieldsSelector{Selector: sel}); err != nil || len(events.Items) == 0 {
		return "see the shoot's events (kubectl describe shoot " + key.Name + " -n " + key.Namespace + ")"
	}
	sort.Slice(events.Items, func(i, j int) bool { return eventTime(events.Items[i]).Before(eventTime(events.Items[j])) })
	newest := events.Items[len(events.Items)-1]
	if eventTime(newest).Add(time.Second).Before(since) {
		return "see the shoot's events (kubectl describe shoot " + key.Name + " -n " + key.Namespace + ")"
	}
	return newest.Message
}

func eventTime(e corev1.Event) time.Time {
	switch {
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	}
	return e.CreationTimestamp.Time
}
