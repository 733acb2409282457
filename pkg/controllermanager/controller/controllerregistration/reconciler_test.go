package controllerregistration

import (
	"context"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	testclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

func installationsOf(t *testing.T, c client.Client) map[string]string {
	t.Helper()
	list := &gardencorev1beta1.ControllerInstallationList{}
	if err := c.List(context.Background(), list); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, i := range list.Items {
		out[i.Name] = i.Spec.RegistrationRef.Name + "@" + i.Spec.SeedRef.Name
	}
	return out
}

func TestReconcile(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	scheme := runtime.NewScheme()
	g.Expect(gardencorev1beta1.AddToScheme(scheme)).To(Succeed())

	always := gardencorev1beta1.ControllerDeploymentPolicyAlways
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		&gardencorev1beta1.Seed{ObjectMeta: metav1.ObjectMeta{Name: "seed"}, Spec: gardencorev1beta1.SeedSpec{Provider: gardencorev1beta1.SeedProvider{Type: "local"}}},
		&gardencorev1beta1.ControllerRegistration{ObjectMeta: metav1.ObjectMeta{Name: "local"}, Spec: gardencorev1beta1.ControllerRegistrationSpec{
			Resources: []gardencorev1beta1.ControllerResource{{Kind: KindControlPlane, Type: "local"}},
		}},
		&gardencorev1beta1.ControllerRegistration{ObjectMeta: metav1.ObjectMeta{Name: "foo"}, Spec: gardencorev1beta1.ControllerRegistrationSpec{
			Resources:  []gardencorev1beta1.ControllerResource{{Kind: KindControlPlane, Type: "foo"}},
			Deployment: &gardencorev1beta1.ControllerRegistrationDeployment{DeploymentRefs: []gardencorev1beta1.DeploymentRef{{Name: "foo-deploy"}}},
		}},
		&gardencorev1beta1.ControllerRegistration{ObjectMeta: metav1.ObjectMeta{Name: "always"}, Spec: gardencorev1beta1.ControllerRegistrationSpec{
			Resources:  []gardencorev1beta1.ControllerResource{{Kind: KindExtension, Type: "always"}},
			Deployment: &gardencorev1beta1.ControllerRegistrationDeployment{Policy: &always},
		}},
		// Adopted: made by Gardener with generateName, for a registration still needed.
		&gardencorev1beta1.ControllerInstallation{ObjectMeta: metav1.ObjectMeta{Name: "local-x7k2p"}, Spec: gardencorev1beta1.ControllerInstallationSpec{
			RegistrationRef: corev1.ObjectReference{Name: "local"}, SeedRef: &corev1.ObjectReference{Name: "seed"},
		}},
		// Of a seed that is gone.
		&gardencorev1beta1.ControllerInstallation{ObjectMeta: metav1.ObjectMeta{Name: "local-gone"}, Spec: gardencorev1beta1.ControllerInstallationSpec{
			RegistrationRef: corev1.ObjectReference{Name: "local"}, SeedRef: &corev1.ObjectReference{Name: "gone"},
		}},
	).WithStatusSubresource(&gardencorev1beta1.ControllerInstallation{}).Build()
	r := &Reconciler{Client: c}
	reconcileSeed := func(name string) {
		t.Helper()
		_, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKey{Name: name}})
		g.Expect(err).NotTo(HaveOccurred())
	}

	reconcileSeed("seed")
	g.Expect(installationsOf(t, c)).To(Equal(map[string]string{
		"local-x7k2p": "local@seed", "always-seed": "always@seed", "local-gone": "local@gone",
	}))

	shoot := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-p"}, Spec: gardencorev1beta1.ShootSpec{
		Provider: gardencorev1beta1.Provider{Type: "foo"}, SeedName: ptr.To("seed"),
	}}
	g.Expect(c.Create(ctx, shoot)).To(Succeed())
	reconcileSeed("seed")
	g.Expect(installationsOf(t, c)).To(HaveKeyWithValue("foo-seed", "foo@seed"))
	inst := &gardencorev1beta1.ControllerInstallation{}
	g.Expect(c.Get(ctx, client.ObjectKey{Name: "foo-seed"}, inst)).To(Succeed())
	g.Expect(inst.Spec.DeploymentRef).To(HaveValue(HaveField("Name", "foo-deploy")))

	// Reconciling again changes nothing.
	reconcileSeed("seed")
	g.Expect(installationsOf(t, c)).To(HaveLen(4))

	g.Expect(c.Delete(ctx, shoot)).To(Succeed())
	reconcileSeed("seed")
	reconcileSeed("gone")
	g.Expect(installationsOf(t, c)).To(Equal(map[string]string{"local-x7k2p": "local@seed", "always-seed": "always@seed"}))

	// Every kept installation says why.
	g.Expect(c.Get(ctx, client.ObjectKey{Name: "local-x7k2p"}, inst)).To(Succeed())
	g.Expect(inst.Status.Conditions).To(ConsistOf(And(
		HaveField("Type", gardencorev1beta1.ControllerInstallationRequired),
		HaveField("Status", gardencorev1beta1.ConditionTrue),
		HaveField("Reason", ReasonRequiredBySeed),
		HaveField("Message", "Seed seed requires ControllerRegistration local."),
	)))
}

