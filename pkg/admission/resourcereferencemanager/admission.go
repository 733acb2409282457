package resourcereferencemanager

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	"github.com/gardener/gardener/pkg/apis/security"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/admission/cloudprofile"
	"github.com/hortus-dev/hortus/pkg/admission/reader"
)

// PluginName is the name of the plugin.
const PluginName = "ResourceReferenceManager"

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) { return New(), nil })
}

// Plugin checks references between objects of Hortus' API.
type Plugin struct {
	*reader.Handler
}

var _ admission.ValidationInterface = (*Plugin)(nil)

// New returns the plugin.
func New() *Plugin {
	return &Plugin{Handler: reader.NewHandler(admission.Create, admission.Update)}
}

// Validate checks creates and updates of Shoots, SecretBindings, CredentialsBindings and
// NamespacedCloudProfiles, and updates of CloudProfiles; subresources are left alone.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetSubresource() != "" {
		return nil
	}
	var validate func(context.Context, admission.Attributes, client.Reader) error
	switch a.GetKind().GroupKind() {
	case core.Kind("Shoot"):
		validate = ValidateShoot
	case core.Kind("CloudProfile"):
		validate = ValidateCloudProfile
	case core.Kind("NamespacedCloudProfile"):
		validate = ValidateNamespacedCloudProfile
	case core.Kind("SecretBinding"), security.Kind("CredentialsBinding"):
		validate = ValidateBinding
	default:
		return nil
	}
	if err := p.Ready(a); err != nil {
		return err
	}
	return validate(ctx, a, p.Cached())
}

// ValidateShoot requires the cloud profile, the SecretBinding or CredentialsBinding, the
// seed and the ExposureClass that a Shoot references to exist, when they are set or
// changed. Missing objects are NotFound errors at the referencing field. Shoots that are
// being deleted and updates that leave the spec alone are not checked.
func ValidateShoot(ctx context.Context, a admission.Attributes, r client.Reader) error {
	shoot, ok := a.GetObject().(*core.Shoot)
	if !ok {
		return apierrors.NewBadRequest("could not convert object to Shoot")
	}
	old := &core.Shoot{}
	if a.GetOperation() == admission.Update {
		if old, ok = a.GetOldObject().(*core.Shoot); !ok {
			return apierrors.NewBadRequest("could not convert old object to Shoot")
		}
		if apiequality.Semantic.DeepEqual(shoot.Spec, old.Spec) {
			return nil
		}
	}
	if shoot.DeletionTimestamp != nil {
		return nil
	}

	var (
		allErrs field.ErrorList
		spec    = field.NewPath("spec")
		refs    []reference
	)
	if ref, path, ok := cloudprofile.Of(&shoot.Spec); ok {
		if oldRef, _, _ := cloudprofile.Of(&old.Spec); oldRef != ref {
			var obj client.Object = &gardencorev1beta1.CloudProfile{}
			key := client.ObjectKey{Name: ref.Name}
			if ref.Namespaced() {
				obj, key.Namespace = &gardencorev1beta1.NamespacedCloudProfile{}, shoot.Namespace
			}
			refs = append(refs, reference{path, key, obj})
		}
	}
	changed := func(name, oldName *string) bool { return ptr.Deref(name, "") != "" && !ptr.Equal(name, oldName) }
	if changed(shoot.Spec.SecretBindingName, old.Spec.SecretBindingName) {
		refs = append(refs, reference{spec.Child("secretBindingName"),
			client.ObjectKey{Namespace: shoot.Namespace, Name: *shoot.Spec.SecretBindingName}, &gardencorev1beta1.SecretBinding{}})
	}
	if changed(shoot.Spec.CredentialsBindingName, old.Spec.CredentialsBindingName) {
		refs = append(refs, reference{spec.Child("credentialsBindingName"),
			client.ObjectKey{Namespace: shoot.Namespace, Name: *shoot.Spec.CredentialsBindingName}, &securityv1alpha1.CredentialsBinding{}})
	}
	if changed(shoot.Spec.SeedName, old.Spec.SeedName) {
		refs = append(refs, reference{spec.Child("seedName"), client.ObjectKey{Name: *shoot.Spec.SeedName}, &gardencorev1beta1.Seed{}})
	}
	if changed(shoot.Spec.ExposureClassName, old.Spec.ExposureClassName) {
		refs = append(refs, reference{spec.Child("exposureClassName"), client.ObjectKey{Name: *shoot.Spec.ExposureClassName}, &gardencorev1beta1.ExposureClass{}})
	}
	for _, ref := range refs {
		errs, err := ref.check(ctx, r)
		if err != nil {
			return apierrors.NewInternalError(err)
		}
		allErrs = append(allErrs, errs...)
	}
	return invalid(a, shoot.Name, allErrs)
}

