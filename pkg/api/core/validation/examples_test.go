package validation_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/Masterminds/semver/v3"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/gardener/gardener/pkg/apis/core"
	coreinstall "github.com/gardener/gardener/pkg/apis/core/install"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	"github.com/gardener/gardener/pkg/apis/security"
	securityinstall "github.com/gardener/gardener/pkg/apis/security/install"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
)

// examplesDir holds Gardener's example manifests: shared/ beside the repository, whose
// root is four levels above this package.
const examplesDir = "../../../../../shared/compat/gardener-examples"

// skippedKinds are kinds in the examples that are not Gardener's and not validated here.
var skippedKinds = map[string]bool{"Namespace": true, "Secret": true}

// exampleDoc is one Gardener object from an example manifest, in its internal form.
type exampleDoc struct {
	file string
	obj  runtime.Object
}

func (d exampleDoc) String() string {
	accessor, _ := obj2meta(d.obj)
	return fmt.Sprintf("%s/%T/%s", filepath.Base(d.file), d.obj, accessor.GetName())
}

func obj2meta(obj runtime.Object) (metav1.Object, error) {
	accessor, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("%T has no ObjectMeta", obj)
	}
	return accessor, nil
}

// TestGardenerExamples checks that Gardener's own example manifests pass validation after the steps the API
// server takes before validating: decoding the versioned object, defaulting it, converting it to the internal
// version, and for Shoots what the registry strategy and admission default (see prepareShootLikeServer).
func TestGardenerExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examplesDir, "generic", "*.yaml"))
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	providerLocal, err := filepath.Glob(filepath.Join(examplesDir, "provider-local", "*.yaml"))
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	files = append(files, providerLocal...)
	if len(files) == 0 {
		t.Skipf("no example manifests under %s", examplesDir)
	}

	scheme := runtime.NewScheme()
	coreinstall.Install(scheme)
	securityinstall.Install(scheme)

	var docs []exampleDoc
	for _, file := range files {
		for _, obj := range decodeFile(t, scheme, file) {
			docs = append(docs, exampleDoc{file: file, obj: obj})
		}
	}

	// Every Gardener kind in the examples: a decoding problem that drops documents must not pass unnoticed.
	NewWithT(t).Expect(docs).To(HaveLen(15))

	for _, doc := range docs {
		t.Run(doc.String(), func(t *testing.T) {
			g := NewWithT(t)
			obj := doc.obj
			if shoot, ok := obj.(*core.Shoot); ok {
				prepareShootLikeServer(t, shoot, docs)
			}

			// A stored object has a resource version, which an update must carry.
			accessor, err := obj2meta(obj)
			g.Expect(err).NotTo(HaveOccurred())
			accessor.SetResourceVersion("1")

			createErrs, updateErrs := validateExample(t, obj)
			g.Expect(createErrs).To(BeEmpty())
			g.Expect(updateErrs).To(BeEmpty(), "an unchanged update must be valid")

			if shoot, ok := obj.(*core.Shoot); ok {
				g.Expect(validation.ValidateShootNameLength(projectOfNamespace(t, shoot.Namespace, docs), shoot.Name)).To(BeEmpty())
			}
		})
	}
}

// validateExample runs the create and the update validation (with an unchanged copy) of obj's kind.
func validateExample(t *testing.T, obj runtime.Object) (field.ErrorList, field.ErrorList) {
	switch o := obj.(type) {
	case *core.Shoot:
		return validation.ValidateShoot(o), validation.ValidateShootUpdate(o, o.DeepCopy())
	case *core.Seed:
		return validation.ValidateSeed(o), validation.ValidateSeedUpdate(o, o.DeepCopy())
	case *core.Project:
		return validation.ValidateProject(o), validation.ValidateProjectUpdate(o, o.DeepCopy())
	case *core.CloudProfile:
		return validation.ValidateCloudProfile(o), validation.ValidateCloudProfileUpdate(o, o.DeepCopy())
	case *core.NamespacedCloudProfile:
		return validation.ValidateNamespacedCloudProfile(o), validation.ValidateNamespacedCloudProfileUpdate(o, o.DeepCopy())
	case *core.Quota:
		return validation.ValidateQuota(o), validation.ValidateQuotaUpdate(o, o.DeepCopy())
	case *core.SecretBinding:
		return validation.ValidateSecretBinding(o), validation.ValidateSecretBindingUpdate(o, o.DeepCopy())
	case *security.CredentialsBinding:
		return validation.ValidateCredentialsBinding(o), validation.ValidateCredentialsBindingUpdate(o, o.DeepCopy())
	case *core.ExposureClass:
		return validation.ValidateExposureClass(o), validation.ValidateExposureClassUpdate(o, o.DeepCopy())
	case *core.ControllerRegistration:
		return validation.ValidateControllerRegistration(o), validation.ValidateControllerRegistrationUpdate(o, o.DeepCopy())
	case *core.ControllerDeployment:
		return validation.ValidateControllerDeployment(o), validation.ValidateControllerDeploymentUpdate(o, o.DeepCopy())
	case *core.InternalSecret:
		return validation.ValidateInternalSecret(o), validation.ValidateInternalSecretUpdate(o, o.DeepCopy())
	default:
		t.Fatalf("no validation for %T", obj)
		return nil, nil
	}
}

