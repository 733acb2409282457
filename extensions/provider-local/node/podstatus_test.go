package node

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func testPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "uid-1"},
		Spec: corev1.PodSpec{
			NodeName: "m-1",
			InitContainers: []corev1.Container{
				{Name: "setup", Image: "busybox"},
				{Name: "sidecar", Image: "envoy", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways)},
			},
			Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}, {Name: "log", Image: "fluent-bit"}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSBestEffort},
	}
}

func TestRunningStatus(t *testing.T) {
	now := metav1.NewTime(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	later := metav1.NewTime(now.Add(time.Hour))

	tests := []struct {
		name      string
		mutate    func(*corev1.Pod)
		wantIP    string
		wantReady corev1.ConditionStatus
	}{
		{name: "new pod", wantIP: "100.64.0.2", wantReady: corev1.ConditionTrue},
		{name: "a pod keeps its IP", mutate: func(p *corev1.Pod) { p.Status.PodIP = "100.64.0.9" }, wantIP: "100.64.0.9", wantReady: corev1.ConditionTrue},
		{
			name: "unmet readiness gate",
			mutate: func(p *corev1.Pod) {
				p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}}
			},
			wantIP: "100.64.0.2", wantReady: corev1.ConditionFalse,
		},
		{
			name: "met readiness gate",
			mutate: func(p *corev1.Pod) {
				p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}}
				p.Status.Conditions = []corev1.PodCondition{{Type: "example.com/lb", Status: corev1.ConditionTrue}}
			},
			wantIP: "100.64.0.2", wantReady: corev1.ConditionTrue,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			pod := testPod()
			if tt.mutate != nil {
				tt.mutate(pod)
			}
			s := runningStatus(pod, "10.250.0.1", "100.64.0.2", now)
			g.Expect(s.Phase).To(Equal(corev1.PodRunning))
			g.Expect(s.QOSClass).To(Equal(corev1.PodQOSBestEffort), "fields the node does not own stay")
			g.Expect(s.HostIP).To(Equal("10.250.0.1"))
			g.Expect(s.HostIPs).To(Equal([]corev1.HostIP{{IP: "10.250.0.1"}}))
			g.Expect(s.PodIP).To(Equal(tt.wantIP))
			g.Expect(s.PodIPs).To(Equal([]corev1.PodIP{{IP: tt.wantIP}}))
			g.Expect(s.StartTime).To(Equal(&now))
			for _, c := range []corev1.PodConditionType{corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReadyToStartContainers} {
				g.Expect(podCondition(s.Conditions, c)).To(Equal(corev1.ConditionTrue), "condition %s", c)
			}
			g.Expect(podCondition(s.Conditions, corev1.PodReady)).To(Equal(tt.wantReady))

			g.Expect(s.ContainerStatuses).To(HaveLen(2))
			for i, cs := range s.ContainerStatuses {
				g.Expect(cs.Name).To(Equal(pod.Spec.Containers[i].Name))
				g.Expect(cs.Image).To(Equal(pod.Spec.Containers[i].Image))
				g.Expect(cs.Ready).To(BeTrue())
				g.Expect(cs.Started).To(Equal(ptr.To(true)))
				g.Expect(cs.State.Running).To(Equal(&corev1.ContainerStateRunning{StartedAt: now}))
			}
			g.Expect(s.InitContainerStatuses).To(HaveLen(2))
			g.Expect(s.InitContainerStatuses[0].State.Terminated).To(HaveField("Reason", "Completed"))
			g.Expect(s.InitContainerStatuses[1].State.Running).NotTo(BeNil(), "sidecars keep running")

			// Reporting again later changes nothing: the status is stable.
			pod.Status = s
			g.Expect(runningStatus(pod, "10.250.0.1", "100.64.0.3", later)).To(Equal(s))
			g.Expect(needsSync(pod, "10.250.0.1")).To(BeFalse())
			g.Expect(needsSync(pod, "10.250.0.2")).To(BeTrue(), "a changed host IP is reported")
		})
	}
}

func TestNeedsSync(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   bool
	}{
		{name: "pending pod", want: true},
		{name: "terminating pod", mutate: func(p *corev1.Pod) {
			p.Status = runningStatus(p, "10.250.0.1", "100.64.0.2", metav1.Now())
			p.DeletionTimestamp = ptr.To(metav1.Now())
		}, want: true},
		{name: "succeeded pod", mutate: func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }, want: false},
		{name: "failed pod", mutate: func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }, want: false},
		{name: "running pod", mutate: func(p *corev1.Pod) { p.Status = runningStatus(p, "10.250.0.1", "100.64.0.2", metav1.Now()) }, want: false},
		{name: "running pod with a new container", mutate: func(p *corev1.Pod) {
			p.Status = runningStatus(p, "10.250.0.1", "100.64.0.2", metav1.Now())
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "debug", Image: "busybox"})
		}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := testPod()
			if tt.mutate != nil {
				tt.mutate(pod)
			}
			NewWithT(t).Expect(needsSync(pod, "10.250.0.1")).To(Equal(tt.want))
		})
	}
}

func TestPodIPs(t *testing.T) {
	g := NewWithT(t)
	ips := newPodIPs(fallbackPodCIDR("m-1"))
	g.Expect(ips.hasAssignedCIDR()).To(BeFalse())
	g.Expect(ips.setCIDR("10.1.2.0/30")).To(Succeed())
	g.Expect(ips.hasAssignedCIDR()).To(BeTrue())

	// A /30 has one address left once the network, gateway and broadcast are taken out.
	a, err := ips.allocate("ns/a")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(a).To(Equal("10.1.2.2"))
	g.Expect(ips.allocate("ns/a")).To(Equal("10.1.2.2"), "a pod keeps its address")
	_, err = ips.allocate("ns/b")
	g.Expect(err).To(MatchError(ContainSubstring("no free address")))
	ips.release("ns/a")
	g.Expect(ips.allocate("ns/b")).To(Equal("10.1.2.2"))

	g.Expect(ips.setCIDR("10.1.3.0/24")).To(Succeed())
	ips.reserve("ns/c", "10.1.3.2")
	g.Expect(ips.allocate("ns/d")).To(Equal("10.1.3.3"), "reserved addresses are skipped")
	g.Expect(ips.setCIDR("not-a-cidr")).To(MatchError(ContainSubstring("pod CIDR")))
}
