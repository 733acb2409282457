package extension_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
)

const (
	testType  = "test"
	namespace = "shoot--project--name"
	finalizer = "extensions.gardener.cloud/test"
)

var (
	scheme = runtime.NewScheme()
	now    = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

func init() {
	utilruntime.Must(extensionsv1alpha1.AddToScheme(scheme))
}

// call is one call of an actuator method.
type call struct {
	method  string
	name    string
	cluster *extension.Cluster
}

// recorder is an Actuator that records its calls and returns err from each.
type recorder struct {
	mu    sync.Mutex
	calls []call
	err   error
	// state, if set, is what each call puts into the object's status.state in memory.
	state string
}

func (a *recorder) record(method string, obj extensionsv1alpha1.Object, cluster *extension.Cluster) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, call{method: method, name: obj.GetName(), cluster: cluster})
	if a.state != "" {
		obj.GetExtensionStatus().SetState(&runtime.RawExtension{Raw: []byte(a.state)})
	}
	return a.err
}

func (a *recorder) methods() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, c := range a.calls {
		out = append(out, c.method)
	}
	return out
}

func (a *recorder) Reconcile(_ context.Context, _ logr.Logger, obj extensionsv1alpha1.Object, cluster *extension.Cluster) error {
	return a.record("Reconcile", obj, cluster)
}

func (a *recorder) Delete(_ context.Context, _ logr.Logger, obj extensionsv1alpha1.Object, cluster *extension.Cluster) error {
	return a.record("Delete", obj, cluster)
}

// migrator is a recorder that also implements Migrator.
type migrator struct{ *recorder }

func (a migrator) Migrate(_ context.Context, _ logr.Logger, obj extensionsv1alpha1.Object, cluster *extension.Cluster) error {
	return a.record("Migrate", obj, cluster)
}

func (a migrator) Restore(_ context.Context, _ logr.Logger, obj extensionsv1alpha1.Object, cluster *extension.Cluster) error {
	return a.record("Restore", obj, cluster)
}

var _ extension.Migrator[extensionsv1alpha1.Object] = migrator{}

// newObject returns an object of kind k named "obj" of type typ at generation 1.
func newObject(t *testing.T, k extension.Kind, typ string) extensionsv1alpha1.Object {
	t.Helper()
	obj := k.NewObject()
	// Every kind's spec has "type" (DefaultSpec), so a JSON overlay sets it for all.
	if err := json.Unmarshal([]byte(`{"spec":{"type":"`+typ+`"}}`), obj); err != nil {
		t.Fatal(err)
	}
	obj.SetName("obj")
	if k.Namespaced {
		obj.SetNamespace(namespace)
	}
	obj.SetGeneration(1)
	return obj
}

// clusterObject is a valid Cluster for namespace.
func clusterObject() *extensionsv1alpha1.Cluster {
	return &extensionsv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: namespace},
		Spec: extensionsv1alpha1.ClusterSpec{
			Shoot:        runtime.RawExtension{Raw: []byte(`{"apiVersion":"core.gardener.cloud/v1beta1","kind":"Shoot","metadata":{"name":"name","namespace":"garden-project"},"spec":{"region":"local"}}`)},
			Seed:         runtime.RawExtension{Raw: []byte(`{"apiVersion":"core.gardener.cloud/v1beta1","kind":"Seed","metadata":{"name":"local"}}`)},
			CloudProfile: runtime.RawExtension{Raw: []byte(`{"apiVersion":"core.gardener.cloud/v1beta1","kind":"CloudProfile","metadata":{"name":"local"}}`)},
		},
	}
}

func annotate(op string) func(extensionsv1alpha1.Object) {
	return func(o extensionsv1alpha1.Object) {
		o.SetAnnotations(map[string]string{v1beta1constants.GardenerOperation: op})
	}
}

func withFinalizer(o extensionsv1alpha1.Object) { o.SetFinalizers([]string{finalizer}) }

func deleting(o extensionsv1alpha1.Object) {
	o.SetFinalizers([]string{finalizer})
	o.SetDeletionTimestamp(ptr.To(metav1.NewTime(now.Add(-time.Minute))))
}

