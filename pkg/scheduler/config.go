package scheduler

import (
	"errors"
	"fmt"
	"os"
	"slices"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
	"k8s.io/utils/ptr"

	schedulerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/scheduler/v1alpha1"

	"github.com/hortus-dev/hortus/pkg/componentconfig"
)

// DefaultConfig returns the configuration DecodeConfig makes of an empty
// SchedulerConfiguration.
func DefaultConfig() *schedulerconfigv1alpha1.SchedulerConfiguration {
	cfg, err := DecodeConfig([]byte(`{"apiVersion":"scheduler.config.gardener.cloud/v1alpha1","kind":"SchedulerConfiguration"}`))
	if err != nil {
		panic(fmt.Sprintf("defaulting the scheduler configuration: %v", err))
	}
	return cfg
}

// LoadConfigFile reads a SchedulerConfiguration from path; see DecodeConfig.
func LoadConfigFile(path string) (*schedulerconfigv1alpha1.SchedulerConfiguration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading scheduler configuration: %w", err)
	}
	cfg, err := DecodeConfig(data)
	if err != nil {
		return nil, fmt.Errorf("scheduler configuration %s: %w", path, err)
	}
	return cfg, nil
}

// DecodeConfig decodes a scheduler.config.gardener.cloud/v1alpha1 SchedulerConfiguration in
// YAML or JSON, strictly, so that misspelt fields are errors. It applies Gardener's defaults,
// except that leader election stays off unless leaderElection.leaderElect is set, and
// validates the result.
func DecodeConfig(data []byte) (*schedulerconfigv1alpha1.SchedulerConfiguration, error) {
	cfg, err := componentconfig.Decode(configScheme, data, leaderElection)
	if err != nil {
		return nil, err
	}
	return cfg, validateConfig(cfg)
}

// configScheme knows the configuration types and their defaults.
var configScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(schedulerconfigv1alpha1.AddToScheme(s))
	return s
}()

// leaderElection points at the leaderElection section of cfg.
func leaderElection(cfg *schedulerconfigv1alpha1.SchedulerConfiguration) **componentbaseconfigv1alpha1.LeaderElectionConfiguration {
	return &cfg.LeaderElection
}

// validateConfig checks what the scheduler uses of cfg.
func validateConfig(cfg *schedulerconfigv1alpha1.SchedulerConfiguration) error {
	var errs []error
	if s := cfg.Schedulers.Shoot; s != nil {
		if !slices.Contains(schedulerconfigv1alpha1.Strategies, s.Strategy) {
			errs = append(errs, fmt.Errorf("schedulers.shoot.candidateDeterminationStrategy: %q is not one of %v", s.Strategy, schedulerconfigv1alpha1.Strategies))
		}
		if s.ConcurrentSyncs < 1 {
			errs = append(errs, fmt.Errorf("schedulers.shoot.concurrentSyncs: %d is not positive", s.ConcurrentSyncs))
		}
	}
	for name, s := range map[string]*schedulerconfigv1alpha1.Server{"server.healthProbes": cfg.Server.HealthProbes, "server.metrics": cfg.Server.Metrics} {
		if s != nil && (s.Port < 0 || s.Port > 65535) {
			errs = append(errs, fmt.Errorf("%s.port: %d is not a port", name, s.Port))
		}
	}
	if le := cfg.LeaderElection; ptr.Deref(le.LeaderElect, false) {
		if le.ResourceName == "" || le.ResourceNamespace == "" {
			errs = append(errs, errors.New("leaderElection: resourceName and resourceNamespace are required"))
		}
		if le.RenewDeadline.Duration >= le.LeaseDuration.Duration {
			errs = append(errs, fmt.Errorf("leaderElection.renewDeadline: %v must be shorter than leaseDuration %v", le.RenewDeadline.Duration, le.LeaseDuration.Duration))
		}
	}
	switch cfg.LogLevel {
	case "debug", "info", "error":
	default:
		errs = append(errs, fmt.Errorf("logLevel: %q is not one of debug, info, error", cfg.LogLevel))
	}
	switch cfg.LogFormat {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("logFormat: %q is not one of json, text", cfg.LogFormat))
	}
	return errors.Join(errs...)
}
