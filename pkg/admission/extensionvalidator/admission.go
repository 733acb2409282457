package extensionvalidator

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/admission/reader"
)

// PluginName is the name of the plugin. It is on by default; --disable-admission-plugins
// turns it off, e.g. for a garden without extensions.
const PluginName = "ExtensionValidator"

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) { return New(), nil })
}

// Plugin refuses objects that use extension types no ControllerRegistration registers.
type Plugin struct {
	*reader.Handler
}

var _ admission.ValidationInterface = (*Plugin)(nil)

// New returns the plugin.
func New() *Plugin {
	return &Plugin{Handler: reader.NewHandler(admission.Create, admission.Update)}
}

// Validate checks creates and updates of Shoots, Seeds, BackupBuckets and BackupEntries;
// subresources are left alone.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	switch a.GetKind().GroupKind() {
	case core.Kind("Shoot"), core.Kind("Seed"), core.Kind("BackupBucket"), core.Kind("BackupEntry"):
	default:
		return nil
	}
	if a.GetSubresource() != "" {
		return nil
	}
	if err := p.Ready(a); err != nil {
		return err
	}
	err := Validate(ctx, a, p.Cached())
	if apierrors.IsForbidden(err) && p.Live() != nil {
		// A ControllerRegistration created a moment ago (kubectl apply -f of a directory
		// with both) may not be in the cache yet: a refusal is confirmed against the API.
		return Validate(ctx, a, p.Live())
	}
	return err
}

// requirement is an extension kind and type that a field of an object needs.
type requirement struct {
	path *field.Path
	kind string
	typ  string
}

// Validate refuses the object of a when one of the extensions it needs is not registered
// by the spec.resources of a ControllerRegistration (a resource with primary: false does
// not count, nor one whose clusterCompatibility excludes the object's cluster type):
//   - a Shoot with workers: its provider type as ControlPlane, Infrastructure and Worker,
//     its networking type as Network, its machine images as OperatingSystemConfig, its
//     container runtimes as ContainerRuntime, and the exposure of self-hosted control
//     planes as SelfHostedShootExposure;
//   - every Shoot: its extensions as Extension (which must support workerless Shoots for
//     a Shoot without workers) and its primary DNS provider as DNSRecord;
//   - a Seed: its provider type as ControlPlane, its backup provider as BackupBucket and
//     BackupEntry, its DNS provider as DNSRecord when it has an ingress, and its
//     extensions as Extension;
//   - a BackupBucket its provider type, and a BackupEntry its bucket's, as BackupBucket
//     and BackupEntry.
//
// Updates that leave the spec alone and objects being deleted are not checked.
func Validate(ctx context.Context, a admission.Attributes, r client.Reader) error {
	var (
		reqs        []requirement
		clusterType gardencorev1beta1.ClusterType
		workerless  bool
		what        string
	)
	switch obj := a.GetObject().(type) {
	case *core.Shoot:
		old, _ := a.GetOldObject().(*core.Shoot)
		if obj.DeletionTimestamp != nil || old != nil && apiequality.Semantic.DeepEqual(obj.Spec, old.Spec) {
			return nil
		}
		what, clusterType, workerless = "Shoot", gardencorev1beta1.ClusterTypeShoot, len(obj.Spec.Provider.Workers) == 0
		reqs = shootRequirements(&obj.Spec)
	case *core.Seed:
		old, _ := a.GetOldObject().(*core.Seed)
		if obj.DeletionTimestamp != nil || old != nil && apiequality.Semantic.DeepEqual(obj.Spec, old.Spec) {
			return nil
		}
		what, clusterType = "Seed", gardencorev1beta1.ClusterTypeSeed
		reqs = seedRequirements(&obj.Spec)
	case *core.BackupBucket:
		old, _ := a.GetOldObject().(*core.BackupBucket)
		if obj.DeletionTimestamp != nil || old != nil && apiequality.Semantic.DeepEqual(obj.Spec, old.Spec) {
			return nil
		}
		what = "BackupBucket"
		reqs = []requirement{{field.NewPath("spec", "provider", "type"), extensionsv1alpha1.BackupBucketResource, obj.Spec.Provider.Type}}
	case *core.BackupEntry:
		old, _ := a.GetOldObject().(*core.BackupEntry)
		if obj.DeletionTimestamp != nil || old != nil && apiequality.Semantic.DeepEqual(obj.Spec, old.Spec) {
			return nil
		}
		bucket := &gardencorev1beta1.BackupBucket{}
		if err := r.Get(ctx, client.ObjectKey{Name: obj.Spec.BucketName}, bucket); err != nil {
			if apierrors.IsNotFound(err) {
				return nil
			}
			return apierrors.NewInternalError(fmt.Errorf("reading backup bucket %q: %w", obj.Spec.BucketName, err))
		}
		what = "BackupEntry"
		reqs = []requirement{{field.NewPath("spec", "bucketName"), extensionsv1alpha1.BackupEntryResource, bucket.Spec.Provider.Type}}
	default:
		return nil
	}
	if len(reqs) == 0 {
		return nil
	}

	registrations := &gardencorev1beta1.ControllerRegistrationList{}
	if err := r.List(ctx, registrations); err != nil {
		return apierrors.NewInternalError(fmt.Errorf("listing controller registrations: %w", err))
	}
	problems := check(reqs, registrations.Items, clusterType, workerless)
	if len(problems) == 0 {
		return nil
	}
	return admission.NewForbidden(a, fmt.Errorf("the %s uses extensions that are not registered: %s; "+
		"register each kind and type in the spec.resources of a ControllerRegistration",
		what, strings.Join(problems, "; ")))
}

