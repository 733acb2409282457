package seedextensionscheck

import (
	"fmt"
	"slices"
	"strings"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
)

// Reasons of the ExtensionsReady condition, Gardener's.
const (
	// ReasonAllExtensionsReady: every ControllerInstallation on the seed is ready, or
	// there are none.
	ReasonAllExtensionsReady = "AllExtensionsReady"
	// ReasonNotAllExtensionsValid: some installation's Valid condition is not True.
	ReasonNotAllExtensionsValid = "NotAllExtensionsValid"
	// ReasonNotAllExtensionsInstalled: some installation's Installed condition is not
	// True, or it has no conditions at all yet.
	ReasonNotAllExtensionsInstalled = "NotAllExtensionsInstalled"
	// ReasonNotAllExtensionsHealthy: some installation's Healthy condition is not True,
	// or some of its conditions are missing.
	ReasonNotAllExtensionsHealthy = "NotAllExtensionsHealthy"
	// ReasonSomeExtensionsProgressing: some installation's Progressing condition is not
	// False.
	ReasonSomeExtensionsProgressing = "SomeExtensionsProgressing"
)

// MessageAllExtensionsReady is the message of a True ExtensionsReady condition.
const MessageAllExtensionsReady = "All extensions installed into the seed cluster are ready and healthy."

// category is what is wrong with an installation, most severe first; an installation
// counts under the most severe category it falls into.
type category int

const (
	notValid category = iota
	notInstalled
	notHealthy
	progressing
	ready
)

var categories = []struct {
	reason, headline string
}{
	notValid:     {ReasonNotAllExtensionsValid, "Some extensions are not valid"},
	notInstalled: {ReasonNotAllExtensionsInstalled, "Some extensions are not installed"},
	notHealthy:   {ReasonNotAllExtensionsHealthy, "Some extensions are not healthy"},
	progressing:  {ReasonSomeExtensionsProgressing, "Some extensions are progressing"},
}

// checks are the conditions of a ControllerInstallation that must be reported, with the
// status each must have and the category of an installation where it has another.
var checks = []struct {
	conditionType gardencorev1beta1.ConditionType
	want          gardencorev1beta1.ConditionStatus
	otherwise     category
}{
	{gardencorev1beta1.ControllerInstallationValid, gardencorev1beta1.ConditionTrue, notValid},
	{gardencorev1beta1.ControllerInstallationInstalled, gardencorev1beta1.ConditionTrue, notInstalled},
	{gardencorev1beta1.ControllerInstallationHealthy, gardencorev1beta1.ConditionTrue, notHealthy},
	{gardencorev1beta1.ControllerInstallationProgressing, gardencorev1beta1.ConditionFalse, progressing},
}

// Verdict is what the ControllerInstallations of a seed say about its extensions.
type Verdict struct {
	// Ready is whether every installation is ready.
	Ready bool
	// Reason and Message are those of the ExtensionsReady condition.
	Reason, Message string
}

// Check judges the ControllerInstallations of a seed, as Gardener does. An installation
// is ready when its Valid, Installed and Healthy conditions are True and its
// Progressing condition is False. One without conditions is not installed yet; one
// missing only some of the four is not healthy. The reason is that of the most severe
// category any installation falls into (not valid, not installed, not healthy,
// progressing); the message names every installation that is not ready, under its most
// severe category, with the conditions that fail and their messages. No installations
// at all is ready.
func Check(installations []gardencorev1beta1.ControllerInstallation) Verdict {
	byCategory := make([][]string, ready)
	for _, inst := range installations {
		c, problems := checkInstallation(&inst)
		if c == ready {
			continue
		}
		byCategory[c] = append(byCategory[c], fmt.Sprintf("%s (%s)", inst.Name, strings.Join(problems, "; ")))
	}

	v := Verdict{Ready: true, Reason: ReasonAllExtensionsReady, Message: MessageAllExtensionsReady}
	var sentences []string
	for c, entries := range byCategory {
		if len(entries) == 0 {
			continue
		}
		if v.Ready {
			v.Ready, v.Reason = false, categories[c].reason
		}
		slices.Sort(entries)
		sentences = append(sentences, categories[c].headline+": "+strings.Join(entries, ", ")+".")
	}
	if !v.Ready {
		v.Message = strings.Join(sentences, " ")
	}
	return v
}

// checkInstallation returns the most severe category inst falls into, and what is wrong
// with it.
func checkInstallation(inst *gardencorev1beta1.ControllerInstallation) (category, []string) {
	if len(inst.Status.Conditions) == 0 {
		return notInstalled, []string{"no conditions reported yet"}
	}
	worst := ready
	var problems, missing []string
	for _, check := range checks {
		cond := findCondition(inst.Status.Conditions, check.conditionType)
		if cond == nil {
			missing = append(missing, string(check.conditionType))
			continue
		}
		if cond.Status == check.want {
			continue
		}
		worst = min(worst, check.otherwise)
		problem := fmt.Sprintf("%s=%s", cond.Type, cond.Status)
		if cond.Message != "" {
			problem += ": " + cond.Message
		}
		problems = append(problems, problem)
	}
	if len(missing) > 0 {
		worst = min(worst, notHealthy)
		problems = append(problems, "conditions not reported yet: "+strings.Join(missing, ", "))
	}
	return worst, problems
}

func findCondition(conditions []gardencorev1beta1.Condition, t gardencorev1beta1.ConditionType) *gardencorev1beta1.Condition {
	for i := range conditions {
		if conditions[i].Type == t {
			return &conditions[i]
		}
	}
	return nil
}

// NextStatus returns the status of the ExtensionsReady condition for a verdict that is
// ready or not, given the condition as it is (nil if the seed has none), the threshold
// configured for it and the time now; and, while the status is Progressing, how long
// until it turns False (zero otherwise).
//
// As in Gardener, a not-ready verdict turns a True condition Progressing rather than
// False when the threshold is positive, and a Progressing one False once it has been
// Progressing for the threshold; otherwise the status is False, and for a ready verdict
// True.
func NextStatus(current *gardencorev1beta1.Condition, isReady bool, threshold time.Duration, now time.Time) (gardencorev1beta1.ConditionStatus, time.Duration) {
	if isReady {
		return gardencorev1beta1.ConditionTrue, 0
	}
	if threshold <= 0 || current == nil {
		return gardencorev1beta1.ConditionFalse, 0
	}
	switch current.Status {
	case gardencorev1beta1.ConditionTrue:
		return gardencorev1beta1.ConditionProgressing, threshold
	case gardencorev1beta1.ConditionProgressing:
		if left := current.LastTransitionTime.Add(threshold).Sub(now); left > 0 {
			return gardencorev1beta1.ConditionProgressing, left
		}
	}
	return gardencorev1beta1.ConditionFalse, 0
}
