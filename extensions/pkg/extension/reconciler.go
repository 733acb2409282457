package extension

import (
	"context"
	"errors"
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// FinalizerPrefix is the prefix of the default finalizer: the extension type follows it.
const FinalizerPrefix = "extensions.gardener.cloud/"

// Progress of the last operation.
const (
	progressProcessing int32 = 1
	progressSucceeded  int32 = 100
)

// Args configures the controller that Add adds for one kind and extension type.
type Args[T extensionsv1alpha1.Object] struct {
	// Name is the controller's name, e.g. "local-infrastructure"; unique in the manager.
	Name string
	// NewObject returns an empty object of the kind, e.g.
	// func() *extensionsv1alpha1.Infrastructure { return &extensionsv1alpha1.Infrastructure{} }.
	NewObject func() T
	// Type is the extension type handled, e.g. "local"; objects of other types are ignored.
	Type string
	// Actuator does the provider's work; it may also implement Migrator.
	Actuator Actuator[T]
	// Finalizer is put on each object the controller reconciles; default
	// "extensions.gardener.cloud/<Type>".
	Finalizer string
	// Clock stamps the last operation and error; default the real clock.
	Clock clock.Clock
	// MaxConcurrentReconciles is how many objects are reconciled at once; default 1.
	MaxConcurrentReconciles int
}

// Add adds a controller for the kind and type of args to mgr, as the package documentation
// describes. The manager's scheme must know extensions.gardener.cloud/v1alpha1.
func Add[T extensionsv1alpha1.Object](mgr manager.Manager, args Args[T]) error {
	return (&Reconciler[T]{Args: args}).AddToManager(mgr)
}

// Reconciler is the generic reconciler of one kind and extension type. Add builds one;
// tests may build one by hand, call Complete and then Reconcile.
type Reconciler[T extensionsv1alpha1.Object] struct {
	Args[T]
	// Client reads and patches the extension objects: the manager's client in AddToManager.
	Client client.Client
	// ClusterReader reads Cluster objects: the manager's API reader in AddToManager, so a
	// Cluster the gardenlet has just written is seen and Clusters are not cached.
	ClusterReader client.Reader
	// Kind is the kind of the objects, e.g. "Infrastructure", for status descriptions;
	// Complete derives it from NewObject and the scheme.
	Kind string
}

// Complete checks the arguments and fills in the defaults: Finalizer, Clock,
// ClusterReader (the Client) and Kind (looked up in scheme).
func (r *Reconciler[T]) Complete(scheme *runtime.Scheme) error {
	var errs []error
	if r.Name == "" {
		errs = append(errs, errors.New("Args.Name is empty: name the controller, e.g. \"local-infrastructure\""))
	}
	if r.NewObject == nil {
		errs = append(errs, errors.New("Args.NewObject is nil: give a function that returns an empty object of the kind"))
	}
	if r.Type == "" {
		errs = append(errs, errors.New("Args.Type is empty: give the extension type the controller handles, e.g. \"local\""))
	}
	if r.Actuator == nil {
		errs = append(errs, errors.New("Args.Actuator is nil"))
	}
	if r.Client == nil {
		errs = append(errs, errors.New("the Client is nil"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("extension controller %q: %w", r.Name, errors.Join(errs...))
	}
	if r.Finalizer == "" {
		r.Finalizer = FinalizerPrefix + r.Type
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.ClusterReader == nil {
		r.ClusterReader = r.Client
	}
	if r.Kind == "" {
		gvk, err := apiutil.GVKForObject(r.NewObject(), scheme)
		if err != nil {
			return fmt.Errorf("extension controller %q: add extensions.gardener.cloud/v1alpha1 to the manager's scheme: %w", r.Name, err)
		}
		r.Kind = gvk.Kind
	}
	return nil
}

// AddToManager completes r with the manager's clients and scheme and adds it as a
// controller that watches the objects of its kind and type.
func (r *Reconciler[T]) AddToManager(mgr manager.Manager) error {
	if r.Client == nil {
		r.Client = mgr.GetClient()
	}
	if r.ClusterReader == nil {
		r.ClusterReader = mgr.GetAPIReader()
	}
	if err := r.Complete(mgr.GetScheme()); err != nil {
		return err
	}
	return builder.ControllerManagedBy(mgr).
		Named(r.Name).
		For(r.NewObject(), builder.WithPredicates(r.predicate())).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles}).
		Complete(r)
}

// Reconcile runs one of the paths of the package documentation for the object of req.
func (r *Reconciler[T]) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	obj := r.NewObject()
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			log.V(1).Info("Object is gone")
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("reading the %s %s: %w", r.Kind, req.NamespacedName, err)
	}
	if obj.GetExtensionSpec().GetExtensionType() != r.Type {
		return reconcile.Result{}, nil
	}

	requested := requestedOperation(obj)
	switch {
	case obj.GetAnnotations()[v1beta1constants.GardenerOperation] == v1beta1constants.GardenerOperationWaitForState:
		log.V(1).Info("Object waits for its state to be restored, skipping it")
		return reconcile.Result{}, nil
	case isMigrated(obj) && requested != v1beta1constants.GardenerOperationMigrate && requested != v1beta1constants.GardenerOperationRestore:
		log.V(1).Info("Object is migrated, skipping it")
		return reconcile.Result{}, nil
	case requested == v1beta1constants.GardenerOperationMigrate || (requested == "" && unfinished(obj, gardencorev1beta1.LastOperationTypeMigrate)):
		return result(r.migrate(ctx, log.WithValues("operation", "migrate"), obj))
	case obj.GetDeletionTimestamp() != nil:
		return result(r.delete(ctx, log.WithValues("operation", "delete"), obj))
	case requested == v1beta1constants.GardenerOperationRestore || (requested == "" && unfinished(obj, gardencorev1beta1.LastOperationTypeRestore)):
		return result(r.restore(ctx, log.WithValues("operation", "restore"), obj))
	case requested == v1beta1constants.GardenerOperationReconcile || needsReconcile(obj):
		return result(r.reconcile(ctx, log.WithValues("operation", "reconcile"), obj))
	default:
		log.V(1).Info("Object is reconciled at its generation, skipping it")
		return reconcile.Result{}, nil
	}
}