func shootRequirements(spec *core.ShootSpec) []requirement {
	var (
		reqs     []requirement
		specPath = field.NewPath("spec")
		workers  = specPath.Child("provider", "workers")
	)
	if len(spec.Provider.Workers) > 0 {
		for _, kind := range []string{extensionsv1alpha1.ControlPlaneResource, extensionsv1alpha1.InfrastructureResource, extensionsv1alpha1.WorkerResource} {
			reqs = append(reqs, requirement{specPath.Child("provider", "type"), kind, spec.Provider.Type})
		}
		if spec.Networking != nil && ptr.Deref(spec.Networking.Type, "") != "" {
			reqs = append(reqs, requirement{specPath.Child("networking", "type"), extensionsv1alpha1.NetworkResource, *spec.Networking.Type})
		}
	}
	for i, w := range spec.Provider.Workers {
		if w.CRI != nil {
			for j, cr := range w.CRI.ContainerRuntimes {
				reqs = append(reqs, requirement{workers.Index(i).Child("cri", "containerRuntimes").Index(j).Child("type"), extensionsv1alpha1.ContainerRuntimeResource, cr.Type})
			}
		}
		if w.Machine.Image != nil && w.Machine.Image.Name != "" {
			reqs = append(reqs, requirement{workers.Index(i).Child("machine", "image", "name"), extensionsv1alpha1.OperatingSystemConfigResource, w.Machine.Image.Name})
		}
		if cp := w.ControlPlane; cp != nil && cp.Exposure != nil && cp.Exposure.Extension != nil && ptr.Deref(cp.Exposure.Extension.Type, "") != "" {
			reqs = append(reqs, requirement{workers.Index(i).Child("controlPlane", "exposure", "extension", "type"), extensionsv1alpha1.SelfHostedShootExposureResource, *cp.Exposure.Extension.Type})
		}
	}
	if spec.DNS != nil {
		for i, p := range spec.DNS.Providers {
			if t := ptr.Deref(p.Type, ""); t != "" && t != core.DNSUnmanaged && ptr.Deref(p.Primary, false) {
				reqs = append(reqs, requirement{specPath.Child("dns", "providers").Index(i).Child("type"), extensionsv1alpha1.DNSRecordResource, t})
			}
		}
	}
	for i, e := range spec.Extensions {
		reqs = append(reqs, requirement{specPath.Child("extensions").Index(i).Child("type"), extensionsv1alpha1.ExtensionResource, e.Type})
	}
	return reqs
}

func seedRequirements(spec *core.SeedSpec) []requirement {
	specPath := field.NewPath("spec")
	reqs := []requirement{{specPath.Child("provider", "type"), extensionsv1alpha1.ControlPlaneResource, spec.Provider.Type}}
	if spec.Backup != nil {
		reqs = append(reqs,
			requirement{specPath.Child("backup", "provider"), extensionsv1alpha1.BackupBucketResource, spec.Backup.Provider},
			requirement{specPath.Child("backup", "provider"), extensionsv1alpha1.BackupEntryResource, spec.Backup.Provider},
		)
	}
	if spec.Ingress != nil && spec.DNS.Provider != nil {
		reqs = append(reqs, requirement{specPath.Child("dns", "provider", "type"), extensionsv1alpha1.DNSRecordResource, spec.DNS.Provider.Type})
	}
	for i, e := range spec.Extensions {
		reqs = append(reqs, requirement{specPath.Child("extensions").Index(i).Child("type"), extensionsv1alpha1.ExtensionResource, e.Type})
	}
	return reqs
}

// check returns one problem per field and type whose kinds are not registered for
// clusterType, and per Extension type that a workerless Shoot may not use.
func check(reqs []requirement, registrations []gardencorev1beta1.ControllerRegistration, clusterType gardencorev1beta1.ClusterType, workerless bool) []string {
	registered := func(kind, typ string) bool {
		for _, reg := range registrations {
			for _, res := range reg.Spec.Resources {
				if res.Kind != kind || res.Type != typ || !ptr.Deref(res.Primary, true) {
					continue
				}
				if clusterType != "" && len(res.ClusterCompatibility) > 0 && !slices.Contains(res.ClusterCompatibility, clusterType) {
					continue
				}
				return true
			}
		}
		return false
	}
	workerlessSupported := func(typ string) bool {
		for _, reg := range registrations {
			for _, res := range reg.Spec.Resources {
				if res.Kind == extensionsv1alpha1.ExtensionResource && res.Type == typ && ptr.Deref(res.WorkerlessSupported, false) {
					return true
				}
			}
		}
		return false
	}

	type fieldType struct{ path, typ string }
	var (
		order   []fieldType
		missing = map[fieldType][]string{}
	)
	for _, req := range reqs {
		if registered(req.kind, req.typ) {
			continue
		}
		ft := fieldType{req.path.String(), req.typ}
		if _, ok := missing[ft]; !ok {
			order = append(order, ft)
		}
		missing[ft] = append(missing[ft], req.kind)
	}
	var problems []string
	for _, ft := range order {
		kinds := "kind " + missing[ft][0]
		if len(missing[ft]) > 1 {
			kinds = "kinds " + strings.Join(missing[ft], ", ")
		}
		problems = append(problems, fmt.Sprintf("%s: no ControllerRegistration registers %s with type %q", ft.path, kinds, ft.typ))
	}
	if workerless {
		for _, req := range reqs {
			if req.kind == extensionsv1alpha1.ExtensionResource && registered(req.kind, req.typ) && !workerlessSupported(req.typ) {
				problems = append(problems, fmt.Sprintf("%s: extension type %q does not support Shoots without workers (workerlessSupported)", req.path, req.typ))
			}
		}
	}
	return problems
}
