package controllermanager

import (
	"fmt"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"

	"github.com/hortus-dev/hortus/pkg/componentconfig"
)

// Config is the configuration of the controller manager: Gardener's
// ControllerManagerConfiguration (controllermanager.config.gardener.cloud/v1alpha1).
type Config = controllermanagerconfigv1alpha1.ControllerManagerConfiguration

// configScheme knows the configuration types and their defaults.
var configScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(controllermanagerconfigv1alpha1.AddToScheme(s))
	return s
}()

// LoadConfig reads the configuration file at path (see DecodeConfig).
func LoadConfig(path string) (*Config, error) {
	return componentconfig.Load(path, DecodeConfig)
}

// DecodeConfig decodes a ControllerManagerConfiguration from YAML or JSON, which must name
// its apiVersion and kind, refusing unknown fields, and applies the defaults: Gardener's,
// except that leader election is off unless leaderElection.leaderElect says otherwise (one
// replica is the default in Hortus), and that the health probes and metrics listen on
// componentconfig.DefaultBindAddress unless a bindAddress is given.
func DecodeConfig(data []byte) (*Config, error) {
	cfg, err := componentconfig.Decode(configScheme, data, leaderElection)
	if err != nil {
		return nil, fmt.Errorf("decoding the configuration: %w", err)
	}
	componentconfig.DefaultBindAddresses(cfg.Server.HealthProbes, cfg.Server.Metrics)
	return cfg, nil
}

// leaderElection points at the leaderElection section of cfg.
func leaderElection(cfg *Config) **componentbaseconfigv1alpha1.LeaderElectionConfiguration {
	return &cfg.LeaderElection
}
