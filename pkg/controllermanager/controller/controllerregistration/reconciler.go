package controllerregistration

import (
	"context"
	"errors"
	"fmt"
	"time"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/seedlifecycle"
)

// Reconciler keeps, for one Seed at a time, a ControllerInstallation for every
// ControllerRegistration the seed requires (see Required), and deletes the
// ControllerInstallations of the registrations it no longer requires once no Shoot on the
// seed needs them (see NeededBy): an installation that leaves the seed's requirements
// while shoots still use the extension, for example because the registration's
// spec.deployment.seedSelector stops matching the seed, stays until those shoots are gone.
// It reports why it keeps an installation in the installation's Required condition (see
// RequiredCondition), and logs when that changes.
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
	// Clock stamps the Required conditions. Defaults to the real clock.
	Clock clock.PassiveClock
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

	var (
		registrations map[string]*gardencorev1beta1.ControllerRegistration
		shoots        []gardencorev1beta1.Shoot
		wanted        = sets.New[string]()
	)
	if seed != nil {
		var err error
		if registrations, err = r.registrations(ctx); err != nil {
			return reconcile.Result{}, err
		}
		if shoots, err = r.shootsOn(ctx, seed); err != nil {
			return reconcile.Result{}, err
		}
		if wanted, err = wantedRegistrations(seed, registrations, shoots); err != nil {
			return reconcile.Result{}, err
		}
	}

	var errs []error
	for name := range wanted {
		inst, err := r.ensure(ctx, seedName, registrations[name], existing[name])
		if err == nil && inst != nil {
			err = r.setRequired(ctx, inst, RequiredCondition(name, seedName, true, nil))
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	for name, inst := range existing {
		if wanted.Has(name) || inst.DeletionTimestamp != nil {
			continue
		}
		if registration := registrations[name]; seed != nil && registration != nil {
			if neededBy := NeededBy(registration, seed, shoots); len(neededBy) > 0 {
				if err := r.setRequired(ctx, inst, RequiredCondition(name, seedName, false, neededBy)); err != nil {
					errs = append(errs, err)
				}
				continue
			}
		}
		if err := r.Client.Delete(ctx, inst); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("deleting ControllerInstallation %s: %w", inst.Name, err))
			continue
		}
		log.Info("Deleted ControllerInstallation no longer required", "controllerInstallation", client.ObjectKeyFromObject(inst), "controllerRegistration", name)
	}
	return reconcile.Result{}, errors.Join(errs...)
}

// registrations returns every ControllerRegistration by name.
func (r *Reconciler) registrations(ctx context.Context) (map[string]*gardencorev1beta1.ControllerRegistration, error) {
	list := &gardencorev1beta1.ControllerRegistrationList{}
	if err := r.Client.List(ctx, list); err != nil {
		return nil, fmt.Errorf("listing ControllerRegistrations: %w", err)
	}
	out := make(map[string]*gardencorev1beta1.ControllerRegistration, len(list.Items))
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out, nil
}

// shootsOn returns the Shoots scheduled to seed or migrating away from it (spec.seedName
// or status.seedName), also those being deleted.
func (r *Reconciler) shootsOn(ctx context.Context, seed *gardencorev1beta1.Seed) ([]gardencorev1beta1.Shoot, error) {
	list := &gardencorev1beta1.ShootList{}
	if err := r.Client.List(ctx, list); err != nil {
		return nil, fmt.Errorf("listing Shoots: %w", err)
	}
	var out []gardencorev1beta1.Shoot
	for _, shoot := range list.Items {
		if seedsOf(&shoot).Has(seed.Name) {
			out = append(out, shoot)
		}
	}
	return out, nil
}

