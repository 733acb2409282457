package shootstatuslabel

import (
	"context"
	"fmt"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Reconciler sets the label shoot.gardener.cloud/status of a Shoot to its Status (see
// Compute), patching the Shoot only when the label is missing or differs.
type Reconciler struct {
	// Client reads Shoots (from the manager's cache) and patches their labels. Defaults to
	// the manager's client.
	Client client.Client
	// Config is the controller's section of the controller manager configuration.
	Config controllermanagerconfigv1alpha1.ShootStatusLabelControllerConfiguration
}

// Reconcile brings the status label of the Shoot named by req up to date.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	shoot := &gardencorev1beta1.Shoot{}
	if err := r.Client.Get(ctx, req.NamespacedName, shoot); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("reading the shoot: %w", err)
	}
	status := string(Compute(shoot))
	if current, ok := shoot.Labels[v1beta1constants.ShootStatus]; ok && current == status {
		return reconcile.Result{}, nil
	}
	patch := client.MergeFrom(shoot.DeepCopy())
	metav1.SetMetaDataLabel(&shoot.ObjectMeta, v1beta1constants.ShootStatus, status)
	if err := r.Client.Patch(ctx, shoot, patch); err != nil {
		return reconcile.Result{}, fmt.Errorf("setting the status label to %s: %w", status, err)
	}
	logf.FromContext(ctx).V(1).Info("Updated shoot status label", "status", status)
	return reconcile.Result{}, nil
}
