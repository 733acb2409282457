package controllerregistration

import (
	"context"
	"errors"
	"fmt"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Reconciler keeps, for one Seed at a time, a ControllerInstallation for every
// ControllerRegistration the seed requires (see Required), and deletes the
// ControllerInstallations of the registrations it no longer requires.
//
// Installations are matched to registrations by spec.registrationRef and spec.seedRef, not
// by name, so installations that Gardener created with generateName are adopted. New ones
// get the deterministic name InstallationName. When a Seed is gone, its installations are
// deleted.
type Reconciler struct {
	// Client reads Seeds, Shoots, ControllerRegistrations and ControllerInstallations
	// (from the manager's cache) and writes ControllerInstallations. Defaults to the
	// manager's client.
	Client client.Client
	// Config is the controller's section of the controller manager configuration.
	Config controllermanagerconfigv1alpha1.ControllerRegistrationControllerConfiguration
}

// Reconcile brings the ControllerInstallations of the Seed named by req in line with what
// the seed requires.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	seedName := req.Name

	seed := &gardencorev1beta1.Seed{}
	if err := r.Client.Get(ctx, client.ObjectKey{Name: seedName}, seed); err != nil {
		if !apierrors.IsNotFound(err) {
			return reconcile.Result{}, fmt.Errorf("reading the seed: %w", err)
		}
		seed = nil
	}

	installations := &gardencorev1beta1.ControllerInstallationList{}
	if err := r.Client.List(ctx, installations); err != nil {
		return reconcile.Result{}, fmt.Errorf("listing ControllerInstallations: %w", err)
	}
	existing := map[string]*gardencorev1beta1.ControllerInstallation{}
	for i := range installations.Items {
		inst := &installations.Items[i]
		if inst.Spec.SeedRef != nil && inst.Spec.SeedRef.Name == seedName {
			existing[inst.Spec.RegistrationRef.Name] = inst
		}
	}

	wanted := map[string]*gardencorev1beta1.ControllerRegistration{}
	if seed != nil {
		var err error
		if wanted, err = r.wantedRegistrations(ctx, seed); err != nil {
			return reconcile.Result{}, err
		}
	}

	var errs []error
	for name, registration := range wanted {
		if err := r.ensure(ctx, seedName, registration, existing[name]); err != nil {
			errs = append(errs, err)
		}
	}
	for name, inst := range existing {
		if _, ok := wanted[name]; ok || inst.DeletionTimestamp != nil {
			continue
		}
		if err := r.Client.Delete(ctx, inst); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("deleting ControllerInstallation %s: %w", inst.Name, err))
			continue
		}
		log.Info("Deleted ControllerInstallation no longer required", "controllerInstallation", client.ObjectKeyFromObject(inst), "controllerRegistration", name)
	}
	return reconcile.Result{}, errors.Join(errs...)
}

// wantedRegistrations returns the ControllerRegistrations seed requires, by name.
func (r *Reconciler) wantedRegistrations(ctx context.Context, seed *gardencorev1beta1.Seed) (map[string]*gardencorev1beta1.ControllerRegistration, error) {
	needs, err := r.needs(ctx, seed)
	if err != nil {
		return nil, err
	}
	registrations := &gardencorev1beta1.ControllerRegistrationList{}
	if err := r.Client.List(ctx, registrations); err != nil {
		return nil, fmt.Errorf("listing ControllerRegistrations: %w", err)
	}
	wanted := map[string]*gardencorev1beta1.ControllerRegistration{}
	var errs []error
	for i := range registrations.Items {
		registration := &registrations.Items[i]
		ok, err := Required(registration, seed, needs)
		if err != nil {
			errs = append(errs, fmt.Errorf("ControllerRegistration %s: %w", registration.Name, err))
			continue
		}
		if ok {
			wanted[registration.Name] = registration
		}
	}
	if len(errs) > 0 {
		// An invalid selector does not heal by retrying; the registration's next update
		// triggers a new reconciliation. Nothing is created or deleted on a partial view.
		return nil, reconcile.TerminalError(errors.Join(errs...))
	}
	return wanted, nil
}

