package deletionconfirmation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/admission/reader"
)

// PluginName is the name of the plugin.
const PluginName = "DeletionConfirmation"

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) { return New(), nil })
}

// Plugin refuses to delete Shoots and Projects whose deletion is not confirmed, and
// records who confirmed the deletion of a Shoot.
type Plugin struct {
	*reader.Handler
}

var (
	_ admission.MutationInterface   = (*Plugin)(nil)
	_ admission.ValidationInterface = (*Plugin)(nil)
)

// New returns the plugin.
func New() *Plugin {
	return &Plugin{Handler: reader.NewHandler(admission.Create, admission.Update, admission.Delete)}
}

// kinds maps the kinds whose deletion must be confirmed to how they are named.
var kinds = map[schema.GroupKind]kind{
	core.Kind("Shoot"):   {resource: "shoots", singular: "shoot", namespaced: true},
	core.Kind("Project"): {resource: "projects", singular: "project"},
}

type kind struct {
	// resource is the resource name, as Project.spec.dualApprovalForDeletion names it.
	resource string
	// singular is the name kubectl knows the kind by.
	singular   string
	namespaced bool
}

// Admit maintains the deletion.gardener.cloud/confirmed-by annotation of Shoots: the user
// who sets the confirmation becomes its value, an existing value is kept, and it goes when
// the confirmation goes.
func (p *Plugin) Admit(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetOperation() == admission.Delete || a.GetKind().GroupKind() != core.Kind("Shoot") || a.GetSubresource() != "" {
		return nil
	}
	obj, ok := a.GetObject().(metav1.Object)
	if !ok {
		return apierrors.NewBadRequest("object does not have metadata")
	}
	var old metav1.Object
	if a.GetOperation() == admission.Update {
		if old, ok = a.GetOldObject().(metav1.Object); !ok {
			return apierrors.NewBadRequest("old object does not have metadata")
		}
	}
	MaintainConfirmedBy(obj, old, a.GetUserInfo().GetName())
	return nil
}

// MaintainConfirmedBy sets the deletion.gardener.cloud/confirmed-by annotation of obj: to
// user when the deletion gets confirmed (old is nil on create), to the value of old when it
// was confirmed already, and removes it when the deletion is not confirmed.
func MaintainConfirmedBy(obj, old metav1.Object, user string) {
	// A confirmed object has annotations.
	annotations := obj.GetAnnotations()
	switch {
	case !Confirmed(obj):
		delete(annotations, v1beta1constants.DeletionConfirmedBy)
	case old == nil || !Confirmed(old):
		annotations[v1beta1constants.DeletionConfirmedBy] = user
	default:
		if by, ok := old.GetAnnotations()[v1beta1constants.DeletionConfirmedBy]; ok {
			annotations[v1beta1constants.DeletionConfirmedBy] = by
		} else {
			delete(annotations, v1beta1constants.DeletionConfirmedBy)
		}
	}
	obj.SetAnnotations(annotations)
}

// Confirmed tells whether obj carries confirmation.gardener.cloud/deletion with a true
// value.
func Confirmed(obj metav1.Object) bool {
	confirmed, err := strconv.ParseBool(obj.GetAnnotations()[v1beta1constants.ConfirmationDeletion])
	return err == nil && confirmed
}

// Validate refuses the deletion of a Shoot or Project that is not confirmed.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetOperation() != admission.Delete {
		return nil
	}
	if _, ok := kinds[a.GetKind().GroupKind()]; !ok {
		return nil
	}
	if err := p.Ready(a); err != nil {
		return err
	}
	return Check(ctx, a, p.Cached(), p.Live())
}

// Check refuses the DELETE request a unless the objects it deletes are confirmed. The
// object comes from the request when the server passes the stored object along; else it is
// read from cached, and when that copy is not confirmed, once more from live, so that a
// DELETE right after the annotation is not refused because of a stale cache. A
// deletecollection without objects checks every object of the namespace.
func Check(ctx context.Context, a admission.Attributes, cached, live client.Reader) error {
	k, ok := kinds[a.GetKind().GroupKind()]
	if !ok {
		return nil
	}
	if old := a.GetOldObject(); old != nil {
		obj, ok := old.(metav1.Object)
		if !ok {
			return apierrors.NewBadRequest("object does not have metadata")
		}
		return check(ctx, a, k, cached, obj)
	}

	if a.GetName() != "" {
		obj, err := get(ctx, cached, k, a.GetNamespace(), a.GetName())
		if err == nil && Confirmed(obj) {
			return check(ctx, a, k, cached, obj)
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return apierrors.NewInternalError(err)
		}
		if obj, err = get(ctx, live, k, a.GetNamespace(), a.GetName()); err != nil {
			return err
		}
		return check(ctx, a, k, cached, obj)
	}

	objs, err := list(ctx, cached, k, a.GetNamespace())
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	var errs []error
	for _, obj := range objs {
		if err := check(ctx, a, k, cached, obj); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return admission.NewForbidden(a, errors.Join(errs...))
	}
	return nil
}

