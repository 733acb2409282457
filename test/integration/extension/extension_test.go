package extension_test

import (
	"context"
	"errors"
	"sync"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
)

// call is one call of the recording actuator.
type call struct {
	Method string
	// Shoot is the name of the Cluster's shoot the call got.
	Shoot string
}

// recorder is an Actuator for Infrastructures that records its calls per object and fails
// for objects it is told to fail.
type recorder struct {
	mu    sync.Mutex
	calls map[client.ObjectKey][]call
	fail  map[client.ObjectKey]error
}

func newRecorder() *recorder {
	return &recorder{calls: map[client.ObjectKey][]call{}, fail: map[client.ObjectKey]error{}}
}

func (r *recorder) record(method string, obj *extensionsv1alpha1.Infrastructure, cluster *extension.Cluster) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := client.ObjectKeyFromObject(obj)
	shoot := ""
	if cluster != nil && cluster.Shoot != nil {
		shoot = cluster.Shoot.Name
	}
	r.calls[key] = append(r.calls[key], call{Method: method, Shoot: shoot})
	return r.fail[key]
}

func (r *recorder) Reconcile(_ context.Context, _ logr.Logger, obj *extensionsv1alpha1.Infrastructure, cluster *extension.Cluster) error {
	return r.record("Reconcile", obj, cluster)
}

func (r *recorder) Delete(_ context.Context, _ logr.Logger, obj *extensionsv1alpha1.Infrastructure, cluster *extension.Cluster) error {
	return r.record("Delete", obj, cluster)
}

// callsOf returns the calls for key so far.
func (r *recorder) callsOf(key client.ObjectKey) []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls[key]...)
}

// failFor makes the calls for key fail with err (nil: succeed).
func (r *recorder) failFor(key client.ObjectKey, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail[key] = err
}

// shootNamespace creates a seed namespace and its Cluster, for a shoot named shoot.
func shootNamespace(ctx context.Context, shoot string) string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "shoot--extension--"}}
	Expect(c.Create(ctx, ns)).To(Succeed())
	DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(c.Delete(ctx, ns))).To(Succeed()) })

	cluster := &extensionsv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: ns.Name},
		Spec: extensionsv1alpha1.ClusterSpec{
			Shoot: runtime.RawExtension{Object: &gardencorev1beta1.Shoot{
				TypeMeta:   metav1.TypeMeta{APIVersion: gardencorev1beta1.SchemeGroupVersion.String(), Kind: "Shoot"},
				ObjectMeta: metav1.ObjectMeta{Name: shoot, Namespace: "garden-extension"},
				Spec:       gardencorev1beta1.ShootSpec{Region: "local", Provider: gardencorev1beta1.Provider{Type: testType}},
			}},
			Seed:         runtime.RawExtension{Raw: []byte(`{"apiVersion":"core.gardener.cloud/v1beta1","kind":"Seed","metadata":{"name":"local"}}`)},
			CloudProfile: runtime.RawExtension{Raw: []byte(`{"apiVersion":"core.gardener.cloud/v1beta1","kind":"CloudProfile","metadata":{"name":"local"}}`)},
		},
	}
	Expect(c.Create(ctx, cluster)).To(Succeed())
	DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(c.Delete(ctx, cluster))).To(Succeed()) })
	return ns.Name
}

// newInfrastructure returns an Infrastructure of type typ in namespace, with the reconcile
// annotation as the gardenlet writes it.
func newInfrastructure(namespace, name, typ string) *extensionsv1alpha1.Infrastructure {
	return &extensionsv1alpha1.Infrastructure{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Namespace:   namespace,
			Annotations: map[string]string{v1beta1constants.GardenerOperation: v1beta1constants.GardenerOperationReconcile},
		},
		Spec: extensionsv1alpha1.InfrastructureSpec{
			DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: typ},
			Region:      "local",
			SecretRef:   corev1.SecretReference{Name: "cloudprovider", Namespace: namespace},
		},
	}
}

// deleteAndWait deletes obj and waits until the controller has released it, before the
// Cluster goes, as the gardenlet deletes a shoot's Cluster last.
func deleteAndWait(ctx context.Context, obj client.Object) {
	GinkgoHelper()
	Expect(client.IgnoreNotFound(c.Delete(ctx, obj))).To(Succeed())
	Eventually(func() error { return c.Get(ctx, client.ObjectKeyFromObject(obj), obj) }).Should(Satisfy(apierrors.IsNotFound))
}

// ready checks the current state of obj with CheckReady.
func ready(ctx context.Context, obj *extensionsv1alpha1.Infrastructure) func() error {
	return func() error {
		if err := c.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		return extension.CheckReady(obj)
	}
}

// methods are the methods of calls.
func methods(calls []call) []string {
	out := []string{}
	for _, c := range calls {
		out = append(out, c.Method)
	}
	return out
}

