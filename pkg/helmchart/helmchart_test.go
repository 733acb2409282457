package helmchart_test

import (
	"os"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/helmchart"
)

func TestPackageAndRender(t *testing.T) {
	g := NewWithT(t)
	archive, err := helmchart.Package(os.DirFS("testdata"), "hooks")
	g.Expect(err).NotTo(HaveOccurred())

	objs, err := helmchart.Render(archive, helmchart.Release{Name: "rel", Namespace: "ns", KubeVersion: "v1.36.3"}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	var names []string
	for _, o := range objs {
		names = append(names, o.GetKind()+"/"+o.GetName())
	}
	// CRDs first, then Helm's install order; hooks and NOTES.txt are left out.
	g.Expect(names).To(Equal([]string{"CustomResourceDefinition/widgets.example.com", "ConfigMap/rel-cm", "Deployment/d"}))
}

func TestRenderErrors(t *testing.T) {
	g := NewWithT(t)
	_, err := helmchart.Render(nil, helmchart.Release{Name: "r"}, nil)
	g.Expect(err).To(MatchError(ContainSubstring("empty")))
	_, err = helmchart.Render([]byte("not gzip"), helmchart.Release{Name: "r"}, nil)
	g.Expect(err).To(MatchError(ContainSubstring("loading the chart archive")))
	archive, err := helmchart.Package(os.DirFS("testdata"), "hooks")
	g.Expect(err).NotTo(HaveOccurred())
	_, err = helmchart.Render(archive, helmchart.Release{Name: "r", KubeVersion: "not a version"}, nil)
	g.Expect(err).To(MatchError(ContainSubstring("kubernetes version")))
}
