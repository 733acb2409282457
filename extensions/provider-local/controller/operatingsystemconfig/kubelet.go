package operatingsystemconfig

import (
	"fmt"
	"net/netip"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/extensions/provider-local/userdata"
)

// Defaults of the kubelet configuration where the shoot says nothing.
const (
	// DefaultMaxPods is the kubelet's default pod capacity.
	DefaultMaxPods = 110
	// DefaultServicesCIDR is Gardener's default service network of a shoot.
	DefaultServicesCIDR = "100.64.0.0/13"
	// ClusterDomain is the cluster domain of every shoot, as in Gardener.
	ClusterDomain = "cluster.local"
)

// defaultEvictionHard is Gardener's default evictionHard of a shoot's kubelets.
var defaultEvictionHard = map[string]string{
	"memory.available":   "100Mi",
	"imagefs.available":  "5%",
	"imagefs.inodesFree": "5%",
	"nodefs.available":   "5%",
	"nodefs.inodesFree":  "5%",
}

// KubeletInput is what the kubelet configuration of one worker pool derives from.
type KubeletInput struct {
	// Kubelet is the pool's kubernetes.kubelet, else the shoot's spec.kubernetes.kubelet;
	// nil when neither is set.
	Kubelet *gardencorev1beta1.KubeletConfig
	// ServicesCIDR is the shoot's service network; empty means the default.
	ServicesCIDR string
	// CRI is the OperatingSystemConfig's spec.criConfig.
	CRI *extensionsv1alpha1.CRIConfig
	// Version is the kubelet's Kubernetes version: the pool's kubernetes.version, else the
	// shoot's spec.kubernetes.version; empty when unknown.
	Version string
}

// KubeletInputFor picks the kubelet settings of pool from the shoot: the pool's own
// kubernetes.kubelet and kubernetes.version when set, else the shoot's, as Gardener does.
func KubeletInputFor(shoot *gardencorev1beta1.Shoot, pool string, cri *extensionsv1alpha1.CRIConfig) KubeletInput {
	in := KubeletInput{CRI: cri}
	if shoot == nil {
		return in
	}
	in.Kubelet = shoot.Spec.Kubernetes.Kubelet
	in.Version = shoot.Spec.Kubernetes.Version
	for _, w := range shoot.Spec.Provider.Workers {
		if w.Name != pool || w.Kubernetes == nil {
			continue
		}
		if w.Kubernetes.Kubelet != nil {
			in.Kubelet = w.Kubernetes.Kubelet
		}
		if v := ptr.Deref(w.Kubernetes.Version, ""); v != "" {
			in.Version = v
		}
	}
	if shoot.Spec.Networking != nil {
		in.ServicesCIDR = ptr.Deref(shoot.Spec.Networking.Services, "")
	}
	return in
}

// KubeletConfiguration builds the kubelet.config.k8s.io/v1beta1 KubeletConfiguration of
// a pool's machines. It authenticates clients with the cluster CA at userdata.CACertPath
// and webhooks, authorizes with webhooks, rotates its client certificate and resolves
// through the cluster DNS at the tenth address of the service network.
func KubeletConfiguration(in KubeletInput) (*kubeletv1beta1.KubeletConfiguration, error) {
	services := in.ServicesCIDR
	if services == "" {
		services = DefaultServicesCIDR
	}
	dns, err := ClusterDNSAddress(services)
	if err != nil {
		return nil, err
	}
	kc := &kubeletv1beta1.KubeletConfiguration{
		TypeMeta: metav1.TypeMeta{APIVersion: kubeletv1beta1.SchemeGroupVersion.String(), Kind: "KubeletConfiguration"},
		Authentication: kubeletv1beta1.KubeletAuthentication{
			X509:      kubeletv1beta1.KubeletX509Authentication{ClientCAFile: userdata.CACertPath},
			Webhook:   kubeletv1beta1.KubeletWebhookAuthentication{Enabled: ptr.To(true)},
			Anonymous: kubeletv1beta1.KubeletAnonymousAuthentication{Enabled: ptr.To(false)},
		},
		Authorization:      kubeletv1beta1.KubeletAuthorization{Mode: kubeletv1beta1.KubeletAuthorizationModeWebhook},
		ClusterDomain:      ClusterDomain,
		ClusterDNS:         []string{dns},
		RotateCertificates: true,
		CgroupDriver:       string(extensionsv1alpha1.CgroupDriverSystemd),
		MaxPods:            DefaultMaxPods,
		EvictionHard:       map[string]string{},
	}
	for k, v := range defaultEvictionHard {
		kc.EvictionHard[k] = v
	}
	if in.CRI != nil && in.CRI.CgroupDriver != nil {
		kc.CgroupDriver = string(*in.CRI.CgroupDriver)
	}
	if k := in.Kubelet; k != nil {
		applyKubelet(kc, k)
	}
	return kc, nil
}

