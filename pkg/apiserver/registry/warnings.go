package registry

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/klog/v2"

	"github.com/hortus-dev/hortus/pkg/api/compat"
)

// WarningsOnCreate returns the warnings that a create of obj (an internal object of any
// served kind) sends back in Warning headers. Every strategy calls it with the server's
// scheme; without one (a nil scheme) there are no warnings.
//
// This is the seam for "accepted but not acted on" warnings: where Hortus accepts a field
// of Gardener's schema that it does not implement, the warning that says so is added here,
// per kind. The field-support table of pkg/api/compat says which fields those are; it is
// written against the v1beta1 JSON, so the object is converted first.
func WarningsOnCreate(ctx context.Context, scheme *runtime.Scheme, obj runtime.Object) []string {
	if shoot, ok := obj.(*core.Shoot); ok {
		return shootWarnings(ctx, scheme, shoot)
	}
	return nil
}

// WarningsOnUpdate is WarningsOnCreate for an update from old to obj. As for Pods in
// Kubernetes, an update warns only when it changes the spec, so that metadata and status
// writers (controllers) are not told about fields the user set.
func WarningsOnUpdate(ctx context.Context, scheme *runtime.Scheme, obj, old runtime.Object) []string {
	if shoot, ok := obj.(*core.Shoot); ok {
		if oldShoot, ok := old.(*core.Shoot); ok && apiequality.Semantic.DeepEqual(shoot.Spec, oldShoot.Spec) {
			return nil
		}
		return shootWarnings(ctx, scheme, shoot)
	}
	return nil
}

// shootWarnings converts shoot to v1beta1 and returns the warnings of
// compat.ShootWarnings, without those for fields that hold what Gardener's defaulting
// put there: the server defaults every Shoot it decodes (spec.kubernetes.kubeAPIServer,
// spec.maintenance, spec.networking.ipFamilies, spec.schedulerName, …), and a warning
// about a field the user never set only teaches users to ignore warnings. A shoot that
// does not convert gets no warnings; the response would fail to encode anyway.
func shootWarnings(ctx context.Context, scheme *runtime.Scheme, shoot *core.Shoot) []string {
	if scheme == nil {
		return nil
	}
	versioned := &gardencorev1beta1.Shoot{}
	if err := scheme.Convert(shoot, versioned, nil); err != nil {
		klog.FromContext(ctx).Error(err, "Converting the Shoot for its warnings", "shoot", klog.KObj(shoot))
		return nil
	}
	warnings := compat.ShootWarnings(versioned)
	if len(warnings) == 0 {
		return nil
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(versioned)
	if err != nil {
		return warnings
	}
	paths := make([][]string, len(warnings))
	for i, w := range warnings {
		path, _, _ := strings.Cut(w, " ")
		paths[i] = strings.Split(path, ".")
	}
	// One defaulting pass with every warned field unset decides most fields. A field whose
	// default depends on another warned field that the user did set is checked alone.
	allDefaulted := redefault(scheme, obj, paths...)
	var out []string
	for i, w := range warnings {
		if isDefault(obj, allDefaulted, paths[i]) || isDefault(obj, redefault(scheme, obj, paths[i]), paths[i]) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// redefault returns the Shoot obj with the fields of paths unset and defaulted again, or
// nil when that fails.
func redefault(scheme *runtime.Scheme, obj map[string]any, paths ...[]string) map[string]any {
	stripped := runtime.DeepCopyJSON(obj)
	for _, path := range paths {
		removePath(stripped, path)
	}
	shoot := &gardencorev1beta1.Shoot{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(stripped, shoot); err != nil {
		return nil
	}
	scheme.Default(shoot)
	defaulted, err := runtime.DefaultUnstructuredConverter.ToUnstructured(shoot)
	if err != nil {
		return nil
	}
	return defaulted
}

// isDefault tells whether the value of path in the Shoot obj is the one in defaulted, what
// Gardener's defaulting gives when path is unset. path is a warning's path split at ".",
// such as spec.addons or spec.provider.workers[].cri.
func isDefault(obj, defaulted map[string]any, path []string) bool {
	if strings.Join(path, ".") == "spec.maintenance.timeWindow" {
		return isRandomDefaultTimeWindow(obj)
	}
	return defaulted != nil && apiequality.Semantic.DeepEqual(valuesAt(obj, path), valuesAt(defaulted, path))
}

// defaultTimeWindowBegin matches the begin of the maintenance time window that Gardener's
// defaulting picks at random: a full hour in UTC; the window lasts one hour.
var defaultTimeWindowBegin = regexp.MustCompile(`^([01][0-9]|2[0-3])0000\+0000$`)

func isRandomDefaultTimeWindow(obj map[string]any) bool {
	values := valuesAt(obj, []string{"spec", "maintenance", "timeWindow"})
	if len(values) != 1 {
		return false
	}
	window, ok := values[0].(map[string]any)
	if !ok {
		return false
	}
	begin, _ := window["begin"].(string)
	end, _ := window["end"].(string)
	if !defaultTimeWindowBegin.MatchString(begin) {
		return false
	}
	const layout = "150405-0700"
	b, err := time.Parse(layout, begin)
	if err != nil {
		return false
	}
	return end == b.Add(time.Hour).Format(layout)
}

// removePath deletes the field that path names in obj; a segment ending in "[]" descends
// into every element of a list.
func removePath(obj map[string]any, path []string) {
	if len(path) == 0 {
		return
	}
	key, isList := strings.CutSuffix(path[0], "[]")
	if len(path) == 1 {
		delete(obj, key)
		return
	}
	for _, child := range children(obj[key], isList) {
		removePath(child, path[1:])
	}
}

// valuesAt returns the values that path names in obj, in order; nil where a field is unset.
func valuesAt(obj map[string]any, path []string) []any {
	if len(path) == 0 {
		return nil
	}
	key, isList := strings.CutSuffix(path[0], "[]")
	if len(path) == 1 {
		return []any{obj[key]}
	}
	var out []any
	for _, child := range children(obj[key], isList) {
		out = append(out, valuesAt(child, path[1:])...)
	}
	return out
}

// children returns v as the objects to descend into: the elements of a list, or v itself.
func children(v any, isList bool) []map[string]any {
	if !isList {
		if m, ok := v.(map[string]any); ok {
			return []map[string]any{m}
		}
		return nil
	}
	list, _ := v.([]any)
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
