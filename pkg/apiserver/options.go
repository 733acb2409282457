package apiserver

import (
	"errors"
	"fmt"
	"math"
	"net"
	"time"

	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/apiserver/pkg/util/compatibility"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	cliflag "k8s.io/component-base/cli/flag"
	logsv1 "k8s.io/component-base/logs/api/v1"
	// JSON logs for --logging-format=json.
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	_ "k8s.io/component-base/logs/json/register"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/shoot"
	"github.com/hortus-dev/hortus/pkg/generated/openapi"
	"github.com/hortus-dev/hortus/pkg/version"
)

const (
	// DefaultEtcdPathPrefix is the etcd key prefix of everything the server stores. It
	// differs from the kube-apiserver's /registry, so both may share one etcd.
	DefaultEtcdPathPrefix = "/registry-hortus"
	// DefaultSecurePort is the port the server serves HTTPS on.
	DefaultSecurePort = 8443
	// DefaultBindAddress is the address the server listens on.
	DefaultBindAddress = "127.0.0.1"
)

// Options are the command-line options of the server.
type Options struct {
	// Recommended are the options of a generic aggregated API server: etcd, secure
	// serving, delegated authentication and authorization, audit, features, the garden
	// client (--kubeconfig), admission, egress and tracing.
	Recommended *genericoptions.RecommendedOptions
	// Admission is Recommended.Admission. Hortus' own admission plugins are registered in
	// its Plugins (see admission.go); --enable-admission-plugins and
	// --disable-admission-plugins choose among them.
	Admission *genericoptions.AdmissionOptions
	// Logs configure klog, which the generic server logs through.
	Logs *logsv1.LoggingConfiguration
	// AlternateDNS are further names for a self-signed serving certificate.
	AlternateDNS []string
	// AdminKubeconfigMaxExpiration and ViewerKubeconfigMaxExpiration cap the validity of
	// the kubeconfigs of shoots/adminkubeconfig and shoots/viewerkubeconfig.
	AdminKubeconfigMaxExpiration  time.Duration
	ViewerKubeconfigMaxExpiration time.Duration
}

// NewOptions returns the options with their defaults.
func NewOptions() *Options {
	o := &Options{
		Recommended: genericoptions.NewRecommendedOptions(DefaultEtcdPathPrefix, Codecs.LegacyCodec(ServedGroupVersions...)),
		Logs:        logsv1.NewLoggingConfiguration(),

		AdminKubeconfigMaxExpiration:  shoot.DefaultKubeconfigMaxExpiration,
		ViewerKubeconfigMaxExpiration: shoot.DefaultKubeconfigMaxExpiration,
	}
	o.Admission = o.Recommended.Admission
	registerAdmissionPlugins(o.Admission)
	o.Recommended.ExtraAdmissionInitializers = admissionInitializers

	o.Recommended.Etcd.EnableWatchCache = true
	o.Recommended.SecureServing.BindAddress = net.ParseIP(DefaultBindAddress)
	o.Recommended.SecureServing.BindPort = DefaultSecurePort
	o.Recommended.SecureServing.ServerCert.PairName = "hortus-apiserver"
	o.Recommended.SecureServing.ServerCert.CertDirectory = ""
	// The garden kube-apiserver in front already applies priority and fairness to every
	// request it proxies here; --enable-priority-and-fairness turns it on anyway.
	o.Recommended.Features.EnablePriorityAndFairness = false
	return o
}

// Flags returns the flags of the options in named sections, for a sectioned --help.
func (o *Options) Flags() cliflag.NamedFlagSets {
	var fss cliflag.NamedFlagSets
	r := o.Recommended
	r.Etcd.AddFlags(fss.FlagSet("etcd"))
	r.SecureServing.AddFlags(fss.FlagSet("secure serving"))
	fss.FlagSet("secure serving").StringSliceVar(&o.AlternateDNS, "alternate-dns", o.AlternateDNS,
		"Further DNS names for the self-signed serving certificate that is generated when no --tls-cert-file is given.")
	r.CoreAPI.AddFlags(fss.FlagSet("garden kube-apiserver"))
	shoots := fss.FlagSet("shoots")
	shoots.DurationVar(&o.AdminKubeconfigMaxExpiration, "shoot-admin-kubeconfig-max-expiration", o.AdminKubeconfigMaxExpiration,
		"The longest validity of a kubeconfig from shoots/adminkubeconfig; a request for more gets this much (1h to 2^32s).")
	shoots.DurationVar(&o.ViewerKubeconfigMaxExpiration, "shoot-viewer-kubeconfig-max-expiration", o.ViewerKubeconfigMaxExpiration,
		"The longest validity of a kubeconfig from shoots/viewerkubeconfig; a request for more gets this much (1h to 2^32s).")
	r.Authentication.AddFlags(fss.FlagSet("authentication"))
	r.Authorization.AddFlags(fss.FlagSet("authorization"))
	r.Admission.AddFlags(fss.FlagSet("admission"))
	r.Audit.AddFlags(fss.FlagSet("audit"))
	r.Features.AddFlags(fss.FlagSet("features"))
	r.EgressSelector.AddFlags(fss.FlagSet("egress selector"))
	r.Traces.AddFlags(fss.FlagSet("traces"))
	logsv1.AddFlags(o.Logs, fss.FlagSet("logs"))
	return fss
}

