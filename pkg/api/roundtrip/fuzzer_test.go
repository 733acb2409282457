package roundtrip_test

import (
	"fmt"
	"reflect"

	authenticationinstall "github.com/gardener/gardener/pkg/apis/authentication/install"
	"github.com/gardener/gardener/pkg/apis/core"
	coreinstall "github.com/gardener/gardener/pkg/apis/core/install"
	"github.com/gardener/gardener/pkg/apis/security"
	securityinstall "github.com/gardener/gardener/pkg/apis/security/install"
	"github.com/gardener/gardener/pkg/apis/seedmanagement"
	seedmanagementinstall "github.com/gardener/gardener/pkg/apis/seedmanagement/install"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	runtimeserializer "k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/randfill"
)

// scheme holds every served group; the fuzzer uses it to default fuzzed objects.
var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	coreinstall.Install(s)
	securityinstall.Install(s)
	seedmanagementinstall.Install(s)
	authenticationinstall.Install(s)
	return s
}()

// fuzzerFuncs make fuzzed objects look like stored ones. The round-trip codecs default
// what they decode, so every fuzzed internal object is first defaulted through its
// preferred external version; after that a lossy conversion or serialisation still shows
// up as a difference.
func fuzzerFuncs(_ runtimeserializer.CodecFactory) []interface{} {
	funcs := []interface{}{
		// Embedded provider and gardenlet configs are objects of kinds these groups do not
		// serve; they are carried as raw bytes, which the generic fuzzer cannot produce
		// validly.
		func(c *seedmanagement.GardenletConfig, f randfill.Continue) {
			f.FillNoCustom(c)
			c.Config = nil
		},
		func(c *seedmanagement.GardenletSpec, f randfill.Continue) {
			f.FillNoCustom(c)
			c.Config = nil
		},
		// Helm values are free-form JSON.
		func(j *apiextensionsv1.JSON, f randfill.Continue) {
			j.Raw = []byte(fmt.Sprintf(`{"replicas":%d,"name":%q}`, f.Intn(10), f.String(8)))
		},
		func(c *security.TargetSystem, f randfill.Continue) {
			f.FillNoCustom(c)
			c.ProviderConfig = nil
		},
	}
	seen := map[reflect.Type]bool{}
	for gvk, typ := range scheme.AllKnownTypes() {
		if gvk.Version != runtime.APIVersionInternal || gvk.Group == "" || seen[typ] {
			continue
		}
		external := preferredExternal(gvk)
		if external.Empty() {
			continue
		}
		seen[typ] = true
		funcs = append(funcs, defaultingFuzzer(typ, external))
	}
	return funcs
}

// normalise adjusts a freshly fuzzed top-level object before it is defaulted.
func normalise(obj runtime.Object) {
	switch o := obj.(type) {
	case *core.ControllerDeployment:
		// Hortus deploys extensions with Helm. A custom deployment type is carried in v1
		// as annotations that Gardener's conversion writes into the source object's map,
		// so only Helm deployments round-trip without altering what was encoded.
		o.Type, o.ProviderConfig = "", nil
		if o.Helm == nil {
			o.Helm = &core.HelmControllerDeployment{}
		}
	case *core.ControllerDeploymentList:
		for i := range o.Items {
			normalise(&o.Items[i])
		}
	}
}

func preferredExternal(internal schema.GroupVersionKind) schema.GroupVersionKind {
	for _, gv := range scheme.PrioritizedVersionsForGroup(internal.Group) {
		gvk := gv.WithKind(internal.Kind)
		if scheme.Recognizes(gvk) {
			return gvk
		}
	}
	return schema.GroupVersionKind{}
}

// defaultingFuzzer returns func(*T, randfill.Continue) that fills the object and applies
// the defaults of the external version.
func defaultingFuzzer(typ reflect.Type, external schema.GroupVersionKind) interface{} {
	fnType := reflect.FuncOf([]reflect.Type{reflect.PointerTo(typ), reflect.TypeOf(randfill.Continue{})}, nil, false)
	return reflect.MakeFunc(fnType, func(args []reflect.Value) []reflect.Value {
		obj := args[0].Interface().(runtime.Object)
		args[1].Interface().(randfill.Continue).FillNoCustom(obj)
		normalise(obj)
		// FillNoCustom skips custom funcs for the top-level object only, so nested
		// custom funcs (ObjectMeta, GardenletConfig) still apply.
		ext, err := scheme.New(external)
		if err != nil {
			panic(err)
		}
		if err := scheme.Convert(obj, ext, nil); err != nil {
			panic(err)
		}
		scheme.Default(ext)
		if err := scheme.Convert(ext, obj, nil); err != nil {
			panic(err)
		}
		return nil
	}).Interface()
}
