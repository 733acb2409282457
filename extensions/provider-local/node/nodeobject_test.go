package node

import (
	"net/netip"
	"runtime"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
)

func TestNodeLabels(t *testing.T) {
	g := NewWithT(t)
	labels, dropped := nodeLabels("m-1", map[string]string{
		"worker.gardener.cloud/pool":                     "pool-a",
		"node.kubernetes.io/role":                        "node",
		"topology.kubernetes.io/zone":                    "local-1",
		"node-role.kubernetes.io/worker":                 "",
		"node-restriction.kubernetes.io/x":               "y",
		"example.k8s.io/foo":                             "bar",
		"plain":                                          "label",
		"kubernetes.io/hostname":                         "other",
		"foo.kubelet.kubernetes.io/allowed-subdomain":    "yes",
		"networking.gke.io/not-restricted-namespace-too": "z",
	})
	g.Expect(dropped).To(Equal([]string{"example.k8s.io/foo", "node-restriction.kubernetes.io/x", "node-role.kubernetes.io/worker"}))
	g.Expect(labels).To(Equal(map[string]string{
		"worker.gardener.cloud/pool":                     "pool-a",
		"node.kubernetes.io/role":                        "node",
		"topology.kubernetes.io/zone":                    "local-1",
		"plain":                                          "label",
		"foo.kubelet.kubernetes.io/allowed-subdomain":    "yes",
		"networking.gke.io/not-restricted-namespace-too": "z",
		"kubernetes.io/hostname":                         "m-1",
		"kubernetes.io/os":                               "linux",
		"kubernetes.io/arch":                             runtime.GOARCH,
	}))
}

func TestResources(t *testing.T) {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("2"),
		corev1.ResourceMemory: resource.MustParse("4Gi"),
		corev1.ResourcePods:   resource.MustParse("20"),
	}
	tests := []struct {
		name            string
		capacity        corev1.ResourceList
		kc              kubeletv1beta1.KubeletConfiguration
		wantCapacity    map[corev1.ResourceName]string
		wantAllocatable map[corev1.ResourceName]string
		wantErr         string
	}{
		{
			name:            "capacity as given",
			capacity:        capacity,
			wantCapacity:    map[corev1.ResourceName]string{"cpu": "2", "memory": "4Gi", "pods": "20"},
			wantAllocatable: map[corev1.ResourceName]string{"cpu": "2", "memory": "4Gi", "pods": "20"},
		},
		{
			name:            "maxPods overrides pods",
			capacity:        capacity,
			kc:              kubeletv1beta1.KubeletConfiguration{MaxPods: 64},
			wantCapacity:    map[corev1.ResourceName]string{"pods": "64"},
			wantAllocatable: map[corev1.ResourceName]string{"pods": "64"},
		},
		{
			name:         "pods default to a kubelet's 110",
			capacity:     corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
			wantCapacity: map[corev1.ResourceName]string{"pods": "110", "cpu": "1"},
		},
		{
			name:     "reserved resources are not allocatable",
			capacity: capacity,
			kc: kubeletv1beta1.KubeletConfiguration{
				KubeReserved:   map[string]string{"cpu": "100m", "memory": "1Gi"},
				SystemReserved: map[string]string{"memory": "512Mi", "ephemeral-storage": "1Gi"},
			},
			wantCapacity:    map[corev1.ResourceName]string{"cpu": "2", "memory": "4Gi"},
			wantAllocatable: map[corev1.ResourceName]string{"cpu": "1900m", "memory": "2560Mi", "pods": "20"},
		},
		{
			name:            "reservations beyond capacity leave zero",
			capacity:        capacity,
			kc:              kubeletv1beta1.KubeletConfiguration{KubeReserved: map[string]string{"cpu": "3"}},
			wantAllocatable: map[corev1.ResourceName]string{"cpu": "0"},
		},
		{
			name:     "bad quantity",
			capacity: capacity,
			kc:       kubeletv1beta1.KubeletConfiguration{KubeReserved: map[string]string{"cpu": "lots"}},
			wantErr:  "kubeReserved.cpu",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			c, a, err := resources(tt.capacity, &tt.kc)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			for name, want := range tt.wantCapacity {
				q := c[name]
				g.Expect(q.Cmp(resource.MustParse(want))).To(BeZero(), "capacity %s is %s, want %s", name, q.String(), want)
			}
			for name, want := range tt.wantAllocatable {
				q := a[name]
				g.Expect(q.Cmp(resource.MustParse(want))).To(BeZero(), "allocatable %s is %s, want %s", name, q.String(), want)
			}
		})
	}
	// The caller's list stays untouched.
	g := NewWithT(t)
	q := capacity[corev1.ResourcePods]
	g.Expect(q.String()).To(Equal("20"))
}

