package framework_test

import (
	"testing"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/hortus-dev/hortus/test/e2e/framework"
)

func machine(name string, phase machinev1alpha1.MachinePhase) *machinev1alpha1.Machine {
	m := &machinev1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Name: name}}
	m.Status.CurrentStatus.Phase = phase
	return m
}

func deleting(m *machinev1alpha1.Machine) *machinev1alpha1.Machine {
	now := metav1.Now()
	m.DeletionTimestamp = &now
	return m
}

// step is one watch event: a machine in a state, or gone.
type step struct {
	m    *machinev1alpha1.Machine
	gone bool
}

func TestRollingUpdateCheck(t *testing.T) {
	const (
		running = machinev1alpha1.MachineRunning
		pending = machinev1alpha1.MachinePending
		term    = machinev1alpha1.MachineTerminating
	)
	initial := []step{{m: machine("old-1", running)}, {m: machine("old-2", running)}, {m: machine("old-3", running)}}
	// replace replaces old by nu as machine-controller-manager does with maxSurge 1 and
	// maxUnavailable 0: create, wait until Running, then terminate and remove the old one.
	replace := func(old, nu string) []step {
		return []step{
			{m: machine(nu, "")}, {m: machine(nu, pending)}, {m: machine(nu, running)},
			{m: machine(old, term)}, {m: deleting(machine(old, term))}, {m: deleting(machine(old, term)), gone: true},
		}
	}
	var oneByOne []step
	for _, r := range [][2]string{{"old-1", "new-1"}, {"old-2", "new-2"}, {"old-3", "new-3"}} {
		oneByOne = append(oneByOne, replace(r[0], r[1])...)
	}

	for _, tc := range []struct {
		name                     string
		maxSurge, maxUnavailable int
		steps                    []step
		wantViolations           []string
		wantMaxActive            int
	}{
		{name: "one at a time", maxSurge: 1, steps: oneByOne, wantMaxActive: 4},
		{name: "maxSurge ignored: three new machines at once", maxSurge: 1, wantMaxActive: 6, steps: []step{
			{m: machine("new-1", "")}, {m: machine("new-2", "")}, {m: machine("new-3", "")},
		}, wantViolations: []string{
			"after machine new-2 was added: 5 active machines [new-1, new-2, old-1, old-2, old-3], more than replicas 3 + maxSurge 1",
			"after machine new-3 was added: 6 active machines [new-1, new-2, new-3, old-1, old-2, old-3], more than replicas 3 + maxSurge 1",
		}},
		{name: "maxUnavailable ignored: an old machine goes before its replacement runs", maxSurge: 1, wantMaxActive: 4, steps: []step{
			{m: machine("new-1", pending)}, {m: machine("old-1", term)},
		}, wantViolations: []string{
			"after machine old-1 was updated: 2 available machines [old-2, old-3], fewer than replicas 3 - maxUnavailable 0",
		}},
		{name: "maxUnavailable 1 allows it", maxSurge: 1, maxUnavailable: 1, wantMaxActive: 4, steps: []step{
			{m: machine("new-1", pending)}, {m: machine("old-1", term)},
		}},
		{name: "a failed machine is neither active nor available", maxSurge: 1, maxUnavailable: 1, wantMaxActive: 3, steps: []step{
			{m: machine("old-1", machinev1alpha1.MachineFailed)}, {m: machine("old-2", machinev1alpha1.MachineUnknown)},
		}, wantViolations: []string{
			"after machine old-2 was updated: 1 available machines [old-3], fewer than replicas 3 - maxUnavailable 1",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c := &framework.RollingUpdateCheck{Replicas: 3, MaxSurge: tc.maxSurge, MaxUnavailable: tc.maxUnavailable}
			h := c.Handler()
			for _, s := range initial {
				h.OnAdd(s.m, true)
			}
			g.Expect(c.Arm()).To(Succeed())
			seen := map[string]bool{"old-1": true, "old-2": true, "old-3": true}
			for _, s := range tc.steps {
				switch {
				case s.gone:
					h.OnDelete(toolscache.DeletedFinalStateUnknown{Key: s.m.Name, Obj: s.m})
				case seen[s.m.Name]:
					h.OnUpdate(nil, s.m)
				default:
					h.OnAdd(s.m, false)
				}
				seen[s.m.Name] = !s.gone
			}
			g.Expect(c.Violations()).To(Equal(tc.wantViolations))
			g.Expect(c.MaxActive()).To(Equal(tc.wantMaxActive))
			g.Expect(c.Events()).To(Equal(len(tc.steps)))
		})
	}
}

func TestRollingUpdateCheckArmedTooEarly(t *testing.T) {
	g := NewWithT(t)
	c := &framework.RollingUpdateCheck{Replicas: 3, MaxSurge: 1}
	c.Handler().OnAdd(machine("old-1", machinev1alpha1.MachineRunning), true)
	g.Expect(c.Arm()).To(MatchError("1 available machines [old-1], fewer than replicas 3 - maxUnavailable 0"))
}
