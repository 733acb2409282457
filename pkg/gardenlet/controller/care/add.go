package care

import (
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// AddToManager adds the controller to mgr. A shoot is checked when it appears, when its
// last operation changes (so a finished operation is reflected at once) and then every
// SyncPeriod.
func (r *Reconciler) AddToManager(mgr manager.Manager) error {
	if r.GardenClient == nil {
		r.GardenClient = mgr.GetClient()
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.SyncPeriod <= 0 {
		r.SyncPeriod = DefaultSyncPeriod
	}
	return builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&gardencorev1beta1.Shoot{}, builder.WithPredicates(predicate.Funcs{
			UpdateFunc: func(e event.UpdateEvent) bool {
				o, n := e.ObjectOld.(*gardencorev1beta1.Shoot), e.ObjectNew.(*gardencorev1beta1.Shoot)
				return lastOpState(o) != lastOpState(n) || o.Status.IsHibernated != n.Status.IsHibernated
			},
			DeleteFunc: func(event.DeleteEvent) bool { return false },
		})).
		Complete(r)
}

func lastOpState(s *gardencorev1beta1.Shoot) string {
	if op := s.Status.LastOperation; op != nil {
		return string(op.Type) + "/" + string(op.State)
	}
	return ""
}