func testSpec() spec {
	return spec{
		name:           "m-1",
		providerID:     "local:///shoot--p--s/m-1",
		labels:         map[string]string{"kubernetes.io/hostname": "m-1"},
		taints:         []corev1.Taint{{Key: "example.com/dedicated", Value: "x", Effect: corev1.TaintEffectNoSchedule}},
		capacity:       corev1.ResourceList{corev1.ResourcePods: resource.MustParse("10")},
		allocatable:    corev1.ResourceList{corev1.ResourcePods: resource.MustParse("9")},
		internalIP:     "10.250.1.2",
		kubeletVersion: "v1.36.3",
	}
}

func TestBuildNode(t *testing.T) {
	g := NewWithT(t)
	now := metav1.NewTime(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	n := buildNode(testSpec(), now)
	g.Expect(n.Name).To(Equal("m-1"))
	g.Expect(n.Labels).To(Equal(map[string]string{"kubernetes.io/hostname": "m-1"}))
	g.Expect(n.Annotations).To(HaveKeyWithValue(SimulatedAnnotation, "true"))
	g.Expect(n.Spec.ProviderID).To(Equal("local:///shoot--p--s/m-1"))
	g.Expect(n.Spec.Taints).To(ConsistOf(HaveField("Key", "example.com/dedicated")))
	g.Expect(n.Status.Capacity.Pods().String()).To(Equal("10"))
	g.Expect(n.Status.Allocatable.Pods().String()).To(Equal("9"))
	g.Expect(n.Status.NodeInfo.KubeletVersion).To(Equal("v1.36.3"))
	g.Expect(n.Status.NodeInfo.OperatingSystem).To(Equal("linux"))
	g.Expect(n.Status.Addresses).To(Equal([]corev1.NodeAddress{{Type: "InternalIP", Address: "10.250.1.2"}, {Type: "Hostname", Address: "m-1"}}))
	g.Expect(n.Status.Conditions).To(ConsistOf(
		And(HaveField("Type", corev1.NodeReady), HaveField("Status", corev1.ConditionTrue), HaveField("Message", ContainSubstring("simulated")), HaveField("LastHeartbeatTime", now)),
		And(HaveField("Type", corev1.NodeMemoryPressure), HaveField("Status", corev1.ConditionFalse)),
		And(HaveField("Type", corev1.NodeDiskPressure), HaveField("Status", corev1.ConditionFalse)),
		And(HaveField("Type", corev1.NodePIDPressure), HaveField("Status", corev1.ConditionFalse)),
	))
}

func TestSetStatusKeepsTransitionTimes(t *testing.T) {
	g := NewWithT(t)
	t0 := metav1.NewTime(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	t1 := metav1.NewTime(t0.Add(time.Minute))
	n := buildNode(testSpec(), t0)
	n.Status.Conditions[0].Status = corev1.ConditionUnknown // MemoryPressure went Unknown.
	setStatus(n, testSpec(), t1)
	for _, c := range n.Status.Conditions {
		g.Expect(c.LastHeartbeatTime).To(Equal(t1), "heartbeat of %s", c.Type)
		want := t0
		if c.Type == corev1.NodeMemoryPressure {
			want = t1
		}
		g.Expect(c.LastTransitionTime).To(Equal(want), "transition of %s", c.Type)
	}
}

func TestMergeMeta(t *testing.T) {
	g := NewWithT(t)
	existing := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "m-1", Labels: map[string]string{"set-by": "someone-else"}},
		Spec:       corev1.NodeSpec{Taints: []corev1.Taint{{Key: "a", Effect: corev1.TaintEffectNoExecute}}},
	}
	g.Expect(mergeMeta(existing, testSpec())).To(BeTrue())
	g.Expect(existing.Labels).To(Equal(map[string]string{"set-by": "someone-else", "kubernetes.io/hostname": "m-1"}))
	g.Expect(existing.Spec.ProviderID).To(Equal("local:///shoot--p--s/m-1"))
	g.Expect(existing.Spec.Taints).To(ConsistOf(HaveField("Key", "a")), "a node may not change its taints")
	g.Expect(mergeMeta(existing, testSpec())).To(BeFalse())
}

func TestSimulatedAddresses(t *testing.T) {
	g := NewWithT(t)
	ip := netip.MustParseAddr(simulatedInternalIP("m-1"))
	g.Expect(netip.MustParsePrefix("10.250.0.0/16").Contains(ip)).To(BeTrue())
	g.Expect(simulatedInternalIP("m-1")).To(Equal(ip.String()), "deterministic")
	cidr := fallbackPodCIDR("m-1")
	g.Expect(cidr.Bits()).To(Equal(24))
	g.Expect(netip.MustParsePrefix("100.64.0.0/10").Contains(cidr.Addr())).To(BeTrue())
	g.Expect(fallbackPodCIDR("m-2")).NotTo(Equal(cidr))
}