// result turns an actuator's RequeueAfterError into a requeue; other errors are returned
// for the back-off.
func result(err error) (reconcile.Result, error) {
	var requeue *RequeueAfterError
	if errors.As(err, &requeue) {
		return reconcile.Result{RequeueAfter: requeue.Delay}, nil
	}
	return reconcile.Result{}, err
}

// reconcile is the normal path: ensure the finalizer, Actuator.Reconcile, success.
func (r *Reconciler[T]) reconcile(ctx context.Context, log logr.Logger, obj T) error {
	opType := gardencorev1beta1.LastOperationTypeReconcile
	if last := obj.GetExtensionStatus().GetLastOperation(); last == nil ||
		(last.Type == gardencorev1beta1.LastOperationTypeCreate && last.State != gardencorev1beta1.LastOperationStateSucceeded) {
		opType = gardencorev1beta1.LastOperationTypeCreate
	}
	if err := r.ensureFinalizer(ctx, log, obj); err != nil {
		return err
	}
	err := r.act(ctx, log, obj, opType, "Reconciling", r.Actuator.Reconcile)
	if err != nil {
		return err
	}
	return r.patchMeta(ctx, log, obj, false, true)
}

// delete runs Actuator.Delete and releases the object.
func (r *Reconciler[T]) delete(ctx context.Context, log logr.Logger, obj T) error {
	if !controllerutil.ContainsFinalizer(obj, r.Finalizer) {
		log.V(1).Info("Object has no finalizer of this controller, nothing to delete")
		return nil
	}
	if err := r.act(ctx, log, obj, gardencorev1beta1.LastOperationTypeDelete, "Deleting", r.Actuator.Delete); err != nil {
		return err
	}
	return r.patchMeta(ctx, log, obj, true, false)
}

// migrate runs Migrator.Migrate, if any, and releases the object.
func (r *Reconciler[T]) migrate(ctx context.Context, log logr.Logger, obj T) error {
	fn := func(context.Context, logr.Logger, T, *Cluster) error { return nil }
	if m, ok := r.Actuator.(Migrator[T]); ok {
		fn = m.Migrate
	}
	if err := r.act(ctx, log, obj, gardencorev1beta1.LastOperationTypeMigrate, "Migrating", fn); err != nil {
		return err
	}
	return r.patchMeta(ctx, log, obj, true, true)
}

// restore runs Migrator.Restore, or Actuator.Reconcile without Migrator.
func (r *Reconciler[T]) restore(ctx context.Context, log logr.Logger, obj T) error {
	fn := r.Actuator.Reconcile
	if m, ok := r.Actuator.(Migrator[T]); ok {
		fn = m.Restore
	}
	if err := r.ensureFinalizer(ctx, log, obj); err != nil {
		return err
	}
	if err := r.act(ctx, log, obj, gardencorev1beta1.LastOperationTypeRestore, "Restoring", fn); err != nil {
		return err
	}
	return r.patchMeta(ctx, log, obj, false, true)
}

// actuate is the signature of the actuator's methods.
type actuate[T extensionsv1alpha1.Object] func(ctx context.Context, log logr.Logger, obj T, cluster *Cluster) error