func withLastOperation(t gardencorev1beta1.LastOperationType, s gardencorev1beta1.LastOperationState, observed int64) func(extensionsv1alpha1.Object) {
	return func(o extensionsv1alpha1.Object) {
		o.GetExtensionStatus().SetLastOperation(&gardencorev1beta1.LastOperation{Type: t, State: s, LastUpdateTime: metav1.NewTime(now.Add(-time.Hour))})
		o.GetExtensionStatus().SetObservedGeneration(observed)
	}
}

func atGeneration(g int64) func(extensionsv1alpha1.Object) {
	return func(o extensionsv1alpha1.Object) { o.SetGeneration(g) }
}

// outcome is what a case expects after one Reconcile.
type outcome struct {
	err        string // substring of the returned error; "" for none
	terminal   bool
	calls      []string
	gone       bool
	untouched  bool // the object's resourceVersion did not change
	finalizer  bool
	annotation bool
	lastOp     *gardencorev1beta1.LastOperation // Type, State, Progress compared; description as substring
	lastError  string                           // substring of status.lastError.description; "" for none
	observed   int64
	state      string // JSON of status.state; "" for none
	requeue    time.Duration
}

func TestReconcileEveryKind(t *testing.T) {
	var (
		create    = gardencorev1beta1.LastOperationTypeCreate
		reconcil  = gardencorev1beta1.LastOperationTypeReconcile
		del       = gardencorev1beta1.LastOperationTypeDelete
		migrate   = gardencorev1beta1.LastOperationTypeMigrate
		restore   = gardencorev1beta1.LastOperationTypeRestore
		succeeded = gardencorev1beta1.LastOperationStateSucceeded
		errState  = gardencorev1beta1.LastOperationStateError
		failed    = gardencorev1beta1.LastOperationStateFailed
		op        = func(t gardencorev1beta1.LastOperationType, s gardencorev1beta1.LastOperationState, p int32, d string) *gardencorev1beta1.LastOperation {
			return &gardencorev1beta1.LastOperation{Type: t, State: s, Progress: p, Description: d}
		}
	)
	cases := []struct {
		name           string
		typ            string // default testType
		mutate         []func(extensionsv1alpha1.Object)
		migrator       bool
		actuatorErr    error
		actuatorState  string
		noCluster      bool
		namespacedOnly bool
		want           outcome
	}{
		{
			name:   "a new annotated object is created: finalizer, Succeeded, observedGeneration, annotation removed",
			mutate: []func(extensionsv1alpha1.Object){annotate(v1beta1constants.GardenerOperationReconcile)},
			want: outcome{calls: []string{"Reconcile"}, finalizer: true, observed: 1,
				lastOp: op(create, succeeded, 100, "Reconciling the ")},
		},
		{
			name: "a new object without annotation is created too",
			want: outcome{calls: []string{"Reconcile"}, finalizer: true, observed: 1, lastOp: op(create, succeeded, 100, "succeeded")},
		},
		{
			name:        "an actuator error gives Error and lastError, keeps the annotation and is returned for a retry",
			mutate:      []func(extensionsv1alpha1.Object){annotate(v1beta1constants.GardenerOperationReconcile)},
			actuatorErr: errors.New("boom"),
			want: outcome{err: "boom", calls: []string{"Reconcile"}, finalizer: true, annotation: true, observed: 1,
				lastOp: op(create, errState, 1, "Error reconciling the "), lastError: "boom"},
		},
		{
			name:        "a terminal error gives Failed and removes the annotation",
			mutate:      []func(extensionsv1alpha1.Object){annotate(v1beta1constants.GardenerOperationReconcile)},
			actuatorErr: reconcile.TerminalError(errors.New("invalid providerConfig")),
			want: outcome{err: "invalid providerConfig", terminal: true, calls: []string{"Reconcile"}, finalizer: true, observed: 1,
				lastOp: op(create, failed, 1, "invalid providerConfig"), lastError: "invalid providerConfig"},
		},
		{
			name:        "an actuator that waits stays Processing without lastError and is requeued after its delay",
			mutate:      []func(extensionsv1alpha1.Object){annotate(v1beta1constants.GardenerOperationReconcile)},
			actuatorErr: extension.RequeueAfter(errors.New("waiting for machines"), 3*time.Second),
			want: outcome{requeue: 3 * time.Second, calls: []string{"Reconcile"}, finalizer: true, annotation: true,
				lastOp: op(create, gardencorev1beta1.LastOperationStateProcessing, 1, ": waiting for machines")},
		},
		{
			name:          "the actuator's status changes are written with the outcome",
			actuatorState: `{"vpc":"a"}`,
			want: outcome{calls: []string{"Reconcile"}, finalizer: true, observed: 1, state: `{"vpc":"a"}`,
				lastOp: op(create, succeeded, 100, "")},
		},
		{
			name:          "the actuator's status changes are written with an error too",
			actuatorState: `{"vpc":"partial"}`,
			actuatorErr:   errors.New("boom"),
			want: outcome{err: "boom", calls: []string{"Reconcile"}, finalizer: true, observed: 1, state: `{"vpc":"partial"}`,
				lastOp: op(create, errState, 1, "boom"), lastError: "boom"},
		},
		{
			name:   "an object reconciled at its generation without annotation is not actuated again",
			mutate: []func(extensionsv1alpha1.Object){withFinalizer, withLastOperation(reconcil, succeeded, 1)},
			want:   outcome{untouched: true, finalizer: true, observed: 1, lastOp: op(reconcil, succeeded, 0, "")},
		},
		{
			name:   "a new generation is reconciled",
			mutate: []func(extensionsv1alpha1.Object){withFinalizer, withLastOperation(reconcil, succeeded, 1), atGeneration(2)},
			want:   outcome{calls: []string{"Reconcile"}, finalizer: true, observed: 2, lastOp: op(reconcil, succeeded, 100, "")},
		},
		{
			name: "the reconcile annotation reconciles a reconciled object again",
			mutate: []func(extensionsv1alpha1.Object){withFinalizer, withLastOperation(create, succeeded, 1),
				annotate(v1beta1constants.GardenerOperationReconcile)},
			want: outcome{calls: []string{"Reconcile"}, finalizer: true, observed: 1, lastOp: op(reconcil, succeeded, 100, "")},
		},
		{
			name:   "an object whose last operation errored is retried as the same operation",
			mutate: []func(extensionsv1alpha1.Object){withFinalizer, withLastOperation(create, errState, 1)},
			want:   outcome{calls: []string{"Reconcile"}, finalizer: true, observed: 1, lastOp: op(create, succeeded, 100, "")},
		},
		{
			name:   "an object of another type is ignored",
			typ:    "other",
			mutate: []func(extensionsv1alpha1.Object){annotate(v1beta1constants.GardenerOperationReconcile)},
			want:   outcome{untouched: true, annotation: true},
		},
		{
			name:   "an unknown annotation value is no request",
			mutate: []func(extensionsv1alpha1.Object){withFinalizer, withLastOperation(reconcil, succeeded, 1), annotate("wait-for-state")},
			want:   outcome{untouched: true, finalizer: true, annotation: true, observed: 1, lastOp: op(reconcil, succeeded, 0, "")},
		},
		{
			name:   "an object waiting for its state is left alone",
			mutate: []func(extensionsv1alpha1.Object){annotate(v1beta1constants.GardenerOperationWaitForState)},
			want:   outcome{untouched: true, annotation: true},
		},
		{
			name:   "deletion runs Delete and removes the finalizer",
			mutate: []func(extensionsv1alpha1.Object){withLastOperation(reconcil, succeeded, 1), deleting},
			want:   outcome{calls: []string{"Delete"}, gone: true},
		},
		{
			name:        "a failed deletion keeps the finalizer and records the error",
			mutate:      []func(extensionsv1alpha1.Object){withLastOperation(reconcil, succeeded, 1), deleting},
			actuatorErr: errors.New("still in use"),
			want: outcome{err: "still in use", calls: []string{"Delete"}, finalizer: true, observed: 1,
				lastOp: op(del, errState, 1, "Error deleting the "), lastError: "still in use"},
		},
		{
			name:     "migrate with a Migrator runs Migrate and releases the object",
			mutate:   []func(extensionsv1alpha1.Object){withFinalizer, withLastOperation(reconcil, succeeded, 1), annotate(v1beta1constants.GardenerOperationMigrate)},
			migrator: true,
			want:     outcome{calls: []string{"Migrate"}, observed: 1, lastOp: op(migrate, succeeded, 100, "Migrating the ")},
		},
		{
			name:   "migrate without a Migrator only releases the object",
			mutate: []func(extensionsv1alpha1.Object){withFinalizer, withLastOperation(reconcil, succeeded, 1), annotate(v1beta1constants.GardenerOperationMigrate)},
			want:   outcome{observed: 1, lastOp: op(migrate, succeeded, 100, "")},
		},
		{
			name:     "migrate wins over deletion",
			mutate:   []func(extensionsv1alpha1.Object){withLastOperation(reconcil, succeeded, 1), deleting, annotate(v1beta1constants.GardenerOperationMigrate)},
			migrator: true,
			want:     outcome{calls: []string{"Migrate"}, gone: true},
		},
		{
			name:   "a migrated object is skipped, even at a new generation",
			mutate: []func(extensionsv1alpha1.Object){withLastOperation(migrate, succeeded, 1), atGeneration(2)},
			want:   outcome{untouched: true, observed: 1, lastOp: op(migrate, succeeded, 0, "")},
		},
		{
			name:     "restore with a Migrator runs Restore",
			mutate:   []func(extensionsv1alpha1.Object){withLastOperation(migrate, succeeded, 1), annotate(v1beta1constants.GardenerOperationRestore)},
			migrator: true,
			want:     outcome{calls: []string{"Restore"}, finalizer: true, observed: 1, lastOp: op(restore, succeeded, 100, "Restoring the ")},
		},
		{
			name:   "restore without a Migrator runs Reconcile",
			mutate: []func(extensionsv1alpha1.Object){withLastOperation(migrate, succeeded, 1), annotate(v1beta1constants.GardenerOperationRestore)},
			want:   outcome{calls: []string{"Reconcile"}, finalizer: true, observed: 1, lastOp: op(restore, succeeded, 100, "")},
		},
		{
			name:           "a missing Cluster is an Error that says so, and the actuator does not run",
			mutate:         []func(extensionsv1alpha1.Object){annotate(v1beta1constants.GardenerOperationReconcile)},
			noCluster:      true,
			namespacedOnly: true,
			want: outcome{err: "there is no Cluster", finalizer: true, annotation: true, observed: 1,
				lastOp: op(create, errState, 1, "there is no Cluster"), lastError: "there is no Cluster"},
		},
		{
			name:           "a deletion without Cluster says how to release the object",
			mutate:         []func(extensionsv1alpha1.Object){withLastOperation(reconcil, succeeded, 1), deleting},
			noCluster:      true,
			namespacedOnly: true,
			want: outcome{err: "remove its finalizer extensions.gardener.cloud/test", finalizer: true, observed: 1,
				lastOp: op(del, errState, 1, "there is no Cluster"), lastError: "remove its finalizer"},
		},
	}

	for _, k := range extension.Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					if tc.namespacedOnly && !k.Namespaced {
						t.Skip("cluster-scoped kinds read no Cluster")
					}
					g := NewWithT(t)
					ctx := context.Background()
					typ := tc.typ
					if typ == "" {
						typ = testType
					}
					obj := newObject(t, k, typ)
					for _, m := range tc.mutate {
						m(obj)
					}
					objs := []client.Object{obj}
					if !tc.noCluster {
						objs = append(objs, clusterObject())
					}
					c := fake.NewClientBuilder().WithScheme(scheme).
						WithStatusSubresource(k.NewObject()).
						WithObjects(objs...).Build()
					before := k.NewObject()
					g.Expect(c.Get(ctx, client.ObjectKeyFromObject(obj), before)).To(Succeed())

					rec := &recorder{err: tc.actuatorErr, state: tc.actuatorState}
					var act extension.Actuator[extensionsv1alpha1.Object] = rec
					if tc.migrator {
						act = migrator{rec}
					}
					r := &extension.Reconciler[extensionsv1alpha1.Object]{
						Args: extension.Args[extensionsv1alpha1.Object]{
							Name: "test-" + k.Name, NewObject: k.NewObject, Type: testType, Actuator: act,
							Clock: clocktesting.NewFakeClock(now),
						},
						Client: c,
					}
					g.Expect(r.Complete(scheme)).To(Succeed())
					g.Expect(r.Kind).To(Equal(k.Name))

					res, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(obj)})
					if res.RequeueAfter != tc.want.requeue {
						t.Errorf("RequeueAfter = %s, want %s", res.RequeueAfter, tc.want.requeue)
					}
					w := tc.want
					if w.err == "" {
						g.Expect(err).NotTo(HaveOccurred())
					} else {
						g.Expect(err).To(MatchError(ContainSubstring(w.err)))
						g.Expect(errors.Is(err, reconcile.TerminalError(nil))).To(Equal(w.terminal), "terminal")
					}
					g.Expect(rec.methods()).To(Equal(w.calls))
					for _, cl := range rec.calls {
						if k.Namespaced {
							g.Expect(cl.cluster).NotTo(BeNil())
							g.Expect(cl.cluster.Shoot.Spec.Region).To(Equal("local"))
						} else {
							g.Expect(cl.cluster).To(BeNil())
						}
					}

					got := k.NewObject()
					err = c.Get(ctx, client.ObjectKeyFromObject(obj), got)
					if w.gone {
						g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "object should be gone, got %v", err)
						return
					}
					g.Expect(err).NotTo(HaveOccurred())
					if w.untouched {
						g.Expect(got.GetResourceVersion()).To(Equal(before.GetResourceVersion()))
					}
					if w.finalizer {
						g.Expect(got.GetFinalizers()).To(ConsistOf(finalizer))
					} else {
						g.Expect(got.GetFinalizers()).To(BeEmpty())
					}
					if w.annotation {
						g.Expect(got.GetAnnotations()).To(HaveKey(v1beta1constants.GardenerOperation))
					} else {
						g.Expect(got.GetAnnotations()).NotTo(HaveKey(v1beta1constants.GardenerOperation))
					}
					status := got.GetExtensionStatus()
					g.Expect(status.GetObservedGeneration()).To(Equal(w.observed))
					if w.lastOp == nil {
						g.Expect(status.GetLastOperation()).To(BeNil())
					} else {
						lo := status.GetLastOperation()
						g.Expect(lo).NotTo(BeNil())
						g.Expect(lo.Type).To(Equal(w.lastOp.Type))
						g.Expect(lo.State).To(Equal(w.lastOp.State))
						if !w.untouched {
							g.Expect(lo.Progress).To(Equal(w.lastOp.Progress))
							g.Expect(lo.Description).To(ContainSubstring(w.lastOp.Description))
							g.Expect(lo.LastUpdateTime.Time).To(BeTemporally("==", now))
						}
					}
					if w.state == "" {
						g.Expect(status.GetState()).To(BeNil())
					} else {
						g.Expect(status.GetState()).NotTo(BeNil())
						g.Expect(status.GetState().Raw).To(MatchJSON(w.state))
					}
					if w.lastError == "" {
						g.Expect(status.GetLastError()).To(BeNil())
					} else {
						le := status.GetLastError()
						g.Expect(le).NotTo(BeNil())
						g.Expect(le.Description).To(ContainSubstring(w.lastError))
						g.Expect(le.LastUpdateTime).NotTo(BeNil())
						g.Expect(le.LastUpdateTime.Time).To(BeTemporally("==", now))
					}
				})
			}
		})
	}
}

