package controllermanager_test

import (
	"context"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	confirmDeletion = "confirmation.gardener.cloud/deletion"
	labelRole       = "gardener.cloud/role"
	labelProject    = "project.gardener.cloud/name"
	annKeep         = "namespace.gardener.cloud/keep-after-project-deletion"
)

func user(name string) rbacv1.Subject {
	return rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: name}
}

func group(name string) rbacv1.Subject {
	return rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: name}
}

func member(s rbacv1.Subject, role string) gardencorev1beta1.ProjectMember {
	return gardencorev1beta1.ProjectMember{Subject: s, Role: role}
}

// createProject creates a Project owned by the user "owner-<name>" and deletes it (and
// the Shoots in its namespace) after the test.
func createProject(ctx context.Context, name string, namespace *string, members ...gardencorev1beta1.ProjectMember) *gardencorev1beta1.Project {
	GinkgoHelper()
	project := &gardencorev1beta1.Project{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: gardencorev1beta1.ProjectSpec{
			Namespace: namespace,
			Owner:     ptr.To(user("owner-" + name)),
			Members:   members,
		},
	}
	Expect(c.Create(ctx, project)).To(Succeed())
	DeferCleanup(func(ctx context.Context) {
		p := &gardencorev1beta1.Project{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(project), p); err != nil {
			Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%v", err)
			return
		}
		if p.Spec.Namespace != nil {
			shoots := &gardencorev1beta1.ShootList{}
			Expect(c.List(ctx, shoots, client.InNamespace(*p.Spec.Namespace))).To(Succeed())
			for i := range shoots.Items {
				confirmAndDelete(ctx, &shoots.Items[i])
			}
		}
		confirmAndDelete(ctx, p)
	})
	return project
}

// confirmAndDelete annotates obj for the DeletionConfirmation admission plugin and deletes it.
func confirmAndDelete(ctx context.Context, obj client.Object) {
	GinkgoHelper()
	patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[confirmDeletion] = "true"
	obj.SetAnnotations(annotations)
	Expect(client.IgnoreNotFound(c.Patch(ctx, obj, patch))).To(Succeed())
	Expect(client.IgnoreNotFound(c.Delete(ctx, obj))).To(Succeed())
}

// waitForPhase waits until the controller has observed the Project's generation and
// reports phase, and returns the Project.
func waitForPhase(ctx context.Context, name string, phase gardencorev1beta1.ProjectPhase) *gardencorev1beta1.Project {
	GinkgoHelper()
	project := &gardencorev1beta1.Project{}
	Eventually(ctx, func(g Gomega) {
		g.Expect(c.Get(ctx, client.ObjectKey{Name: name}, project)).To(Succeed())
		g.Expect(project.Status.ObservedGeneration).To(Equal(project.Generation))
		g.Expect(project.Status.Phase).To(Equal(phase))
	}).Should(Succeed())
	return project
}

// newShoot returns Gardener's workerless provider-local example Shoot as namespace/name.
func newShoot(namespace, name string) *gardencorev1beta1.Shoot {
	GinkgoHelper()
	shoot := &gardencorev1beta1.Shoot{}
	decodeExample("provider-local/shoot-workerless.yaml", shoot)
	shoot.Name, shoot.Namespace = name, namespace
	if shoot.Spec.Kubernetes.Version == "" {
		shoot.Spec.Kubernetes.Version = "1.33.0"
	}
	return shoot
}

// projectEvents returns the notes of the events with reason on the Project name.
func projectEvents(ctx context.Context, name, reason string) []string {
	GinkgoHelper()
	list := &eventsv1.EventList{}
	Expect(c.List(ctx, list, client.InNamespace(metav1.NamespaceDefault))).To(Succeed())
	var notes []string
	for _, e := range list.Items {
		if e.Regarding.Kind == "Project" && e.Regarding.Name == name && e.Reason == reason {
			notes = append(notes, e.Note)
		}
	}
	return notes
}

// projectRBACNames are the ClusterRoles and ClusterRoleBindings of the Project name.
func projectRBACNames(name string) []string {
	return []string{
		"gardener.cloud:system:project:" + name,
		"gardener.cloud:system:project-member:" + name,
		"gardener.cloud:system:project-viewer:" + name,
		"gardener.cloud:system:project-uam:" + name,
	}
}