// decodeFile decodes every Gardener document of a multi-document YAML file the way the API server does: into the
// versioned type, then defaulted, then converted to the internal version.
func decodeFile(t *testing.T, scheme *runtime.Scheme, file string) []runtime.Object {
	t.Helper()
	g := NewWithT(t)

	data, err := os.ReadFile(file)
	g.Expect(err).NotTo(HaveOccurred())

	var (
		objs         []runtime.Object
		deserializer = serializer.NewCodecFactory(scheme).UniversalDeserializer()
		reader       = utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	)
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		g.Expect(err).NotTo(HaveOccurred())

		jsonDoc, err := yaml.YAMLToJSON(doc)
		g.Expect(err).NotTo(HaveOccurred(), "%s", file)
		if string(bytes.TrimSpace(jsonDoc)) == "null" {
			continue // a document of comments only
		}

		var typeMeta metav1.TypeMeta
		g.Expect(json.Unmarshal(jsonDoc, &typeMeta)).To(Succeed())
		if skippedKinds[typeMeta.Kind] {
			continue
		}

		versioned, gvk, err := deserializer.Decode(jsonDoc, nil, nil)
		g.Expect(err).NotTo(HaveOccurred(), "%s: %s", file, typeMeta.Kind)
		g.Expect(gvk.Version).NotTo(Equal(runtime.APIVersionInternal))

		scheme.Default(versioned)
		internal, err := scheme.ConvertToVersion(versioned, runtime.InternalGroupVersioner)
		g.Expect(err).NotTo(HaveOccurred(), "%s: %s", file, gvk)
		objs = append(objs, internal)
	}
	return objs
}

// prepareShootLikeServer applies what Gardener sets on a Shoot between defaulting and validation, and what the
// Hortus API server therefore has to set as well:
//   - the registry strategy defaults an empty spec.cloudProfile.kind to CloudProfile;
//   - admission defaults an empty spec.kubernetes.version to the latest version the cloud profile offers.
func prepareShootLikeServer(t *testing.T, shoot *core.Shoot, docs []exampleDoc) {
	t.Helper()

	if ref := shoot.Spec.CloudProfile; ref != nil && ref.Kind == "" {
		ref.Kind = v1beta1constants.CloudProfileReferenceKindCloudProfile
	}
	if shoot.Spec.Kubernetes.Version != "" {
		return
	}

	var profile *core.CloudProfile
	for _, doc := range docs {
		if p, ok := doc.obj.(*core.CloudProfile); ok && shoot.Spec.CloudProfile != nil && p.Name == shoot.Spec.CloudProfile.Name {
			profile = p
		}
	}
	if profile == nil {
		t.Fatalf("no CloudProfile for Shoot %s among the examples", shoot.Name)
	}

	var latest *semver.Version
	for _, v := range profile.Spec.Kubernetes.Versions {
		version := semver.MustParse(v.Version)
		if latest == nil || version.GreaterThan(latest) {
			latest = version
		}
	}
	shoot.Spec.Kubernetes.Version = latest.String()
}

// projectOfNamespace finds the example Project that owns namespace.
func projectOfNamespace(t *testing.T, namespace string, docs []exampleDoc) string {
	t.Helper()
	for _, doc := range docs {
		if project, ok := doc.obj.(*core.Project); ok && project.Spec.Namespace != nil && *project.Spec.Namespace == namespace {
			return project.Name
		}
	}
	t.Fatalf("no Project for namespace %s among the examples", namespace)
	return ""
}
