package controllermanager

import (
	"fmt"
	"os"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
	"k8s.io/utils/ptr"
)

// Config is the configuration of the controller manager: Gardener's
// ControllerManagerConfiguration (controllermanager.config.gardener.cloud/v1alpha1).
type Config = controllermanagerconfigv1alpha1.ControllerManagerConfiguration

// DefaultBindAddress is where the health probes and metrics listen when the
// configuration names no address: loopback. Gardener listens on every address.
const DefaultBindAddress = "127.0.0.1"

// configScheme knows the configuration types and their defaults.
var configScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(controllermanagerconfigv1alpha1.AddToScheme(s))
	return s
}()

// LoadConfig reads the configuration file at path (see DecodeConfig).
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the configuration: %w", err)
	}
	cfg, err := DecodeConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// DecodeConfig decodes a ControllerManagerConfiguration from YAML or JSON, which must
// name its apiVersion and kind, refusing unknown fields, and applies the defaults: Gardener's, except that leader election is
// off unless leaderElection.leaderElect says otherwise (one replica is the default in
// Hortus), and that the health probes and metrics listen on DefaultBindAddress unless a
// bindAddress is given.
func DecodeConfig(data []byte) (*Config, error) {
	codecs := serializer.NewCodecFactory(configScheme, serializer.EnableStrict)
	obj, gvk, err := codecs.UniversalDeserializer().Decode(data, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("decoding the configuration: %w", err)
	}
	cfg, ok := obj.(*Config)
	if !ok {
		return nil, fmt.Errorf("decoding the configuration: got %s, want a ControllerManagerConfiguration of %s", gvk, controllermanagerconfigv1alpha1.SchemeGroupVersion)
	}
	if cfg.LeaderElection == nil {
		cfg.LeaderElection = &componentbaseconfigv1alpha1.LeaderElectionConfiguration{}
	}
	if cfg.LeaderElection.LeaderElect == nil {
		cfg.LeaderElection.LeaderElect = ptr.To(false)
	}
	configScheme.Default(cfg)
	for _, s := range []*controllermanagerconfigv1alpha1.Server{cfg.Server.HealthProbes, cfg.Server.Metrics} {
		if s != nil && s.BindAddress == "" {
			s.BindAddress = DefaultBindAddress
		}
	}
	return cfg, nil
}
