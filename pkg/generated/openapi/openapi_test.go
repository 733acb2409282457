package openapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	authenticationv1alpha1 "github.com/gardener/gardener/pkg/apis/authentication/v1alpha1"
	gardencorev1 "github.com/gardener/gardener/pkg/apis/core/v1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	seedmanagementv1alpha1 "github.com/gardener/gardener/pkg/apis/seedmanagement/v1alpha1"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/apimachinery/pkg/util/managedfields/managedfieldstest"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/kube-openapi/pkg/builder3"
	"k8s.io/kube-openapi/pkg/common"
	openapiutil "k8s.io/kube-openapi/pkg/util"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	hortusopenapi "github.com/hortus-dev/hortus/pkg/generated/openapi"
)

const refPrefix = "#/definitions/"

// definitions returns the generated definitions with references of the form
// "#/definitions/<name>", and the names every reference was created for.
func definitions() (map[string]common.OpenAPIDefinition, []string) {
	var referenced []string
	defs := hortusopenapi.GetOpenAPIDefinitions(func(name string) spec.Ref {
		referenced = append(referenced, name)
		return spec.MustCreateRef(refPrefix + name)
	})
	return defs, referenced
}

// servedScheme registers the API groups the Hortus server serves, as the server does.
func servedScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		gardencorev1beta1.AddToScheme,
		gardencorev1.AddToScheme,
		securityv1alpha1.AddToScheme,
		seedmanagementv1alpha1.AddToScheme,
		authenticationv1alpha1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			t.Fatalf("Registering API group: %v", err)
		}
	}
	return scheme
}

// walkRefs calls visit with every reference in s and its subschemas.
func walkRefs(s *spec.Schema, visit func(ref string)) {
	if s == nil {
		return
	}
	if ref := s.Ref.String(); ref != "" {
		visit(ref)
	}
	for _, sub := range s.Properties {
		walkRefs(&sub, visit)
	}
	for _, sub := range s.PatternProperties {
		walkRefs(&sub, visit)
	}
	for _, sub := range s.Definitions {
		walkRefs(&sub, visit)
	}
	for _, subs := range [][]spec.Schema{s.AllOf, s.AnyOf, s.OneOf} {
		for i := range subs {
			walkRefs(&subs[i], visit)
		}
	}
	if s.Items != nil {
		walkRefs(s.Items.Schema, visit)
		for i := range s.Items.Schemas {
			walkRefs(&s.Items.Schemas[i], visit)
		}
	}
	if s.AdditionalProperties != nil {
		walkRefs(s.AdditionalProperties.Schema, visit)
	}
	if s.AdditionalItems != nil {
		walkRefs(s.AdditionalItems.Schema, visit)
	}
	walkRefs(s.Not, visit)
}

func TestReferencesResolve(t *testing.T) {
	g := NewWithT(t)
	defs, referenced := definitions()
	g.Expect(defs).NotTo(BeEmpty())

	var dangling []string
	for _, name := range referenced {
		if _, ok := defs[name]; !ok {
			dangling = append(dangling, "reference to "+name)
		}
	}
	for name, def := range defs {
		walkRefs(&def.Schema, func(ref string) {
			target, ok := strings.CutPrefix(ref, refPrefix)
			if _, found := defs[target]; !ok || !found {
				dangling = append(dangling, fmt.Sprintf("%s: $ref %s", name, ref))
			}
		})
		for _, dep := range def.Dependencies {
			if _, ok := defs[dep]; !ok {
				dangling = append(dangling, fmt.Sprintf("%s: dependency %s", name, dep))
			}
		}
	}
	slices.Sort(dangling)
	g.Expect(slices.Compact(dangling)).To(BeEmpty(),
		"add the packages of these types to INPUT_PKGS in hack/update-codegen.sh and run make generate")
}

// TestDefinitionNamesMatchServer checks that every kind the server registers has a
// definition under the name that both the apiserver's DefinitionNamer (which attaches the
// GVK extension) and kube-openapi's builder (which looks the definition up) use for it.
func TestDefinitionNamesMatchServer(t *testing.T) {
	scheme := servedScheme(t)
	defs, _ := definitions()

	for gvk := range scheme.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal {
			continue
		}
		t.Run(gvk.String(), func(t *testing.T) {
			g := NewWithT(t)
			name, err := scheme.ToOpenAPIDefinitionName(gvk)
			g.Expect(err).NotTo(HaveOccurred())
			obj, err := scheme.New(gvk)
			g.Expect(err).NotTo(HaveOccurred())

			g.Expect(openapiutil.GetCanonicalTypeName(obj)).To(Equal(name))
			g.Expect(defs).To(HaveKey(name))
		})
	}

	g := NewWithT(t)
	g.Expect(defs).To(HaveKey("com.github.gardener.gardener.pkg.apis.core.v1beta1.Shoot"))
	g.Expect(defs).To(HaveKey("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"))
}