// Complete fills in what the flags leave open: the delegated authentication and
// authorization talk to the garden through --kubeconfig unless they have their own.
func (o *Options) Complete() error {
	garden := o.Recommended.CoreAPI.CoreAPIKubeconfigPath
	if o.Recommended.Authentication.RemoteKubeConfigFile == "" {
		o.Recommended.Authentication.RemoteKubeConfigFile = garden
	}
	if o.Recommended.Authorization.RemoteKubeConfigFile == "" {
		o.Recommended.Authorization.RemoteKubeConfigFile = garden
	}
	return nil
}

// Validate checks the options and applies the logging configuration.
func (o *Options) Validate() error {
	errs := append(o.Recommended.Validate(), o.validateShoots()...)
	if err := logsv1.ValidateAndApply(o.Logs, nil); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// validateShoots checks the options of the shoot subresources: the longest validity of a
// kubeconfig lies between one hour and 2^32 seconds, as in Gardener.
func (o *Options) validateShoots() []error {
	var errs []error
	for _, f := range []struct {
		flag  string
		value time.Duration
	}{
		{"--shoot-admin-kubeconfig-max-expiration", o.AdminKubeconfigMaxExpiration},
		{"--shoot-viewer-kubeconfig-max-expiration", o.ViewerKubeconfigMaxExpiration},
	} {
		if f.value < time.Hour || f.value > time.Duration(math.MaxUint32)*time.Second {
			errs = append(errs, fmt.Errorf("%s must be between 1 hour and 2^32 seconds, got %s", f.flag, f.value))
		}
	}
	return errs
}

// Config returns the server configuration. Without --tls-cert-file it generates a
// self-signed serving certificate in --cert-dir.
func (o *Options) Config() (*Config, error) {
	r := o.Recommended
	if err := r.SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", o.AlternateDNS, []net.IP{net.ParseIP("127.0.0.1")}); err != nil {
		return nil, fmt.Errorf("creating a self-signed serving certificate: %w", err)
	}

	c := genericapiserver.NewRecommendedConfig(Codecs)
	c.EffectiveVersion = compatibility.DefaultBuildEffectiveVersion()
	c.FeatureGate = utilfeature.DefaultFeatureGate

	namer := openapinamer.NewDefinitionNamer(Scheme)
	c.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(openapi.GetOpenAPIDefinitions, namer)
	c.OpenAPIConfig.Info.Title = "Hortus"
	c.OpenAPIConfig.Info.Version = version.Get().GitVersion
	c.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(openapi.GetOpenAPIDefinitions, namer)
	c.OpenAPIV3Config.Info.Title = "Hortus"
	c.OpenAPIV3Config.Info.Version = version.Get().GitVersion

	// This is RecommendedOptions.ApplyTo, with a storage factory of our own.
	if err := r.Etcd.ApplyWithStorageFactoryTo(newStorageFactory(o, c.EffectiveVersion), &c.Config); err != nil {
		return nil, fmt.Errorf("etcd: %w", err)
	}
	if err := r.EgressSelector.ApplyTo(&c.Config); err != nil {
		return nil, fmt.Errorf("egress selector: %w", err)
	}
	if err := r.Traces.ApplyTo(c.EgressSelector, &c.Config); err != nil {
		return nil, fmt.Errorf("traces: %w", err)
	}
	if err := r.SecureServing.ApplyToConfig(&c.Config); err != nil {
		return nil, fmt.Errorf("secure serving: %w", err)
	}
	if err := r.Authentication.ApplyTo(&c.Authentication, c.SecureServing, c.OpenAPIConfig); err != nil {
		return nil, fmt.Errorf("delegated authentication: %w", err)
	}
	if err := r.Authorization.ApplyTo(&c.Authorization); err != nil {
		return nil, fmt.Errorf("delegated authorization: %w", err)
	}
	if err := r.Audit.ApplyTo(&c.Config); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if err := r.CoreAPI.ApplyTo(c); err != nil {
		return nil, fmt.Errorf("garden kube-apiserver (--kubeconfig): %w", err)
	}
	kubeClient, err := kubernetes.NewForConfig(c.ClientConfig)
	if err != nil {
		return nil, fmt.Errorf("garden client: %w", err)
	}
	dynamicClient, err := dynamic.NewForConfig(c.ClientConfig)
	if err != nil {
		return nil, fmt.Errorf("garden client: %w", err)
	}
	if err := r.Features.ApplyTo(&c.Config, kubeClient, c.SharedInformerFactory); err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	initializers, err := r.ExtraAdmissionInitializers(c)
	if err != nil {
		return nil, fmt.Errorf("admission initializers: %w", err)
	}
	if err := r.Admission.ApplyTo(&c.Config, c.SharedInformerFactory, kubeClient, dynamicClient, r.FeatureGate, c.EffectiveVersion, initializers...); err != nil {
		return nil, fmt.Errorf("admission: %w", err)
	}
	return &Config{GenericConfig: c, Extra: ExtraConfig{
		GardenClient:                  kubeClient,
		AdminKubeconfigMaxExpiration:  o.AdminKubeconfigMaxExpiration,
		ViewerKubeconfigMaxExpiration: o.ViewerKubeconfigMaxExpiration,
	}}, nil
}
