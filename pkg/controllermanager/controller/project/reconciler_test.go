package project

import (
	"context"
	"strings"
	"testing"
	"time"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	testclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

var testScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(gardencorev1beta1.AddToScheme(s))
	return s
}()

// fixture is a Reconciler on a fake client holding objs.
type fixture struct {
	r        *Reconciler
	c        client.Client
	recorder *events.FakeRecorder
}

func newFixture(cfg controllermanagerconfigv1alpha1.ProjectControllerConfiguration, objs ...client.Object) fixture {
	c := fake.NewClientBuilder().WithScheme(testScheme).WithObjects(objs...).
		WithStatusSubresource(&gardencorev1beta1.Project{}).Build()
	recorder := events.NewFakeRecorder(100)
	return fixture{
		r: &Reconciler{
			Client:                c,
			APIReader:             c,
			Config:                cfg,
			Clock:                 testclock.NewFakePassiveClock(time.Date(2026, 1, 1, 0, 10, 0, 0, time.UTC)),
			Recorder:              recorder,
			ShootsRequeueInterval: 42 * time.Second,
		},
		c:        c,
		recorder: recorder,
	}
}

func (f fixture) reconcile(t *testing.T, name string) (reconcile.Result, error) {
	t.Helper()
	return f.r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKey{Name: name}})
}

// events returns the events recorded so far.
func (f fixture) events() []string {
	var out []string
	for {
		select {
		case e := <-f.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func newProject(name string, namespace *string) *gardencorev1beta1.Project {
	alice := rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "alice"}
	return &gardencorev1beta1.Project{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: "uid-" + "dev", Generation: 1},
		Spec: gardencorev1beta1.ProjectSpec{
			Namespace: namespace,
			Owner:     &alice,
			Members: []gardencorev1beta1.ProjectMember{
				{Subject: rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "bob"}, Role: "viewer"},
			},
		},
	}
}

func TestReconcileCreatesNamespaceAndRBAC(t *testing.T) {
	g := NewWithT(t)
	quota := controllermanagerconfigv1alpha1.QuotaConfiguration{
		ProjectSelector: &metav1.LabelSelector{},
		Config: corev1.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"q": "1"}},
			Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"count/secrets": resource.MustParse("10")}},
		},
	}
	f := newFixture(controllermanagerconfigv1alpha1.ProjectControllerConfiguration{Quotas: []controllermanagerconfigv1alpha1.QuotaConfiguration{quota}},
		newProject("dev", nil))

	res, err := f.reconcile(t, "dev")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res).To(Equal(reconcile.Result{}))

	project := &gardencorev1beta1.Project{}
	g.Expect(f.c.Get(context.Background(), client.ObjectKey{Name: "dev"}, project)).To(Succeed())
	g.Expect(project.Finalizers).To(ConsistOf("gardener"))
	g.Expect(project.Spec.Namespace).To(Equal(ptr.To(DefaultNamespaceName(project))))
	g.Expect(project.Status.Phase).To(Equal(gardencorev1beta1.ProjectReady))
	g.Expect(project.Status.ObservedGeneration).To(Equal(project.Generation))

	ns := &corev1.Namespace{}
	g.Expect(f.c.Get(context.Background(), client.ObjectKey{Name: *project.Spec.Namespace}, ns)).To(Succeed())
	g.Expect(ns.Labels).To(Equal(map[string]string{labelRole: "project", labelProject: "dev"}))
	g.Expect(ns.Annotations).To(HaveKeyWithValue(annCreated, "true"))
	g.Expect(ns.Annotations).NotTo(HaveKey(annKeep))

	rq := &corev1.ResourceQuota{}
	g.Expect(f.c.Get(context.Background(), client.ObjectKey{Namespace: ns.Name, Name: ResourceQuotaName}, rq)).To(Succeed())
	g.Expect(rq.Spec.Hard).To(HaveKey(corev1.ResourceName("count/secrets")))
	g.Expect(rq.Labels).To(HaveKeyWithValue("q", "1"))

	rb := &rbacv1.RoleBinding{}
	g.Expect(f.c.Get(context.Background(), client.ObjectKey{Namespace: ns.Name, Name: ClusterRoleProjectViewer}, rb)).To(Succeed())
	g.Expect(rb.Subjects).To(ConsistOf(HaveField("Name", "bob")))
	g.Expect(f.c.Get(context.Background(), client.ObjectKey{Namespace: ns.Name, Name: ClusterRoleProjectMember}, rb)).To(Succeed())
	g.Expect(rb.Subjects).To(ConsistOf(HaveField("Name", "alice")))
	crb := &rbacv1.ClusterRoleBinding{}
	g.Expect(f.c.Get(context.Background(), client.ObjectKey{Name: "gardener.cloud:system:project:dev"}, crb)).To(Succeed())
	g.Expect(crb.Subjects).To(ConsistOf(HaveField("Name", "alice")))

	member := &rbacv1.ClusterRole{}
	g.Expect(f.c.Get(context.Background(), client.ObjectKey{Name: ClusterRoleProjectMember}, member)).To(Succeed())
	g.Expect(member.AggregationRule).NotTo(BeNil())
	g.Expect(member.Rules).NotTo(BeEmpty(), "the controller fills in the aggregated rules")

	g.Expect(f.events()).To(ContainElement(ContainSubstring("Created namespace")))

	// A second reconciliation changes nothing and succeeds.
	_, err = f.reconcile(t, "dev")
	g.Expect(err).NotTo(HaveOccurred())
}

