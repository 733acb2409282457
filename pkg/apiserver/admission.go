package apiserver

import (
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle"
	mutatingadmissionpolicy "k8s.io/apiserver/pkg/admission/plugin/policy/mutating"
	validatingadmissionpolicy "k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	mutatingwebhook "k8s.io/apiserver/pkg/admission/plugin/webhook/mutating"
	validatingwebhook "k8s.io/apiserver/pkg/admission/plugin/webhook/validating"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/client-go/rest"

	"github.com/hortus-dev/hortus/pkg/admission/deletionconfirmation"
	"github.com/hortus-dev/hortus/pkg/admission/extensionvalidator"
	"github.com/hortus-dev/hortus/pkg/admission/projectmutator"
	"github.com/hortus-dev/hortus/pkg/admission/resourcereferencemanager"
	"github.com/hortus-dev/hortus/pkg/admission/shootmutator"
	"github.com/hortus-dev/hortus/pkg/admission/shootquotavalidator"
	"github.com/hortus-dev/hortus/pkg/admission/shootvalidator"
)

// AdmissionPlugin is one of Hortus' own admission plugins.
type AdmissionPlugin struct {
	// Name is the plugin's name in --enable-admission-plugins and --disable-admission-plugins.
	Name string
	// Register adds the plugin's factory to plugins.
	Register func(plugins *admission.Plugins)
	// DefaultOff keeps the plugin disabled unless --enable-admission-plugins names it.
	DefaultOff bool
}

// hortusAdmissionPlugins are Hortus' own admission plugins in the order they run: after
// NamespaceLifecycle, before the admission policies and webhooks of the garden.
//
// This is the seam for the plugins of pkg/admission/<plugin> (DeletionConfirmation,
// ShootValidator, defaulting, quota, the reference manager, the extension validator):
// each adds one entry here. A plugin that needs to read Hortus' own API implements
// WantsLoopbackClientConfig.
var hortusAdmissionPlugins = []AdmissionPlugin{
	{Name: resourcereferencemanager.PluginName, Register: resourcereferencemanager.Register},
	{Name: extensionvalidator.PluginName, Register: extensionvalidator.Register},
	{Name: shootquotavalidator.PluginName, Register: shootquotavalidator.Register},
	{Name: shootmutator.PluginName, Register: shootmutator.Register},
	{Name: shootvalidator.PluginName, Register: shootvalidator.Register},
	{Name: projectmutator.PluginName, Register: projectmutator.Register},
	{Name: deletionconfirmation.PluginName, Register: deletionconfirmation.Register},
}

// The admission plugins of k8s.io/apiserver that the server runs. All of them work against
// the garden kube-apiserver, which the server reaches through --kubeconfig:
//   - NamespaceLifecycle refuses objects in namespaces that are terminating or missing
//     (it watches the garden's Namespaces);
//   - MutatingAdmissionPolicy, MutatingAdmissionWebhook, ValidatingAdmissionPolicy and
//     ValidatingAdmissionWebhook apply the garden's policies and webhook configurations to
//     Gardener resources, as they do in a Gardener landscape.
var (
	pluginsBefore = []string{lifecycle.PluginName}
	pluginsAfter  = []string{
		mutatingadmissionpolicy.PluginName,
		mutatingwebhook.PluginName,
		validatingadmissionpolicy.PluginName,
		validatingwebhook.PluginName,
	}
)

// registerAdmissionPlugins adds Hortus' own plugins to the admission options and sets the
// order in which all plugins run.
func registerAdmissionPlugins(o *genericoptions.AdmissionOptions) {
	order := append([]string{}, pluginsBefore...)
	off := sets.New[string]()
	for _, p := range hortusAdmissionPlugins {
		p.Register(o.Plugins)
		order = append(order, p.Name)
		if p.DefaultOff {
			off.Insert(p.Name)
		}
	}
	o.RecommendedPluginOrder = append(order, pluginsAfter...)
	o.DefaultOffPlugins = off
}

// WantsLoopbackClientConfig is implemented by admission plugins that read Hortus' own API
// (Shoots, Seeds, Projects, …) through the server's loopback connection. A plugin only
// needs the method; it does not have to import this package.
type WantsLoopbackClientConfig interface {
	SetLoopbackClientConfig(*rest.Config)
}

// loopbackInitializer hands the loopback client configuration to the plugins that want it.
type loopbackInitializer struct {
	config *rest.Config
}

var _ admission.PluginInitializer = loopbackInitializer{}

// Initialize implements admission.PluginInitializer.
func (i loopbackInitializer) Initialize(plugin admission.Interface) {
	if w, ok := plugin.(WantsLoopbackClientConfig); ok {
		w.SetLoopbackClientConfig(rest.CopyConfig(i.config))
	}
}

// admissionInitializers returns the initializers of Hortus' own admission plugins.
func admissionInitializers(c *genericapiserver.RecommendedConfig) ([]admission.PluginInitializer, error) {
	return []admission.PluginInitializer{loopbackInitializer{config: c.LoopbackClientConfig}}, nil
}
