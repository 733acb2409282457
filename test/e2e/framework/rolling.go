package framework

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	toolscache "k8s.io/client-go/tools/cache"
)

// RollingUpdateCheck checks a rolling update of one MachineDeployment event by event, as
// watches on its MachineSets and Machines deliver them. Once armed:
//
//   - after every MachineSet event, the MachineSets' replicas must add up to at most
//     Replicas + MaxSurge;
//   - after every Machine event, available machines ≥ Replicas − MaxUnavailable.
//
// These are the guarantees Kubernetes gives for a Deployment's ReplicaSets, and Hortus'
// machine-controller-manager for MachineSets (machine-controller-manager alone can ask for
// more while a set's status lags behind a scale-up; see mcm.NewCoreController). The surge
// bounds what the MachineSets ask for. The machines
// themselves can exceed it for a moment: when the deployment controller scales an old
// MachineSet down, it may scale the new one up before the old MachineSet's controller
// has marked the surplus machine Terminating. MaxActive reports the most machines seen.
//
// A machine is active unless it is being deleted (a deletion timestamp, or phase
// Terminating) or has failed, and available when it is active and its phase is Running
// or Available. Use Handler as the event handler of informers on the deployment's
// MachineSets and Machines; its methods are safe for concurrent use.
type RollingUpdateCheck struct {
	// Replicas, MaxSurge and MaxUnavailable are the deployment's, resolved to numbers.
	Replicas, MaxSurge, MaxUnavailable int

	mu          sync.Mutex
	machines    map[string]*machinev1alpha1.Machine
	replicas    map[string]int
	armed       bool
	violations  []string
	maxActive   int
	maxReplicas int
	events      int
}

// Handler returns the event handler that feeds the check.
func (c *RollingUpdateCheck) Handler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.Observe("added", obj, false) },
		UpdateFunc: func(_, obj any) { c.Observe("updated", obj, false) },
		DeleteFunc: func(obj any) {
			if tombstone, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = tombstone.Obj
			}
			c.Observe("deleted", obj, true)
		},
	}
}

// Observe records one event of a Machine or MachineSet: added or updated, or deleted
// when gone. It is what Handler calls; other objects are ignored.
func (c *RollingUpdateCheck) Observe(verb string, obj any, gone bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var (
		what  string
		check func() error
	)
	switch o := obj.(type) {
	case *machinev1alpha1.Machine:
		if c.machines == nil {
			c.machines = map[string]*machinev1alpha1.Machine{}
		}
		if gone {
			delete(c.machines, o.Name)
		} else {
			c.machines[o.Name] = o.DeepCopy()
		}
		what, check = "machine "+o.Name, c.checkMachines
	case *machinev1alpha1.MachineSet:
		if c.replicas == nil {
			c.replicas = map[string]int{}
		}
		if gone {
			delete(c.replicas, o.Name)
		} else {
			c.replicas[o.Name] = int(o.Spec.Replicas)
		}
		what, check = "machine set "+o.Name, c.checkMachineSets
	default:
		return
	}
	if !c.armed {
		return
	}
	c.events++
	if err := check(); err != nil {
		c.violations = append(c.violations, fmt.Sprintf("after %s was %s: %v", what, verb, err))
	}
}

// Arm starts checking every event, from the machine sets and machines seen so far: call
// it once the informers have delivered their initial lists, before the roll starts. Its
// error says how what was seen so far violates the bounds already.
func (c *RollingUpdateCheck) Arm() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed = true
	return errors.Join(c.checkMachineSets(), c.checkMachines())
}

// checkMachineSets checks the surge bound and records the highest sum of replicas.
func (c *RollingUpdateCheck) checkMachineSets() error {
	sum := 0
	for _, r := range c.replicas {
		sum += r
	}
	c.maxReplicas = max(c.maxReplicas, sum)
	if limit := c.Replicas + c.MaxSurge; sum > limit {
		sets := slices.Sorted(maps.Keys(c.replicas))
		for i, s := range sets {
			sets[i] = fmt.Sprintf("%s=%d", s, c.replicas[s])
		}
		return fmt.Errorf("the machine sets' replicas add up to %d [%s], more than replicas %d + maxSurge %d", sum, strings.Join(sets, ", "), c.Replicas, c.MaxSurge)
	}
	return nil
}

// checkMachines checks the availability bound and records the highest number of active
// machines.
func (c *RollingUpdateCheck) checkMachines() error {
	var active, available []string
	for name, m := range c.machines {
		if !machineActive(m) {
			continue
		}
		active = append(active, name)
		if p := m.Status.CurrentStatus.Phase; p == machinev1alpha1.MachineRunning || p == machinev1alpha1.MachineAvailable {
			available = append(available, name)
		}
	}
	c.maxActive = max(c.maxActive, len(active))
	if limit := c.Replicas - c.MaxUnavailable; len(available) < limit {
		slices.Sort(available)
		return fmt.Errorf("%d available machines [%s], fewer than replicas %d - maxUnavailable %d", len(available), strings.Join(available, ", "), c.Replicas, c.MaxUnavailable)
	}
	return nil
}

func machineActive(m *machinev1alpha1.Machine) bool {
	p := m.Status.CurrentStatus.Phase
	return m.DeletionTimestamp == nil && p != machinev1alpha1.MachineTerminating && p != machinev1alpha1.MachineFailed
}

// Violations returns what broke the bounds, one entry per event, in order.
func (c *RollingUpdateCheck) Violations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.violations)
}

// MaxActive is the highest number of active machines seen since Arm. It may exceed
// Replicas + MaxSurge for a moment; see RollingUpdateCheck.
func (c *RollingUpdateCheck) MaxActive() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxActive
}

// MaxReplicas is the highest sum of the MachineSets' replicas seen since Arm: with
// maxSurge 1 and maxUnavailable 0, a roll that replaced machines must have reached
// Replicas + 1.
func (c *RollingUpdateCheck) MaxReplicas() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxReplicas
}

// Events is how many events were checked since Arm.
func (c *RollingUpdateCheck) Events() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.events
}