func TestReconcileRefusesForeignNamespace(t *testing.T) {
	tests := []struct {
		name      string
		namespace *corev1.Namespace
		wantEvent string
	}{
		{
			name:      "unlabelled",
			namespace: &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "garden-dev"}},
			wantEvent: "it needs the labels",
		},
		{
			name: "another project's",
			namespace: &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "garden-dev", Labels: map[string]string{
				labelRole: "project", labelProject: "prod",
			}}},
			wantEvent: `belongs to project "prod"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			f := newFixture(controllermanagerconfigv1alpha1.ProjectControllerConfiguration{}, newProject("dev", ptr.To("garden-dev")), tt.namespace)
			_, err := f.reconcile(t, "dev")
			g.Expect(err).To(HaveOccurred())

			project := &gardencorev1beta1.Project{}
			g.Expect(f.c.Get(context.Background(), client.ObjectKey{Name: "dev"}, project)).To(Succeed())
			g.Expect(project.Status.Phase).To(Equal(gardencorev1beta1.ProjectFailed))
			g.Expect(f.events()).To(ContainElement(And(HavePrefix("Warning NamespaceReconcileFailed"), ContainSubstring(tt.wantEvent))))

			ns := &corev1.Namespace{}
			g.Expect(f.c.Get(context.Background(), client.ObjectKey{Name: "garden-dev"}, ns)).To(Succeed())
			g.Expect(ns.Labels).To(Equal(tt.namespace.Labels), "the namespace is not touched")
			g.Expect(ns.OwnerReferences).To(BeEmpty())
		})
	}
}

// deletingProject is a Project that was reconciled (its namespace and RBAC exist) and is
// being deleted.
func deletingProject(t *testing.T, f fixture) {
	t.Helper()
	g := NewWithT(t)
	_, err := f.reconcile(t, "dev")
	g.Expect(err).NotTo(HaveOccurred())
	project := &gardencorev1beta1.Project{}
	g.Expect(f.c.Get(context.Background(), client.ObjectKey{Name: "dev"}, project)).To(Succeed())
	g.Expect(f.c.Delete(context.Background(), project)).To(Succeed())
	f.events()
}

func TestReconcileDeleteWaitsForShoots(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(controllermanagerconfigv1alpha1.ProjectControllerConfiguration{}, newProject("dev", ptr.To("garden-dev")),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "garden-dev", Labels: map[string]string{labelRole: "project", labelProject: "dev"}}})
	deletingProject(t, f)
	for _, name := range []string{"a", "b"} {
		g.Expect(f.c.Create(context.Background(), &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "garden-dev"}})).To(Succeed())
	}

	res, err := f.reconcile(t, "dev")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).To(Equal(42 * time.Second))

	project := &gardencorev1beta1.Project{}
	g.Expect(f.c.Get(context.Background(), client.ObjectKey{Name: "dev"}, project)).To(Succeed())
	g.Expect(project.Status.Phase).To(Equal(gardencorev1beta1.ProjectTerminating))
	g.Expect(f.events()).To(ConsistOf(And(HavePrefix("Warning NamespaceNotEmpty"), ContainSubstring("still contains 2 Shoot(s)"))))
	g.Expect(f.c.Get(context.Background(), client.ObjectKey{Name: "gardener.cloud:system:project:dev"}, &rbacv1.ClusterRole{})).To(Succeed(), "RBAC stays")
	g.Expect(f.c.Get(context.Background(), client.ObjectKey{Name: "garden-dev"}, &corev1.Namespace{})).To(Succeed(), "the namespace stays")
}

func TestReconcileDeleteReleases(t *testing.T) {
	tests := []struct {
		name string
		// namespace exists before the Project is reconciled; nil: the controller creates it.
		namespace *corev1.Namespace
		// wantKept: the namespace stays, without the project's marks and RoleBindings.
		wantKept bool
	}{
		{name: "created namespace is deleted"},
		{
			name:      "adopted namespace is kept",
			namespace: &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "garden-dev", Labels: map[string]string{labelRole: "project", labelProject: "dev", "team": "a"}}},
			wantKept:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			objs := []client.Object{newProject("dev", ptr.To("garden-dev"))}
			if tt.namespace != nil {
				objs = append(objs, tt.namespace)
			}
			f := newFixture(controllermanagerconfigv1alpha1.ProjectControllerConfiguration{Quotas: []controllermanagerconfigv1alpha1.QuotaConfiguration{{
				Config: corev1.ResourceQuota{Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"count/secrets": resource.MustParse("10")}}},
			}}}, objs...)
			deletingProject(t, f)
			g.Expect(f.c.Get(context.Background(), client.ObjectKey{Namespace: "garden-dev", Name: ResourceQuotaName}, &corev1.ResourceQuota{})).To(Succeed())

			res, err := f.reconcile(t, "dev")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res).To(Equal(reconcile.Result{}))

			g.Expect(f.c.Get(context.Background(), client.ObjectKey{Name: "dev"}, &gardencorev1beta1.Project{})).To(Satisfy(apierrors.IsNotFound), "the project is gone")
			for _, name := range clusterScopedNames("dev") {
				g.Expect(f.c.Get(context.Background(), client.ObjectKey{Name: name}, &rbacv1.ClusterRole{})).To(Satisfy(apierrors.IsNotFound), name)
				g.Expect(f.c.Get(context.Background(), client.ObjectKey{Name: name}, &rbacv1.ClusterRoleBinding{})).To(Satisfy(apierrors.IsNotFound), name)
			}
			g.Expect(f.c.Get(context.Background(), client.ObjectKey{Name: ClusterRoleProjectMember}, &rbacv1.ClusterRole{})).To(Succeed(), "shared roles stay")

			ns := &corev1.Namespace{}
			err = f.c.Get(context.Background(), client.ObjectKey{Name: "garden-dev"}, ns)
			if !tt.wantKept {
				g.Expect(err).To(Satisfy(apierrors.IsNotFound))
				g.Expect(strings.Join(f.events(), "\n")).To(ContainSubstring(`Marked namespace "garden-dev" for deletion`))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(ns.Labels).To(Equal(map[string]string{"team": "a"}))
			g.Expect(ns.Annotations).To(BeEmpty())
			g.Expect(ns.OwnerReferences).To(BeEmpty())
			bindings := &rbacv1.RoleBindingList{}
			g.Expect(f.c.List(context.Background(), bindings, client.InNamespace("garden-dev"))).To(Succeed())
			g.Expect(bindings.Items).To(BeEmpty())
			g.Expect(f.c.Get(context.Background(), client.ObjectKey{Namespace: "garden-dev", Name: ResourceQuotaName}, &corev1.ResourceQuota{})).
				To(Satisfy(apierrors.IsNotFound), "the project's ResourceQuota goes")
		})
	}
}