var _ = Describe("Project controller", func() {
	It("creates the namespace and grants each member exactly the rights of their role", func(ctx context.Context) {
		createProject(ctx, "members", nil,
			member(user("alice"), gardencorev1beta1.ProjectMemberAdmin),
			member(user("bob"), gardencorev1beta1.ProjectMemberViewer),
			member(group("auditors"), gardencorev1beta1.ProjectMemberViewer),
		)
		project := waitForPhase(ctx, "members", gardencorev1beta1.ProjectReady)
		Expect(project.Finalizers).To(ContainElement("gardener"))
		Expect(project.Spec.Namespace).NotTo(BeNil(), "the controller records the namespace")
		ns := *project.Spec.Namespace
		Expect(ns).To(MatchRegexp(`^garden-members-[0-9a-f]{5}$`))

		namespace := &corev1.Namespace{}
		Expect(c.Get(ctx, client.ObjectKey{Name: ns}, namespace)).To(Succeed())
		Expect(namespace.Labels).To(HaveKeyWithValue(labelRole, "project"))
		Expect(namespace.Labels).To(HaveKeyWithValue(labelProject, "members"))
		Expect(namespace.Annotations).NotTo(HaveKey(annKeep), "a namespace the controller created goes with the project")
		Expect(namespace.OwnerReferences).To(ConsistOf(HaveField("UID", project.UID)))

		By("an admin (member role) creates, reads and deletes Shoots and Secrets")
		alice := userClient("alice")
		Expect(alice.Create(ctx, newShoot(ns, "alice"))).To(Succeed())
		Expect(alice.List(ctx, &gardencorev1beta1.ShootList{}, client.InNamespace(ns))).To(Succeed())
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: ns}, StringData: map[string]string{"k": "v"}}
		Expect(alice.Create(ctx, secret)).To(Succeed())
		Expect(alice.Get(ctx, client.ObjectKeyFromObject(secret), &corev1.Secret{})).To(Succeed())
		Expect(alice.Get(ctx, client.ObjectKey{Name: "members"}, &gardencorev1beta1.Project{})).To(Succeed())

		By("the owner is a member too, and may change the Project")
		owner := userClient("owner-members")
		Expect(owner.Create(ctx, newShoot(ns, "owner"))).To(Succeed())
		p := &gardencorev1beta1.Project{}
		Expect(owner.Get(ctx, client.ObjectKey{Name: "members"}, p)).To(Succeed())
		patch := client.MergeFrom(p.DeepCopy())
		p.Spec.Description = ptr.To("changed by the owner")
		Expect(owner.Patch(ctx, p, patch)).To(Succeed())

		By("a viewer lists and reads Shoots, but creates none and reads no Secrets")
		for _, viewer := range []client.Client{userClient("bob"), userClient("carol", "auditors")} {
			shoots := &gardencorev1beta1.ShootList{}
			Expect(viewer.List(ctx, shoots, client.InNamespace(ns))).To(Succeed())
			Expect(shoots.Items).To(HaveLen(2))
			Expect(viewer.Get(ctx, client.ObjectKey{Namespace: ns, Name: "alice"}, &gardencorev1beta1.Shoot{})).To(Succeed())
			Expect(viewer.Create(ctx, newShoot(ns, "viewer"))).To(Satisfy(apierrors.IsForbidden))
			Expect(viewer.Delete(ctx, &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "alice"}})).To(Satisfy(apierrors.IsForbidden))
			Expect(viewer.Get(ctx, client.ObjectKeyFromObject(secret), &corev1.Secret{})).To(Satisfy(apierrors.IsForbidden))
			Expect(viewer.List(ctx, &corev1.SecretList{}, client.InNamespace(ns))).To(Satisfy(apierrors.IsForbidden))
			Expect(viewer.Get(ctx, client.ObjectKey{Name: "members"}, &gardencorev1beta1.Project{})).To(Succeed())
			p := &gardencorev1beta1.Project{ObjectMeta: metav1.ObjectMeta{Name: "members"}}
			Expect(viewer.Patch(ctx, p, client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"description":"x"}}`)))).To(Satisfy(apierrors.IsForbidden))
		}

		By("a non-member gets nothing")
		mallory := userClient("mallory")
		Expect(mallory.List(ctx, &gardencorev1beta1.ShootList{}, client.InNamespace(ns))).To(Satisfy(apierrors.IsForbidden))
		Expect(mallory.Create(ctx, newShoot(ns, "mallory"))).To(Satisfy(apierrors.IsForbidden))
		Expect(mallory.Get(ctx, client.ObjectKey{Name: "members"}, &gardencorev1beta1.Project{})).To(Satisfy(apierrors.IsForbidden))
		Expect(mallory.Get(ctx, client.ObjectKeyFromObject(secret), &corev1.Secret{})).To(Satisfy(apierrors.IsForbidden))
	})

	It("puts back RBAC that someone else changed or deleted", func(ctx context.Context) {
		createProject(ctx, "drift", nil, member(user("dana"), gardencorev1beta1.ProjectMemberViewer))
		ns := *waitForPhase(ctx, "drift", gardencorev1beta1.ProjectReady).Spec.Namespace

		rb := &rbacv1.RoleBinding{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gardener.cloud:system:project-viewer"}, rb)).To(Succeed())
		Expect(c.Delete(ctx, rb)).To(Succeed())
		Eventually(ctx, func(g Gomega) {
			got := &rbacv1.RoleBinding{}
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(rb), got)).To(Succeed())
			g.Expect(got.UID).NotTo(Equal(rb.UID))
			g.Expect(got.Subjects).To(ConsistOf(user("dana")))
		}).Should(Succeed())

		crb := &rbacv1.ClusterRoleBinding{}
		Expect(c.Get(ctx, client.ObjectKey{Name: "gardener.cloud:system:project-viewer:drift"}, crb)).To(Succeed())
		crb.Subjects = append(crb.Subjects, user("eve"))
		Expect(c.Update(ctx, crb)).To(Succeed())
		Eventually(ctx, func(g Gomega) {
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(crb), crb)).To(Succeed())
			g.Expect(crb.Subjects).To(ConsistOf(user("dana")))
		}).Should(Succeed())
	})

	It("grants extension roles the rules aggregated to them, and drops them with the role", func(ctx context.Context) {
		createProject(ctx, "ext", nil, member(user("gina"), "extension:cfg"))
		ns := *waitForPhase(ctx, "ext", gardencorev1beta1.ProjectReady).Spec.Namespace
		gina := userClient("gina")
		Expect(gina.List(ctx, &corev1.ConfigMapList{}, client.InNamespace(ns))).To(Satisfy(apierrors.IsForbidden))

		By("an extension labels a ClusterRole for the role")
		role := &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "test:extension:cfg", Labels: map[string]string{"rbac.gardener.cloud/aggregate-to-extension-role": "cfg"}},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list"}}},
		}
		Expect(c.Create(ctx, role)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(c.Delete(ctx, role))).To(Succeed()) })
		Eventually(ctx, func() error { return gina.List(ctx, &corev1.ConfigMapList{}, client.InNamespace(ns)) }).Should(Succeed())
		Expect(gina.List(ctx, &corev1.SecretList{}, client.InNamespace(ns))).To(Satisfy(apierrors.IsForbidden))

		By("the member loses the role")
		project := &gardencorev1beta1.Project{}
		Expect(c.Get(ctx, client.ObjectKey{Name: "ext"}, project)).To(Succeed())
		patch := client.MergeFrom(project.DeepCopy())
		for i := range project.Spec.Members {
			if project.Spec.Members[i].Name == "gina" {
				project.Spec.Members[i].Role = gardencorev1beta1.ProjectMemberViewer
				project.Spec.Members[i].Roles = nil
			}
		}
		Expect(c.Patch(ctx, project, patch)).To(Succeed())
		Eventually(ctx, func() error {
			return c.Get(ctx, client.ObjectKey{Name: "gardener.cloud:extension:project:ext:cfg"}, &rbacv1.ClusterRole{})
		}).Should(Satisfy(apierrors.IsNotFound))
		Eventually(ctx, func() error {
			return c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gardener.cloud:extension:project:ext:cfg"}, &rbacv1.RoleBinding{})
		}).Should(Satisfy(apierrors.IsNotFound))
		Eventually(ctx, func() error { return gina.List(ctx, &corev1.ConfigMapList{}, client.InNamespace(ns)) }).Should(Succeed(), "as viewer")
		Expect(gina.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: ns}})).To(Satisfy(apierrors.IsForbidden))
	})

	It("refuses its deletion while Shoots are left, then releases the namespace and RBAC", func(ctx context.Context) {
		project := createProject(ctx, "deletion", nil)
		project = waitForPhase(ctx, project.Name, gardencorev1beta1.ProjectReady)
		ns := *project.Spec.Namespace
		for _, name := range projectRBACNames(project.Name) {
			Expect(c.Get(ctx, client.ObjectKey{Name: name}, &rbacv1.ClusterRole{})).To(Succeed(), name)
			Expect(c.Get(ctx, client.ObjectKey{Name: name}, &rbacv1.ClusterRoleBinding{})).To(Succeed(), name)
		}
		shoot := newShoot(ns, "blocker")
		Expect(c.Create(ctx, shoot)).To(Succeed())

		By("deleting the project while it has a Shoot")
		confirmAndDelete(ctx, project)
		waitForPhase(ctx, project.Name, gardencorev1beta1.ProjectTerminating)
		Eventually(ctx, func() []string { return projectEvents(ctx, project.Name, "NamespaceNotEmpty") }).
			Should(ContainElement(ContainSubstring("still contains 1 Shoot(s)")))
		Consistently(ctx, func(g Gomega) {
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(project), &gardencorev1beta1.Project{})).To(Succeed())
			namespace := &corev1.Namespace{}
			g.Expect(c.Get(ctx, client.ObjectKey{Name: ns}, namespace)).To(Succeed())
			g.Expect(namespace.DeletionTimestamp).To(BeNil())
		}).WithTimeout(3e9).Should(Succeed())

		By("deleting the Shoot lets the deletion finish")
		confirmAndDelete(ctx, shoot)
		Eventually(ctx, func() error {
			return c.Get(ctx, client.ObjectKeyFromObject(project), &gardencorev1beta1.Project{})
		}).Should(Satisfy(apierrors.IsNotFound))

		// Without a kube-controller-manager in the test garden, the namespace never finishes
		// terminating: its deletion must have begun.
		namespace := &corev1.Namespace{}
		err := c.Get(ctx, client.ObjectKey{Name: ns}, namespace)
		if !apierrors.IsNotFound(err) {
			Expect(err).NotTo(HaveOccurred())
			Expect(namespace.DeletionTimestamp).NotTo(BeNil(), "the namespace is being deleted")
		}
		for _, name := range projectRBACNames(project.Name) {
			Expect(c.Get(ctx, client.ObjectKey{Name: name}, &rbacv1.ClusterRole{})).To(Satisfy(apierrors.IsNotFound), name)
			Expect(c.Get(ctx, client.ObjectKey{Name: name}, &rbacv1.ClusterRoleBinding{})).To(Satisfy(apierrors.IsNotFound), name)
		}
		Expect(c.Get(ctx, client.ObjectKey{Name: "gardener.cloud:system:project-member"}, &rbacv1.ClusterRole{})).To(Succeed(), "the shared roles stay")
	})

	It("adopts a labelled namespace and keeps it after the project", func(ctx context.Context) {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name:   "garden-adopt",
			Labels: map[string]string{labelRole: "project", labelProject: "adopt", "team": "a"},
		}}
		Expect(c.Create(ctx, namespace)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(c.Delete(ctx, namespace))).To(Succeed()) })

		project := createProject(ctx, "adopt", ptr.To("garden-adopt"), member(user("frank"), gardencorev1beta1.ProjectMemberAdmin))
		project = waitForPhase(ctx, project.Name, gardencorev1beta1.ProjectReady)
		Expect(c.Get(ctx, client.ObjectKeyFromObject(namespace), namespace)).To(Succeed())
		Expect(namespace.Annotations).To(HaveKeyWithValue(annKeep, "true"))
		Expect(namespace.OwnerReferences).To(ConsistOf(HaveField("UID", project.UID)))
		Expect(userClient("frank").Create(ctx, newShoot("garden-adopt", "frank"))).To(Succeed())
		confirmAndDelete(ctx, newShoot("garden-adopt", "frank"))

		confirmAndDelete(ctx, project)
		Eventually(ctx, func() error {
			return c.Get(ctx, client.ObjectKeyFromObject(project), &gardencorev1beta1.Project{})
		}).Should(Satisfy(apierrors.IsNotFound))

		Expect(c.Get(ctx, client.ObjectKeyFromObject(namespace), namespace)).To(Succeed())
		Expect(namespace.DeletionTimestamp).To(BeNil(), "the namespace is kept")
		Expect(namespace.Labels).To(Equal(map[string]string{"team": "a", "kubernetes.io/metadata.name": "garden-adopt"}))
		Expect(namespace.Annotations).NotTo(HaveKey(annKeep))
		Expect(namespace.OwnerReferences).To(BeEmpty())
		bindings := &rbacv1.RoleBindingList{}
		Expect(c.List(ctx, bindings, client.InNamespace("garden-adopt"))).To(Succeed())
		Expect(bindings.Items).To(BeEmpty(), "the project's RoleBindings are gone")
	})

	It("fails on a namespace of another project and leaves it alone", func(ctx context.Context) {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name:   "garden-taken",
			Labels: map[string]string{labelRole: "project", labelProject: "other"},
		}}
		Expect(c.Create(ctx, namespace)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(c.Delete(ctx, namespace))).To(Succeed()) })

		createProject(ctx, "taken", ptr.To("garden-taken"))
		waitForPhase(ctx, "taken", gardencorev1beta1.ProjectFailed)
		Eventually(ctx, func() []string { return projectEvents(ctx, "taken", "NamespaceReconcileFailed") }).
			Should(ContainElement(ContainSubstring(`namespace "garden-taken" belongs to project "other"`)))
		Expect(c.Get(ctx, client.ObjectKeyFromObject(namespace), namespace)).To(Succeed())
		Expect(namespace.Labels).To(HaveKeyWithValue(labelProject, "other"))
		Expect(namespace.OwnerReferences).To(BeEmpty())
	})
})
