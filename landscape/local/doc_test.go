package local_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

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

// TestCloudProfileImageVersions: a new pool gets machine image local 1.0.0 (the newest
// supported version); 1.1.0 is a preview that a pool must ask for, which the workers e2e
// suite does to roll the machines.
func TestCloudProfileImageVersions(t *testing.T) {
	g := NewWithT(t)
	b, err := local.Manifests.ReadFile("cloudprofile.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	profile := &gardencorev1beta1.CloudProfile{}
	g.Expect(yaml.UnmarshalStrict(b, profile)).To(Succeed())
	g.Expect(profile.Spec.MachineImages).To(HaveLen(1))
	image := profile.Spec.MachineImages[0]
	g.Expect(image.Name).To(Equal("local"))
	classifications := map[string]gardencorev1beta1.VersionClassification{}
	for _, v := range image.Versions {
		classifications[v.Version] = ptr.Deref(v.Classification, gardencorev1beta1.ClassificationSupported)
		g.Expect(v.CRI).To(ConsistOf(HaveField("Name", gardencorev1beta1.CRINameContainerD)), v.Version)
	}
	g.Expect(classifications).To(Equal(map[string]gardencorev1beta1.VersionClassification{
		"1.0.0": gardencorev1beta1.ClassificationSupported,
		"1.1.0": gardencorev1beta1.ClassificationPreview,
	}))
}