// TestReconcileRecovers: an Error is retried, and success clears lastError and the
// annotation, and makes CheckReady pass.
func TestReconcileRecovers(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	k := extension.Kinds()[2] // Infrastructure
	obj := newObject(t, k, testType)
	annotate(v1beta1constants.GardenerOperationReconcile)(obj)
	c := fake.NewClientBuilder().WithScheme(scheme).WithStatusSubresource(k.NewObject()).WithObjects(obj, clusterObject()).Build()
	rec := &recorder{err: errors.New("quota exceeded")}
	r := &extension.Reconciler[extensionsv1alpha1.Object]{
		Args:   extension.Args[extensionsv1alpha1.Object]{Name: "recover", NewObject: k.NewObject, Type: testType, Actuator: rec},
		Client: c,
	}
	g.Expect(r.Complete(scheme)).To(Succeed())
	req := reconcile.Request{NamespacedName: client.ObjectKeyFromObject(obj)}

	_, err := r.Reconcile(ctx, req)
	g.Expect(err).To(MatchError(ContainSubstring("quota exceeded")))
	got := k.NewObject()
	g.Expect(c.Get(ctx, req.NamespacedName, got)).To(Succeed())
	ready := extension.CheckReady(got)
	g.Expect(ready).To(MatchError(extension.ErrNotReady))
	g.Expect(ready).To(MatchError(ContainSubstring("quota exceeded")))

	rec.mu.Lock()
	rec.err = nil
	rec.mu.Unlock()
	_, err = r.Reconcile(ctx, req)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(c.Get(ctx, req.NamespacedName, got)).To(Succeed())
	g.Expect(got.GetExtensionStatus().GetLastError()).To(BeNil())
	g.Expect(got.GetExtensionStatus().GetLastOperation().Type).To(Equal(gardencorev1beta1.LastOperationTypeCreate))
	g.Expect(extension.CheckReady(got)).To(Succeed())
	g.Expect(rec.methods()).To(Equal([]string{"Reconcile", "Reconcile"}))

	// Once reconciled, another request without changes does not run the actuator.
	_, err = r.Reconcile(ctx, req)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rec.methods()).To(HaveLen(2))
}