// resolve follows s's reference, if it has one, to the referenced definition's schema.
func resolve(g Gomega, defs map[string]common.OpenAPIDefinition, s spec.Schema) spec.Schema {
	ref := s.Ref.String()
	if ref == "" {
		return s
	}
	def, ok := defs[strings.TrimPrefix(ref, refPrefix)]
	g.Expect(ok).To(BeTrue(), "reference %s does not resolve", ref)
	return def.Schema
}

func TestShootWorkersAreKeyedByName(t *testing.T) {
	g := NewWithT(t)
	defs, _ := definitions()

	shoot, ok := defs[gardencorev1beta1.Shoot{}.OpenAPIModelName()]
	g.Expect(ok).To(BeTrue(), "no Shoot definition")
	g.Expect(shoot.Schema.Properties).To(HaveKey("spec"))
	shootSpec := resolve(g, defs, shoot.Schema.Properties["spec"])
	g.Expect(shootSpec.Properties).To(HaveKey("provider"))
	provider := resolve(g, defs, shootSpec.Properties["provider"])
	g.Expect(provider.Properties).To(HaveKey("workers"))
	workers := provider.Properties["workers"]

	g.Expect(workers.Type).To(ConsistOf("array"))
	g.Expect(workers.Extensions).To(Or(
		And(
			HaveKeyWithValue("x-kubernetes-patch-strategy", "merge"),
			HaveKeyWithValue("x-kubernetes-patch-merge-key", "name"),
		),
		And(
			HaveKeyWithValue("x-kubernetes-list-type", "map"),
			HaveKeyWithValue("x-kubernetes-list-map-keys", ConsistOf("name")),
		),
	))
}

// newTypeConverter builds the server-side apply type converter the way k8s.io/apiserver's
// GenericAPIServer does when it installs an API group: DefaultOpenAPIV3Config with the
// generated definitions and a DefinitionNamer over the served scheme, the definitions of the
// served kinds built by builder3, and managedfields.NewTypeConverter over them.
func newTypeConverter(t *testing.T) managedfields.TypeConverter {
	t.Helper()
	scheme := servedScheme(t)
	config := genericapiserver.DefaultOpenAPIV3Config(hortusopenapi.GetOpenAPIDefinitions, openapinamer.NewDefinitionNamer(scheme))

	var names []string
	for gvk := range scheme.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal {
			continue
		}
		obj, err := scheme.New(gvk)
		if err != nil {
			t.Fatalf("New(%s): %v", gvk, err)
		}
		names = append(names, openapiutil.GetCanonicalTypeName(obj))
	}
	slices.Sort(names)

	schemas, err := builder3.BuildOpenAPIDefinitionsForResources(config, slices.Compact(names)...)
	if err != nil {
		t.Fatalf("BuildOpenAPIDefinitionsForResources: %v", err)
	}
	tc, err := managedfields.NewTypeConverter(schemas, false)
	if err != nil {
		t.Fatalf("NewTypeConverter: %v", err)
	}
	return tc
}

func TestShootTypedValueKeysWorkersByName(t *testing.T) {
	g := NewWithT(t)
	tc := newTypeConverter(t)

	shoot := &gardencorev1beta1.Shoot{
		TypeMeta:   metav1.TypeMeta{APIVersion: gardencorev1beta1.SchemeGroupVersion.String(), Kind: "Shoot"},
		ObjectMeta: metav1.ObjectMeta{Name: "crop", Namespace: "garden-dev"},
		Spec: gardencorev1beta1.ShootSpec{
			Provider: gardencorev1beta1.Provider{
				Type: "local",
				Workers: []gardencorev1beta1.Worker{
					{Name: "cpu-worker", Machine: gardencorev1beta1.Machine{Type: "m1"}, Minimum: 1, Maximum: 2},
					{Name: "gpu-worker", Machine: gardencorev1beta1.Machine{Type: "m2"}, Minimum: 1, Maximum: 2},
				},
			},
		},
	}
	typed, err := tc.ObjectToTyped(shoot)
	g.Expect(err).NotTo(HaveOccurred())
	set, err := typed.ToFieldSet()
	g.Expect(err).NotTo(HaveOccurred())

	for _, name := range []string{"cpu-worker", "gpu-worker"} {
		path := fieldpath.MakePathOrDie("spec", "provider", "workers", fieldpath.KeyByFields("name", name), "machine", "type")
		g.Expect(set.Has(path)).To(BeTrue(), "field set has no %s:\n%s", path, set)
	}
}

