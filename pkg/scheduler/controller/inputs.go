package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	schedulerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/scheduler/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"

	"github.com/hortus-dev/hortus/pkg/scheduler/decision"
)

// errNoCloudProfile means the shoot references no cloud profile, which only a change of its
// spec can fix.
var errNoCloudProfile = errors.New("shoot references no cloud profile (spec.cloudProfile or spec.cloudProfileName)")

// decide gathers the inputs of a decision for shoot from the garden and makes it.
func (r *ShootScheduler) decide(ctx context.Context, shoot *gardencorev1beta1.Shoot) (decision.Result, error) {
	profile, err := r.cloudProfile(ctx, shoot)
	if err != nil {
		return decision.Result{}, err
	}
	// Decide does not change the seeds, so a shared, uncopied list is safe.
	seeds := &gardencorev1beta1.SeedList{}
	if err := r.Client.List(ctx, seeds, client.UnsafeDisableDeepCopy); err != nil {
		return decision.Result{}, fmt.Errorf("listing seeds: %w", err)
	}
	counter := r.Counter
	if counter == nil {
		counter = ListCounter{Reader: r.Client}
	}
	usage, err := counter.ShootsPerSeed(ctx)
	if err != nil {
		return decision.Result{}, err
	}
	in := decision.Inputs{
		CloudProfileSeedSelector: profile.seedSelector,
		Strategy:                 r.strategy(),
		ShootsPerSeed:            usage,
	}
	if in.Strategy == schedulerconfigv1alpha1.MinimalDistance {
		if in.RegionDistances, err = r.regionDistances(ctx, profile.names); err != nil {
			return decision.Result{}, err
		}
	}
	return decision.Decide(shoot, seeds.Items, in)
}

// resolvedProfile is what the scheduler needs from the shoot's cloud profile.
type resolvedProfile struct {
	seedSelector *gardencorev1beta1.SeedSelector
	// names are the names a region ConfigMap may list the profile under: the referenced
	// profile's, and for a NamespacedCloudProfile also its parent's.
	names []string
}

// cloudProfile resolves spec.cloudProfile, or the deprecated spec.cloudProfileName. For a
// NamespacedCloudProfile it uses the computed status.cloudProfileSpec, or the parent
// CloudProfile's spec while that is not computed yet.
func (r *ShootScheduler) cloudProfile(ctx context.Context, shoot *gardencorev1beta1.Shoot) (resolvedProfile, error) {
	ref := shoot.Spec.CloudProfile
	if ref == nil && ptr.Deref(shoot.Spec.CloudProfileName, "") != "" {
		ref = &gardencorev1beta1.CloudProfileReference{Kind: v1beta1constants.CloudProfileReferenceKindCloudProfile, Name: *shoot.Spec.CloudProfileName}
	}
	if ref == nil || ref.Name == "" {
		return resolvedProfile{}, errNoCloudProfile
	}

	switch ref.Kind {
	case v1beta1constants.CloudProfileReferenceKindCloudProfile, "":
		cp := &gardencorev1beta1.CloudProfile{}
		if err := r.Client.Get(ctx, client.ObjectKey{Name: ref.Name}, cp, client.UnsafeDisableDeepCopy); err != nil {
			return resolvedProfile{}, fmt.Errorf("getting CloudProfile %s: %w", ref.Name, err)
		}
		return resolvedProfile{seedSelector: cp.Spec.SeedSelector, names: []string{cp.Name}}, nil

	case v1beta1constants.CloudProfileReferenceKindNamespacedCloudProfile:
		ncp := &gardencorev1beta1.NamespacedCloudProfile{}
		if err := r.Client.Get(ctx, client.ObjectKey{Namespace: shoot.Namespace, Name: ref.Name}, ncp, client.UnsafeDisableDeepCopy); err != nil {
			return resolvedProfile{}, fmt.Errorf("getting NamespacedCloudProfile %s/%s: %w", shoot.Namespace, ref.Name, err)
		}
		p := resolvedProfile{seedSelector: ncp.Status.CloudProfileSpec.SeedSelector, names: []string{ncp.Name, ncp.Spec.Parent.Name}}
		if ncp.Status.CloudProfileSpec.Type == "" {
			parent := &gardencorev1beta1.CloudProfile{}
			if err := r.Client.Get(ctx, client.ObjectKey{Name: ncp.Spec.Parent.Name}, parent, client.UnsafeDisableDeepCopy); err != nil {
				return resolvedProfile{}, fmt.Errorf("getting CloudProfile %s, the parent of NamespacedCloudProfile %s/%s: %w", ncp.Spec.Parent.Name, ncp.Namespace, ncp.Name, err)
			}
			p.seedSelector = parent.Spec.SeedSelector
		}
		return p, nil

	default:
		return resolvedProfile{}, fmt.Errorf("%w: spec.cloudProfile.kind %q is neither %s nor %s", decision.ErrInvalidShoot, ref.Kind,
			v1beta1constants.CloudProfileReferenceKindCloudProfile, v1beta1constants.CloudProfileReferenceKindNamespacedCloudProfile)
	}
}

// regionDistances reads the region ConfigMap that lists one of profileNames in its
// scheduling.gardener.cloud/cloudprofiles annotation. Without one, it returns nil and the
// strategy compares region names instead.
func (r *ShootScheduler) regionDistances(ctx context.Context, profileNames []string) (decision.RegionDistances, error) {
	namespace := r.RegionConfigNamespace
	if namespace == "" {
		namespace = v1beta1constants.GardenNamespace
	}
	configMaps := &corev1.ConfigMapList{}
	if err := r.Client.List(ctx, configMaps, client.InNamespace(namespace),
		client.MatchingLabels{v1beta1constants.SchedulingPurpose: v1beta1constants.SchedulingPurposeRegionConfig}); err != nil {
		return nil, fmt.Errorf("listing region ConfigMaps: %w", err)
	}
	slices.SortFunc(configMaps.Items, func(a, b corev1.ConfigMap) int { return strings.Compare(a.Name, b.Name) })
	for _, cm := range configMaps.Items {
		for name := range strings.SplitSeq(cm.Annotations[v1beta1constants.AnnotationSchedulingCloudProfiles], ",") {
			if name = strings.TrimSpace(name); name == "" || !slices.Contains(profileNames, name) {
				continue
			}
			d, err := decision.ParseRegionConfig(cm.Data)
			if err != nil {
				return nil, fmt.Errorf("region ConfigMap %s: %w", client.ObjectKeyFromObject(&cm), err)
			}
			logf.FromContext(ctx).V(1).Info("Using region ConfigMap", "configMap", client.ObjectKeyFromObject(&cm))
			return d, nil
		}
	}
	return nil, nil
}
