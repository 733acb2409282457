package registry

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// BaseStrategy is the part of a create, update and delete strategy that every resource
// shares. Strategy embeds it and adds PrepareForCreate, PrepareForUpdate, Validate and
// ValidateUpdate.
type BaseStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
	namespaced bool
	// scheme converts and defaults objects for the warnings; nil when the typer is not a
	// *runtime.Scheme.
	scheme *runtime.Scheme
}

// NewBaseStrategy returns the shared part of a strategy for a namespaced or a
// cluster-scoped resource whose types are known to typer. When typer is a *runtime.Scheme
// (the server's), the warnings of warnings.go use it to convert and default objects.
func NewBaseStrategy(typer runtime.ObjectTyper, namespaced bool) BaseStrategy {
	scheme, _ := typer.(*runtime.Scheme)
	return BaseStrategy{ObjectTyper: typer, NameGenerator: names.SimpleNameGenerator, namespaced: namespaced, scheme: scheme}
}

// NamespaceScoped tells whether objects live in a namespace.
func (s BaseStrategy) NamespaceScoped() bool { return s.namespaced }

// AllowCreateOnUpdate is false: a PUT never creates.
func (BaseStrategy) AllowCreateOnUpdate() bool { return false }

// AllowUnconditionalUpdate is true: an update without a resourceVersion overwrites.
func (BaseStrategy) AllowUnconditionalUpdate() bool { return true }

// Canonicalize does nothing by default.
func (BaseStrategy) Canonicalize(runtime.Object) {}

// WarningsOnCreate returns the warnings of the seam in warnings.go.
func (s BaseStrategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string {
	return WarningsOnCreate(ctx, s.scheme, obj)
}

// WarningsOnUpdate returns the warnings of the seam in warnings.go.
func (s BaseStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return WarningsOnUpdate(ctx, s.scheme, obj, old)
}

// BumpGeneration sets the generation of newObj after an update: one more than oldObj's
// when the spec changed or the deletion timestamp was just set, else oldObj's.
func BumpGeneration(newObj, oldObj metav1.Object, specChanged bool) {
	gen := oldObj.GetGeneration()
	if specChanged || (oldObj.GetDeletionTimestamp() == nil && newObj.GetDeletionTimestamp() != nil) {
		gen++
	}
	newObj.SetGeneration(gen)
}

// ResetFields returns, for each of the group versions, the set of the given top-level
// fields. A strategy returns it from GetResetFields so that server-side apply knows which
// fields an endpoint ignores: "status" for the main endpoint, "spec" for /status.
func ResetFields(gvs []schema.GroupVersion, topLevelFields ...string) map[fieldpath.APIVersion]*fieldpath.Set {
	out := make(map[fieldpath.APIVersion]*fieldpath.Set, len(gvs))
	for _, gv := range gvs {
		paths := make([]fieldpath.Path, 0, len(topLevelFields))
		for _, f := range topLevelFields {
			paths = append(paths, fieldpath.MakePathOrDie(f))
		}
		out[fieldpath.APIVersion(gv.String())] = fieldpath.NewSet(paths...)
	}
	return out
}

// Matcher returns the predicate function of a store: it matches label and field selectors
// against the labels and fields that attrs returns. indexFields name the fields the watch
// cache indexes, so that a watch or list selecting one of them exactly is served from
// the index.
func Matcher(attrs storage.AttrFunc, indexFields ...string) func(labels.Selector, fields.Selector) storage.SelectionPredicate {
	return func(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
		return storage.SelectionPredicate{
			Label:       label,
			Field:       field,
			GetAttrs:    attrs,
			IndexFields: indexFields,
		}
	}
}

// RefName returns the name of an optional object reference, for field selectors.
func RefName(ref *corev1.ObjectReference) string {
	if ref == nil {
		return ""
	}
	return ref.Name
}

// RefNamespace returns the namespace of an optional object reference, for field selectors.
func RefNamespace(ref *corev1.ObjectReference) string {
	if ref == nil {
		return ""
	}
	return ref.Namespace
}
