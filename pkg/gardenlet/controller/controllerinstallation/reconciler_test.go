package controllerinstallation_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	gardencorev1 "github.com/gardener/gardener/pkg/apis/core/v1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta/testrestmapper"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/controllerinstallation"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func installation(name, seed, registration string, deployment *corev1.ObjectReference) *gardencorev1beta1.ControllerInstallation {
	return &gardencorev1beta1.ControllerInstallation{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: gardencorev1beta1.ControllerInstallationSpec{
			RegistrationRef: corev1.ObjectReference{Name: registration},
			SeedRef:         &corev1.ObjectReference{Name: seed},
			DeploymentRef:   deployment,
		},
	}
}

func gardenScheme(t *testing.T) *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, gardencorev1beta1.AddToScheme, gardencorev1.AddToScheme} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// fakeExecutor records the sets it runs; its processes are ready at once.
type fakeExecutor struct {
	mu      sync.Mutex
	sets    map[string]component.Set
	deleted []string
}

func (f *fakeExecutor) Deploy(_ context.Context, set component.Set) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sets == nil {
		f.sets = map[string]component.Set{}
	}
	f.sets[set.Name] = set
	return nil
}

func (f *fakeExecutor) Stop(context.Context, string) error { return nil }

func (f *fakeExecutor) Delete(_ context.Context, set string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sets, set)
	f.deleted = append(f.deleted, set)
	return nil
}

func (f *fakeExecutor) Status(_ context.Context, set string) ([]component.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []component.Status
	for _, c := range f.sets[set].Components {
		out = append(out, component.Status{Name: c.Name, Phase: component.PhaseReady})
	}
	return out, nil
}

func TestReconcileReportsWithoutInstalling(t *testing.T) {
	tests := []struct {
		name  string
		inst  *gardencorev1beta1.ControllerInstallation
		extra []client.Object
		// want maps condition type to status and reason; nil means no status written.
		want map[gardencorev1beta1.ConditionType][2]string
	}{
		{
			name: "registration without deployment: nothing to install",
			inst: installation("a-local", "local", "a", nil),
			want: map[gardencorev1beta1.ConditionType][2]string{
				gardencorev1beta1.ControllerInstallationValid:       {"True", controllerinstallation.ReasonRegistrationValid},
				gardencorev1beta1.ControllerInstallationInstalled:   {"True", controllerinstallation.ReasonNothingToInstall},
				gardencorev1beta1.ControllerInstallationHealthy:     {"True", controllerinstallation.ReasonNothingToInstall},
				gardencorev1beta1.ControllerInstallationProgressing: {"False", controllerinstallation.ReasonNothingToInstall},
			},
		},
		{
			name: "missing registration",
			inst: installation("b-local", "local", "b", nil),
			want: map[gardencorev1beta1.ConditionType][2]string{
				gardencorev1beta1.ControllerInstallationValid: {"False", controllerinstallation.ReasonRegistrationNotFound},
			},
		},
		{
			name: "missing deployment",
			inst: installation("a-local", "local", "a", &corev1.ObjectReference{Name: "chart"}),
			want: map[gardencorev1beta1.ConditionType][2]string{
				gardencorev1beta1.ControllerInstallationValid: {"False", controllerinstallation.ReasonDeploymentNotFound},
			},
		},
		{
			name:  "a deployment without an inline chart",
			inst:  installation("a-local", "local", "a", &corev1.ObjectReference{Name: "oci"}),
			extra: []client.Object{&gardencorev1.ControllerDeployment{ObjectMeta: metav1.ObjectMeta{Name: "oci"}, Helm: &gardencorev1.HelmControllerDeployment{}}},
			want: map[gardencorev1beta1.ConditionType][2]string{
				gardencorev1beta1.ControllerInstallationValid: {"False", controllerinstallation.ReasonChartInformationInvalid},
			},
		},
		{
			name: "a chart that does not render",
			inst: installation("a-local", "local", "a", &corev1.ObjectReference{Name: "broken"}),
			extra: []client.Object{&gardencorev1.ControllerDeployment{ObjectMeta: metav1.ObjectMeta{Name: "broken"},
				Helm: &gardencorev1.HelmControllerDeployment{RawChart: []byte("not a tgz")}}},
			want: map[gardencorev1beta1.ConditionType][2]string{
				gardencorev1beta1.ControllerInstallationValid: {"False", controllerinstallation.ReasonChartCannotBeRendered},
			},
		},
		{
			name: "another seed's installation is left alone",
			inst: installation("a-other", "other", "a", nil),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			objs := append([]client.Object{tt.inst, testSeed(), &gardencorev1beta1.ControllerRegistration{ObjectMeta: metav1.ObjectMeta{Name: "a"}}}, tt.extra...)
			c := fake.NewClientBuilder().WithScheme(gardenScheme(t)).WithObjects(objs...).
				WithStatusSubresource(&gardencorev1beta1.ControllerInstallation{}).Build()
			r := &controllerinstallation.Reconciler{GardenClient: c, SeedClient: fake.NewClientBuilder().Build(), SeedName: "local", Clock: clocktesting.NewFakeClock(now)}
			req := reconcile.Request{NamespacedName: client.ObjectKeyFromObject(tt.inst)}
			_, err := r.Reconcile(t.Context(), req)
			g.Expect(err).NotTo(HaveOccurred())
			got := &gardencorev1beta1.ControllerInstallation{}
			g.Expect(c.Get(t.Context(), req.NamespacedName, got)).To(Succeed())
			g.Expect(got.Status.Conditions).To(HaveLen(len(tt.want)))
			for _, cond := range got.Status.Conditions {
				g.Expect(tt.want).To(HaveKeyWithValue(cond.Type, [2]string{string(cond.Status), cond.Reason}))
				g.Expect(cond.Message).NotTo(BeEmpty())
				g.Expect(cond.LastTransitionTime.Time).To(BeTemporally("==", now))
			}

			// A second pass changes nothing: no write, no new times.
			before := got.ResourceVersion
			r.Clock = clocktesting.NewFakeClock(now.Add(time.Hour))
			_, err = r.Reconcile(t.Context(), req)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(c.Get(t.Context(), req.NamespacedName, got)).To(Succeed())
			g.Expect(got.ResourceVersion).To(Equal(before))
		})
	}
}

