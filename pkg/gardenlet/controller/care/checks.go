package care

import (
	"fmt"
	"sort"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"

	"github.com/hortus-dev/hortus/pkg/component"
)

// Reasons of the conditions.
const (
	ReasonHealthy            = "HealthzRequestSucceeded"
	ReasonUnhealthy          = "HealthzRequestFailed"
	ReasonComponentsRunning  = "ControlPlaneRunning"
	ReasonComponentsDown     = "ControlPlaneUnhealthy"
	ReasonHibernated         = "ShootHibernated"
	ReasonNodesReady         = "EveryNodeReady"
	ReasonNodesMissing       = "MissingNodes"
	ReasonNodesNotReady      = "NodesNotReady"
	ReasonNoSystemComponents = "NoSystemComponentsDeployed"
	ReasonNotReconciledYet   = "ShootNotReconciledYet"
)

// condition is a condition without times.
func newCondition(t gardencorev1beta1.ConditionType, ok bool, reasonOK, reasonBad, message string) gardencorev1beta1.Condition {
	c := gardencorev1beta1.Condition{Type: t, Status: gardencorev1beta1.ConditionTrue, Reason: reasonOK, Message: message}
	if !ok {
		c.Status, c.Reason = gardencorev1beta1.ConditionFalse, reasonBad
	}
	return c
}

// APIServerCondition is APIServerAvailable from the result of the shoot's /readyz.
func APIServerCondition(readyErr error) gardencorev1beta1.Condition {
	if readyErr != nil {
		return newCondition(gardencorev1beta1.ShootAPIServerAvailable, false, ReasonHealthy, ReasonUnhealthy,
			fmt.Sprintf("The kube-apiserver's /readyz failed: %v.", readyErr))
	}
	return newCondition(gardencorev1beta1.ShootAPIServerAvailable, true, ReasonHealthy, ReasonUnhealthy, "API server /readyz endpoint responded with success status code.")
}

// ControlPlaneCondition is ControlPlaneHealthy from the state of the control plane's
// components, by name; a component that is missing counts as stopped.
func ControlPlaneCondition(want []string, statuses map[string]component.Status) gardencorev1beta1.Condition {
	var bad []string
	for _, name := range want {
		s, ok := statuses[name]
		switch {
		case !ok:
			bad = append(bad, name+" is not deployed")
		case s.Phase != component.PhaseReady:
			msg := fmt.Sprintf("%s is %s", name, s.Phase)
			if s.Message != "" {
				msg += " (" + s.Message + ")"
			}
			if s.Restarts > 0 {
				msg += fmt.Sprintf(", %d restarts", s.Restarts)
			}
			bad = append(bad, msg)
		}
	}
	if len(bad) > 0 {
		return newCondition(gardencorev1beta1.ShootControlPlaneHealthy, false, ReasonComponentsRunning, ReasonComponentsDown, strings.Join(bad, "; ")+".")
	}
	msg := fmt.Sprintf("All control plane components are running and ready: %s.", strings.Join(want, ", "))
	var restarted []string
	for _, name := range want {
		if n := statuses[name].Restarts; n > 0 {
			restarted = append(restarted, fmt.Sprintf("%s restarted %d time(s)", name, n))
		}
	}
	if len(restarted) > 0 {
		msg += " Since their deployment, " + strings.Join(restarted, ", ") + "."
	}
	return newCondition(gardencorev1beta1.ShootControlPlaneHealthy, true, ReasonComponentsRunning, ReasonComponentsDown, msg)
}

// NodesCondition is EveryNodeReady: the ready nodes against the sum of the worker pools'
// minimums.
func NodesCondition(workers []gardencorev1beta1.Worker, ready, total int, notReady []string) gardencorev1beta1.Condition {
	minimum := 0
	for _, w := range workers {
		minimum += int(w.Minimum)
	}
	sort.Strings(notReady)
	switch {
	case len(notReady) > 0:
		return newCondition(gardencorev1beta1.ShootEveryNodeReady, false, ReasonNodesReady, ReasonNodesNotReady,
			fmt.Sprintf("Nodes not ready: %s.", strings.Join(notReady, ", ")))
	case total < minimum:
		return newCondition(gardencorev1beta1.ShootEveryNodeReady, false, ReasonNodesReady, ReasonNodesMissing,
			fmt.Sprintf("%d of at least %d nodes (the sum of the worker pools' minimums) have registered.", total, minimum))
	}
	return newCondition(gardencorev1beta1.ShootEveryNodeReady, true, ReasonNodesReady, ReasonNodesMissing,
		fmt.Sprintf("All %d nodes are ready (worker pools' minimum: %d).", ready, minimum))
}

// Hibernated returns the condition of type t for a hibernated shoot.
func Hibernated(t gardencorev1beta1.ConditionType) gardencorev1beta1.Condition {
	return gardencorev1beta1.Condition{Type: t, Status: gardencorev1beta1.ConditionTrue, Reason: ReasonHibernated,
		Message: "The shoot is hibernated: its control plane is stopped, its data kept."}
}
