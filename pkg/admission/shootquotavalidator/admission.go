package shootquotavalidator

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/admission/cloudprofile"
	"github.com/hortus-dev/hortus/pkg/admission/reader"
)

// PluginName is the name of the plugin.
const PluginName = "ShootQuotaValidator"

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) { return New(), nil })
}

// Plugin enforces the Quotas of Shoots.
type Plugin struct {
	*reader.Handler
}

var _ admission.ValidationInterface = (*Plugin)(nil)

// New returns the plugin.
func New() *Plugin {
	return &Plugin{Handler: reader.NewHandler(admission.Create, admission.Update)}
}

// Validate checks creates and updates of Shoots; subresources are left alone.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetKind().GroupKind() != core.Kind("Shoot") || a.GetSubresource() != "" {
		return nil
	}
	if err := p.Ready(a); err != nil {
		return err
	}
	return Validate(ctx, a, p.Cached())
}

// metrics are the quota metrics that Shoots use.
var metrics = []corev1.ResourceName{
	core.QuotaMetricCPU,
	core.QuotaMetricGPU,
	core.QuotaMetricMemory,
	core.QuotaMetricStorageStandard,
	core.QuotaMetricStoragePremium,
	core.QuotaMetricLoadbalancer,
}

// Validate refuses the Shoot of a when, together with the other Shoots of each Quota that
// its binding references, it needs more than one of the Quota's metrics allows. A Shoot
// needs, per worker pool, the maximum number of machines times the CPUs, GPUs, memory and
// volume size of its machine type (as the cloud profile describes it), and one load
// balancer, two with the nginx-ingress addon. Only updates that change what a Shoot needs
// or its binding are checked, and Shoots being deleted are not.
func Validate(ctx context.Context, a admission.Attributes, r client.Reader) error {
	shoot, ok := a.GetObject().(*core.Shoot)
	if !ok {
		return apierrors.NewBadRequest("could not convert object to Shoot")
	}
	if shoot.DeletionTimestamp != nil {
		return nil
	}
	if a.GetOperation() == admission.Update {
		old, ok := a.GetOldObject().(*core.Shoot)
		if !ok {
			return apierrors.NewBadRequest("could not convert old object to Shoot")
		}
		if !needsCheck(shoot, old) {
			return nil
		}
	}

	refs, err := quotaRefs(ctx, r, shoot.Namespace, shoot.Spec.SecretBindingName, shoot.Spec.CredentialsBindingName)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	profiles := profileCache{}
	own := profiles.resources(ctx, r, shoot.Namespace, workload{pools: poolsOf(shoot), nginx: nginx(shoot.Spec.Addons)}, cloudProfileOf(shoot))
	for _, ref := range refs {
		quota := &gardencorev1beta1.Quota{}
		if err := r.Get(ctx, ref, quota); err != nil {
			if apierrors.IsNotFound(err) {
				return admission.NewForbidden(a, fmt.Errorf("the binding of the shoot references quota %s, which does not exist", ref))
			}
			return apierrors.NewInternalError(err)
		}
		used, err := usage(ctx, r, profiles, quota, shoot)
		if err != nil {
			return apierrors.NewInternalError(err)
		}
		if exceeded := exceededMetrics(quota, used, own); len(exceeded) > 0 {
			return admission.NewForbidden(a, fmt.Errorf("quota %s/%s exceeded: %s", quota.Namespace, quota.Name, strings.Join(exceeded, ", ")))
		}
	}
	return nil
}

// needsCheck tells whether an update may need more of a Quota: a new worker pool, another
// machine type, maximum or volume of a pool, the nginx-ingress addon turned on, or another
// binding.
func needsCheck(shoot, old *core.Shoot) bool {
	if !nginx(old.Spec.Addons) && nginx(shoot.Spec.Addons) ||
		!ptr.Equal(shoot.Spec.SecretBindingName, old.Spec.SecretBindingName) ||
		!ptr.Equal(shoot.Spec.CredentialsBindingName, old.Spec.CredentialsBindingName) {
		return true
	}
	for _, w := range shoot.Spec.Provider.Workers {
		i := slices.IndexFunc(old.Spec.Provider.Workers, func(o core.Worker) bool { return o.Name == w.Name })
		if i < 0 {
			return true
		}
		o := old.Spec.Provider.Workers[i]
		if w.Machine.Type != o.Machine.Type || w.Maximum != o.Maximum || !apiequality.Semantic.DeepEqual(w.Volume, o.Volume) {
			return true
		}
	}
	return false
}

// quotaRefs returns the Quotas that the Shoot's SecretBinding, or else its
// CredentialsBinding, references. A binding that does not exist references none: the
// ResourceReferenceManager reports it.
func quotaRefs(ctx context.Context, r client.Reader, namespace string, secretBinding, credentialsBinding *string) ([]client.ObjectKey, error) {
	var refs []corev1.ObjectReference
	switch {
	case ptr.Deref(secretBinding, "") != "":
		b := &gardencorev1beta1.SecretBinding{}
		if err := r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: *secretBinding}, b); err != nil {
			return nil, client.IgnoreNotFound(err)
		}
		refs = b.Quotas
	case ptr.Deref(credentialsBinding, "") != "":
		b := &securityv1alpha1.CredentialsBinding{}
		if err := r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: *credentialsBinding}, b); err != nil {
			return nil, client.IgnoreNotFound(err)
		}
		refs = b.Quotas
	}
	keys := make([]client.ObjectKey, 0, len(refs))
	for _, ref := range refs {
		keys = append(keys, quotaKey(ref, namespace))
	}
	return keys, nil
}

