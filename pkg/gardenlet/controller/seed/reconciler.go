package seed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"time"

	gardenletconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/gardenlet/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/pkg/extensioncrds"
	"github.com/hortus-dev/hortus/pkg/gardenlet/condition"
	hortusversion "github.com/hortus-dev/hortus/pkg/version"
)

// SeedNamespace is the namespace the gardenlet keeps in the seed cluster for the control
// planes and components it will deploy there (Gardener's "garden").
const SeedNamespace = v1beta1constants.GardenNamespace

// DefaultSyncPeriod is how often the status is reported when Config.SyncPeriod is unset:
// Gardener's default.
const DefaultSyncPeriod = time.Minute

// Reconciler registers the Seed described by SeedConfig in the garden and reports its
// status. Each reconciliation
//
//  1. creates the Seed, or merges SeedConfig's labels and annotations into it and replaces
//     its spec with SeedConfig's (the gardenlet owns the spec; other labels and annotations
//     stay);
//  2. looks at the seed cluster: its /readyz and /version, its identity, and the namespace
//     SeedNamespace, which it creates when missing;
//  3. when spec.backup is set, creates or updates the seed's BackupBucket (named after the
//     Seed's UID, as in Gardener);
//  4. writes the status: gardener, observedGeneration, clusterIdentity (once),
//     kubernetesVersion, capacity and allocatable, and the conditions GardenletReady,
//     SeedSystemComponentsHealthy and, with a backup, BackupBucketsReady.
//
// It runs at start, when the Seed's generation, labels or annotations or its BackupBucket
// change, and every Config.SyncPeriod.
type Reconciler struct {
	// GardenClient reads the Seed and its BackupBucket (from the manager's cache, which must
	// hold them) and writes them. Defaults to the manager's client.
	GardenClient client.Client
	// SeedClient reads and creates Namespaces and reads ConfigMaps in the seed cluster.
	SeedClient client.Client
	// SeedRESTClient reaches the seed cluster's /readyz and /version.
	SeedRESTClient rest.Interface
	// SeedConfig is the seed template of the configuration (seedConfig).
	SeedConfig gardenletconfigv1alpha1.SeedConfig
	// Resources is the resources section of the configuration: the capacity and reservation
	// of shoots. May be nil.
	Resources *gardenletconfigv1alpha1.ResourcesConfiguration
	// Config is the seed controller's section of the configuration; its SyncPeriod is used.
	Config gardenletconfigv1alpha1.SeedControllerConfiguration
	// Clock stamps the conditions. Defaults to the real clock.
	Clock clock.PassiveClock
	// Identity is reported as status.gardener. Defaults to NewIdentity().
	Identity *gardencorev1beta1.Gardener
}

// NewIdentity returns the identity of this gardenlet process: the host name as its name, a
// random ID and the Hortus version.
func NewIdentity() *gardencorev1beta1.Gardener {
	name, err := os.Hostname()
	if err != nil || name == "" {
		name = "gardenlet"
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id) // never returns an error
	return &gardencorev1beta1.Gardener{ID: hex.EncodeToString(id), Name: name, Version: hortusversion.Get().GitVersion}
}

// SyncPeriod returns the configured sync period, or its default.
func (r *Reconciler) SyncPeriod() time.Duration {
	if r.Config.SyncPeriod != nil && r.Config.SyncPeriod.Duration > 0 {
		return r.Config.SyncPeriod.Duration
	}
	return DefaultSyncPeriod
}

// Reconcile registers the Seed and reports its status.
func (r *Reconciler) Reconcile(ctx context.Context, _ reconcile.Request) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	seed, err := r.register(ctx)
	if err != nil {
		return reconcile.Result{}, err
	}
	if seed.DeletionTimestamp != nil {
		log.Info("Seed is being deleted, not reporting its status")
		return reconcile.Result{}, nil
	}

	obs := r.observe(ctx)
	var bucketCondition *gardencorev1beta1.Condition
	if seed.Spec.Backup != nil {
		bucket, ensureErr := r.ensureBackupBucket(ctx, seed)
		if ensureErr != nil {
			log.Error(ensureErr, "Ensuring the BackupBucket failed")
		}
		bucketCondition = ptr.To(BackupBucketsCondition(string(seed.UID), bucket, ensureErr))
	}
	if obs.ReadyErr != nil || obs.NamespaceErr != nil {
		log.Info("Seed cluster is not healthy", "ready", errString(obs.ReadyErr), "namespace", errString(obs.NamespaceErr))
	}

	if err := r.writeStatus(ctx, seed, obs, bucketCondition); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{RequeueAfter: r.SyncPeriod()}, nil
}