// check refuses the deletion of obj unless it is confirmed, and, when its Project demands
// a dual approval, unless someone else confirmed it.
func check(ctx context.Context, a admission.Attributes, k kind, r client.Reader, obj metav1.Object) error {
	forbidden := func(err error) error {
		return apierrors.NewForbidden(a.GetResource().GroupResource(), obj.GetName(), err)
	}
	if !Confirmed(obj) {
		return forbidden(fmt.Errorf("must have a %q annotation to delete; confirm the deletion with: kubectl annotate %s %s%s %s=true",
			v1beta1constants.ConfirmationDeletion, k.singular, obj.GetName(), namespaceFlag(k, obj), v1beta1constants.ConfirmationDeletion))
	}

	rules, err := dualApprovalRules(ctx, r, obj)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	user := a.GetUserInfo().GetName()
	required, err := dualApprovalRequired(rules, k.resource, obj, user)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	if required && obj.GetAnnotations()[v1beta1constants.DeletionConfirmedBy] == user {
		return forbidden(errors.New("you are not allowed to both confirm the deletion and send the actual DELETE request - another subject must perform the deletion"))
	}
	return nil
}

func namespaceFlag(k kind, obj metav1.Object) string {
	if !k.namespaced {
		return ""
	}
	return " -n " + obj.GetNamespace()
}

// rule is one entry of a Project's spec.dualApprovalForDeletion.
type rule struct {
	resource               string
	selector               metav1.LabelSelector
	includeServiceAccounts *bool
}

// dualApprovalRules returns the dual approval rules that apply to obj: those of obj itself
// when it is a Project, else those of the Project of its namespace. Objects in a namespace
// that no Project owns have none.
func dualApprovalRules(ctx context.Context, r client.Reader, obj metav1.Object) ([]rule, error) {
	var rules []rule
	switch project := obj.(type) {
	case *core.Project:
		for _, d := range project.Spec.DualApprovalForDeletion {
			rules = append(rules, rule{d.Resource, d.Selector, d.IncludeServiceAccounts})
		}
		return rules, nil
	case *gardencorev1beta1.Project:
		return v1beta1Rules(project), nil
	}
	project, err := reader.ProjectForNamespace(ctx, r, obj.GetNamespace())
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return v1beta1Rules(project), nil
}

func v1beta1Rules(project *gardencorev1beta1.Project) []rule {
	var rules []rule
	for _, d := range project.Spec.DualApprovalForDeletion {
		rules = append(rules, rule{d.Resource, d.Selector, d.IncludeServiceAccounts})
	}
	return rules
}

// dualApprovalRequired tells whether the first rule for resource whose selector matches
// obj's labels demands that user is not the one who confirmed the deletion. Service accounts
// are subject to a rule unless it excludes them.
func dualApprovalRequired(rules []rule, resource string, obj metav1.Object, user string) (bool, error) {
	for _, r := range rules {
		if r.resource != resource {
			continue
		}
		selector, err := metav1.LabelSelectorAsSelector(&r.selector)
		if err != nil {
			return false, fmt.Errorf("parsing the dual approval label selector for %s: %w", resource, err)
		}
		if !selector.Matches(labels.Set(obj.GetLabels())) {
			return false, nil
		}
		if strings.HasPrefix(user, serviceaccount.ServiceAccountUsernamePrefix) {
			return ptr.Deref(r.includeServiceAccounts, true), nil
		}
		return true, nil
	}
	return false, nil
}

func get(ctx context.Context, r client.Reader, k kind, namespace, name string) (client.Object, error) {
	var obj client.Object = &gardencorev1beta1.Project{}
	if k.namespaced {
		obj = &gardencorev1beta1.Shoot{}
	}
	if err := r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

func list(ctx context.Context, r client.Reader, k kind, namespace string) ([]client.Object, error) {
	var objs []client.Object
	if k.namespaced {
		shoots := &gardencorev1beta1.ShootList{}
		if err := r.List(ctx, shoots, client.InNamespace(namespace)); err != nil {
			return nil, err
		}
		for i := range shoots.Items {
			objs = append(objs, &shoots.Items[i])
		}
		return objs, nil
	}
	projects := &gardencorev1beta1.ProjectList{}
	if err := r.List(ctx, projects); err != nil {
		return nil, err
	}
	for i := range projects.Items {
		objs = append(objs, &projects.Items[i])
	}
	return objs, nil
}