// TestReconcileKeepsWhatShootsNeed takes the seed away from a registration by its seed
// selector (or deletes the registration) while shoots may still need it.
func TestReconcileKeepsWhatShootsNeed(t *testing.T) {
	now := metav1.Now()
	const seedName = "seed"
	seedLabel := "name.seed.gardener.cloud/" + seedName
	matchesSeed := &metav1.LabelSelector{MatchLabels: map[string]string{seedLabel: "true"}}
	excludesSeed := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: seedLabel, Operator: metav1.LabelSelectorOpDoesNotExist}}}
	registration := func(selector *metav1.LabelSelector, deleting bool) *gardencorev1beta1.ControllerRegistration {
		r := &gardencorev1beta1.ControllerRegistration{ObjectMeta: metav1.ObjectMeta{Name: "provider-local"}, Spec: gardencorev1beta1.ControllerRegistrationSpec{
			Resources: []gardencorev1beta1.ControllerResource{
				{Kind: KindControlPlane, Type: "local"}, {Kind: KindInfrastructure, Type: "local"}, {Kind: KindWorker, Type: "local"}, {Kind: KindBackupEntry, Type: "local"},
			},
			Deployment: &gardencorev1beta1.ControllerRegistrationDeployment{SeedSelector: selector},
		}}
		if deleting {
			r.DeletionTimestamp, r.Finalizers = &now, []string{"core.gardener.cloud/controllerregistration"}
		}
		return r
	}
	shoot := func(name, provider string, specSeed, statusSeed string, mutate ...func(*gardencorev1beta1.Shoot)) *gardencorev1beta1.Shoot {
		s := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "garden-p"}, Spec: gardencorev1beta1.ShootSpec{
			Provider: gardencorev1beta1.Provider{Type: provider},
		}}
		if specSeed != "" {
			s.Spec.SeedName = ptr.To(specSeed)
		}
		if statusSeed != "" {
			s.Status.SeedName = ptr.To(statusSeed)
		}
		for _, m := range mutate {
			m(s)
		}
		return s
	}
	deleting := func(s *gardencorev1beta1.Shoot) {
		s.DeletionTimestamp, s.Finalizers = &now, []string{"gardener"}
	}

	for _, tc := range []struct {
		name         string
		registration *gardencorev1beta1.ControllerRegistration
		backup       string
		shoots       []*gardencorev1beta1.Shoot
		// wantReason is the Required condition's reason of the kept installation; "" for
		// a deleted installation.
		wantReason  string
		wantMessage string
	}{
		{name: "excluded, no shoot", registration: registration(excludesSeed, false)},
		{name: "excluded, a shoot of its type", registration: registration(excludesSeed, false),
			shoots:     []*gardencorev1beta1.Shoot{shoot("a", "local", seedName, "")},
			wantReason: ReasonNeededByShoots, wantMessage: "still needed by shoot garden-p/a:"},
		{name: "excluded, a shoot being deleted", registration: registration(excludesSeed, false),
			shoots:     []*gardencorev1beta1.Shoot{shoot("a", "local", seedName, seedName, deleting)},
			wantReason: ReasonNeededByShoots, wantMessage: "garden-p/a"},
		{name: "excluded, a shoot migrating away by status.seedName", registration: registration(excludesSeed, false),
			shoots:     []*gardencorev1beta1.Shoot{shoot("a", "local", "other", seedName)},
			wantReason: ReasonNeededByShoots, wantMessage: "garden-p/a"},
		{name: "excluded, shoots named in order", registration: registration(excludesSeed, false),
			shoots:     []*gardencorev1beta1.Shoot{shoot("b", "local", seedName, ""), shoot("a", "local", seedName, "")},
			wantReason: ReasonNeededByShoots, wantMessage: "still needed by shoot garden-p/a, garden-p/b:"},
		{name: "excluded, a shoot on another seed", registration: registration(excludesSeed, false),
			shoots: []*gardencorev1beta1.Shoot{shoot("a", "local", "other", "other")}},
		{name: "excluded, a shoot of another type", registration: registration(excludesSeed, false),
			shoots: []*gardencorev1beta1.Shoot{shoot("a", "aws", seedName, "")}},
		{name: "excluded, another type's shoot needs its BackupEntry of the seed's backup provider", registration: registration(excludesSeed, false), backup: "local",
			shoots:     []*gardencorev1beta1.Shoot{shoot("a", "aws", seedName, "")},
			wantReason: ReasonNeededByShoots, wantMessage: "garden-p/a"},
		{name: "registration being deleted, a shoot of its type", registration: registration(matchesSeed, true),
			shoots:     []*gardencorev1beta1.Shoot{shoot("a", "local", seedName, "")},
			wantReason: ReasonNeededByShoots, wantMessage: "garden-p/a"},
		{name: "registration being deleted, no shoot", registration: registration(matchesSeed, true)},
		{name: "selected, no shoot: the seed's own provider type", registration: registration(matchesSeed, false),
			wantReason: ReasonRequiredBySeed, wantMessage: "Seed seed requires ControllerRegistration provider-local."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			scheme := runtime.NewScheme()
			g.Expect(gardencorev1beta1.AddToScheme(scheme)).To(Succeed())
			seed := &gardencorev1beta1.Seed{
				ObjectMeta: metav1.ObjectMeta{Name: seedName, Labels: map[string]string{seedLabel: "true"}},
				Spec:       gardencorev1beta1.SeedSpec{Provider: gardencorev1beta1.SeedProvider{Type: "local"}},
			}
			if tc.backup != "" {
				seed.Spec.Backup = &gardencorev1beta1.Backup{Provider: tc.backup}
			}
			inst := &gardencorev1beta1.ControllerInstallation{ObjectMeta: metav1.ObjectMeta{Name: "provider-local-seed"}, Spec: gardencorev1beta1.ControllerInstallationSpec{
				RegistrationRef: corev1.ObjectReference{Name: "provider-local"}, SeedRef: &corev1.ObjectReference{Name: seedName},
			}}
			objs := []client.Object{seed, tc.registration, inst}
			for _, s := range tc.shoots {
				objs = append(objs, s)
			}
			c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).WithStatusSubresource(inst).Build()
			r := &Reconciler{Client: c}

			_, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKey{Name: seedName}})
			g.Expect(err).NotTo(HaveOccurred())
			got := &gardencorev1beta1.ControllerInstallation{}
			err = c.Get(ctx, client.ObjectKeyFromObject(inst), got)
			if tc.wantReason == "" {
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "want the installation deleted, got %v", err)
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got.Status.Conditions).To(ConsistOf(And(
				HaveField("Type", gardencorev1beta1.ControllerInstallationRequired),
				HaveField("Status", gardencorev1beta1.ConditionTrue),
				HaveField("Reason", tc.wantReason),
				HaveField("Message", ContainSubstring(tc.wantMessage)),
			)))
		})
	}
}