// quotaKey returns the Quota that ref names; an empty namespace is the binding's.
func quotaKey(ref corev1.ObjectReference, bindingNamespace string) client.ObjectKey {
	if ref.Namespace == "" {
		return client.ObjectKey{Namespace: bindingNamespace, Name: ref.Name}
	}
	return client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}
}

// Quota scopes.
var (
	projectScope          = schema.GroupKind{Group: "core.gardener.cloud", Kind: "Project"}
	secretScope           = schema.GroupKind{Kind: "Secret"}
	workloadIdentityScope = schema.GroupKind{Group: "security.gardener.cloud", Kind: "WorkloadIdentity"}
)

// usage sums what the other Shoots that share quota need: the Shoots of the bindings that
// reference it, in the Shoot's namespace for a Quota of a Project, anywhere for a Quota of
// credentials.
func usage(ctx context.Context, r client.Reader, profiles profileCache, quota *gardencorev1beta1.Quota, shoot *core.Shoot) (corev1.ResourceList, error) {
	var opts []client.ListOption
	switch scope := schema.FromAPIVersionAndKind(quota.Spec.Scope.APIVersion, quota.Spec.Scope.Kind).GroupKind(); scope {
	case projectScope:
		opts = append(opts, client.InNamespace(shoot.Namespace))
	case secretScope, workloadIdentityScope:
	default:
		return nil, fmt.Errorf("quota %s/%s has an unknown scope %s", quota.Namespace, quota.Name, scope)
	}
	key := client.ObjectKeyFromObject(quota)

	secretBindings := &gardencorev1beta1.SecretBindingList{}
	if err := r.List(ctx, secretBindings, opts...); err != nil {
		return nil, fmt.Errorf("listing secret bindings: %w", err)
	}
	credentialsBindings := &securityv1alpha1.CredentialsBindingList{}
	if err := r.List(ctx, credentialsBindings, opts...); err != nil {
		return nil, fmt.Errorf("listing credentials bindings: %w", err)
	}
	references := func(refs []corev1.ObjectReference, namespace string) bool {
		return slices.ContainsFunc(refs, func(ref corev1.ObjectReference) bool { return quotaKey(ref, namespace) == key })
	}
	bySecretBinding, byCredentialsBinding := sets.New[client.ObjectKey](), sets.New[client.ObjectKey]()
	for _, b := range secretBindings.Items {
		if references(b.Quotas, b.Namespace) {
			bySecretBinding.Insert(client.ObjectKeyFromObject(&b))
		}
	}
	for _, b := range credentialsBindings.Items {
		if references(b.Quotas, b.Namespace) {
			byCredentialsBinding.Insert(client.ObjectKeyFromObject(&b))
		}
	}
	if bySecretBinding.Len() == 0 && byCredentialsBinding.Len() == 0 {
		return corev1.ResourceList{}, nil
	}

	shoots := &gardencorev1beta1.ShootList{}
	if err := r.List(ctx, shoots, opts...); err != nil {
		return nil, fmt.Errorf("listing shoots: %w", err)
	}
	used := corev1.ResourceList{}
	for i := range shoots.Items {
		s := &shoots.Items[i]
		if s.Namespace == shoot.Namespace && s.Name == shoot.Name {
			continue
		}
		sb := client.ObjectKey{Namespace: s.Namespace, Name: ptr.Deref(s.Spec.SecretBindingName, "")}
		cb := client.ObjectKey{Namespace: s.Namespace, Name: ptr.Deref(s.Spec.CredentialsBindingName, "")}
		if !bySecretBinding.Has(sb) && !byCredentialsBinding.Has(cb) {
			continue
		}
		ref, ok := cloudprofile.OfV1beta1(&s.Spec)
		if !ok {
			continue
		}
		add(used, profiles.resources(ctx, r, s.Namespace, workload{pools: poolsOfV1beta1(s), nginx: nginxV1beta1(s.Spec.Addons)}, &ref))
	}
	return used, nil
}

// exceededMetrics returns the metrics of quota that used and needed together exceed, each
// with what they need and the limit.
func exceededMetrics(quota *gardencorev1beta1.Quota, used, needed corev1.ResourceList) []string {
	var exceeded []string
	for _, metric := range metrics {
		limit, ok := quota.Spec.Metrics[metric]
		if !ok {
			continue
		}
		total := used[metric].DeepCopy()
		total.Add(needed[metric])
		if total.Cmp(limit) > 0 {
			exceeded = append(exceeded, fmt.Sprintf("%s (needs %s, limit %s)", metric, total.String(), limit.String()))
		}
	}
	return exceeded
}

