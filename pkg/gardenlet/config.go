package gardenlet

import (
	"fmt"
	"slices"

	gardenletconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/gardenlet/v1alpha1"
	"github.com/gardener/gardener/pkg/apis/core"
	coreinstall "github.com/gardener/gardener/pkg/apis/core/install"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
	"github.com/hortus-dev/hortus/pkg/componentconfig"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/seed"
)

// Config is the configuration of the gardenlet: Gardener's GardenletConfiguration
// (gardenlet.config.gardener.cloud/v1alpha1).
type Config = gardenletconfigv1alpha1.GardenletConfiguration

// configScheme knows the configuration types and their defaults.
var configScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(gardenletconfigv1alpha1.AddToScheme(s))
	return s
}()

// seedScheme converts a versioned Seed to the internal version that pkg/api/core/validation
// checks.
var seedScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	coreinstall.Install(s)
	return s
}()

// LoadConfig reads the configuration file at path (see DecodeConfig). It does not validate
// the configuration: flags may still change it (see ValidateConfig).
func LoadConfig(path string) (*Config, error) {
	return componentconfig.Load(path, DecodeConfig)
}

// DecodeConfig decodes a GardenletConfiguration from YAML or JSON, which must name its
// apiVersion and kind, refusing unknown fields, and applies the defaults: Gardener's, except
// that leader election is off unless leaderElection.leaderElect says otherwise (one replica
// is the default in Hortus), and that the health probes and metrics listen on
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

// ValidateConfig checks the parts of a decoded configuration that the gardenlet acts on and
// returns every problem with its field path, or nil. The seed template is checked as the
// garden API server checks a Seed, after Gardener's defaults.
func ValidateConfig(cfg *Config) error {
	var allErrs field.ErrorList
	if cfg.GardenClientConnection == nil || cfg.GardenClientConnection.Kubeconfig == "" {
		allErrs = append(allErrs, field.Required(field.NewPath("gardenClientConnection", "kubeconfig"),
			"the kubeconfig of the garden is needed (bootstrap kubeconfigs and kubeconfigSecret are not supported)"))
	}
	allErrs = append(allErrs, validateSeedConfig(cfg.SeedConfig, field.NewPath("seedConfig"))...)
	allErrs = append(allErrs, validateResources(cfg.Resources, field.NewPath("resources"))...)
	if c := cfg.Controllers; c != nil {
		ctrlPath := field.NewPath("controllers")
		if c.Seed != nil && c.Seed.SyncPeriod != nil && c.Seed.SyncPeriod.Duration <= 0 {
			allErrs = append(allErrs, field.Invalid(ctrlPath.Child("seed", "syncPeriod"), c.Seed.SyncPeriod.Duration.String(), "must be positive"))
		}
		if c.Shoot != nil {
			if c.Shoot.SyncPeriod != nil && c.Shoot.SyncPeriod.Duration <= 0 {
				allErrs = append(allErrs, field.Invalid(ctrlPath.Child("shoot", "syncPeriod"), c.Shoot.SyncPeriod.Duration.String(), "must be positive"))
			}
			if c.Shoot.ConcurrentSyncs != nil && *c.Shoot.ConcurrentSyncs <= 0 {
				allErrs = append(allErrs, field.Invalid(ctrlPath.Child("shoot", "concurrentSyncs"), *c.Shoot.ConcurrentSyncs, "must be positive"))
			}
		}
	}
	serverPath := field.NewPath("server")
	for _, s := range []struct {
		name   string
		server *gardenletconfigv1alpha1.Server
	}{{"healthProbes", cfg.Server.HealthProbes}, {"metrics", cfg.Server.Metrics}} {
		if s.server != nil && (s.server.Port < 0 || s.server.Port > 65535) {
			allErrs = append(allErrs, field.Invalid(serverPath.Child(s.name, "port"), s.server.Port, "must be between 0 and 65535"))
		}
	}
	if !slices.Contains([]string{"", "debug", "info", "error"}, cfg.LogLevel) {
		allErrs = append(allErrs, field.NotSupported(field.NewPath("logLevel"), cfg.LogLevel, []string{"debug", "info", "error"}))
	}
	if !slices.Contains([]string{"", "json", "text"}, cfg.LogFormat) {
		allErrs = append(allErrs, field.NotSupported(field.NewPath("logFormat"), cfg.LogFormat, []string{"json", "text"}))
	}
	if len(allErrs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid configuration: %w", allErrs.ToAggregate())
}

// validateSeedConfig checks the seed template: a name, and a Seed that the garden API server
// accepts.
func validateSeedConfig(seedConfig *gardenletconfigv1alpha1.SeedConfig, fldPath *field.Path) field.ErrorList {
	if seedConfig == nil {
		return field.ErrorList{field.Required(fldPath, "the Seed to register is needed")}
	}
	if seedConfig.Name == "" {
		return field.ErrorList{field.Required(fldPath.Child("metadata", "name"), "the name of the Seed is needed")}
	}
	desired := seed.Desired(seedConfig)
	internal := &core.Seed{}
	if err := seedScheme.Convert(desired, internal, nil); err != nil {
		return field.ErrorList{field.Invalid(fldPath, seedConfig.Name, fmt.Sprintf("converting the seed template: %v", err))}
	}
	var allErrs field.ErrorList
	for _, e := range validation.ValidateSeed(internal) {
		e.Field = fldPath.String() + "." + e.Field
		allErrs = append(allErrs, e)
	}
	return allErrs
}

// validateResources checks the shoots capacity and reservation.
func validateResources(res *gardenletconfigv1alpha1.ResourcesConfiguration, fldPath *field.Path) field.ErrorList {
	if res == nil {
		return nil
	}
	var allErrs field.ErrorList
	capacity, hasCapacity := res.Capacity[seed.ResourceShoots]
	reserved, hasReserved := res.Reserved[seed.ResourceShoots]
	capacityPath := fldPath.Child("capacity").Key(string(seed.ResourceShoots))
	reservedPath := fldPath.Child("reserved").Key(string(seed.ResourceShoots))
	if hasCapacity && capacity.Sign() < 0 {
		allErrs = append(allErrs, field.Invalid(capacityPath, capacity.String(), "must not be negative"))
	}
	if hasReserved {
		switch {
		case reserved.Sign() < 0:
			allErrs = append(allErrs, field.Invalid(reservedPath, reserved.String(), "must not be negative"))
		case !hasCapacity:
			allErrs = append(allErrs, field.Required(capacityPath, "a reservation needs a capacity"))
		case reserved.Cmp(capacity) > 0:
			allErrs = append(allErrs, field.Invalid(reservedPath, reserved.String(), "must not exceed "+capacityPath.String()+" ("+capacity.String()+")"))
		}
	}
	return allErrs
}