// act records the operation as Processing, reads the Cluster, runs fn and records the
// outcome in the status, together with the changes fn made to obj's status in memory
// (providerStatus, state, resources, conditions). For Delete, success is not recorded: the
// object goes away.
func (r *Reconciler[T]) act(ctx context.Context, log logr.Logger, obj T, opType gardencorev1beta1.LastOperationType, verb string, fn actuate[T]) error {
	description := verb + " the " + r.Kind
	log.Info("Starting operation", "lastOperationType", opType)
	if err := r.patchStatus(ctx, obj, nil, func(s extensionsv1alpha1.Status) {
		s.SetLastOperation(r.lastOperation(opType, gardencorev1beta1.LastOperationStateProcessing, progressProcessing, description))
	}); err != nil {
		return err
	}

	before := obj.DeepCopyObject().(client.Object)
	cluster, err := r.cluster(ctx, obj)
	switch {
	case err == nil:
		err = fn(ctx, log, obj, cluster)
	case opType == gardencorev1beta1.LastOperationTypeDelete && apierrors.IsNotFound(err):
		err = fmt.Errorf("%w; to release the object without deleting its resources, remove its finalizer %s", err, r.Finalizer)
	}
	if err != nil {
		return r.failed(ctx, log, obj, before, opType, verb, err)
	}

	if opType == gardencorev1beta1.LastOperationTypeDelete {
		log.Info("Operation succeeded", "lastOperationType", opType)
		return nil
	}
	if err := r.patchStatus(ctx, obj, before, func(s extensionsv1alpha1.Status) {
		s.SetLastOperation(r.lastOperation(opType, gardencorev1beta1.LastOperationStateSucceeded, progressSucceeded, fmt.Sprintf("%s the %s succeeded", verb, r.Kind)))
		s.SetLastError(nil)
		s.SetObservedGeneration(before.GetGeneration())
	}); err != nil {
		return err
	}
	log.Info("Operation succeeded", "lastOperationType", opType)
	return nil
}

// failed records err in the status, as Error or, for a terminal error, Failed, and
// returns err. After a terminal error the operation annotation is removed, so that the
// gardenlet can request the operation again.
func (r *Reconciler[T]) failed(ctx context.Context, log logr.Logger, obj T, before client.Object, opType gardencorev1beta1.LastOperationType, verb string, err error) error {
	var requeue *RequeueAfterError
	if errors.As(err, &requeue) {
		description := fmt.Sprintf("%s the %s: %v", verb, r.Kind, requeue.Cause)
		log.Info("Operation waits", "reason", requeue.Cause.Error(), "requeueAfter", requeue.Delay)
		return errors.Join(err, r.patchStatus(ctx, obj, before, func(s extensionsv1alpha1.Status) {
			s.SetLastOperation(r.lastOperation(opType, gardencorev1beta1.LastOperationStateProcessing, progressProcessing, description))
		}))
	}
	state := gardencorev1beta1.LastOperationStateError
	terminal := errors.Is(err, reconcile.TerminalError(nil))
	if terminal {
		state = gardencorev1beta1.LastOperationStateFailed
	}
	description := fmt.Sprintf("Error %s the %s: %v", lowerFirst(verb), r.Kind, err)
	now := metav1.NewTime(r.Clock.Now())
	patchErr := r.patchStatus(ctx, obj, before, func(s extensionsv1alpha1.Status) {
		progress := progressProcessing
		if last := s.GetLastOperation(); last != nil {
			progress = last.Progress
		}
		s.SetLastOperation(r.lastOperation(opType, state, progress, description))
		s.SetLastError(&gardencorev1beta1.LastError{Description: description, LastUpdateTime: &now})
		s.SetObservedGeneration(before.GetGeneration())
	})
	if patchErr == nil && terminal {
		patchErr = r.patchMeta(ctx, log, obj, false, true)
	}
	return errors.Join(fmt.Errorf("%s the %s: %w", lowerFirst(verb), r.Kind, err), patchErr)
}

// cluster reads the Cluster for namespaced objects of class shoot, nil for others.
func (r *Reconciler[T]) cluster(ctx context.Context, obj T) (*Cluster, error) {
	if obj.GetNamespace() == "" {
		return nil, nil
	}
	if class := obj.GetExtensionSpec().GetExtensionClass(); class != nil && *class != extensionsv1alpha1.ExtensionClassShoot {
		return nil, nil
	}
	return GetCluster(ctx, r.ClusterReader, obj.GetNamespace())
}