type worker struct{ name, machineType string }

// shootApplyConfig is the apply configuration of a Shoot that sets only the provider type
// and the given workers.
func shootApplyConfig(workers ...worker) *unstructured.Unstructured {
	provider := map[string]any{"type": "local"}
	if len(workers) > 0 {
		list := make([]any, 0, len(workers))
		for _, w := range workers {
			list = append(list, map[string]any{
				"name":    w.name,
				"machine": map[string]any{"type": w.machineType},
				"minimum": int64(1),
				"maximum": int64(2),
			})
		}
		provider["workers"] = list
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": gardencorev1beta1.SchemeGroupVersion.String(),
		"kind":       "Shoot",
		"metadata":   map[string]any{"name": "crop", "namespace": "garden-dev"},
		"spec":       map[string]any{"provider": provider},
	}}
}

func TestServerSideApplyMergesShootWorkersByName(t *testing.T) {
	tc := newTypeConverter(t)
	cpu := worker{"cpu-worker", "m1"}
	gpu := worker{"gpu-worker", "m2"}

	type step struct {
		manager string
		workers []worker
	}
	tests := []struct {
		name string
		// steps are applied in order; every step but the last must succeed.
		steps        []step
		wantConflict bool
		wantWorkers  map[string]string // worker name -> machine type in the live object
		wantOwners   map[string]string // worker name -> the manager that owns its key
	}{
		{
			name:        "managers applying different workers share the list",
			steps:       []step{{"alice", []worker{cpu}}, {"bob", []worker{gpu}}},
			wantWorkers: map[string]string{"cpu-worker": "m1", "gpu-worker": "m2"},
			wantOwners:  map[string]string{"cpu-worker": "alice", "gpu-worker": "bob"},
		},
		{
			name:        "a manager dropping its worker removes only that worker",
			steps:       []step{{"alice", []worker{cpu}}, {"bob", []worker{gpu}}, {"alice", nil}},
			wantWorkers: map[string]string{"gpu-worker": "m2"},
			wantOwners:  map[string]string{"gpu-worker": "bob"},
		},
		{
			name:         "managers disagreeing on one worker conflict",
			steps:        []step{{"alice", []worker{cpu}}, {"bob", []worker{{"cpu-worker", "m2"}}}},
			wantConflict: true,
			wantWorkers:  map[string]string{"cpu-worker": "m1"},
			wantOwners:   map[string]string{"cpu-worker": "alice"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			fm := managedfieldstest.NewTestFieldManager(tc, gardencorev1beta1.SchemeGroupVersion.WithKind("Shoot"))

			var err error
			for i, s := range tt.steps {
				err = fm.Apply(shootApplyConfig(s.workers...), s.manager, false)
				if i < len(tt.steps)-1 {
					g.Expect(err).NotTo(HaveOccurred(), "step %d (%s)", i, s.manager)
				}
			}
			if tt.wantConflict {
				g.Expect(apierrors.IsConflict(err)).To(BeTrue(), "want a conflict, got %v", err)
			} else {
				g.Expect(err).NotTo(HaveOccurred())
			}

			live, ok := fm.Live().(*unstructured.Unstructured)
			g.Expect(ok).To(BeTrue())
			list, _, err := unstructured.NestedSlice(live.Object, "spec", "provider", "workers")
			g.Expect(err).NotTo(HaveOccurred())
			gotWorkers := map[string]string{}
			for _, item := range list {
				w, ok := item.(map[string]any)
				g.Expect(ok).To(BeTrue())
				name, _, _ := unstructured.NestedString(w, "name")
				machineType, _, _ := unstructured.NestedString(w, "machine", "type")
				gotWorkers[name] = machineType
			}
			g.Expect(gotWorkers).To(Equal(tt.wantWorkers))

			for name, manager := range tt.wantOwners {
				key := fmt.Sprintf(`"k:{\"name\":\"%s\"}"`, name)
				for _, entry := range fm.ManagedFields() {
					g.Expect(entry.FieldsV1).NotTo(BeNil())
					owns := strings.Contains(string(entry.FieldsV1.Raw), key)
					g.Expect(owns).To(Equal(entry.Manager == manager),
						"manager %s, worker %s: managed fields %s", entry.Manager, name, entry.FieldsV1.Raw)
				}
			}
		})
	}
}
