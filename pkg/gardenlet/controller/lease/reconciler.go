package lease

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/pkg/gardenlet/condition"
)

// Defaults of the Reconciler's periods.
const (
	// DefaultRenewPeriod is the default of Reconciler.RenewPeriod: a quarter of the
	// controller manager's default monitor period (40s), so that three renewals may fail
	// before the seed is marked Unknown.
	DefaultRenewPeriod = 10 * time.Second
	// DefaultLeaseDuration is the default of Reconciler.LeaseDuration.
	DefaultLeaseDuration = 40 * time.Second
)

// Reconciler renews the Lease named after the Seed in Namespace in the garden every
// RenewPeriod, as long as the seed cluster's /healthz answers, and sets the Seed's
// GardenletReady condition back to True when someone else (the controller manager, on a
// stale Lease) changed it. It creates Namespace in the garden when it is missing and the
// gardenlet may.
type Reconciler struct {
	// GardenClient reads the Lease (from the manager's cache, which must hold it) and the
	// Seed, and writes both. Defaults to the manager's client.
	GardenClient client.Client
	// SeedRESTClient reaches the seed cluster's /healthz. The lease is not renewed while it
	// fails.
	SeedRESTClient rest.Interface
	// SeedName is the name of the Seed and its Lease.
	SeedName string
	// Namespace is the namespace of the Lease. Defaults to Gardener's
	// gardener-system-seed-lease.
	Namespace string
	// RenewPeriod is how often the Lease is renewed. Defaults to DefaultRenewPeriod.
	RenewPeriod time.Duration
	// LeaseDuration is the Lease's spec.leaseDurationSeconds. Defaults to
	// DefaultLeaseDuration.
	LeaseDuration time.Duration
	// Clock stamps the renewals. Defaults to the real clock.
	Clock clock.PassiveClock

	// unhealthy is true after a renewal failed, until one succeeds.
	unhealthy atomic.Bool
}

// Healthy reports whether the last renewal succeeded (or none has failed yet). It backs the
// gardenlet's /healthz.
func (r *Reconciler) Healthy() bool { return !r.unhealthy.Load() }

// Reconcile renews the Lease of the Seed named by req and asks to be called again after
// RenewPeriod.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	seed := &gardencorev1beta1.Seed{}
	if err := r.GardenClient.Get(ctx, req.NamespacedName, seed); err != nil {
		if apierrors.IsNotFound(err) {
			logf.FromContext(ctx).V(1).Info("Seed is gone, not renewing its lease")
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("reading the seed: %w", err)
	}
	if err := r.renew(ctx, seed); err != nil {
		r.unhealthy.Store(true)
		return reconcile.Result{}, err
	}
	r.unhealthy.Store(false)
	if err := r.maintainGardenletReady(ctx, seed); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{RequeueAfter: r.RenewPeriod}, nil
}

// renew checks the seed cluster and renews the Lease.
func (r *Reconciler) renew(ctx context.Context, seed *gardencorev1beta1.Seed) error {
	if err := r.checkSeed(ctx); err != nil {
		return err
	}
	lease := &coordinationv1.Lease{}
	key := client.ObjectKey{Namespace: r.Namespace, Name: seed.Name}
	err := r.GardenClient.Get(ctx, key, lease)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading the lease: %w", err)
	}
	found := err == nil
	before := lease.DeepCopy()
	lease.Name, lease.Namespace = key.Name, key.Namespace
	lease.OwnerReferences = []metav1.OwnerReference{{
		APIVersion: gardencorev1beta1.SchemeGroupVersion.String(),
		Kind:       "Seed",
		Name:       seed.Name,
		UID:        seed.UID,
	}}
	lease.Spec.HolderIdentity = ptr.To(seed.Name)
	lease.Spec.LeaseDurationSeconds = ptr.To(int32(r.LeaseDuration / time.Second))
	lease.Spec.RenewTime = ptr.To(metav1.NewMicroTime(r.Clock.Now()))
	if found {
		if err := r.GardenClient.Patch(ctx, lease, client.MergeFrom(before)); err != nil {
			return fmt.Errorf("renewing the lease: %w", err)
		}
		return nil
	}
	return r.create(ctx, lease)
}

// create creates lease, and its namespace when that is missing.
func (r *Reconciler) create(ctx context.Context, lease *coordinationv1.Lease) error {
	err := r.GardenClient.Create(ctx, lease.DeepCopy())
	if apierrors.IsNotFound(err) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: r.Namespace}}
		if err := r.GardenClient.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating the lease namespace %s, which is missing: %w", r.Namespace, err)
		}
		logf.FromContext(ctx).Info("Created the lease namespace", "namespace", r.Namespace)
		err = r.GardenClient.Create(ctx, lease.DeepCopy())
	}
	if apierrors.IsAlreadyExists(err) {
		// The cache has not seen it yet: renew it next time.
		return nil
	}
	if err != nil {
		return fmt.Errorf("creating the lease: %w", err)
	}
	logf.FromContext(ctx).Info("Created the lease", "lease", client.ObjectKeyFromObject(lease))
	return nil
}

// checkSeed returns an error unless the seed cluster's /healthz answers ok.
func (r *Reconciler) checkSeed(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.RenewPeriod)
	defer cancel()
	if _, err := r.SeedRESTClient.Get().AbsPath("/healthz").DoRaw(ctx); err != nil {
		return fmt.Errorf("the seed cluster is not healthy, not renewing the lease: %w", err)
	}
	return nil
}

// maintainGardenletReady sets the Seed's GardenletReady condition to True unless it says so
// already. The seed controller reports it too, with the other conditions, but less often.
func (r *Reconciler) maintainGardenletReady(ctx context.Context, seed *gardencorev1beta1.Seed) error {
	want := condition.GardenletReady()
	if c := condition.Get(seed.Status.Conditions, want.Type); c != nil && c.Status == want.Status && c.Reason == want.Reason && c.Message == want.Message {
		return nil
	}
	patch := client.MergeFromWithOptions(seed.DeepCopy(), client.MergeFromWithOptimisticLock{})
	seed.Status.Conditions = condition.Set(seed.Status.Conditions, want, r.Clock.Now())
	if err := r.GardenClient.Status().Patch(ctx, seed, patch); err != nil {
		return fmt.Errorf("setting the GardenletReady condition: %w", err)
	}
	logf.FromContext(ctx).Info("Set the GardenletReady condition to True")
	return nil
}