// lastOperation builds a last operation stamped with the clock's time.
func (r *Reconciler[T]) lastOperation(t gardencorev1beta1.LastOperationType, s gardencorev1beta1.LastOperationState, progress int32, description string) *gardencorev1beta1.LastOperation {
	return &gardencorev1beta1.LastOperation{
		Type:           t,
		State:          s,
		Progress:       progress,
		Description:    description,
		LastUpdateTime: metav1.NewTime(r.Clock.Now()),
	}
}

// patchStatus changes obj's status with mutate and writes it with a merge patch to the
// status subresource. The patch holds the difference to base (a copy of obj from before
// the actuator ran, so that the actuator's changes go along), or to obj as it is if base
// is nil. It never carries a resourceVersion: status writes do not conflict.
func (r *Reconciler[T]) patchStatus(ctx context.Context, obj T, base client.Object, mutate func(extensionsv1alpha1.Status)) error {
	if base == nil {
		base = obj.DeepCopyObject().(client.Object)
	} else {
		base = base.DeepCopyObject().(client.Object)
		base.SetResourceVersion(obj.GetResourceVersion())
	}
	mutate(obj.GetExtensionStatus())
	if err := r.Client.Status().Patch(ctx, obj, client.MergeFrom(base)); err != nil {
		return fmt.Errorf("writing the status of the %s %s: %w", r.Kind, client.ObjectKeyFromObject(obj), err)
	}
	return nil
}

// ensureFinalizer adds the finalizer if it is missing.
func (r *Reconciler[T]) ensureFinalizer(ctx context.Context, log logr.Logger, obj T) error {
	if controllerutil.ContainsFinalizer(obj, r.Finalizer) {
		return nil
	}
	patch := client.MergeFromWithOptions(obj.DeepCopyObject().(client.Object), client.MergeFromWithOptimisticLock{})
	controllerutil.AddFinalizer(obj, r.Finalizer)
	if err := r.Client.Patch(ctx, obj, patch); err != nil {
		return fmt.Errorf("adding the finalizer %s to the %s %s: %w", r.Finalizer, r.Kind, client.ObjectKeyFromObject(obj), err)
	}
	log.V(1).Info("Added finalizer", "finalizer", r.Finalizer)
	return nil
}

// patchMeta removes the finalizer and/or the operation annotation in one patch, if there
// is anything to remove.
func (r *Reconciler[T]) patchMeta(ctx context.Context, log logr.Logger, obj T, removeFinalizer, removeAnnotation bool) error {
	patch := client.MergeFromWithOptions(obj.DeepCopyObject().(client.Object), client.MergeFromWithOptimisticLock{})
	changed := removeFinalizer && controllerutil.RemoveFinalizer(obj, r.Finalizer)
	if annotations := obj.GetAnnotations(); removeAnnotation {
		if _, ok := annotations[v1beta1constants.GardenerOperation]; ok {
			delete(annotations, v1beta1constants.GardenerOperation)
			obj.SetAnnotations(annotations)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	if err := r.Client.Patch(ctx, obj, patch); err != nil {
		if removeFinalizer && apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("removing the finalizer or the %s annotation of the %s %s: %w", v1beta1constants.GardenerOperation, r.Kind, client.ObjectKeyFromObject(obj), err)
	}
	log.V(1).Info("Released object", "removedFinalizer", removeFinalizer, "removedAnnotation", removeAnnotation)
	return nil
}

// requestedOperation is the value of the operation annotation if it is one this
// controller acts on, else "".
func requestedOperation(obj client.Object) string {
	switch op := obj.GetAnnotations()[v1beta1constants.GardenerOperation]; op {
	case v1beta1constants.GardenerOperationReconcile, v1beta1constants.GardenerOperationMigrate, v1beta1constants.GardenerOperationRestore:
		return op
	}
	return ""
}

// unfinished reports whether the last operation is of type t and did not succeed.
func unfinished(obj extensionsv1alpha1.Object, t gardencorev1beta1.LastOperationType) bool {
	last := obj.GetExtensionStatus().GetLastOperation()
	return last != nil && last.Type == t && last.State != gardencorev1beta1.LastOperationStateSucceeded
}

// isMigrated reports whether the object was migrated away from this seed.
func isMigrated(obj extensionsv1alpha1.Object) bool {
	last := obj.GetExtensionStatus().GetLastOperation()
	return last != nil && last.Type == gardencorev1beta1.LastOperationTypeMigrate && last.State == gardencorev1beta1.LastOperationStateSucceeded
}

// needsReconcile reports whether the object is not reconciled at its generation.
func needsReconcile(obj extensionsv1alpha1.Object) bool {
	status := obj.GetExtensionStatus()
	last := status.GetLastOperation()
	return last == nil || last.State != gardencorev1beta1.LastOperationStateSucceeded || status.GetObservedGeneration() != obj.GetGeneration()
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}
