package local_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	local "github.com/hortus-dev/hortus/landscape/local"
	"github.com/hortus-dev/hortus/pkg/helmchart"
)

func decode(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	b, err := local.Manifests.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096).Decode(&u.Object); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return u
}

func TestCompleteControllerDeployment(t *testing.T) {
	g := NewWithT(t)
	u := decode(t, "controllerdeployment.yaml")
	g.Expect(local.Complete(u, local.Settings{})).To(MatchError(ContainSubstring("backup directory")))
	g.Expect(local.Complete(u, local.Settings{BackupDir: "/state/backupbuckets"})).To(Succeed())

	raw, _, _ := unstructured.NestedString(u.Object, "helm", "rawChart")
	chart, err := base64.StdEncoding.DecodeString(raw)
	g.Expect(err).NotTo(HaveOccurred())
	values, _, _ := unstructured.NestedMap(u.Object, "helm", "values")
	g.Expect(values).To(HaveKeyWithValue("backupDir", "/state/backupbuckets"))

	// The deployment renders as the gardenlet renders it.
	objs, err := helmchart.Render(chart, helmchart.Release{Name: "provider-local", Namespace: "extension-provider-local"}, values)
	g.Expect(err).NotTo(HaveOccurred())
	var args []any
	for _, o := range objs {
		if o.GetKind() == "Deployment" {
			containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
			args = containers[0].(map[string]any)["args"].([]any)
		}
	}
	g.Expect(args).To(ContainElement("--backup-dir=/state/backupbuckets"))
}

func TestRegistrationNamesTheDeployment(t *testing.T) {
	g := NewWithT(t)
	u := decode(t, "controllerregistration.yaml")
	refs, _, _ := unstructured.NestedSlice(u.Object, "spec", "deployment", "deploymentRefs")
	g.Expect(refs).To(ConsistOf(map[string]any{"name": "provider-local"}))
	resources, _, _ := unstructured.NestedSlice(u.Object, "spec", "resources")
	for _, kind := range []string{"BackupBucket", "BackupEntry", "ControlPlane", "Infrastructure", "Worker", "DNSRecord", "OperatingSystemConfig", "Network"} {
		g.Expect(resources).To(ContainElement(map[string]any{"kind": kind, "type": "local"}), kind)
	}
}
