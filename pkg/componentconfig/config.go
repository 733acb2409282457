package componentconfig

import (
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
	"k8s.io/utils/ptr"
)

// Decode decodes data, a component configuration in YAML or JSON that names its apiVersion
// and kind, into a T with the types of scheme, refusing unknown and duplicate fields. It
// applies the defaults: Gardener's, those of scheme, except that leader election is off
// unless leaderElection.leaderElect says otherwise, as one replica is Hortus' default.
// leaderElection points at the leaderElection section of a T.
//
// Its errors are the decoder's, or one that names the kind it got and the kind it wants.
func Decode[T any, PT interface {
	*T
	runtime.Object
}](scheme *runtime.Scheme, data []byte, leaderElection func(*T) **componentbaseconfigv1alpha1.LeaderElectionConfiguration) (*T, error) {
	obj, gvk, err := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer().Decode(data, nil, nil)
	if err != nil {
		return nil, err
	}
	cfg, ok := obj.(PT)
	if !ok {
		want := fmt.Sprintf("%T", cfg)
		if kinds, _, err := scheme.ObjectKinds(PT(new(T))); err == nil {
			want = kinds[0].Kind + " of " + kinds[0].GroupVersion().String()
		}
		return nil, fmt.Errorf("got %s, want a %s", gvk, want)
	}
	section := leaderElection((*T)(cfg))
	if *section == nil {
		*section = &componentbaseconfigv1alpha1.LeaderElectionConfiguration{}
	}
	if le := *section; le.LeaderElect == nil {
		le.LeaderElect = ptr.To(false)
	}
	scheme.Default(cfg)
	return (*T)(cfg), nil
}

// Load reads the configuration file at path and decodes it with decode. Its errors say
// "reading the configuration" when the file cannot be read, and name path when it cannot
// be decoded.
func Load[T any](path string, decode func([]byte) (T, error)) (T, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("reading the configuration: %w", err)
	}
	cfg, err := decode(data)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}