func TestComplete(t *testing.T) {
	newInfra := func() *extensionsv1alpha1.Infrastructure { return &extensionsv1alpha1.Infrastructure{} }
	c := fake.NewClientBuilder().WithScheme(scheme).Build()
	cases := []struct {
		name    string
		r       *extension.Reconciler[*extensionsv1alpha1.Infrastructure]
		scheme  *runtime.Scheme
		wantErr string
	}{
		{
			name: "defaults the finalizer, the clock and the kind",
			r: &extension.Reconciler[*extensionsv1alpha1.Infrastructure]{
				Args:   extension.Args[*extensionsv1alpha1.Infrastructure]{Name: "x", NewObject: newInfra, Type: "local", Actuator: infraActuator{}},
				Client: c,
			},
			scheme: scheme,
		},
		{
			name:    "reports every missing argument",
			r:       &extension.Reconciler[*extensionsv1alpha1.Infrastructure]{},
			scheme:  scheme,
			wantErr: "Args.Name is empty",
		},
		{
			name: "asks for the extensions API in the scheme",
			r: &extension.Reconciler[*extensionsv1alpha1.Infrastructure]{
				Args:   extension.Args[*extensionsv1alpha1.Infrastructure]{Name: "x", NewObject: newInfra, Type: "local", Actuator: infraActuator{}},
				Client: c,
			},
			scheme:  runtime.NewScheme(),
			wantErr: "add extensions.gardener.cloud/v1alpha1 to the manager's scheme",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			err := tc.r.Complete(tc.scheme)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(tc.r.Finalizer).To(Equal("extensions.gardener.cloud/local"))
			g.Expect(tc.r.Kind).To(Equal("Infrastructure"))
			g.Expect(tc.r.Clock).NotTo(BeNil())
			g.Expect(tc.r.ClusterReader).NotTo(BeNil())
		})
	}
	g := NewWithT(t)
	err := (&extension.Reconciler[*extensionsv1alpha1.Infrastructure]{}).Complete(scheme)
	for _, want := range []string{"Args.Name", "Args.NewObject", "Args.Type", "Args.Actuator", "Client"} {
		g.Expect(err).To(MatchError(ContainSubstring(want)))
	}
}

// infraActuator is a typed Actuator that does nothing.
type infraActuator struct{}

func (infraActuator) Reconcile(context.Context, logr.Logger, *extensionsv1alpha1.Infrastructure, *extension.Cluster) error {
	return nil
}

func (infraActuator) Delete(context.Context, logr.Logger, *extensionsv1alpha1.Infrastructure, *extension.Cluster) error {
	return nil
}