// reference is a field that names an object.
type reference struct {
	path *field.Path
	key  client.ObjectKey
	obj  client.Object
}

// check returns a NotFound error at the field when the object does not exist.
func (ref reference) check(ctx context.Context, r client.Reader) (field.ErrorList, error) {
	err := r.Get(ctx, ref.key, ref.obj)
	switch {
	case apierrors.IsNotFound(err):
		return field.ErrorList{field.NotFound(ref.path, ref.key.String())}, nil
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", ref.key, err)
	}
	return nil, nil
}

func invalid(a admission.Attributes, name string, errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	return apierrors.NewInvalid(a.GetKind().GroupKind(), name, errs)
}

// ValidateBinding requires the Quotas that a SecretBinding or CredentialsBinding
// references to exist.
func ValidateBinding(ctx context.Context, a admission.Attributes, r client.Reader) error {
	var (
		name, namespace string
		quotas, old     []corev1.ObjectReference
	)
	switch b := a.GetObject().(type) {
	case *core.SecretBinding:
		name, namespace, quotas = b.Name, b.Namespace, b.Quotas
		if o, ok := a.GetOldObject().(*core.SecretBinding); ok {
			old = o.Quotas
		}
	case *security.CredentialsBinding:
		name, namespace, quotas = b.Name, b.Namespace, b.Quotas
		if o, ok := a.GetOldObject().(*security.CredentialsBinding); ok {
			old = o.Quotas
		}
	default:
		return apierrors.NewBadRequest("could not convert object to a binding")
	}
	if a.GetOperation() == admission.Update && apiequality.Semantic.DeepEqual(quotas, old) {
		return nil
	}
	var allErrs field.ErrorList
	for i, q := range quotas {
		key := client.ObjectKey{Namespace: q.Namespace, Name: q.Name}
		if key.Namespace == "" {
			key.Namespace = namespace
		}
		errs, err := reference{field.NewPath("quotas").Index(i), key, &gardencorev1beta1.Quota{}}.check(ctx, r)
		if err != nil {
			return apierrors.NewInternalError(err)
		}
		allErrs = append(allErrs, errs...)
	}
	return invalid(a, name, allErrs)
}

// ValidateNamespacedCloudProfile requires the parent CloudProfile of a
// NamespacedCloudProfile to exist.
func ValidateNamespacedCloudProfile(ctx context.Context, a admission.Attributes, r client.Reader) error {
	profile, ok := a.GetObject().(*core.NamespacedCloudProfile)
	if !ok {
		return apierrors.NewBadRequest("could not convert object to NamespacedCloudProfile")
	}
	if old, ok := a.GetOldObject().(*core.NamespacedCloudProfile); ok && old.Spec.Parent == profile.Spec.Parent {
		return nil
	}
	if profile.Spec.Parent.Kind != v1beta1constants.CloudProfileReferenceKindCloudProfile {
		// The registry's validation refuses other kinds.
		return nil
	}
	errs, err := reference{field.NewPath("spec", "parent", "name"), client.ObjectKey{Name: profile.Spec.Parent.Name}, &gardencorev1beta1.CloudProfile{}}.check(ctx, r)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	return invalid(a, profile.Name, errs)
}

// maxUsersNamed is how many users of a version an error names.
const maxUsersNamed = 5

