package admissiontest

import (
	"strings"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/hortus-dev/hortus/pkg/admission/reader"
)

// User is the user of the requests that Attributes builds.
const User = "alice"

// Attributes returns the attributes of a request of operation op on an object of the given
// kind (Shoot, Project, CloudProfile, …; CredentialsBinding is in security.gardener.cloud,
// everything else in core.gardener.cloud). obj and old are internal objects; the namespace
// and name come from obj, or from old when obj is nil.
func Attributes(op admission.Operation, kind string, obj, old runtime.Object) admission.Attributes {
	return AttributesAs(op, kind, obj, old, User)
}

// AttributesAs is Attributes for the request of another user.
func AttributesAs(op admission.Operation, kind string, obj, old runtime.Object, userName string) admission.Attributes {
	gv := gardencorev1beta1.SchemeGroupVersion
	if kind == "CredentialsBinding" {
		gv = securityv1alpha1.SchemeGroupVersion
	}
	var namespace, name string
	for _, o := range []runtime.Object{obj, old} {
		if o == nil {
			continue
		}
		if m, err := meta.Accessor(o); err == nil {
			namespace, name = m.GetNamespace(), m.GetName()
			break
		}
	}
	var opts runtime.Object
	switch op {
	case admission.Create:
		opts = &metav1.CreateOptions{}
	case admission.Update:
		opts = &metav1.UpdateOptions{}
	case admission.Delete:
		opts = &metav1.DeleteOptions{}
	}
	return admission.NewAttributesRecord(obj, old, gv.WithKind(kind), namespace, name,
		gv.WithResource(Resource(kind)), "", op, opts, false, &user.DefaultInfo{Name: userName})
}

// Resource returns the resource name of kind.
func Resource(kind string) string {
	plural := strings.ToLower(kind) + "s"
	if strings.HasSuffix(kind, "y") {
		plural = strings.ToLower(strings.TrimSuffix(kind, "y")) + "ies"
	}
	return plural
}

// Reader returns a fake reader of Hortus' API that holds objs, which are versioned
// (v1beta1, v1alpha1) objects.
func Reader(objs ...client.Object) client.Reader {
	return fake.NewClientBuilder().WithScheme(reader.Scheme).WithObjects(objs...).Build()
}

// Now is the time the tests run at.
var Now = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

// CloudProfile returns a CloudProfile "local" like Gardener's provider-local one, with one
// expired Kubernetes version (1.31.0), a preview one (1.37.0), and an expired machine
// image version (local 0.9.0), as of Now.
func CloudProfile() *gardencorev1beta1.CloudProfile {
	expired := &metav1.Time{Time: Now.Add(-24 * time.Hour)}
	preview := ptr.To(gardencorev1beta1.ClassificationPreview)
	return &gardencorev1beta1.CloudProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "local"},
		Spec: gardencorev1beta1.CloudProfileSpec{
			Type:    "local",
			Regions: []gardencorev1beta1.Region{{Name: "local", Zones: []gardencorev1beta1.AvailabilityZone{{Name: "0"}, {Name: "1"}}}},
			Kubernetes: gardencorev1beta1.KubernetesSettings{Versions: []gardencorev1beta1.ExpirableVersion{
				{Version: "1.37.0", Classification: preview},
				{Version: "1.36.0"},
				{Version: "1.35.4"},
				{Version: "1.35.2"},
				{Version: "1.34.3"},
				{Version: "1.33.0"},
				{Version: "1.31.0", ExpirationDate: expired},
			}},
			MachineTypes: []gardencorev1beta1.MachineType{
				{Name: "local", CPU: resource.MustParse("1"), GPU: resource.MustParse("0"), Memory: resource.MustParse("8Gi")},
				{Name: "large", CPU: resource.MustParse("4"), GPU: resource.MustParse("1"), Memory: resource.MustParse("32Gi")},
			},
			VolumeTypes: []gardencorev1beta1.VolumeType{{Name: "standard", Class: gardencorev1beta1.VolumeClassStandard}},
			MachineImages: []gardencorev1beta1.MachineImage{{
				Name: "local",
				Versions: []gardencorev1beta1.MachineImageVersion{
					{ExpirableVersion: gardencorev1beta1.ExpirableVersion{Version: "2.0.0", Classification: preview}},
					{ExpirableVersion: gardencorev1beta1.ExpirableVersion{Version: "1.1.0"}},
					{ExpirableVersion: gardencorev1beta1.ExpirableVersion{Version: "1.0.0"}},
					{ExpirableVersion: gardencorev1beta1.ExpirableVersion{Version: "0.9.0", ExpirationDate: expired}},
				},
			}},
		},
	}
}

// GroupResource returns the core.gardener.cloud group resource of kind.
func GroupResource(kind string) schema.GroupResource {
	return gardencorev1beta1.SchemeGroupVersion.WithResource(Resource(kind)).GroupResource()
}
