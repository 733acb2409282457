package node

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// containerIDPrefix marks the IDs of the containers that a simulated node pretends to run.
const containerIDPrefix = "hortus-simulated://"

// runningStatus returns the status of pod as the node reports it: Running, with hostIP
// and podIP (the pod's current IP wins when it has one), every container running and
// ready since now, every init container completed (sidecars running) and the pod Ready
// once its readiness gates are. Times already in the status are kept, so that calling it
// again on its own result changes nothing.
func runningStatus(pod *corev1.Pod, hostIP, podIP string, now metav1.Time) corev1.PodStatus {
	s := *pod.Status.DeepCopy()
	s.Phase = corev1.PodRunning
	s.Reason, s.Message = "", ""
	s.HostIP = hostIP
	s.HostIPs = []corev1.HostIP{{IP: hostIP}}
	if pod.Status.PodIP != "" {
		podIP = pod.Status.PodIP
	}
	s.PodIP = podIP
	s.PodIPs = []corev1.PodIP{{IP: podIP}}
	if s.StartTime == nil {
		s.StartTime = &now
	}
	started := *s.StartTime

	s.InitContainerStatuses = containerStatuses(pod, pod.Spec.InitContainers, pod.Status.InitContainerStatuses, true, started)
	s.ContainerStatuses = containerStatuses(pod, pod.Spec.Containers, pod.Status.ContainerStatuses, false, started)

	ready := corev1.ConditionTrue
	for _, g := range pod.Spec.ReadinessGates {
		if podCondition(pod.Status.Conditions, g.ConditionType) != corev1.ConditionTrue {
			ready = corev1.ConditionFalse
		}
	}
	for _, t := range []corev1.PodConditionType{corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.PodScheduled, corev1.ContainersReady} {
		setPodCondition(&s.Conditions, t, corev1.ConditionTrue, now)
	}
	setPodCondition(&s.Conditions, corev1.PodReady, ready, now)
	return s
}

// containerStatuses reports containers as running and ready since started, or, for
// init containers that are not sidecars, as completed.
func containerStatuses(pod *corev1.Pod, containers []corev1.Container, old []corev1.ContainerStatus, init bool, started metav1.Time) []corev1.ContainerStatus {
	if len(containers) == 0 {
		return nil
	}
	out := make([]corev1.ContainerStatus, 0, len(containers))
	for _, c := range containers {
		cs := corev1.ContainerStatus{
			Name:        c.Name,
			Image:       c.Image,
			ImageID:     c.Image,
			ContainerID: containerIDPrefix + string(pod.UID) + "/" + c.Name,
			Ready:       true,
			Started:     ptr.To(true),
		}
		since := started
		for _, o := range old {
			if o.Name == c.Name && o.State.Running != nil {
				since = o.State.Running.StartedAt
			}
			if o.Name == c.Name && o.State.Terminated != nil {
				since = o.State.Terminated.StartedAt
			}
		}
		if init && (c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways) {
			cs.Started = ptr.To(false)
			cs.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: since, FinishedAt: since, ContainerID: cs.ContainerID}
		} else {
			cs.State.Running = &corev1.ContainerStateRunning{StartedAt: since}
		}
		out = append(out, cs)
	}
	return out
}

func podCondition(conds []corev1.PodCondition, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range conds {
		if c.Type == t {
			return c.Status
		}
	}
	return corev1.ConditionUnknown
}

// setPodCondition sets the condition t to status, keeping its times while the status
// stays.
func setPodCondition(conds *[]corev1.PodCondition, t corev1.PodConditionType, status corev1.ConditionStatus, now metav1.Time) {
	for i := range *conds {
		c := &(*conds)[i]
		if c.Type != t {
			continue
		}
		if c.Status != status {
			*c = corev1.PodCondition{Type: t, Status: status, LastTransitionTime: now}
		}
		return
	}
	*conds = append(*conds, corev1.PodCondition{Type: t, Status: status, LastTransitionTime: now})
}

// needsSync tells whether the node has anything to do for pod: finish its deletion, or
// report it running. Pods that ended (Succeeded, Failed) stay as they are.
func needsSync(pod *corev1.Pod, hostIP string) bool {
	if pod.DeletionTimestamp != nil {
		return true
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	if pod.Status.PodIP == "" || pod.Status.StartTime == nil {
		return true
	}
	return !equality.Semantic.DeepEqual(pod.Status, runningStatus(pod, hostIP, "", metav1.Time{}))
}