// needs collects the kinds and types in use on seed: its own, and those of every Shoot
// scheduled to it or migrating away from it (spec.seedName or status.seedName).
func (r *Reconciler) needs(ctx context.Context, seed *gardencorev1beta1.Seed) (Needs, error) {
	needs := Needs{KindTypes: SeedKindTypes(seed)}
	if seed.DeletionTimestamp != nil {
		return needs, nil
	}
	shoots := &gardencorev1beta1.ShootList{}
	if err := r.Client.List(ctx, shoots); err != nil {
		return Needs{}, fmt.Errorf("listing Shoots: %w", err)
	}
	backupProvider := ""
	if seed.Spec.Backup != nil {
		backupProvider = seed.Spec.Backup.Provider
	}
	for i := range shoots.Items {
		shoot := &shoots.Items[i]
		if ptr.Deref(shoot.Spec.SeedName, "") != seed.Name && ptr.Deref(shoot.Status.SeedName, "") != seed.Name {
			continue
		}
		needs.HasShoots = true
		needs.KindTypes = needs.KindTypes.Union(ShootKindTypes(shoot, backupProvider))
	}
	return needs, nil
}

// ensure creates the ControllerInstallation of registration on seedName if existing is
// nil, and otherwise points its spec.deploymentRef at the registration's deployment.
func (r *Reconciler) ensure(ctx context.Context, seedName string, registration *gardencorev1beta1.ControllerRegistration, existing *gardencorev1beta1.ControllerInstallation) error {
	log := logf.FromContext(ctx)
	deploymentRef := deploymentRefOf(registration)
	if existing != nil {
		if existing.DeletionTimestamp != nil || sameDeploymentRef(existing.Spec.DeploymentRef, deploymentRef) {
			return nil
		}
		patch := client.MergeFrom(existing.DeepCopy())
		existing.Spec.DeploymentRef = deploymentRef
		if err := r.Client.Patch(ctx, existing, patch); err != nil {
			return fmt.Errorf("updating spec.deploymentRef of ControllerInstallation %s: %w", existing.Name, err)
		}
		return nil
	}
	inst := &gardencorev1beta1.ControllerInstallation{
		ObjectMeta: metav1.ObjectMeta{Name: InstallationName(registration.Name, seedName)},
		Spec: gardencorev1beta1.ControllerInstallationSpec{
			RegistrationRef: corev1.ObjectReference{Name: registration.Name},
			SeedRef:         &corev1.ObjectReference{Name: seedName},
			DeploymentRef:   deploymentRef,
		},
	}
	if err := r.Client.Create(ctx, inst); err != nil {
		// AlreadyExists means the cache has not seen an earlier create yet (the retry
		// finds it), or another pair of names joins to the same name.
		return fmt.Errorf("creating ControllerInstallation %s: %w", inst.Name, err)
	}
	log.Info("Created ControllerInstallation", "controllerInstallation", client.ObjectKeyFromObject(inst), "controllerRegistration", registration.Name)
	return nil
}

// deploymentRefOf returns a reference to the first ControllerDeployment of registration
// (only one is supported), or nil.
func deploymentRefOf(registration *gardencorev1beta1.ControllerRegistration) *corev1.ObjectReference {
	if d := registration.Spec.Deployment; d != nil && len(d.DeploymentRefs) > 0 {
		return &corev1.ObjectReference{Name: d.DeploymentRefs[0].Name}
	}
	return nil
}

func sameDeploymentRef(a, b *corev1.ObjectReference) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Name == b.Name
}

// seedsOf returns the names of the seeds a Shoot is scheduled to or migrating from.
func seedsOf(shoot *gardencorev1beta1.Shoot) sets.Set[string] {
	out := sets.New[string]()
	for _, name := range []*string{shoot.Spec.SeedName, shoot.Status.SeedName} {
		if n := ptr.Deref(name, ""); n != "" {
			out.Insert(n)
		}
	}
	return out
}
