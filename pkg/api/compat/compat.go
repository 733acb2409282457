package compat

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
)

// Support says what Hortus does with a field.
type Support int

const (
	// Stored fields are kept as they are and returned on reads, but nothing in Hortus
	// looks at them. Setting one returns an API warning.
	Stored Support = iota
	// Validated fields are checked by the API server, but no Hortus controller acts on them
	// yet. Setting one returns an API warning.
	Validated
	// ActedOn fields are validated and change what Hortus does.
	ActedOn
)

func (s Support) String() string {
	switch s {
	case ActedOn:
		return "acted on"
	case Validated:
		return "validated only"
	default:
		return "stored, warned"
	}
}

// Rule gives the support of one field and, unless a more specific rule says otherwise, of
// everything below it. Paths use the JSON names of the v1beta1 API; "[]" stands for every
// element of a list.
type Rule struct {
	Path    string
	Support Support
	// By names what acts on or validates the field.
	By string
}

// ShootRules is the table for Shoot spec fields. Fields that no rule covers are Stored.
var ShootRules = []Rule{
	{Path: "spec.cloudProfileName", Support: ActedOn, By: "validation; scheduler (seed selector of the cloud profile)"},
	{Path: "spec.cloudProfile", Support: ActedOn, By: "validation; scheduler (seed selector of the cloud profile)"},
	{Path: "spec.region", Support: ActedOn, By: "validation (immutable); scheduler (SameRegion, MinimalDistance)"},
	{Path: "spec.purpose", Support: ActedOn, By: "validation; scheduler (testing shoots may use any region)"},
	{Path: "spec.seedName", Support: ActedOn, By: "API server (/binding only); scheduler"},
	{Path: "spec.seedSelector", Support: ActedOn, By: "scheduler"},
	{Path: "spec.tolerations", Support: ActedOn, By: "scheduler (seed taints)"},
	{Path: "spec.controlPlane.highAvailability.failureTolerance.type", Support: ActedOn, By: "scheduler (zone tolerance needs a seed with 3 zones)"},
	{Path: "spec.provider.type", Support: ActedOn, By: "validation (immutable); scheduler (seed provider type)"},
	{Path: "spec.provider.workers", Support: ActedOn, By: "validation: unique names, minimum ≤ maximum, maxSurge/maxUnavailable, machine type and image; gardenlet (an OperatingSystemConfig per pool, the Worker, a machine-controller-manager); provider-local (a MachineClass and MachineDeployment per pool and zone from minimum, maxSurge, maxUnavailable, machine type, zones, labels and taints; simulated nodes)"},
	{Path: "spec.provider.workers[].providerConfig", Support: Stored},
	{Path: "spec.provider.workers[].cri", Support: Stored},
	{Path: "spec.provider.workers[].kubernetes", Support: Stored},
	{Path: "spec.provider.workers[].kubernetes.kubelet", Support: ActedOn, By: "provider-local (the pool's KubeletConfiguration in the user data, over spec.kubernetes.kubelet; simulated nodes use maxPods, kubeReserved, systemReserved)"},
	{Path: "spec.provider.workers[].kubernetes.version", Support: ActedOn, By: "validation (a version of the CloudProfile); gardenlet (the Worker pool's Kubernetes version, over spec.kubernetes.version); provider-local (a change rolls the pool's machines; the user data names the version, and simulated nodes report it as their kubelet version)"},
	{Path: "spec.provider.workers[].volume", Support: ActedOn, By: "gardenlet (the Worker pool's volume); provider-local (a change rolls the pool's machines; simulated nodes have no disks)"},
	{Path: "spec.provider.workers[].dataVolumes", Support: ActedOn, By: "gardenlet (the Worker pool's data volumes); provider-local (a change rolls the pool's machines; simulated nodes have no disks)"},
	{Path: "spec.provider.workers[].sysctls", Support: Stored},
	{Path: "spec.provider.workers[].machineControllerManager", Support: ActedOn, By: "gardenlet (the Worker pool); provider-local (the MachineDeployment's drain, health and creation timeouts, max evict retries and node conditions)"},
	{Path: "spec.provider.workers[].clusterAutoscaler", Support: Stored},
	{Path: "spec.provider.workers[].systemComponents", Support: Stored},
	{Path: "spec.networking.type", Support: ActedOn, By: "validation (immutable); gardenlet (the Network resource's type, for shoots with workers); provider-local handles local and calico and only records the networks: simulated nodes need no CNI"},
	{Path: "spec.networking.ipFamilies", Support: Validated, By: "validation (CIDRs must match)"},
	{Path: "spec.networking.nodes", Support: ActedOn, By: "validation (no overlap, immutable); scheduler (no overlap with the seed)"},
	{Path: "spec.networking.pods", Support: ActedOn, By: "validation (no overlap, immutable); scheduler (no overlap with the seed)"},
	{Path: "spec.networking.services", Support: ActedOn, By: "validation (no overlap, immutable); scheduler (no overlap with the seed)"},
	{Path: "spec.kubernetes.version", Support: ActedOn, By: "validation (semantic version); gardenlet (the control plane runs the binaries of that version, bin/kube/v<version>/)"},
	{Path: "spec.kubernetes.kubeAPIServer", Support: Stored},
	{Path: "spec.kubernetes.kubeAPIServer.featureGates", Support: ActedOn, By: "gardenlet (kube-apiserver --feature-gates)"},
	{Path: "spec.kubernetes.kubeAPIServer.runtimeConfig", Support: ActedOn, By: "gardenlet (kube-apiserver --runtime-config)"},
	{Path: "spec.kubernetes.kubeAPIServer.eventTTL", Support: ActedOn, By: "gardenlet (kube-apiserver --event-ttl)"},
	{Path: "spec.kubernetes.kubeAPIServer.requests", Support: ActedOn, By: "gardenlet (kube-apiserver --max-requests-inflight, --max-mutating-requests-inflight)"},
	{Path: "spec.kubernetes.kubeAPIServer.enableAnonymousAuthentication", Support: ActedOn, By: "gardenlet (kube-apiserver --anonymous-auth)"},
	{Path: "spec.kubernetes.kubeAPIServer.serviceAccountConfig.issuer", Support: ActedOn, By: "gardenlet (kube-apiserver --service-account-issuer)"},
	{Path: "spec.hibernation.enabled", Support: ActedOn, By: "gardenlet (stops the control plane, keeping data and PKI; wakes it)"},
	{Path: "spec.hibernation", Support: ActedOn, By: "validation (cron schedules, time zones); controller-manager (schedules set enabled); gardenlet (enabled)"},
	{Path: "spec.maintenance.timeWindow", Support: ActedOn, By: "validation (format, 30 minutes to 6 hours); gardenlet (on seeds with a backup, the daily full etcd snapshot starts at the window's begin, as in Gardener)"},
	{Path: "spec.secretBindingName", Support: ActedOn, By: "gardenlet (the Secret is copied into Secret cloudprovider in the seed namespace, for extensions)"},
	{Path: "spec.credentialsBindingName", Support: ActedOn, By: "gardenlet (the Secret it refers to is copied into Secret cloudprovider in the seed namespace, for extensions)"},
	{Path: "spec.kubernetes.kubelet", Support: ActedOn, By: "provider-local (the KubeletConfiguration in every pool's user data; simulated nodes use maxPods, kubeReserved, systemReserved)"},
	{Path: "spec.addons", Support: Stored},
	{Path: "spec.dns", Support: Stored},
	{Path: "spec.dns.domain", Support: ActedOn, By: "gardenlet (a DNSRecord api.<domain> for shoots with workers); provider-local (records it in the seed namespace, no DNS server)"},
	{Path: "spec.extensions", Support: Stored},
	{Path: "spec.monitoring", Support: Stored},
	{Path: "spec.resources", Support: Stored},
	{Path: "spec.exposureClassName", Support: Stored},
	{Path: "spec.systemComponents", Support: Stored},
	{Path: "spec.schedulerName", Support: Stored},
	{Path: "spec.accessRestrictions", Support: Stored},
}

