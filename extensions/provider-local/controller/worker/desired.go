package worker

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/extensions/provider-local/machineclass"
)

const (
	// WorkerLabel is on every MachineClass, Secret, MachineDeployment and (through the
	// template) Machine of a Worker; its value is the Worker's name.
	WorkerLabel = "local.provider.extensions.gardener.cloud/worker"
	// DeploymentLabel selects the machines of one MachineDeployment; its value is the
	// deployment's name.
	DeploymentLabel = "name"
	// InstanceTypeLabel is the well-known node label of the machine type.
	InstanceTypeLabel = corev1.LabelInstanceTypeStable
	// DefaultMaxPods is the pod capacity of a machine whose kubelet sets no maxPods.
	DefaultMaxPods = 110
)

// Desired is what one pool in one zone needs.
type Desired struct {
	// Pool is the worker pool's name; Zone the zone, empty for a pool without zones.
	Pool, Zone string
	// Class, Secret and Deployment are the objects to write.
	Class      *machinev1alpha1.MachineClass
	Secret     *corev1.Secret
	Deployment *machinev1alpha1.MachineDeployment
	// Minimum and Maximum are the pool's bounds distributed to this zone.
	Minimum, Maximum int32
}

// Input is what Build derives the objects from.
type Input struct {
	Worker  *extensionsv1alpha1.Worker
	Shoot   *gardencorev1beta1.Shoot
	Profile *gardencorev1beta1.CloudProfile
	// UserData holds each pool's user data by pool name.
	UserData map[string][]byte
}

// DeploymentName returns the MachineDeployment name of the pool's zone with index i:
// <namespace>-<pool>-z<i+1>.
func DeploymentName(namespace, pool string, i int) string {
	return fmt.Sprintf("%s-%s-z%d", namespace, pool, i+1)
}

// Build returns the objects of every pool and zone, in pool and zone order. An unknown
// machine type is an error that lists the CloudProfile's types.
//
// The MachineClass (and its Secret) of a zone is named <deployment>-<hash>, where the
// hash covers what a machine is made of: the machine type with its CPU and memory, the
// pods it takes (the kubelet's maxPods), its zone and labels in the provider spec, the
// machine image's name and version, the Kubernetes version, the architecture, and the
// volumes. A change of any of them gives the MachineDeployment another class, and
// machine-controller-manager rolls the machines. The user data, the pool's bounds,
// maxSurge and maxUnavailable, and the nodes' labels, annotations and taints are not part
// of it: machine-controller-manager applies those to the existing machines and nodes.
func Build(in Input) ([]Desired, error) {
	var out []Desired
	hibernated := in.Shoot != nil && in.Shoot.Spec.Hibernation != nil && ptr.Deref(in.Shoot.Spec.Hibernation.Enabled, false)
	for _, pool := range in.Worker.Spec.Pools {
		mt, err := machineType(in.Profile, pool.MachineType)
		if err != nil {
			return nil, fmt.Errorf("worker pool %s: %w", pool.Name, err)
		}
		userData, ok := in.UserData[pool.Name]
		if !ok || len(userData) == 0 {
			return nil, fmt.Errorf("worker pool %s has no user data", pool.Name)
		}
		zones := pool.Zones
		if len(zones) == 0 {
			zones = []string{""}
		}
		for i, zone := range zones {
			d, err := build(in, pool, mt, zone, i, len(zones), userData, hibernated)
			if err != nil {
				return nil, fmt.Errorf("worker pool %s: %w", pool.Name, err)
			}
			out = append(out, d)
		}
	}
	return out, nil
}

