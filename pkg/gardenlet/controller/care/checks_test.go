package care

import (
	"errors"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/component"
)

func TestControlPlaneCondition(t *testing.T) {
	want := []string{"etcd", "kube-apiserver"}
	ready := component.Status{Phase: component.PhaseReady}
	tests := []struct {
		name        string
		statuses    map[string]component.Status
		wantStatus  gardencorev1beta1.ConditionStatus
		wantMessage []string
	}{
		{
			name:        "all ready",
			statuses:    map[string]component.Status{"etcd": ready, "kube-apiserver": ready},
			wantStatus:  gardencorev1beta1.ConditionTrue,
			wantMessage: []string{"etcd, kube-apiserver"},
		},
		{
			name:        "ready after a restart, which the message reports",
			statuses:    map[string]component.Status{"etcd": ready, "kube-apiserver": {Phase: component.PhaseReady, Restarts: 1}},
			wantStatus:  gardencorev1beta1.ConditionTrue,
			wantMessage: []string{"kube-apiserver restarted 1 time(s)"},
		},
		{
			name:        "crashed and missing components are named",
			statuses:    map[string]component.Status{"kube-apiserver": {Phase: component.PhaseCrashed, Message: "exit status 1", Restarts: 3}},
			wantStatus:  gardencorev1beta1.ConditionFalse,
			wantMessage: []string{"etcd is not deployed", "kube-apiserver is Crashed (exit status 1), 3 restarts"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			c := ControlPlaneCondition(want, tt.statuses)
			g.Expect(c.Type).To(Equal(gardencorev1beta1.ShootControlPlaneHealthy))
			g.Expect(c.Status).To(Equal(tt.wantStatus))
			for _, m := range tt.wantMessage {
				g.Expect(c.Message).To(ContainSubstring(m))
			}
		})
	}
}

func TestNodesCondition(t *testing.T) {
	workers := []gardencorev1beta1.Worker{{Name: "a", Minimum: 2}, {Name: "b", Minimum: 1}}
	tests := []struct {
		name             string
		ready, total     int
		notReady         []string
		wantStatus       gardencorev1beta1.ConditionStatus
		wantReason, want string
	}{
		{name: "enough ready nodes", ready: 3, total: 3, wantStatus: gardencorev1beta1.ConditionTrue, wantReason: ReasonNodesReady, want: "All 3 nodes"},
		{name: "too few nodes", ready: 1, total: 1, wantStatus: gardencorev1beta1.ConditionFalse, wantReason: ReasonNodesMissing, want: "1 of at least 3"},
		{name: "a node not ready", ready: 2, total: 3, notReady: []string{"n3"}, wantStatus: gardencorev1beta1.ConditionFalse, wantReason: ReasonNodesNotReady, want: "n3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			c := NodesCondition(workers, tt.ready, tt.total, tt.notReady)
			g.Expect(c.Status).To(Equal(tt.wantStatus))
			g.Expect(c.Reason).To(Equal(tt.wantReason))
			g.Expect(c.Message).To(ContainSubstring(tt.want))
		})
	}
}

func TestAPIServerCondition(t *testing.T) {
	g := NewWithT(t)
	g.Expect(APIServerCondition(nil).Status).To(Equal(gardencorev1beta1.ConditionTrue))
	c := APIServerCondition(errors.New("connection refused"))
	g.Expect(c.Status).To(Equal(gardencorev1beta1.ConditionFalse))
	g.Expect(c.Message).To(ContainSubstring("connection refused"))
	g.Expect(Hibernated(gardencorev1beta1.ShootAPIServerAvailable).Reason).To(Equal(ReasonHibernated))
}