// pool is what a worker pool needs of a Quota.
type pool struct {
	machineType string
	maximum     int32
	volumeType  *string
	volumeSize  string
}

// workload is what a Shoot needs of a Quota.
type workload struct {
	pools []pool
	nginx bool
}

func poolsOf(shoot *core.Shoot) []pool {
	var pools []pool
	for _, w := range shoot.Spec.Provider.Workers {
		p := pool{machineType: w.Machine.Type, maximum: w.Maximum}
		if w.Volume != nil {
			p.volumeType, p.volumeSize = w.Volume.Type, w.Volume.VolumeSize
		}
		pools = append(pools, p)
	}
	return pools
}

func poolsOfV1beta1(shoot *gardencorev1beta1.Shoot) []pool {
	var pools []pool
	for _, w := range shoot.Spec.Provider.Workers {
		p := pool{machineType: w.Machine.Type, maximum: w.Maximum}
		if w.Volume != nil {
			p.volumeType, p.volumeSize = w.Volume.Type, w.Volume.VolumeSize
		}
		pools = append(pools, p)
	}
	return pools
}

func nginx(addons *core.Addons) bool {
	return addons != nil && addons.NginxIngress != nil && addons.NginxIngress.Enabled
}

func nginxV1beta1(addons *gardencorev1beta1.Addons) bool {
	return addons != nil && addons.NginxIngress != nil && addons.NginxIngress.Enabled
}

func cloudProfileOf(shoot *core.Shoot) *cloudprofile.Ref {
	ref, _, ok := cloudprofile.Of(&shoot.Spec)
	if !ok {
		return nil
	}
	return &ref
}

// profileCache holds the cloud profile specs read during one admission, by namespace, kind
// and name; nil for profiles that could not be read.
type profileCache map[string]*gardencorev1beta1.CloudProfileSpec

func (c profileCache) get(ctx context.Context, r client.Reader, namespace string, ref cloudprofile.Ref) *gardencorev1beta1.CloudProfileSpec {
	key := ref.String()
	if ref.Namespaced() {
		key = namespace + "/" + key
	}
	if spec, ok := c[key]; ok {
		return spec
	}
	spec, err := cloudprofile.Get(ctx, r, namespace, ref)
	if err != nil {
		spec = nil
	}
	c[key] = spec
	return spec
}

// resources returns what w needs, with the machine and volume types of the cloud profile
// ref. What the profile does not describe (a missing profile, an unknown machine type or
// volume class) counts as nothing; the ShootValidator refuses such Shoots.
func (c profileCache) resources(ctx context.Context, r client.Reader, namespace string, w workload, ref *cloudprofile.Ref) corev1.ResourceList {
	loadBalancers := int64(1)
	if w.nginx {
		loadBalancers++
	}
	out := corev1.ResourceList{core.QuotaMetricLoadbalancer: *resource.NewQuantity(loadBalancers, resource.DecimalSI)}
	if ref == nil {
		return out
	}
	profile := c.get(ctx, r, namespace, *ref)
	if profile == nil {
		return out
	}
	for _, p := range w.pools {
		i := slices.IndexFunc(profile.MachineTypes, func(t gardencorev1beta1.MachineType) bool { return t.Name == p.machineType })
		if i < 0 {
			continue
		}
		t := profile.MachineTypes[i]
		addTimes(out, core.QuotaMetricCPU, t.CPU, p.maximum)
		addTimes(out, core.QuotaMetricGPU, t.GPU, p.maximum)
		addTimes(out, core.QuotaMetricMemory, t.Memory, p.maximum)

		var class, size string
		switch {
		case p.volumeSize != "" && t.Storage != nil:
			class, size = t.Storage.Class, p.volumeSize
		case p.volumeSize != "":
			if j := slices.IndexFunc(profile.VolumeTypes, func(v gardencorev1beta1.VolumeType) bool { return v.Name == ptr.Deref(p.volumeType, "") }); j >= 0 {
				class, size = profile.VolumeTypes[j].Class, p.volumeSize
			}
		case t.Storage != nil && t.Storage.StorageSize != nil:
			class, size = t.Storage.Class, t.Storage.StorageSize.String()
		}
		q, err := resource.ParseQuantity(size)
		if err != nil {
			continue
		}
		switch class {
		case gardencorev1beta1.VolumeClassStandard:
			addTimes(out, core.QuotaMetricStorageStandard, q, p.maximum)
		case gardencorev1beta1.VolumeClassPremium:
			addTimes(out, core.QuotaMetricStoragePremium, q, p.maximum)
		}
	}
	return out
}

// addTimes adds n times q to list[name].
func addTimes(list corev1.ResourceList, name corev1.ResourceName, q resource.Quantity, n int32) {
	sum := list[name].DeepCopy()
	for range n {
		sum.Add(q)
	}
	list[name] = sum
}

// add adds more to list.
func add(list, more corev1.ResourceList) {
	for name, q := range more {
		sum := list[name].DeepCopy()
		sum.Add(q)
		list[name] = sum
	}
}