func applyKubelet(kc *kubeletv1beta1.KubeletConfiguration, k *gardencorev1beta1.KubeletConfig) {
	kc.FeatureGates = k.FeatureGates
	if k.MaxPods != nil {
		kc.MaxPods = *k.MaxPods
	}
	kc.PodPidsLimit = k.PodPIDsLimit
	kc.CPUCFSQuota = k.CPUCFSQuota
	kc.CPUManagerPolicy = ptr.Deref(k.CPUManagerPolicy, "")
	if e := k.EvictionHard; e != nil {
		setEviction(kc.EvictionHard, e)
	}
	if e := k.EvictionSoft; e != nil {
		kc.EvictionSoft = map[string]string{}
		setEviction(kc.EvictionSoft, e)
	}
	if g := k.EvictionSoftGracePeriod; g != nil {
		kc.EvictionSoftGracePeriod = nonEmpty(map[string]string{
			"memory.available":   durationString(g.MemoryAvailable),
			"imagefs.available":  durationString(g.ImageFSAvailable),
			"imagefs.inodesFree": durationString(g.ImageFSInodesFree),
			"nodefs.available":   durationString(g.NodeFSAvailable),
			"nodefs.inodesFree":  durationString(g.NodeFSInodesFree),
		})
	}
	if r := k.EvictionMinimumReclaim; r != nil {
		kc.EvictionMinimumReclaim = nonEmpty(map[string]string{
			"memory.available":   quantityString(r.MemoryAvailable),
			"imagefs.available":  quantityString(r.ImageFSAvailable),
			"imagefs.inodesFree": quantityString(r.ImageFSInodesFree),
			"nodefs.available":   quantityString(r.NodeFSAvailable),
			"nodefs.inodesFree":  quantityString(r.NodeFSInodesFree),
		})
	}
	if d := k.EvictionPressureTransitionPeriod; d != nil {
		kc.EvictionPressureTransitionPeriod = *d
	}
	kc.EvictionMaxPodGracePeriod = ptr.Deref(k.EvictionMaxPodGracePeriod, 0)
	kc.KubeReserved = reserved(k.KubeReserved)
	kc.SystemReserved = reserved(k.SystemReserved)
	kc.FailSwapOn = k.FailSwapOn
	kc.ImageGCHighThresholdPercent = k.ImageGCHighThresholdPercent
	kc.ImageGCLowThresholdPercent = k.ImageGCLowThresholdPercent
	if d := k.ImageMinimumGCAge; d != nil {
		kc.ImageMinimumGCAge = *d
	}
	if d := k.ImageMaximumGCAge; d != nil {
		kc.ImageMaximumGCAge = *d
	}
	kc.SerializeImagePulls = k.SerializeImagePulls
	kc.MaxParallelImagePulls = k.MaxParallelImagePulls
	kc.RegistryPullQPS = k.RegistryPullQPS
	kc.RegistryBurst = ptr.Deref(k.RegistryBurst, 0)
	kc.SeccompDefault = k.SeccompDefault
	kc.ContainerLogMaxSize = quantityString(k.ContainerLogMaxSize)
	kc.ContainerLogMaxFiles = k.ContainerLogMaxFiles
	kc.ProtectKernelDefaults = ptr.Deref(k.ProtectKernelDefaults, false)
	if d := k.StreamingConnectionIdleTimeout; d != nil {
		kc.StreamingConnectionIdleTimeout = *d
	}
	if s := k.MemorySwap; s != nil && s.SwapBehavior != nil {
		kc.MemorySwap.SwapBehavior = string(*s.SwapBehavior)
	}
}

// ClusterDNSAddress is the tenth address of the service network, where the cluster DNS
// Service listens in a Gardener shoot.
func ClusterDNSAddress(servicesCIDR string) (string, error) {
	p, err := netip.ParsePrefix(servicesCIDR)
	if err != nil {
		return "", fmt.Errorf("the service network %q is not a CIDR: %w; fix the shoot's spec.networking.services", servicesCIDR, err)
	}
	a := p.Masked().Addr()
	for range 10 {
		a = a.Next()
	}
	if !p.Contains(a) {
		return "", fmt.Errorf("the service network %s is too small for the cluster DNS address", servicesCIDR)
	}
	return a.String(), nil
}

func setEviction(m map[string]string, e *gardencorev1beta1.KubeletConfigEviction) {
	for k, v := range map[string]*string{
		"memory.available":   e.MemoryAvailable,
		"imagefs.available":  e.ImageFSAvailable,
		"imagefs.inodesFree": e.ImageFSInodesFree,
		"nodefs.available":   e.NodeFSAvailable,
		"nodefs.inodesFree":  e.NodeFSInodesFree,
	} {
		if v != nil {
			m[k] = *v
		}
	}
}

func reserved(r *gardencorev1beta1.KubeletConfigReserved) map[string]string {
	if r == nil {
		return nil
	}
	return nonEmpty(map[string]string{
		"cpu":               quantityString(r.CPU),
		"memory":            quantityString(r.Memory),
		"ephemeral-storage": quantityString(r.EphemeralStorage),
		"pid":               quantityString(r.PID),
	})
}

func nonEmpty(m map[string]string) map[string]string {
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func durationString(d *metav1.Duration) string {
	if d == nil {
		return ""
	}
	return d.Duration.String()
}

func quantityString(q *resource.Quantity) string {
	if q == nil {
		return ""
	}
	return q.String()
}