// wantedRegistrations returns the names of the ControllerRegistrations that seed, with
// the Shoots shoots on it, requires.
func wantedRegistrations(seed *gardencorev1beta1.Seed, registrations map[string]*gardencorev1beta1.ControllerRegistration, shoots []gardencorev1beta1.Shoot) (sets.Set[string], error) {
	needs := needsOf(seed, shoots)
	wanted := sets.New[string]()
	var errs []error
	for name, registration := range registrations {
		ok, err := Required(registration, seed, needs)
		if err != nil {
			errs = append(errs, fmt.Errorf("ControllerRegistration %s: %w", name, err))
			continue
		}
		if ok {
			wanted.Insert(name)
		}
	}
	if len(errs) > 0 {
		// An invalid selector does not heal by retrying; the registration's next update
		// triggers a new reconciliation. Nothing is created or deleted on a partial view.
		return nil, reconcile.TerminalError(errors.Join(errs...))
	}
	return wanted, nil
}

// needsOf collects the kinds and types in use on seed: its own, and those of the Shoots
// shoots on it.
func needsOf(seed *gardencorev1beta1.Seed, shoots []gardencorev1beta1.Shoot) Needs {
	needs := Needs{KindTypes: SeedKindTypes(seed)}
	if seed.DeletionTimestamp != nil {
		return needs
	}
	for i := range shoots {
		needs.HasShoots = true
		needs.KindTypes = needs.KindTypes.Union(ShootKindTypes(&shoots[i], backupProvider(seed)))
	}
	return needs
}

// setRequired writes the Required condition c to the installation's status when it
// differs from what the status says, and logs the change.
func (r *Reconciler) setRequired(ctx context.Context, inst *gardencorev1beta1.ControllerInstallation, c gardencorev1beta1.Condition) error {
	conditions, _, changed := seedlifecycle.SetCondition(inst.Status.Conditions, c.Type, c.Status, c.Reason, c.Message, r.now())
	if !changed {
		return nil
	}
	patch := client.MergeFromWithOptions(inst.DeepCopy(), client.MergeFromWithOptimisticLock{})
	inst.Status.Conditions = conditions
	if err := r.Client.Status().Patch(ctx, inst, patch); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("setting the Required condition of ControllerInstallation %s: %w", inst.Name, err)
	}
	log := logf.FromContext(ctx).WithValues("controllerInstallation", client.ObjectKeyFromObject(inst), "controllerRegistration", inst.Spec.RegistrationRef.Name)
	if c.Reason == ReasonNeededByShoots {
		log.Info("Keeping ControllerInstallation that the seed no longer requires while shoots need it", "reason", c.Reason, "message", c.Message)
	} else {
		log.Info("Set the Required condition", "reason", c.Reason)
	}
	return nil
}

func (r *Reconciler) now() time.Time {
	if r.Clock == nil {
		return time.Now()
	}
	return r.Clock.Now()
}

// ensure creates the ControllerInstallation of registration on seedName if existing is
// nil, and otherwise points its spec.deploymentRef at the registration's deployment. It
// returns the existing installation unless that is being deleted, and nil after a create:
// the new installation's event brings the seed back.
func (r *Reconciler) ensure(ctx context.Context, seedName string, registration *gardencorev1beta1.ControllerRegistration, existing *gardencorev1beta1.ControllerInstallation) (*gardencorev1beta1.ControllerInstallation, error) {
	log := logf.FromContext(ctx)
	deploymentRef := deploymentRefOf(registration)
	if existing != nil {
		if existing.DeletionTimestamp != nil {
			return nil, nil
		}
		if sameDeploymentRef(existing.Spec.DeploymentRef, deploymentRef) {
			return existing, nil
		}
		patch := client.MergeFrom(existing.DeepCopy())
		existing.Spec.DeploymentRef = deploymentRef
		if err := r.Client.Patch(ctx, existing, patch); err != nil {
			return nil, fmt.Errorf("updating spec.deploymentRef of ControllerInstallation %s: %w", existing.Name, err)
		}
		return existing, nil
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
		return nil, fmt.Errorf("creating ControllerInstallation %s: %w", inst.Name, err)
	}
	log.Info("Created ControllerInstallation", "controllerInstallation", client.ObjectKeyFromObject(inst), "controllerRegistration", registration.Name)
	return nil, nil
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