// ValidateCloudProfile refuses an update of a CloudProfile that removes a Kubernetes
// version or a machine image version that is still in use: by a Shoot that references the
// CloudProfile or one of its NamespacedCloudProfiles (its own version or a worker pool's),
// or by such a NamespacedCloudProfile, which extends the version. The error names up to
// five users of each version.
func ValidateCloudProfile(ctx context.Context, a admission.Attributes, r client.Reader) error {
	if a.GetOperation() != admission.Update {
		return nil
	}
	profile, ok := a.GetObject().(*core.CloudProfile)
	if !ok {
		return apierrors.NewBadRequest("could not convert object to CloudProfile")
	}
	old, ok := a.GetOldObject().(*core.CloudProfile)
	if !ok {
		return apierrors.NewBadRequest("could not convert old object to CloudProfile")
	}
	if profile.DeletionTimestamp != nil {
		return nil
	}

	removedKubernetes := removedVersions(old.Spec.Kubernetes.Versions, profile.Spec.Kubernetes.Versions)
	removedImages := map[string]sets.Set[string]{}
	for _, oldImage := range old.Spec.MachineImages {
		var versions []core.ExpirableVersion
		if i := slices.IndexFunc(profile.Spec.MachineImages, func(m core.MachineImage) bool { return m.Name == oldImage.Name }); i >= 0 {
			versions = expirable(profile.Spec.MachineImages[i].Versions)
		}
		if removed := removedVersions(expirable(oldImage.Versions), versions); removed.Len() > 0 {
			removedImages[oldImage.Name] = removed
		}
	}
	if removedKubernetes.Len() == 0 && len(removedImages) == 0 {
		return nil
	}

	// users maps a removed version, as the error names it, to who uses it.
	users := map[string][]string{}
	use := func(what, user string) { users[what] = append(users[what], user) }
	kubernetes := func(v string) string { return fmt.Sprintf("Kubernetes version %s", v) }
	image := func(name, v string) string { return fmt.Sprintf("machine image version %s %s", name, v) }

	namespaced := &gardencorev1beta1.NamespacedCloudProfileList{}
	if err := r.List(ctx, namespaced); err != nil {
		return apierrors.NewInternalError(fmt.Errorf("listing namespaced cloud profiles: %w", err))
	}
	children := sets.New[client.ObjectKey]()
	for _, ncp := range namespaced.Items {
		if ncp.DeletionTimestamp != nil || ncp.Spec.Parent.Kind != v1beta1constants.CloudProfileReferenceKindCloudProfile || ncp.Spec.Parent.Name != profile.Name {
			continue
		}
		children.Insert(client.ObjectKeyFromObject(&ncp))
		user := "NamespacedCloudProfile " + client.ObjectKeyFromObject(&ncp).String()
		if ncp.Spec.Kubernetes != nil {
			for _, v := range ncp.Spec.Kubernetes.Versions {
				if removedKubernetes.Has(v.Version) {
					use(kubernetes(v.Version), user)
				}
			}
		}
		for _, m := range ncp.Spec.MachineImages {
			for _, v := range m.Versions {
				if removedImages[m.Name].Has(v.Version) {
					use(image(m.Name, v.Version), user)
				}
			}
		}
	}

	shoots := &gardencorev1beta1.ShootList{}
	if err := r.List(ctx, shoots); err != nil {
		return apierrors.NewInternalError(fmt.Errorf("listing shoots: %w", err))
	}
	for i := range shoots.Items {
		s := &shoots.Items[i]
		ref, ok := cloudprofile.OfV1beta1(&s.Spec)
		if s.DeletionTimestamp != nil || !ok {
			continue
		}
		if ref.Namespaced() && !children.Has(client.ObjectKey{Namespace: s.Namespace, Name: ref.Name}) || !ref.Namespaced() && ref.Name != profile.Name {
			continue
		}
		user := "shoot " + client.ObjectKeyFromObject(s).String()
		if removedKubernetes.Has(s.Spec.Kubernetes.Version) {
			use(kubernetes(s.Spec.Kubernetes.Version), user)
		}
		for _, w := range s.Spec.Provider.Workers {
			if w.Kubernetes != nil && w.Kubernetes.Version != nil && removedKubernetes.Has(*w.Kubernetes.Version) {
				use(kubernetes(*w.Kubernetes.Version), user+" (worker pool "+w.Name+")")
			}
			if img := w.Machine.Image; img != nil && img.Version != nil && removedImages[img.Name].Has(*img.Version) {
				use(image(img.Name, *img.Version), user+" (worker pool "+w.Name+")")
			}
		}
	}
	if len(users) == 0 {
		return nil
	}

	whats := make([]string, 0, len(users))
	for what := range users {
		whats = append(whats, what)
	}
	sort.Strings(whats)
	errs := make([]error, 0, len(whats))
	for _, what := range whats {
		errs = append(errs, fmt.Errorf("cannot remove %s from CloudProfile %q: it is still in use by %s", what, profile.Name, list(users[what])))
	}
	return admission.NewForbidden(a, errors.Join(errs...))
}

// list names up to maxUsersNamed users, and how many more there are.
func list(users []string) string {
	sort.Strings(users)
	users = slices.Compact(users)
	if len(users) <= maxUsersNamed {
		return strings.Join(users, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(users[:maxUsersNamed], ", "), len(users)-maxUsersNamed)
}

func expirable(versions []core.MachineImageVersion) []core.ExpirableVersion {
	out := make([]core.ExpirableVersion, 0, len(versions))
	for _, v := range versions {
		out = append(out, v.ExpirableVersion)
	}
	return out
}

// removedVersions returns the versions of old that are not in current.
func removedVersions(old, current []core.ExpirableVersion) sets.Set[string] {
	removed := sets.New[string]()
	for _, v := range old {
		removed.Insert(v.Version)
	}
	for _, v := range current {
		removed.Delete(v.Version)
	}
	return removed
}