// TestReconcileUninstallsAfterTheLastShoot follows one installation from required, over
// kept for a shoot, to deleted once the shoot is gone.
func TestReconcileUninstallsAfterTheLastShoot(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	scheme := runtime.NewScheme()
	g.Expect(gardencorev1beta1.AddToScheme(scheme)).To(Succeed())
	seed := &gardencorev1beta1.Seed{ObjectMeta: metav1.ObjectMeta{Name: "seed", Labels: map[string]string{"env": "dev"}}, Spec: gardencorev1beta1.SeedSpec{Provider: gardencorev1beta1.SeedProvider{Type: "local"}}}
	registration := &gardencorev1beta1.ControllerRegistration{ObjectMeta: metav1.ObjectMeta{Name: "local"}, Spec: gardencorev1beta1.ControllerRegistrationSpec{
		Resources: []gardencorev1beta1.ControllerResource{{Kind: KindControlPlane, Type: "local"}},
	}}
	shoot := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-p"}, Spec: gardencorev1beta1.ShootSpec{
		Provider: gardencorev1beta1.Provider{Type: "local"}, SeedName: ptr.To("seed"),
	}}
	clk := testclock.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(seed, registration, shoot).
		WithStatusSubresource(&gardencorev1beta1.ControllerInstallation{}).Build()
	r := &Reconciler{Client: c, Clock: clk}
	reconcileSeed := func() {
		t.Helper()
		_, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKey{Name: "seed"}})
		g.Expect(err).NotTo(HaveOccurred())
	}
	required := func() *gardencorev1beta1.Condition {
		t.Helper()
		inst := &gardencorev1beta1.ControllerInstallation{}
		g.Expect(c.Get(ctx, client.ObjectKey{Name: "local-seed"}, inst)).To(Succeed())
		for i := range inst.Status.Conditions {
			if inst.Status.Conditions[i].Type == gardencorev1beta1.ControllerInstallationRequired {
				return &inst.Status.Conditions[i]
			}
		}
		return nil
	}

	reconcileSeed()
	g.Expect(installationsOf(t, c)).To(Equal(map[string]string{"local-seed": "local@seed"}))
	g.Expect(required()).To(BeNil(), "a new installation gets its condition at the next reconciliation")
	reconcileSeed()
	g.Expect(required()).To(HaveField("Reason", ReasonRequiredBySeed))
	since := required().LastTransitionTime

	// The operator takes the seed away from the registration while the shoot is there.
	patch := client.MergeFrom(registration.DeepCopy())
	registration.Spec.Deployment = &gardencorev1beta1.ControllerRegistrationDeployment{SeedSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}}
	g.Expect(c.Patch(ctx, registration, patch)).To(Succeed())
	clk.Step(time.Minute)
	reconcileSeed()
	g.Expect(installationsOf(t, c)).To(HaveKey("local-seed"))
	g.Expect(required()).To(And(
		HaveField("Status", gardencorev1beta1.ConditionTrue),
		HaveField("Reason", ReasonNeededByShoots),
		HaveField("Message", ContainSubstring("Seed seed no longer requires ControllerRegistration local")),
		HaveField("Message", ContainSubstring("still needed by shoot garden-p/s")),
		HaveField("LastTransitionTime.Time", BeTemporally("==", since.Time)),
		HaveField("LastUpdateTime.Time", BeTemporally("==", clk.Now())),
	))

	// The shoot is gone: the installation goes.
	g.Expect(c.Delete(ctx, shoot)).To(Succeed())
	reconcileSeed()
	g.Expect(installationsOf(t, c)).To(BeEmpty())
}
