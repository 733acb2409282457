package extension

import (
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// predicate admits the events of objects of the reconciler's type that ask for work, as
// the package documentation lists. Status updates are not among them, so the controller's
// own status writes do not trigger it again.
func (r *Reconciler[T]) predicate() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool {
			return r.ofType(e.Object) && needsWork(e.Object)
		},
		UpdateFunc: func(e event.UpdateEvent) bool {
			return r.ofType(e.ObjectNew) && asksForWork(e.ObjectOld, e.ObjectNew)
		},
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(e event.GenericEvent) bool { return r.ofType(e.Object) },
	}
}

// ofType reports whether obj is an extension object of the reconciler's type.
func (r *Reconciler[T]) ofType(obj client.Object) bool {
	o, ok := obj.(extensionsv1alpha1.Object)
	return ok && o.GetExtensionSpec().GetExtensionType() == r.Type
}

// needsWork reports whether an object seen for the first time asks for an operation.
func needsWork(obj client.Object) bool {
	o, ok := obj.(extensionsv1alpha1.Object)
	return ok && (requestedOperation(o) != "" || o.GetDeletionTimestamp() != nil || needsReconcile(o))
}

// asksForWork reports whether an update asks for an operation: a new generation, a new
// deletion timestamp, a new value of the operation annotation, or the operation annotation
// with a new gardener.cloud/timestamp (the gardenlet asking again for an operation it still
// waits for).
func asksForWork(oldObj, newObj client.Object) bool {
	if oldObj.GetGeneration() != newObj.GetGeneration() {
		return true
	}
	if oldObj.GetDeletionTimestamp() == nil && newObj.GetDeletionTimestamp() != nil {
		return true
	}
	op := requestedOperation(newObj)
	if op == "" {
		return false
	}
	return op != requestedOperation(oldObj) ||
		oldObj.GetAnnotations()[v1beta1constants.GardenerTimestamp] != newObj.GetAnnotations()[v1beta1constants.GardenerTimestamp]
}