// TestReconcileInstallsAndUninstalls runs the whole cycle against fake clients: install
// (objects applied, inventory, process set with a token), an update that drops an object
// from the chart, and deletion.
func TestReconcileInstallsAndUninstalls(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	values := func(extra bool) *apiextensionsv1.JSON {
		b, _ := json.Marshal(map[string]any{"greeting": "servus", "extraConfigMap": extra})
		return &apiextensionsv1.JSON{Raw: b}
	}
	dep := &gardencorev1.ControllerDeployment{ObjectMeta: metav1.ObjectMeta{Name: "test"},
		Helm: &gardencorev1.HelmControllerDeployment{RawChart: testChart(t), Values: values(true)}}
	inst := installation("test-local", "local", "test", &corev1.ObjectReference{Name: "test"})
	garden := fake.NewClientBuilder().WithScheme(gardenScheme(t)).
		WithObjects(inst, testSeed(), dep, &gardencorev1beta1.ControllerRegistration{ObjectMeta: metav1.ObjectMeta{Name: "test"}}).
		WithStatusSubresource(&gardencorev1beta1.ControllerInstallation{}).Build()
	seed := fake.NewClientBuilder().WithScheme(clientgoscheme.Scheme).
		WithRESTMapper(testrestmapper.TestOnlyStaticRESTMapper(clientgoscheme.Scheme)).Build()
	ex := &fakeExecutor{}
	stateDir := t.TempDir()
	r := &controllerinstallation.Reconciler{
		GardenClient: garden, SeedClient: seed, SeedName: "local",
		Identity:   controllerinstallation.Identity{Version: "v1.2.3"},
		SeedAccess: access, Processes: ex, ProcessStateDir: stateDir,
		Clock: clocktesting.NewFakeClock(now),
	}
	req := reconcile.Request{NamespacedName: client.ObjectKeyFromObject(inst)}
	const ns = "extension-test"

	res, err := r.Reconcile(ctx, req)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).To(Equal(controllerinstallation.DefaultSyncPeriod))

	got := &gardencorev1beta1.ControllerInstallation{}
	g.Expect(garden.Get(ctx, req.NamespacedName, got)).To(Succeed())
	g.Expect(got.Finalizers).To(ContainElement(controllerinstallation.Finalizer))
	g.Expect(got.Status.Conditions).To(ContainElements(
		And(HaveField("Type", gardencorev1beta1.ControllerInstallationInstalled), HaveField("Status", gardencorev1beta1.ConditionTrue)),
		And(HaveField("Type", gardencorev1beta1.ControllerInstallationHealthy), HaveField("Status", gardencorev1beta1.ConditionTrue)),
	))

	namespace := &corev1.Namespace{}
	g.Expect(seed.Get(ctx, client.ObjectKey{Name: ns}, namespace)).To(Succeed())
	g.Expect(namespace.Labels).To(HaveKeyWithValue("gardener.cloud/role", "extension"))
	cm := &corev1.ConfigMap{}
	g.Expect(seed.Get(ctx, client.ObjectKey{Namespace: ns, Name: "values"}, cm)).To(Succeed())
	g.Expect(cm.Data).To(HaveKeyWithValue("greeting", "servus"))
	g.Expect(seed.Get(ctx, client.ObjectKey{Namespace: ns, Name: "extra"}, &corev1.ConfigMap{})).To(Succeed())
	g.Expect(seed.Get(ctx, client.ObjectKey{Namespace: ns, Name: "controller"}, &corev1.ServiceAccount{})).To(Succeed())
	err = seed.Get(ctx, client.ObjectKey{Namespace: ns, Name: "controller"}, &appsv1.Deployment{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the Hortus-image Deployment runs as a process, it is not applied: %v", err)

	set := ex.sets[ns]
	g.Expect(set.Components).To(HaveLen(1))
	g.Expect(set.Components[0].Args).To(Equal([]string{"provider-test", "--greeting=servus"}))
	g.Expect(set.Components[0].Env).To(ContainElement(component.EnvVar{Name: "NAMESPACE", Value: ns}))
	token, err := os.ReadFile(filepath.Join(stateDir, ns, "controller", controllerinstallation.TokenFile))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(token)).To(Equal("fake-token"))

	inventory := &corev1.ConfigMap{}
	g.Expect(seed.Get(ctx, client.ObjectKey{Namespace: ns, Name: controllerinstallation.InventoryName}, inventory)).To(Succeed())
	g.Expect(inventory.Data["objects"]).To(And(ContainSubstring(`"name":"extra"`), ContainSubstring(`"name":"values"`)))

	By := func(string) {}
	By("dropping a ConfigMap from the chart deletes it")
	g.Expect(garden.Get(ctx, client.ObjectKeyFromObject(dep), dep)).To(Succeed())
	dep.Helm.Values = values(false)
	g.Expect(garden.Update(ctx, dep)).To(Succeed())
	_, err = r.Reconcile(ctx, req)
	g.Expect(err).NotTo(HaveOccurred())
	err = seed.Get(ctx, client.ObjectKey{Namespace: ns, Name: "extra"}, &corev1.ConfigMap{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the ConfigMap that left the chart is gone: %v", err)
	g.Expect(seed.Get(ctx, client.ObjectKey{Namespace: ns, Name: "values"}, cm)).To(Succeed())
	g.Expect(seed.Get(ctx, client.ObjectKey{Namespace: ns, Name: controllerinstallation.InventoryName}, inventory)).To(Succeed())
	g.Expect(inventory.Data["objects"]).NotTo(ContainSubstring(`"name":"extra"`))

	By("deleting the installation removes processes, objects and namespace, then the finalizer")
	g.Expect(garden.Delete(ctx, got)).To(Succeed())
	for range 3 {
		_, err = r.Reconcile(ctx, req)
		g.Expect(err).NotTo(HaveOccurred())
	}
	g.Expect(slices.Contains(ex.deleted, ns)).To(BeTrue())
	g.Expect(ex.sets).NotTo(HaveKey(ns))
	for _, obj := range []client.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "values"}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "controller"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
	} {
		err := seed.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%T %s is gone: %v", obj, obj.GetName(), err)
	}
	err = garden.Get(ctx, req.NamespacedName, got)
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "without the finalizer the installation is gone: %v", err)
}
