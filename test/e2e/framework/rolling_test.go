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

func machineSet(name string, replicas int32) *machinev1alpha1.MachineSet {
	s := &machinev1alpha1.MachineSet{ObjectMeta: metav1.ObjectMeta{Name: name}}
	s.Spec.Replicas = replicas
	return s
}

func deleting(m *machinev1alpha1.Machine) *machinev1alpha1.Machine {
	now := metav1.Now()
	m.DeletionTimestamp = &now
	return m
}

// step is one watch event: a machine or machine set in a state, or gone.
type step struct {
	obj  metav1.Object
	gone bool
}

func m(name string, phase machinev1alpha1.MachinePhase) step {
	return step{obj: machine(name, phase)}
}

func ms(name string, replicas int32) step { return step{obj: machineSet(name, replicas)} }

func TestRollingUpdateCheck(t *testing.T) {
	const (
		running = machinev1alpha1.MachineRunning
		pending = machinev1alpha1.MachinePending
		term    = machinev1alpha1.MachineTerminating
	)
	initial := []step{ms("old", 3), m("old-1", running), m("old-2", running), m("old-3", running)}
	// replace replaces old by nu as machine-controller-manager does with maxSurge 1 and
	// maxUnavailable 0: scale the new set up, create, wait until Running, then scale the
	// old set down, terminate and remove the old machine.
	replace := func(i int32, old, nu string) []step {
		return []step{
			ms("new", i), m(nu, ""), m(nu, pending), m(nu, running),
			ms("old", 3-i), m(old, term), {obj: deleting(machine(old, term))}, {obj: deleting(machine(old, term)), gone: true},
		}
	}
	var oneByOne []step
	for i, r := range [][2]string{{"old-1", "new-1"}, {"old-2", "new-2"}, {"old-3", "new-3"}} {
		oneByOne = append(oneByOne, replace(int32(i+1), r[0], r[1])...)
	}

	for _, tc := range []struct {
		name                     string
		maxSurge, maxUnavailable int
		steps                    []step
		wantViolations           []string
		wantMaxActive            int
		wantMaxReplicas          int
	}{
		{name: "one at a time", maxSurge: 1, steps: oneByOne, wantMaxActive: 4, wantMaxReplicas: 4},
		{name: "the new set scaled up before the old set's controller removed its surplus machine", maxSurge: 1, wantMaxActive: 5, wantMaxReplicas: 4, steps: []step{
			ms("new", 1), m("new-1", running), ms("old", 2), ms("new", 2), m("new-2", running), m("old-1", term),
		}},
		{name: "maxSurge ignored: the new set scaled to three at once", maxSurge: 1, wantMaxActive: 6, wantMaxReplicas: 6, steps: []step{
			ms("new", 3), m("new-1", ""), m("new-2", ""), m("new-3", ""),
		}, wantViolations: []string{
			"after machine set new was added: the machine sets' replicas add up to 6 [new=3, old=3], more than replicas 3 + maxSurge 1",
		}},
		{name: "maxUnavailable ignored: an old machine goes before its replacement runs", maxSurge: 1, wantMaxActive: 4, wantMaxReplicas: 4, steps: []step{
			ms("new", 1), m("new-1", pending), ms("old", 2), m("old-1", term),
		}, wantViolations: []string{
			"after machine old-1 was updated: 2 available machines [old-2, old-3], fewer than replicas 3 - maxUnavailable 0",
		}},
		{name: "maxUnavailable 1 allows it", maxSurge: 1, maxUnavailable: 1, wantMaxActive: 4, wantMaxReplicas: 4, steps: []step{
			ms("new", 1), m("new-1", pending), ms("old", 2), m("old-1", term),
		}},
		{name: "a failed machine is neither active nor available", maxSurge: 1, maxUnavailable: 1, wantMaxActive: 3, wantMaxReplicas: 3, steps: []step{
			m("old-1", machinev1alpha1.MachineFailed), m("old-2", machinev1alpha1.MachineUnknown),
		}, wantViolations: []string{
			"after machine old-2 was updated: 1 available machines [old-3], fewer than replicas 3 - maxUnavailable 1",
		}},
		{name: "a machine set that is gone no longer counts", maxSurge: 1, wantMaxActive: 3, wantMaxReplicas: 4, steps: []step{
			ms("new", 1), {obj: machineSet("new", 1), gone: true}, ms("other", 1),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c := &framework.RollingUpdateCheck{Replicas: 3, MaxSurge: tc.maxSurge, MaxUnavailable: tc.maxUnavailable}
			h := c.Handler()
			for _, s := range initial {
				h.OnAdd(s.obj, true)
			}
			g.Expect(c.Arm()).To(Succeed())
			seen := map[string]bool{"old": true, "old-1": true, "old-2": true, "old-3": true}
			for _, s := range tc.steps {
				name := s.obj.GetName()
				switch {
				case s.gone:
					h.OnDelete(toolscache.DeletedFinalStateUnknown{Key: name, Obj: s.obj})
				case seen[name]:
					h.OnUpdate(nil, s.obj)
				default:
					h.OnAdd(s.obj, false)
				}
				seen[name] = !s.gone
			}
			g.Expect(c.Violations()).To(Equal(tc.wantViolations))
			g.Expect(c.MaxActive()).To(Equal(tc.wantMaxActive))
			g.Expect(c.MaxReplicas()).To(Equal(tc.wantMaxReplicas))
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

func TestRollingUpdateCheckIgnoresOtherObjects(t *testing.T) {
	g := NewWithT(t)
	c := &framework.RollingUpdateCheck{Replicas: 0, MaxSurge: 1}
	g.Expect(c.Arm()).To(Succeed())
	c.Handler().OnAdd(&machinev1alpha1.MachineClass{ObjectMeta: metav1.ObjectMeta{Name: "class"}}, false)
	g.Expect(c.Events()).To(BeZero())
}