func build(in Input, pool extensionsv1alpha1.WorkerPool, mt *gardencorev1beta1.MachineType, zone string, i, n int, userData []byte, hibernated bool) (Desired, error) {
	ns := in.Worker.Namespace
	name := DeploymentName(ns, pool.Name, i)
	pods := int64(DefaultMaxPods)
	if kc := poolKubelet(in.Shoot, pool); kc != nil && kc.MaxPods != nil {
		pods = int64(*kc.MaxPods)
	}
	spec := machineclass.ProviderSpec{
		MachineType: pool.MachineType,
		CPU:         mt.CPU,
		Memory:      mt.Memory,
		Pods:        *resource.NewQuantity(pods, resource.DecimalSI),
		Zone:        zone,
		Labels: map[string]string{
			v1beta1constants.LabelWorkerPool: pool.Name,
			InstanceTypeLabel:                pool.MachineType,
		},
	}
	raw, err := spec.Marshal()
	if err != nil {
		return Desired{}, err
	}
	className := name + "-" + classHash(raw, pool)
	labels := map[string]string{WorkerLabel: in.Worker.Name, v1beta1constants.LabelWorkerPool: pool.Name}

	class := &machinev1alpha1.MachineClass{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: className, Labels: maps.Clone(labels)},
		NodeTemplate: &machinev1alpha1.NodeTemplate{
			// machine-controller-manager requires cpu, gpu and memory, an instance type,
			// a region and a zone; a pool without zones is in its region.
			Capacity: corev1.ResourceList{
				corev1.ResourceCPU:    mt.CPU,
				"gpu":                 mt.GPU,
				corev1.ResourceMemory: mt.Memory,
				corev1.ResourcePods:   spec.Pods,
			},
			InstanceType: pool.MachineType,
			Region:       in.Worker.Spec.Region,
			Zone:         cmp.Or(zone, in.Worker.Spec.Region),
			Architecture: pool.Architecture,
		},
		ProviderSpec: runtime.RawExtension{Raw: raw},
		Provider:     machineclass.Provider,
		SecretRef:    &corev1.SecretReference{Namespace: ns, Name: className},
	}
	secretLabels := maps.Clone(labels)
	secretLabels[v1beta1constants.GardenerPurpose] = v1beta1constants.GardenPurposeMachineClass
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: className, Labels: secretLabels},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{machineclass.UserDataKey: userData},
	}

	minimum := distribute(pool.Minimum, i, n)
	maximum := distribute(pool.Maximum, i, n)
	// Hortus runs no cluster-autoscaler, so a pool has exactly its minimum: raising or
	// lowering it adds or removes machines. (Gardener keeps an autoscaler's count within the
	// bounds instead.)
	replicas := minimum
	if hibernated {
		replicas = 0
	}
	nodeLabels := maps.Clone(pool.Labels)
	if nodeLabels == nil {
		nodeLabels = map[string]string{}
	}
	nodeLabels[v1beta1constants.LabelWorkerPool] = pool.Name
	nodeLabels[InstanceTypeLabel] = pool.MachineType
	if zone != "" {
		nodeLabels[corev1.LabelTopologyZone] = zone
	}
	maxSurge, maxUnavailable := distributeIntOrPercent(pool.MaxSurge, i, n), distributeIntOrPercent(pool.MaxUnavailable, i, n)
	if maxSurge.String() == "0" && maxUnavailable.String() == "0" {
		// A zone that may neither add nor remove a machine could never roll; its share
		// of a small maxSurge rounded down to zero.
		maxSurge = intstr.FromInt32(1)
	}
	templateLabels := maps.Clone(labels)
	templateLabels[DeploymentLabel] = name
	deployment := &machinev1alpha1.MachineDeployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: maps.Clone(labels)},
		Spec: machinev1alpha1.MachineDeploymentSpec{
			Replicas:             replicas,
			RevisionHistoryLimit: ptr.To[int32](0),
			Selector:             &metav1.LabelSelector{MatchLabels: map[string]string{DeploymentLabel: name}},
			Strategy: machinev1alpha1.MachineDeploymentStrategy{
				Type: machinev1alpha1.RollingUpdateMachineDeploymentStrategyType,
				RollingUpdate: &machinev1alpha1.RollingUpdateMachineDeployment{UpdateConfiguration: machinev1alpha1.UpdateConfiguration{
					MaxSurge:       ptr.To(maxSurge),
					MaxUnavailable: ptr.To(maxUnavailable),
				}},
			},
			Template: machinev1alpha1.MachineTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: templateLabels},
				Spec: machinev1alpha1.MachineSpec{
					Class: machinev1alpha1.ClassSpec{Kind: "MachineClass", Name: className},
					NodeTemplateSpec: machinev1alpha1.NodeTemplateSpec{
						ObjectMeta: metav1.ObjectMeta{Labels: nodeLabels, Annotations: maps.Clone(pool.Annotations)},
						Spec:       corev1.NodeSpec{Taints: slices.Clone(pool.Taints)},
					},
					MachineConfiguration: machineConfiguration(pool.MachineControllerManagerSettings),
				},
			},
		},
	}
	return Desired{Pool: pool.Name, Zone: zone, Class: class, Secret: secret, Deployment: deployment, Minimum: minimum, Maximum: maximum}, nil
}

