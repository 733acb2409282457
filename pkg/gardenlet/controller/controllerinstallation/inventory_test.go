package controllerinstallation_test

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/controllerinstallation"
)

func TestInventoryDiff(t *testing.T) {
	sa := controllerinstallation.ObjectRef{APIVersion: "v1", Kind: "ServiceAccount", Namespace: "ns", Name: "a"}
	role := controllerinstallation.ObjectRef{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "r"}
	cm := controllerinstallation.ObjectRef{APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "c"}
	deploy := controllerinstallation.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "d"}
	roleV1beta1 := role
	roleV1beta1.APIVersion = "rbac.authorization.k8s.io/v1beta1"

	tests := []struct {
		name            string
		applied, wanted []controllerinstallation.ObjectRef
		stale, union    []controllerinstallation.ObjectRef
	}{
		{
			name:    "first install",
			applied: nil, wanted: []controllerinstallation.ObjectRef{sa, cm},
			stale: nil, union: []controllerinstallation.ObjectRef{sa, cm},
		},
		{
			name:    "objects that left the chart are stale, in reverse order",
			applied: []controllerinstallation.ObjectRef{sa, role, cm, deploy}, wanted: []controllerinstallation.ObjectRef{sa},
			stale: []controllerinstallation.ObjectRef{deploy, cm, role}, union: []controllerinstallation.ObjectRef{sa, role, cm, deploy},
		},
		{
			name:    "another version of the same object is not stale",
			applied: []controllerinstallation.ObjectRef{roleV1beta1}, wanted: []controllerinstallation.ObjectRef{role},
			stale: nil, union: []controllerinstallation.ObjectRef{role},
		},
		{
			name:    "uninstall: everything is stale",
			applied: []controllerinstallation.ObjectRef{sa, cm}, wanted: nil,
			stale: []controllerinstallation.ObjectRef{cm, sa}, union: []controllerinstallation.ObjectRef{sa, cm},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(controllerinstallation.Stale(tt.applied, tt.wanted)).To(Equal(tt.stale))
			g.Expect(controllerinstallation.Union(tt.applied, tt.wanted)).To(Equal(tt.union))
		})
	}
}
