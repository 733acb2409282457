package framework

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	toolscache "k8s.io/client-go/tools/cache"
)

// RollingUpdateCheck checks a rolling update of the machines of one MachineDeployment
// event by event, as a watch on its Machines delivers them: after every event, once
// armed, the machines must satisfy
//
//	active    ≤ Replicas + MaxSurge
//	available ≥ Replicas − MaxUnavailable
//
// with machine-controller-manager's notions: a machine is active unless it is being
// deleted (a deletion timestamp, or phase Terminating) or has failed, and available when
// it is active and its phase is Running or Available. Use Handler as the event handler of
// an informer on the deployment's Machines; its methods are safe for concurrent use.
type RollingUpdateCheck struct {
	// Replicas, MaxSurge and MaxUnavailable are the deployment's, resolved to numbers.
	Replicas, MaxSurge, MaxUnavailable int

	mu         sync.Mutex
	machines   map[string]*machinev1alpha1.Machine
	armed      bool
	violations []string
	maxActive  int
	events     int
}

// Handler returns the event handler that feeds the check.
func (c *RollingUpdateCheck) Handler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.event("added", obj, false) },
		UpdateFunc: func(_, obj any) { c.event("updated", obj, false) },
		DeleteFunc: func(obj any) {
			if tombstone, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = tombstone.Obj
			}
			c.event("deleted", obj, true)
		},
	}
}

// Observe records one event of machine m: added or updated, or deleted when gone. It is
// what Handler calls.
func (c *RollingUpdateCheck) Observe(verb string, m *machinev1alpha1.Machine, gone bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.machines == nil {
		c.machines = map[string]*machinev1alpha1.Machine{}
	}
	if gone {
		delete(c.machines, m.Name)
	} else {
		c.machines[m.Name] = m.DeepCopy()
	}
	if !c.armed {
		return
	}
	c.events++
	if err := c.check(); err != nil {
		c.violations = append(c.violations, fmt.Sprintf("after machine %s was %s: %v", m.Name, verb, err))
	}
}

func (c *RollingUpdateCheck) event(verb string, obj any, gone bool) {
	if m, ok := obj.(*machinev1alpha1.Machine); ok {
		c.Observe(verb, m, gone)
	}
}

// Arm starts checking every event, from the machines seen so far: call it once the
// informer has delivered its initial list, before the roll starts. Its error says how the
// machines seen so far violate the bounds already.
func (c *RollingUpdateCheck) Arm() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed = true
	return c.check()
}

// check checks the bounds and records the highest number of active machines.
func (c *RollingUpdateCheck) check() error {
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
	var errs []string
	if limit := c.Replicas + c.MaxSurge; len(active) > limit {
		slices.Sort(active)
		errs = append(errs, fmt.Sprintf("%d active machines [%s], more than replicas %d + maxSurge %d", len(active), strings.Join(active, ", "), c.Replicas, c.MaxSurge))
	}
	if limit := c.Replicas - c.MaxUnavailable; len(available) < limit {
		slices.Sort(available)
		errs = append(errs, fmt.Sprintf("%d available machines [%s], fewer than replicas %d - maxUnavailable %d", len(available), strings.Join(available, ", "), c.Replicas, c.MaxUnavailable))
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
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

// MaxActive is the highest number of active machines seen since Arm: with maxSurge 1 and
// maxUnavailable 0, a roll that replaced machines must have reached Replicas + 1.
func (c *RollingUpdateCheck) MaxActive() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxActive
}

// Events is how many events were checked since Arm.
func (c *RollingUpdateCheck) Events() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.events
}
