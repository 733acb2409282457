package registry

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// Object is the internal type of a resource, such as *core.Seed.
type Object interface {
	runtime.Object
	metav1.Object
}

// Rules are what the strategy of a resource does beyond what BaseStrategy does. Validate
// and ValidateUpdate are required; the other fields are optional.
type Rules[T Object] struct {
	// Namespaced tells whether objects live in a namespace.
	Namespaced bool
	// RequireResourceVersion makes AllowUnconditionalUpdate false, as Gardener does for
	// some resources: an update must name the resourceVersion it read, so that no writer
	// overwrites a change it has not seen.
	RequireResourceVersion bool

	// Validate validates a new object.
	Validate func(obj T) field.ErrorList
	// ValidateUpdate validates an update through the main endpoint.
	ValidateUpdate func(newObj, oldObj T) field.ErrorList

	// SpecChanged tells whether an update bumps the generation, usually because the spec
	// changed; setting the deletion timestamp always bumps it. When SpecChanged is set, a
	// new object starts at generation 1. When it is nil, the strategy leaves
	// metadata.generation alone.
	SpecChanged func(newObj, oldObj T) bool
	// PrepareForCreate changes a new object after the generation is set.
	PrepareForCreate func(obj T)
	// PrepareForUpdate changes an updated object before the generation is bumped.
	PrepareForUpdate func(newObj, oldObj T)
	// Canonicalize changes an object before it is stored, on every endpoint.
	Canonicalize func(obj T)
}

// SpecChanged returns the SpecChanged of Rules for a type whose spec spec points to: the
// generation counts semantic changes of the spec.
func SpecChanged[T Object, Spec any](spec func(T) *Spec) func(newObj, oldObj T) bool {
	return func(newObj, oldObj T) bool {
		return !equality.Semantic.DeepEqual(*spec(newObj), *spec(oldObj))
	}
}

// Strategy handles creates, updates and deletes of a resource without a status
// subresource, following its Rules.
type Strategy[T Object] struct {
	BaseStrategy
	rules Rules[T]
}

// NewStrategy returns the strategy of the resource that rules describe.
func NewStrategy[T Object](typer runtime.ObjectTyper, rules Rules[T]) Strategy[T] {
	return Strategy[T]{BaseStrategy: NewBaseStrategy(typer, rules.Namespaced), rules: rules}
}

// AllowUnconditionalUpdate is true unless the rules require a resourceVersion.
func (s Strategy[T]) AllowUnconditionalUpdate() bool { return !s.rules.RequireResourceVersion }

// PrepareForCreate starts the generation at 1 when the rules count it, then applies the
// rules' PrepareForCreate.
func (s Strategy[T]) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(T)
	if s.rules.SpecChanged != nil {
		o.SetGeneration(1)
	}
	if s.rules.PrepareForCreate != nil {
		s.rules.PrepareForCreate(o)
	}
}

// PrepareForUpdate applies the rules' PrepareForUpdate, then bumps the generation when
// the rules count it and the spec changed or the deletion timestamp was just set.
func (s Strategy[T]) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newObj, oldObj := obj.(T), old.(T)
	if s.rules.PrepareForUpdate != nil {
		s.rules.PrepareForUpdate(newObj, oldObj)
	}
	if s.rules.SpecChanged != nil {
		BumpGeneration(newObj, oldObj, s.rules.SpecChanged(newObj, oldObj))
	}
}

// Validate validates a new object.
func (s Strategy[T]) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return s.rules.Validate(obj.(T))
}

// ValidateUpdate validates an update.
func (s Strategy[T]) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return s.rules.ValidateUpdate(obj.(T), old.(T))
}

// Canonicalize applies the rules' Canonicalize.
func (s Strategy[T]) Canonicalize(obj runtime.Object) {
	if s.rules.Canonicalize != nil {
		s.rules.Canonicalize(obj.(T))
	}
}