var _ = Describe("the generic extension controller", func() {
	It("reconciles a new Infrastructure, again on request, and deletes it", func(ctx context.Context) {
		ns := shootNamespace(ctx, "crud")
		infra := newInfrastructure(ns, "infra", testType)
		key := client.ObjectKeyFromObject(infra)
		Expect(c.Create(ctx, infra)).To(Succeed())

		By("reporting success once the actuator reconciled it")
		Eventually(ready(ctx, infra)).Should(Succeed())
		Expect(infra.Finalizers).To(ConsistOf("extensions.gardener.cloud/test"))
		Expect(infra.Annotations).NotTo(HaveKey(v1beta1constants.GardenerOperation))
		Expect(infra.Status.ObservedGeneration).To(Equal(infra.Generation))
		Expect(infra.Status.LastError).To(BeNil())
		Expect(infra.Status.LastOperation).To(PointTo(MatchFields(IgnoreExtras, Fields{
			"Type": Equal(gardencorev1beta1.LastOperationTypeCreate), "State": Equal(gardencorev1beta1.LastOperationStateSucceeded),
			"Progress": BeEquivalentTo(100),
		})))
		Expect(actuator.callsOf(key)).To(Equal([]call{{Method: "Reconcile", Shoot: "crud"}}))

		By("reconciling again when annotated with gardener.cloud/operation=reconcile")
		patch := client.MergeFrom(infra.DeepCopy())
		metav1.SetMetaDataAnnotation(&infra.ObjectMeta, v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile)
		Expect(c.Patch(ctx, infra, patch)).To(Succeed())
		Eventually(func() []string { return methods(actuator.callsOf(key)) }).Should(Equal([]string{"Reconcile", "Reconcile"}))
		Eventually(ready(ctx, infra)).Should(Succeed())
		Expect(infra.Status.LastOperation.Type).To(Equal(gardencorev1beta1.LastOperationTypeReconcile))

		By("reconciling a new generation")
		patch = client.MergeFrom(infra.DeepCopy())
		infra.Spec.Region = "elsewhere"
		Expect(c.Patch(ctx, infra, patch)).To(Succeed())
		Eventually(ready(ctx, infra)).Should(Succeed())
		Expect(infra.Status.ObservedGeneration).To(BeEquivalentTo(2))
		Expect(methods(actuator.callsOf(key))).To(Equal([]string{"Reconcile", "Reconcile", "Reconcile"}))

		By("running Delete and releasing the object on deletion")
		Expect(c.Delete(ctx, infra)).To(Succeed())
		Eventually(func() error { return c.Get(ctx, key, infra) }).Should(Satisfy(apierrors.IsNotFound))
		Expect(actuator.callsOf(key)).To(HaveLen(4))
		Expect(actuator.callsOf(key)[3]).To(Equal(call{Method: "Delete", Shoot: "crud"}))
	})

	It("shows an actuator error in status.lastError and recovers once the actuator succeeds", func(ctx context.Context) {
		ns := shootNamespace(ctx, "errors")
		infra := newInfrastructure(ns, "infra", testType)
		key := client.ObjectKeyFromObject(infra)
		actuator.failFor(key, errors.New("no quota left in region local"))
		Expect(c.Create(ctx, infra)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { deleteAndWait(ctx, infra) })

		By("recording the error")
		Eventually(func(g Gomega) {
			g.Expect(c.Get(ctx, key, infra)).To(Succeed())
			g.Expect(infra.Status.LastError).To(PointTo(HaveField("Description", ContainSubstring("no quota left in region local"))))
			g.Expect(infra.Status.LastOperation).To(PointTo(HaveField("State", gardencorev1beta1.LastOperationStateError)))
		}).Should(Succeed())
		err := extension.CheckReady(infra)
		Expect(err).To(MatchError(extension.ErrNotReady))
		Expect(err).To(MatchError(ContainSubstring("no quota left in region local")))
		Expect(infra.Annotations).To(HaveKey(v1beta1constants.GardenerOperation))

		By("recovering on a retry once the actuator succeeds")
		actuator.failFor(key, nil)
		Eventually(ready(ctx, infra)).Should(Succeed())
		Expect(infra.Status.LastError).To(BeNil())
		Expect(len(actuator.callsOf(key))).To(BeNumerically(">=", 2))
	})

	It("leaves objects of other types alone", func(ctx context.Context) {
		ns := shootNamespace(ctx, "types")
		other := newInfrastructure(ns, "other", "other")
		Expect(c.Create(ctx, other)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { deleteAndWait(ctx, other) })
		// An object of the controller's type, created after the other one, shows that the
		// controller has seen the namespace's events up to here.
		mine := newInfrastructure(ns, "mine", testType)
		Expect(c.Create(ctx, mine)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { deleteAndWait(ctx, mine) })
		Eventually(ready(ctx, mine)).Should(Succeed())

		Expect(c.Get(ctx, client.ObjectKeyFromObject(other), other)).To(Succeed())
		Expect(other.Finalizers).To(BeEmpty())
		Expect(other.Status.LastOperation).To(BeNil())
		Expect(other.Annotations).To(HaveKey(v1beta1constants.GardenerOperation))
		Expect(actuator.callsOf(client.ObjectKeyFromObject(other))).To(BeEmpty())
	})
})
