package shoot

import (
	"fmt"
	"maps"
	"net"
	"sort"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/component"
	etcdcomponent "github.com/hortus-dev/hortus/pkg/component/etcd"
	"github.com/hortus-dev/hortus/pkg/component/kubeapiserver"
	"github.com/hortus-dev/hortus/pkg/component/kubecontrollermanager"
	"github.com/hortus-dev/hortus/pkg/component/kubescheduler"
	"github.com/hortus-dev/hortus/pkg/shootpki"
)

// controlPlane holds the descriptions of a shoot's control-plane components.
type controlPlane struct {
	components map[string]component.Component
	// etcd is the description etcd's component was built from.
	etcd etcdcomponent.Config
	// apiServerURL is where the kube-apiserver serves, on loopback.
	apiServerURL string
}

// kubeBinary is the versioned binary name of a Kubernetes component, such as
// kube-apiserver@v1.36.3: the process executor runs bin/kube/v1.36.3/kube-apiserver.
func kubeBinary(name, version string) string {
	return name + "@v" + strings.TrimPrefix(version, "v")
}

// serviceCIDR is the shoot's service network, as the garden defaulted it.
func serviceCIDR(shoot *gardencorev1beta1.Shoot) string {
	if n := shoot.Spec.Networking; n != nil && n.Services != nil {
		return *n.Services
	}
	return "100.64.0.0/13"
}

// podCIDR is the shoot's Pod network: spec.networking.pods, or Gardener's default.
func podCIDR(shoot *gardencorev1beta1.Shoot) string {
	if n := shoot.Spec.Networking; n != nil && n.Pods != nil {
		return *n.Pods
	}
	return "100.96.0.0/11"
}

// buildControlPlane describes etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler for the shoot, with its PKI and ports, and with backup (nil for none) the
// etcd backup sidecar. Pure: the same input gives the same descriptions, so a reconcile of
// an unchanged shoot restarts nothing.
func buildControlPlane(shoot *gardencorev1beta1.Shoot, p *shootpki.PKI, ports map[string]int, backup *etcdcomponent.BackupConfig) (*controlPlane, error) {
	version := shoot.Spec.Kubernetes.Version
	etcdCfg := etcdcomponent.Config{
		Name:          Etcd,
		ClientPort:    ports["etcd-client"],
		PeerPort:      ports["etcd-peer"],
		MetricsPort:   ports["etcd-metrics"],
		CAPEM:         p.EtcdCA.CertPEM,
		ServerCertPEM: p.EtcdServer.CertPEM,
		ServerKeyPEM:  p.EtcdServer.KeyPEM,
		Backup:        backup,
	}
	kasCfg := kubeapiserver.Config{
		Name:                        KubeAPIServer,
		Binary:                      kubeBinary("kube-apiserver", version),
		SecurePort:                  ports["kube-apiserver"],
		EtcdServers:                 []string{etcdCfg.ClientURL()},
		EtcdCAPEM:                   p.EtcdCA.CertPEM,
		EtcdClientCertPEM:           p.EtcdClient.CertPEM,
		EtcdClientKeyPEM:            p.EtcdClient.KeyPEM,
		CAPEM:                       p.ClusterCA.CertPEM,
		ServingCertPEM:              p.APIServer.CertPEM,
		ServingKeyPEM:               p.APIServer.KeyPEM,
		ClientCAPEM:                 p.ClientCA.CertPEM,
		ServiceAccountPrivateKeyPEM: p.ServiceAccountKey,
		ServiceAccountPublicKeyPEM:  p.ServiceAccountPub,
		ServiceAccountIssuer:        serviceAccountIssuer(shoot),
		RequestHeaderCAPEM:          p.FrontProxyCA.CertPEM,
		ProxyClientCertPEM:          p.FrontProxyClient.CertPEM,
		ProxyClientKeyPEM:           p.FrontProxyClient.KeyPEM,
		ServiceClusterIPRange:       serviceCIDR(shoot),
		AuthorizationModes:          []string{"Node", "RBAC"},
		EncryptionConfig:            p.EncryptionConfig,
		ExtraArgs:                   kubeAPIServerArgs(shoot),
	}
	url := kasCfg.URL()
	kcmKubeconfig, err := p.Kubeconfig(url, p.ControllerManager, "shoot", "system:kube-controller-manager")
	if err != nil {
		return nil, err
	}
	schedKubeconfig, err := p.Kubeconfig(url, p.Scheduler, "shoot", "system:kube-scheduler")
	if err != nil {
		return nil, err
	}
	kcmCfg := kubecontrollermanager.Config{
		Name:                        KubeControllerManager,
		Binary:                      kubeBinary("kube-controller-manager", version),
		SecurePort:                  ports["kube-controller-manager"],
		Kubeconfig:                  kcmKubeconfig,
		ServiceAccountPrivateKeyPEM: p.ServiceAccountKey,
		RootCAPEM:                   p.ClusterCA.CertPEM,
		// Kubelet client certificates from CSRs must authenticate at the kube-apiserver,
		// which trusts the client CA.
		ClusterSigningCertPEM: p.ClientCA.CertPEM,
		ClusterSigningKeyPEM:  p.ClientCA.KeyPEM,
		ClusterName:           TechnicalID(shoot),
		ServiceClusterIPRange: serviceCIDR(shoot),
	}
	if n := shoot.Spec.Networking; n != nil && n.Pods != nil {
		kcmCfg.ClusterCIDR = *n.Pods
	}
	if hasWorkers(shoot) {
		// Nodes get Pod ranges from the Pod network.
		kcmCfg.ClusterCIDR = podCIDR(shoot)
		kcmCfg.AllocateNodeCIDRs = true
	} else {
		kcmCfg.Controllers = kubecontrollermanager.WorkerlessControllers
	}
	schedCfg := kubescheduler.Config{
		Name:       KubeScheduler,
		Binary:     kubeBinary("kube-scheduler", version),
		SecurePort: ports["kube-scheduler"],
		Kubeconfig: schedKubeconfig,
	}
	cp := &controlPlane{
		apiServerURL: url,
		etcd:         etcdCfg,
		components: map[string]component.Component{
			Etcd:                  etcdcomponent.Build(etcdCfg),
			KubeAPIServer:         kubeapiserver.Build(kasCfg),
			KubeControllerManager: kubecontrollermanager.Build(kcmCfg),
			KubeScheduler:         kubescheduler.Build(schedCfg),
		},
	}
	if backup != nil {
		cp.components[EtcdBackup] = etcdcomponent.BuildBackup(etcdCfg)
	}
	for name, c := range cp.components {
		c.Env = append(c.Env, goRuntimeEnv...)
		cp.components[name] = c
	}
	return cp, nil
}