// register creates the Seed or brings its labels, annotations and spec in line with the
// seed template, and returns it.
func (r *Reconciler) register(ctx context.Context) (*gardencorev1beta1.Seed, error) {
	log := logf.FromContext(ctx)
	desired := Desired(&r.SeedConfig)
	seed := &gardencorev1beta1.Seed{}
	if err := r.GardenClient.Get(ctx, client.ObjectKeyFromObject(desired), seed); err != nil {
		if !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("reading the seed: %w", err)
		}
		seed = desired.DeepCopy()
		if err := r.GardenClient.Create(ctx, seed); err != nil {
			return nil, fmt.Errorf("registering the seed: %w", err)
		}
		log.Info("Registered the seed")
		return seed, nil
	}
	if seed.DeletionTimestamp != nil {
		return seed, nil
	}
	before := seed.DeepCopy()
	seed.Labels = mergeMaps(seed.Labels, desired.Labels)
	seed.Annotations = mergeMaps(seed.Annotations, desired.Annotations)
	seed.Spec = desired.Spec
	if equality.Semantic.DeepEqual(before, seed) {
		return seed, nil
	}
	if err := r.GardenClient.Patch(ctx, seed, client.MergeFrom(before)); err != nil {
		return nil, fmt.Errorf("updating the seed from the seed template: %w", err)
	}
	log.Info("Updated the seed from the seed template", "generation", seed.Generation)
	return seed, nil
}

// observe looks at the seed cluster.
func (r *Reconciler) observe(ctx context.Context) Observation {
	obs := Observation{Namespace: SeedNamespace}
	obs.ReadyErr = r.readyz(ctx)
	if v, err := r.version(ctx); err == nil {
		obs.KubernetesVersion = v
	} else if obs.ReadyErr == nil {
		obs.ReadyErr = err
	}
	if id, err := r.clusterIdentity(ctx); err == nil {
		obs.ClusterIdentity = id
	} else {
		logf.FromContext(ctx).Error(err, "Determining the seed cluster's identity failed")
	}
	obs.NamespaceErr = r.ensureNamespace(ctx)
	obs.CRDsErr = extensioncrds.Install(ctx, r.SeedClient)
	return obs
}

// readyz returns an error unless the seed cluster's /readyz answers ok.
func (r *Reconciler) readyz(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	body, err := r.SeedRESTClient.Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		if len(body) > 0 {
			return fmt.Errorf("/readyz: %w: %s", err, body)
		}
		return fmt.Errorf("/readyz: %w", err)
	}
	return nil
}

// version returns the seed cluster's gitVersion from /version.
func (r *Reconciler) version(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	body, err := r.SeedRESTClient.Get().AbsPath("/version").DoRaw(ctx)
	if err != nil {
		return "", fmt.Errorf("/version: %w", err)
	}
	var info version.Info
	if err := json.Unmarshal(body, &info); err != nil {
		return "", fmt.Errorf("/version: decoding %q: %w", body, err)
	}
	return info.GitVersion, nil
}

// clusterIdentity returns the seed cluster's identity as Gardener determines it: the
// cluster-identity key of the ConfigMap cluster-identity in kube-system, else the UID of
// the kube-system namespace.
func (r *Reconciler) clusterIdentity(ctx context.Context) (string, error) {
	cm := &corev1.ConfigMap{}
	err := r.SeedClient.Get(ctx, client.ObjectKey{Namespace: metav1.NamespaceSystem, Name: v1beta1constants.ClusterIdentity}, cm)
	if err == nil && cm.Data[v1beta1constants.ClusterIdentity] != "" {
		return cm.Data[v1beta1constants.ClusterIdentity], nil
	}
	if err != nil && !apierrors.IsNotFound(err) {
		return "", fmt.Errorf("reading the cluster identity: %w", err)
	}
	ns := &corev1.Namespace{}
	if err := r.SeedClient.Get(ctx, client.ObjectKey{Name: metav1.NamespaceSystem}, ns); err != nil {
		return "", fmt.Errorf("reading namespace %s: %w", metav1.NamespaceSystem, err)
	}
	return string(ns.UID), nil
}