// SpecStatus tells how to reach the spec and the status of a resource with a /status
// subresource. Make one with SpecAndStatus.
type SpecStatus[T Object] struct {
	// ClearStatus empties the status.
	ClearStatus func(obj T)
	// KeepStatus sets the status of newObj to oldObj's.
	KeepStatus func(newObj, oldObj T)
	// KeepSpec sets the spec of newObj to oldObj's.
	KeepSpec func(newObj, oldObj T)
	// GroupVersions are the versions that serve the resource, for the reset fields of
	// server-side apply.
	GroupVersions []schema.GroupVersion
}

// SpecAndStatus returns the SpecStatus of a type whose spec and status the given
// functions point to.
func SpecAndStatus[T Object, Spec, Status any](gvs []schema.GroupVersion, spec func(T) *Spec, status func(T) *Status) SpecStatus[T] {
	return SpecStatus[T]{
		ClearStatus:   func(obj T) { *status(obj) = *new(Status) },
		KeepStatus:    func(newObj, oldObj T) { *status(newObj) = *status(oldObj) },
		KeepSpec:      func(newObj, oldObj T) { *spec(newObj) = *spec(oldObj) },
		GroupVersions: gvs,
	}
}

// SpecStatusStrategy handles creates, updates and deletes through the main endpoint of a
// resource with a /status subresource: the status is cleared on create and kept on
// update, and server-side apply ignores it.
type SpecStatusStrategy[T Object] struct {
	Strategy[T]
	fields SpecStatus[T]
}

// NewSpecStatusStrategy returns the strategy of the main endpoint of the resource that
// rules and fields describe.
func NewSpecStatusStrategy[T Object](typer runtime.ObjectTyper, rules Rules[T], fields SpecStatus[T]) SpecStatusStrategy[T] {
	if rules.SpecChanged == nil {
		panic(fmt.Sprintf("registry: the rules of %T with a status have no SpecChanged", *new(T)))
	}
	return SpecStatusStrategy[T]{Strategy: NewStrategy(typer, rules), fields: fields}
}

// PrepareForCreate clears the status, then does what Strategy.PrepareForCreate does.
func (s SpecStatusStrategy[T]) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	s.fields.ClearStatus(obj.(T))
	s.Strategy.PrepareForCreate(ctx, obj)
}

// PrepareForUpdate keeps the status, then does what Strategy.PrepareForUpdate does.
func (s SpecStatusStrategy[T]) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	s.fields.KeepStatus(obj.(T), old.(T))
	s.Strategy.PrepareForUpdate(ctx, obj, old)
}

// GetResetFields names the fields that the main endpoint ignores: the status.
func (s SpecStatusStrategy[T]) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return ResetFields(s.fields.GroupVersions, "status")
}

// StatusStrategy handles updates through the /status subresource: only the status
// changes. Everything else, such as Canonicalize, is the main endpoint's.
type StatusStrategy[T Object] struct {
	SpecStatusStrategy[T]
}

// NewStatusStrategy returns the strategy of the /status subresource of the resource that
// rules and fields describe.
func NewStatusStrategy[T Object](typer runtime.ObjectTyper, rules Rules[T], fields SpecStatus[T]) StatusStrategy[T] {
	return StatusStrategy[T]{NewSpecStatusStrategy(typer, rules, fields)}
}

// PrepareForUpdate keeps the spec; the generation stays.
func (s StatusStrategy[T]) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	s.fields.KeepSpec(obj.(T), old.(T))
}

// ValidateUpdate has nothing to check beyond the metadata, which the generic store
// validates: the spec is the stored one, and the status is written by Hortus' own
// components.
func (StatusStrategy[T]) ValidateUpdate(_ context.Context, _, _ runtime.Object) field.ErrorList {
	return nil
}

// GetResetFields names the fields that /status ignores: the spec.
func (s StatusStrategy[T]) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return ResetFields(s.fields.GroupVersions, "spec")
}