// goRuntimeEnv tunes the Go runtime of every control-plane process for density: a shoot's
// control plane is mostly idle, and collecting garbage at half the default heap growth
// keeps its resident memory about a fifth lower for little CPU.
var goRuntimeEnv = []component.EnvVar{{Name: "GOGC", Value: "50"}}

// set is the executor set of one component.
func (cp *controlPlane) set(name string) component.Set {
	return component.Set{Name: name, Components: []component.Component{cp.components[name]}}
}

func serviceAccountIssuer(shoot *gardencorev1beta1.Shoot) string {
	if k := shoot.Spec.Kubernetes.KubeAPIServer; k != nil && k.ServiceAccountConfig != nil && k.ServiceAccountConfig.Issuer != nil {
		return *k.ServiceAccountConfig.Issuer
	}
	return "https://kubernetes.default.svc.cluster.local"
}

// kubeAPIServerArgs maps the settings of spec.kubernetes.kubeAPIServer that Hortus acts on
// to kube-apiserver flags.
func kubeAPIServerArgs(shoot *gardencorev1beta1.Shoot) map[string]string {
	args := map[string]string{}
	k := shoot.Spec.Kubernetes.KubeAPIServer
	if k == nil {
		return args
	}
	if len(k.FeatureGates) > 0 {
		args["feature-gates"] = keyValues(k.FeatureGates)
	}
	if len(k.RuntimeConfig) > 0 {
		args["runtime-config"] = keyValues(k.RuntimeConfig)
	}
	if k.EventTTL != nil {
		args["event-ttl"] = k.EventTTL.Duration.String()
	}
	if k.Requests != nil {
		if n := k.Requests.MaxNonMutatingInflight; n != nil {
			args["max-requests-inflight"] = fmt.Sprint(*n)
		}
		if n := k.Requests.MaxMutatingInflight; n != nil {
			args["max-mutating-requests-inflight"] = fmt.Sprint(*n)
		}
	}
	if ptr.Deref(k.EnableAnonymousAuthentication, false) {
		args["anonymous-auth"] = "true"
	}
	return args
}

// keyValues renders a map as sorted k=v pairs separated by commas.
func keyValues[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range maps.Keys(m) {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, m[k])
	}
	return strings.Join(parts, ",")
}

// apiServerHosts are the names and addresses of the shoot's kube-apiserver that its
// serving certificate carries besides the in-cluster ones.
func apiServerHosts() ([]string, []net.IP) {
	return []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}
}
