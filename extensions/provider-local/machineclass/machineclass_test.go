package machineclass_test

import (
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/hortus-dev/hortus/extensions/provider-local/machineclass"
)

func TestRoundTrip(t *testing.T) {
	g := NewWithT(t)
	spec := machineclass.ProviderSpec{
		MachineType: "local", CPU: resource.MustParse("2"), Memory: resource.MustParse("4Gi"), Pods: resource.MustParse("110"),
		Zone: "local-1", Labels: map[string]string{"worker.gardener.cloud/pool": "local"},
	}
	raw, err := spec.Marshal()
	g.Expect(err).NotTo(HaveOccurred())
	got, err := machineclass.Decode(raw)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Memory.Equal(spec.Memory)).To(BeTrue())
	g.Expect(got.Labels).To(Equal(spec.Labels))
}

func TestDecodeErrors(t *testing.T) {
	g := NewWithT(t)
	_, err := machineclass.Decode(nil)
	g.Expect(err).To(MatchError(ContainSubstring("has no providerSpec")))
	_, err = machineclass.Decode([]byte(`{"cpu":"0","memory":"1Gi"}`))
	g.Expect(err).To(MatchError(And(ContainSubstring("machineType is required"), ContainSubstring("cpu must be positive"), ContainSubstring("pods must be positive"))))
	_, err = machineclass.Decode([]byte(`[]`))
	g.Expect(err).To(MatchError(ContainSubstring("not provider-local's")))
}
