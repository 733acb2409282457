package hortuscontroller_test

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/hortuscontroller"
)

func TestBuild(t *testing.T) {
	g := NewWithT(t)
	cfg := hortuscontroller.Config{
		Name:        "gardenlet-local",
		Command:     "gardenlet",
		ConfigYAML:  []byte("kind: GardenletConfiguration\n"),
		Files:       map[string][]byte{"seed.kubeconfig": []byte("s"), "garden.kubeconfig": []byte("g")},
		HealthPort:  4001,
		MetricsPort: 4002,
		DependsOn:   []string{"kube-apiserver"},
		ExtraArgs:   map[string]string{"v": "2"},
	}
	c := hortuscontroller.Build(cfg)
	g.Expect(c.Binary).To(Equal("hortus"))
	g.Expect(c.Args).To(Equal([]string{"gardenlet", "--config=config.yaml", "--v=2"}))
	g.Expect(c.Files).To(HaveLen(3))
	// Files are sorted after the config file, so the description hashes the same each time.
	g.Expect(c.Files[1].Path).To(Equal("garden.kubeconfig"))
	g.Expect(c.Files[2].Path).To(Equal("seed.kubeconfig"))
	g.Expect(c.Files[1].Mode).To(BeZero(), "kubeconfigs hold keys and stay private")
	g.Expect(c.Readiness.HTTPGet).To(Equal(&component.HTTPGetAction{Port: 4001, Path: "/readyz"}))
	g.Expect(c.Ports).To(ConsistOf(component.Port{Name: "health", Port: 4001}, component.Port{Name: "metrics", Port: 4002}))
	g.Expect(c.DependsOn).To(Equal([]string{"kube-apiserver"}))

	for range 5 {
		g.Expect(hortuscontroller.Build(cfg).Hash()).To(Equal(c.Hash()))
	}
	set := &component.Set{Name: "x", Components: []component.Component{c}}
	g.Expect(set.Validate()).To(MatchError(ContainSubstring("kube-apiserver")), "a dependency outside the set is an error")
}
