package charts_test

import (
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/hortus-dev/hortus/charts"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/controllerinstallation"
	"github.com/hortus-dev/hortus/pkg/helmchart"
)

func TestProviderLocal(t *testing.T) {
	g := NewWithT(t)
	archive, err := charts.PackageProviderLocal()
	g.Expect(err).NotTo(HaveOccurred())
	ch, err := helmchart.Load(archive)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ch.Name()).To(Equal("provider-local"))

	objs, err := helmchart.Render(archive, helmchart.Release{Name: "provider-local", Namespace: "extension-provider-local"},
		map[string]any{"backupDir": "/state/backupbuckets"})
	g.Expect(err).NotTo(HaveOccurred())
	var kinds []string
	var deployment *appsv1.Deployment
	var role *rbacv1.ClusterRole
	for _, o := range objs {
		kinds = append(kinds, o.GetKind())
		switch o.GetKind() {
		case "Deployment":
			deployment = &appsv1.Deployment{}
			g.Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, deployment)).To(Succeed())
		case "ClusterRole":
			role = &rbacv1.ClusterRole{}
			g.Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, role)).To(Succeed())
		}
	}
	g.Expect(kinds).To(Equal([]string{"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment"}))

	g.Expect(deployment.Namespace).To(Equal("extension-provider-local"))
	pod := deployment.Spec.Template.Spec
	g.Expect(pod.ServiceAccountName).To(Equal("gardener-extension-provider-local"))
	c := pod.Containers[0]
	g.Expect(controllerinstallation.IsHortusImage(c.Image)).To(BeTrue(), "the gardenlet's process executor runs it as a local process")
	g.Expect(c.Command).To(Equal([]string{"hortus", "provider-local"}))
	g.Expect(c.Args).To(Equal([]string{"--backup-dir=/state/backupbuckets", "--metrics-bind-address=0", "--health-probe-bind-address=0", "--leader-elect=false"}))

	// What a provider extension needs in the seed.
	allowed := func(group, resource, verb string) bool {
		for _, r := range role.Rules {
			if contains(r.APIGroups, group) && contains(r.Resources, resource) && contains(r.Verbs, verb) {
				return true
			}
		}
		return false
	}
	for _, want := range [][3]string{
		{"extensions.gardener.cloud", "infrastructures", "watch"},
		{"extensions.gardener.cloud", "workers/status", "patch"},
		{"extensions.gardener.cloud", "backupbuckets", "update"},
		{"extensions.gardener.cloud", "clusters", "list"},
		{"machine.sapcloud.io", "machineclasses", "create"},
		{"machine.sapcloud.io", "machinedeployments", "delete"},
		{"", "secrets", "create"},
		{"", "configmaps", "get"},
		{"", "events", "create"},
		{"coordination.k8s.io", "leases", "update"},
		{"", "namespaces", "list"},
	} {
		g.Expect(allowed(want[0], want[1], want[2])).To(BeTrue(), "%v", want)
	}

	// The ProcessSet translation accepts the chart's Deployment.
	set, creds, err := controllerinstallation.ProcessSet("extension-provider-local", []*appsv1.Deployment{deployment},
		controllerinstallation.SeedAccess{Server: "https://127.0.0.1:1"}, controllerinstallation.IsHortusImage)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(set.Components[0].Args[0]).To(Equal("provider-local"))
	g.Expect(creds).To(HaveLen(1))

	_, err = helmchart.Render(archive, helmchart.Release{Name: "provider-local", Namespace: "extension-provider-local"}, nil)
	g.Expect(err).To(MatchError(ContainSubstring("backupDir is required")))
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s || e == "*" {
			return true
		}
	}
	return false
}
