package machinecontrollermanager_test

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/machinecontrollermanager"
)

func TestBuild(t *testing.T) {
	g := NewWithT(t)
	c := machinecontrollermanager.Build(machinecontrollermanager.Config{
		ControlKubeconfig: []byte("seed"),
		TargetKubeconfig:  []byte("shoot"),
		Namespace:         "shoot--p--s",
		MachinesDir:       "/state/shoot--p--s/machines",
		ExtraArgs:         map[string]string{"namespace": "other"},
	})
	g.Expect(c.Name).To(Equal("machine-controller-manager"))
	g.Expect(c.Binary).To(Equal("hortus"))
	g.Expect(c.Args).To(HaveExactElements(
		"machine-controller-manager",
		"--control-kubeconfig=$(HORTUS_WORKDIR)/control.kubeconfig",
		"--machines-dir=/state/shoot--p--s/machines",
		"--namespace=other",
		"--target-kubeconfig=$(HORTUS_WORKDIR)/target.kubeconfig",
	))
	g.Expect(c.Files).To(ConsistOf(
		component.File{Path: "control.kubeconfig", Content: []byte("seed")},
		component.File{Path: "target.kubeconfig", Content: []byte("shoot")},
	))
	set := component.Set{Name: "machine-controller-manager", Components: []component.Component{c}}
	g.Expect(set.Validate()).To(Succeed())
}