// ensureNamespace creates SeedNamespace in the seed cluster when it is missing, and
// returns an error when it cannot or the namespace is being deleted.
func (r *Reconciler) ensureNamespace(ctx context.Context) error {
	ns := &corev1.Namespace{}
	err := r.SeedClient.Get(ctx, client.ObjectKey{Name: SeedNamespace}, ns)
	switch {
	case apierrors.IsNotFound(err):
		ns = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: SeedNamespace}}
		if err := r.SeedClient.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating it: %w", err)
		}
		logf.FromContext(ctx).Info("Created the namespace in the seed cluster", "namespace", SeedNamespace)
		return nil
	case err != nil:
		return fmt.Errorf("reading it: %w", err)
	case ns.DeletionTimestamp != nil:
		return errors.New("it is being deleted")
	}
	return nil
}

// ensureBackupBucket creates or updates the BackupBucket of seed and returns it as found
// in the cache, nil if it is not there yet.
func (r *Reconciler) ensureBackupBucket(ctx context.Context, seed *gardencorev1beta1.Seed) (*gardencorev1beta1.BackupBucket, error) {
	backup := seed.Spec.Backup
	spec := gardencorev1beta1.BackupBucketSpec{
		Provider:       gardencorev1beta1.BackupBucketProvider{Type: backup.Provider, Region: ptr.Deref(backup.Region, seed.Spec.Provider.Region)},
		ProviderConfig: backup.ProviderConfig,
		CredentialsRef: backup.CredentialsRef,
		SeedName:       ptr.To(seed.Name),
	}
	ownerRef := *metav1.NewControllerRef(seed, gardencorev1beta1.SchemeGroupVersion.WithKind("Seed"))
	name := string(seed.UID)

	bucket := &gardencorev1beta1.BackupBucket{}
	if err := r.GardenClient.Get(ctx, client.ObjectKey{Name: name}, bucket); err != nil {
		if !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("reading it: %w", err)
		}
		bucket = &gardencorev1beta1.BackupBucket{
			ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: []metav1.OwnerReference{ownerRef}},
			Spec:       spec,
		}
		if err := r.GardenClient.Create(ctx, bucket); err != nil {
			if apierrors.IsAlreadyExists(err) {
				// The cache has not seen it yet; the next reconciliation will.
				return nil, nil
			}
			return nil, err
		}
		logf.FromContext(ctx).Info("Created the BackupBucket", "backupBucket", client.ObjectKeyFromObject(bucket))
		return bucket, nil
	}
	before := bucket.DeepCopy()
	bucket.Spec = spec
	bucket.OwnerReferences = []metav1.OwnerReference{ownerRef}
	if equality.Semantic.DeepEqual(before, bucket) {
		return bucket, nil
	}
	if err := r.GardenClient.Patch(ctx, bucket, client.MergeFrom(before)); err != nil {
		return before, err
	}
	logf.FromContext(ctx).Info("Updated the BackupBucket", "backupBucket", client.ObjectKeyFromObject(bucket))
	return bucket, nil
}

// writeStatus writes the status of seed, failing on a conflict so that it never overwrites
// a condition that someone else set in between.
func (r *Reconciler) writeStatus(ctx context.Context, seed *gardencorev1beta1.Seed, obs Observation, bucketCondition *gardencorev1beta1.Condition) error {
	patch := client.MergeFromWithOptions(seed.DeepCopy(), client.MergeFromWithOptimisticLock{})
	now := r.Clock.Now()
	status := &seed.Status
	status.Gardener = r.Identity
	status.ObservedGeneration = seed.Generation
	if status.ClusterIdentity == nil && obs.ClusterIdentity != "" {
		status.ClusterIdentity = ptr.To(obs.ClusterIdentity)
	}
	if obs.KubernetesVersion != "" {
		status.KubernetesVersion = ptr.To(obs.KubernetesVersion)
	}
	status.Capacity, status.Allocatable = ShootCapacity(r.Resources)

	status.Conditions = condition.Set(status.Conditions, condition.GardenletReady(), now)
	status.Conditions = condition.Set(status.Conditions, SystemComponentsCondition(obs), now)
	if bucketCondition != nil {
		status.Conditions = condition.Set(status.Conditions, *bucketCondition, now)
	} else {
		status.Conditions = condition.Remove(status.Conditions, gardencorev1beta1.SeedBackupBucketsReady)
	}
	if err := r.GardenClient.Status().Patch(ctx, seed, patch); err != nil {
		return fmt.Errorf("writing the seed status: %w", err)
	}
	return nil
}

// mergeMaps returns base with the entries of overlay added or replaced.
func mergeMaps(base, overlay map[string]string) map[string]string {
	if len(overlay) == 0 {
		return base
	}
	out := make(map[string]string, len(base)+len(overlay))
	maps.Copy(out, base)
	maps.Copy(out, overlay)
	return out
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