// distribute splits total over n zones as Gardener does: each zone gets total/n, and the
// first total%n zones one more.
func distribute(total int32, i, n int) int32 {
	v := total / int32(n)
	if int32(i) < total%int32(n) {
		v++
	}
	return v
}

// distributeIntOrPercent distributes an integer like distribute and keeps a percentage,
// which applies per zone anyway. Build raises a zone's maxSurge to 1 where both it and
// maxUnavailable came out zero.
func distributeIntOrPercent(v intstr.IntOrString, i, n int) intstr.IntOrString {
	if v.Type == intstr.String {
		return v
	}
	return intstr.FromInt32(distribute(v.IntVal, i, n))
}

func machineType(profile *gardencorev1beta1.CloudProfile, name string) (*gardencorev1beta1.MachineType, error) {
	if profile == nil {
		return nil, fmt.Errorf("machine type %s: the Cluster has no CloudProfile", name)
	}
	var names []string
	for i, mt := range profile.Spec.MachineTypes {
		if mt.Name == name {
			return &profile.Spec.MachineTypes[i], nil
		}
		names = append(names, mt.Name)
	}
	return nil, fmt.Errorf("machine type %q is not in the CloudProfile %s; use one of: %s", name, profile.Name, strings.Join(names, ", "))
}

// poolKubelet is the kubelet configuration that applies to the pool: the pool's own, else
// the shoot's.
func poolKubelet(shoot *gardencorev1beta1.Shoot, pool extensionsv1alpha1.WorkerPool) *gardencorev1beta1.KubeletConfig {
	if pool.KubeletConfig != nil {
		return pool.KubeletConfig
	}
	if shoot == nil {
		return nil
	}
	for _, w := range shoot.Spec.Provider.Workers {
		if w.Name == pool.Name && w.Kubernetes != nil && w.Kubernetes.Kubelet != nil {
			return w.Kubernetes.Kubelet
		}
	}
	return shoot.Spec.Kubernetes.Kubelet
}

func machineConfiguration(s *gardencorev1beta1.MachineControllerManagerSettings) *machinev1alpha1.MachineConfiguration {
	if s == nil {
		return nil
	}
	c := &machinev1alpha1.MachineConfiguration{
		MachineDrainTimeout:         s.MachineDrainTimeout,
		MachineHealthTimeout:        s.MachineHealthTimeout,
		MachineCreationTimeout:      s.MachineCreationTimeout,
		MachineInPlaceUpdateTimeout: s.MachineInPlaceUpdateTimeout,
		DisableHealthTimeout:        s.DisableHealthTimeout,
		MaxEvictRetries:             s.MaxEvictRetries,
	}
	if len(s.NodeConditions) > 0 {
		c.NodeConditions = ptr.To(strings.Join(s.NodeConditions, ","))
	}
	return c
}

// classHash is a short hash of what a machine is made of (see Build): a change gives a
// new MachineClass name and so rolls the pool's machines. The user data is not part of
// it, so that a renewed bootstrap token does not replace machines. Unlike Gardener, which
// hashes the Kubernetes minor version and updates the kubelet in place on a patch
// update, the whole version is part of it: a simulated node cannot update in place.
func classHash(providerSpec []byte, pool extensionsv1alpha1.WorkerPool) string {
	h := sha256.New()
	b, _ := json.Marshal(struct {
		ProviderSpec      json.RawMessage                 `json:"providerSpec"`
		Image             extensionsv1alpha1.MachineImage `json:"image"`
		KubernetesVersion string                          `json:"kubernetesVersion"`
		Architecture      string                          `json:"architecture"`
		Volume            *extensionsv1alpha1.Volume      `json:"volume,omitempty"`
		DataVolumes       []extensionsv1alpha1.DataVolume `json:"dataVolumes,omitempty"`
	}{providerSpec, pool.MachineImage, ptr.Deref(pool.KubernetesVersion, ""), ptr.Deref(pool.Architecture, ""), pool.Volume, pool.DataVolumes})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))[:5]
}
