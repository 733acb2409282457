package node

import (
	"fmt"
	"hash/fnv"
	"maps"
	"net/netip"
	"runtime"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	kubeletapis "k8s.io/kubelet/pkg/apis"
)

// SimulatedAnnotation marks the Nodes of simulated nodes.
const SimulatedAnnotation = "node.hortus.dev/simulated"

// defaultMaxPods is the kubelet's default pod capacity.
const defaultMaxPods = 110

// readyMessage is the Ready condition's message: the node is not what it seems.
const readyMessage = "Hortus simulated node: it reports Pods bound to it as Running but runs no containers"

// spec is what the node reports about itself; buildNode and setStatus turn it into the
// Node.
type spec struct {
	name           string
	providerID     string
	labels         map[string]string
	taints         []corev1.Taint
	capacity       corev1.ResourceList
	allocatable    corev1.ResourceList
	internalIP     string
	kubeletVersion string
}

// nodeLabels returns the labels the node sets on itself: the well-known ones and those of
// extra that NodeRestriction lets a node set. It returns the keys it dropped.
func nodeLabels(name string, extra map[string]string) (map[string]string, []string) {
	labels := map[string]string{}
	var dropped []string
	for k, v := range extra {
		if !nodeMaySet(k) {
			dropped = append(dropped, k)
			continue
		}
		labels[k] = v
	}
	labels[corev1.LabelHostname] = name
	labels[corev1.LabelOSStable] = "linux"
	labels[corev1.LabelArchStable] = runtime.GOARCH
	slices.Sort(dropped)
	return labels, dropped
}

// nodeMaySet tells whether the NodeRestriction admission plugin lets a node set the label
// key on its own Node: keys in the kubernetes.io and k8s.io namespaces only when a kubelet
// may set them.
func nodeMaySet(key string) bool {
	ns, _, found := strings.Cut(key, "/")
	if !found {
		return true
	}
	restricted := false
	for _, d := range []string{"kubernetes.io", "k8s.io"} {
		if ns == d || strings.HasSuffix(ns, "."+d) {
			restricted = true
		}
	}
	return !restricted || kubeletapis.IsKubeletLabel(key)
}

// resources returns the node's capacity and allocatable: Options.Capacity with pods from
// the kubelet configuration's maxPods (else the given pods, else 110), less the kubelet
// configuration's kubeReserved and systemReserved.
func resources(capacity corev1.ResourceList, kc *kubeletv1beta1.KubeletConfiguration) (corev1.ResourceList, corev1.ResourceList, error) {
	c := capacity.DeepCopy()
	if c == nil {
		c = corev1.ResourceList{}
	}
	if kc.MaxPods > 0 {
		c[corev1.ResourcePods] = *resource.NewQuantity(int64(kc.MaxPods), resource.DecimalSI)
	} else if _, ok := c[corev1.ResourcePods]; !ok {
		c[corev1.ResourcePods] = *resource.NewQuantity(defaultMaxPods, resource.DecimalSI)
	}
	a := c.DeepCopy()
	for field, reserved := range map[string]map[string]string{"kubeReserved": kc.KubeReserved, "systemReserved": kc.SystemReserved} {
		for name, value := range reserved {
			q, err := resource.ParseQuantity(value)
			if err != nil {
				return nil, nil, fmt.Errorf("kubelet configuration %s.%s: %w", field, name, err)
			}
			have, ok := a[corev1.ResourceName(name)]
			if !ok {
				continue
			}
			have.Sub(q)
			if have.Sign() < 0 {
				have = resource.Quantity{Format: have.Format}
			}
			a[corev1.ResourceName(name)] = have
		}
	}
	return c, a, nil
}

// buildNode returns the Node to create.
func buildNode(s spec, now metav1.Time) *corev1.Node {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        s.name,
			Labels:      maps.Clone(s.labels),
			Annotations: map[string]string{SimulatedAnnotation: "true"},
		},
		Spec: corev1.NodeSpec{ProviderID: s.providerID, Taints: slices.Clone(s.taints)},
	}
	setStatus(n, s, now)
	return n
}