// Lookup returns the rule that governs path: the rule for the path itself or for its
// nearest ancestor. Without one it returns a Stored rule with an empty path.
func Lookup(rules []Rule, path string) Rule {
	best := Rule{Support: Stored}
	bestLen := -1
	for _, r := range rules {
		if (r.Path == path || strings.HasPrefix(path, r.Path+".") || strings.HasPrefix(path, r.Path+"[]")) && len(r.Path) > bestLen {
			best, bestLen = r, len(r.Path)
		}
	}
	return best
}

// Warnings lists, for an object given as its JSON form, the fields below root that are set
// and that Hortus does not act on. A field governed by a rule is named by the rule's path,
// so a whole unsupported section gives one warning; a field without a rule is named down
// to its first segment that no rule mentions.
func Warnings(rules []Rule, obj map[string]interface{}, root string) []string {
	var out []string
	var walk func(path string, v interface{})
	walk = func(path string, v interface{}) {
		switch t := v.(type) {
		case nil:
		case map[string]interface{}:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(path+"."+k, t[k])
			}
		case []interface{}:
			for _, e := range t {
				walk(path+"[]", e)
			}
		default:
			if r, ok := governing(rules, path); ok {
				if r.Support != ActedOn {
					out = append(out, message(r.Path, r.Support))
				}
				return
			}
			out = append(out, message(unmentioned(rules, path), Stored))
		}
	}
	walk(root, obj[root])
	return dedupe(out)
}

// governing returns the rule for path or its nearest ancestor.
func governing(rules []Rule, path string) (Rule, bool) {
	r := Lookup(rules, path)
	return r, r.Path != ""
}

// unmentioned cuts path after its first segment that is no prefix of a rule's path.
func unmentioned(rules []Rule, path string) string {
	for i := 0; i < len(path); i++ {
		if path[i] != '.' && path[i] != '[' {
			continue
		}
		prefix := path[:i]
		mentioned := false
		for _, r := range rules {
			if r.Path == prefix || strings.HasPrefix(r.Path, prefix+".") || strings.HasPrefix(r.Path, prefix+"[]") {
				mentioned = true
				break
			}
		}
		if !mentioned {
			return prefix
		}
	}
	return path
}

func message(path string, s Support) string {
	if s == Validated {
		return fmt.Sprintf("%s is validated but not acted on by Hortus yet; see docs/api-compatibility.md", path)
	}
	return fmt.Sprintf("%s is stored but not acted on by Hortus; see docs/api-compatibility.md", path)
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// ShootWarnings returns the warnings for a Shoot's spec.
func ShootWarnings(shoot *gardencorev1beta1.Shoot) []string {
	b, err := json.Marshal(shoot)
	if err != nil {
		return nil
	}
	var obj map[string]interface{}
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil
	}
	return Warnings(ShootRules, obj, "spec")
}