// mergeMeta adds the node's labels, annotation and provider ID to an existing Node and
// tells whether it changed anything. Taints are left alone: NodeRestriction forbids a node
// to change its taints, and the kubelet sets them only at registration too.
func mergeMeta(n *corev1.Node, s spec) bool {
	changed := false
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	for k, v := range s.labels {
		if n.Labels[k] != v {
			n.Labels[k] = v
			changed = true
		}
	}
	if n.Annotations[SimulatedAnnotation] != "true" {
		if n.Annotations == nil {
			n.Annotations = map[string]string{}
		}
		n.Annotations[SimulatedAnnotation] = "true"
		changed = true
	}
	if n.Spec.ProviderID == "" && s.providerID != "" {
		n.Spec.ProviderID = s.providerID
		changed = true
	}
	return changed
}

// setStatus writes the node's status at now: resources, addresses, node info and healthy
// conditions whose heartbeat is now.
func setStatus(n *corev1.Node, s spec, now metav1.Time) {
	n.Status.Capacity = s.capacity.DeepCopy()
	n.Status.Allocatable = s.allocatable.DeepCopy()
	n.Status.Phase = ""
	n.Status.Addresses = []corev1.NodeAddress{
		{Type: corev1.NodeInternalIP, Address: s.internalIP},
		{Type: corev1.NodeHostName, Address: s.name},
	}
	id := machineID(s.name)
	n.Status.NodeInfo = corev1.NodeSystemInfo{
		MachineID:               id,
		SystemUUID:              id,
		BootID:                  id,
		KernelVersion:           "simulated",
		OSImage:                 "Hortus simulated node",
		ContainerRuntimeVersion: "hortus-simulated://" + s.kubeletVersion,
		KubeletVersion:          s.kubeletVersion,
		OperatingSystem:         "linux",
		Architecture:            runtime.GOARCH,
	}
	conds := []corev1.NodeCondition{
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", Message: "Simulated node: no memory pressure"},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", Message: "Simulated node: no disk pressure"},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID", Message: "Simulated node: no PID pressure"},
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: readyMessage},
	}
	for _, c := range conds {
		setCondition(&n.Status.Conditions, c, now)
	}
}

// setCondition sets c with heartbeat now, keeping the transition time while the status
// stays.
func setCondition(conds *[]corev1.NodeCondition, c corev1.NodeCondition, now metav1.Time) {
	c.LastHeartbeatTime, c.LastTransitionTime = now, now
	for i := range *conds {
		old := &(*conds)[i]
		if old.Type != c.Type {
			continue
		}
		if old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
		*old = c
		return
	}
	*conds = append(*conds, c)
}

// machineID is a stable 32-hex-digit ID of the node name.
func machineID(name string) string {
	h := fnv.New128a()
	h.Write([]byte(name))
	return fmt.Sprintf("%x", h.Sum(nil))
}

// nameHash spreads node names over the simulated address ranges.
func nameHash(name string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return h.Sum32()
}

// simulatedInternalIP is the node's address when Options.InternalIP is empty: one in
// 10.250.0.0/16 derived from the name. Nothing listens on it.
func simulatedInternalIP(name string) string {
	h := nameHash(name) % (254 * 254)
	return netip.AddrFrom4([4]byte{10, 250, byte(h/254 + 1), byte(h%254 + 1)}).String()
}

// fallbackPodCIDR is the node's Pod range while the kube-controller-manager assigned it
// none: a /24 of 100.64.0.0/10 derived from the name.
func fallbackPodCIDR(name string) netip.Prefix {
	h := nameHash(name) % (1 << 14)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{100, byte(64 + h>>8), byte(h), 0}), 24)
}
