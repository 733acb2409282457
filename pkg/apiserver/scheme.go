package apiserver

import (
	authenticationinstall "github.com/gardener/gardener/pkg/apis/authentication/install"
	coreinstall "github.com/gardener/gardener/pkg/apis/core/install"
	gardencorev1 "github.com/gardener/gardener/pkg/apis/core/v1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityinstall "github.com/gardener/gardener/pkg/apis/security/install"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	seedmanagementinstall "github.com/gardener/gardener/pkg/apis/seedmanagement/install"
	seedmanagementv1alpha1 "github.com/gardener/gardener/pkg/apis/seedmanagement/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/backupbucket"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/backupentry"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/controllerinstallation"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/internalsecret"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/namespacedcloudprofile"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/project"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/secretbinding"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/seed"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/shoot"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/security/credentialsbinding"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/seedmanagement/managedseed"
)

var (
	// Scheme knows the internal and versioned types of every served group, with their
	// conversions, defaults and field label conversions.
	Scheme = runtime.NewScheme()
	// Codecs encodes and decodes the Scheme's types as JSON, YAML and protobuf.
	Codecs = serializer.NewCodecFactory(Scheme)
)

// ServedGroupVersions are the group versions the server serves, each group's preferred
// version first.
var ServedGroupVersions = []schema.GroupVersion{
	gardencorev1beta1.SchemeGroupVersion,
	gardencorev1.SchemeGroupVersion,
	securityv1alpha1.SchemeGroupVersion,
	seedmanagementv1alpha1.SchemeGroupVersion,
}

func init() {
	utilruntime.Must(AddToScheme(Scheme))
}

// AddToScheme installs everything the server needs into scheme.
func AddToScheme(scheme *runtime.Scheme) error {
	coreinstall.Install(scheme)
	securityinstall.Install(scheme)
	seedmanagementinstall.Install(scheme)
	// authentication.gardener.cloud holds the request types of the shoots/adminkubeconfig
	// and shoots/viewerkubeconfig subresources; the group itself is not served.
	authenticationinstall.Install(scheme)

	// The generic server encodes its own options and status objects through the
	// scheme, as in k8s.io/sample-apiserver.
	metav1.AddToGroupVersion(scheme, schema.GroupVersion{Version: "v1"})
	scheme.AddUnversionedTypes(schema.GroupVersion{Group: "", Version: "v1"},
		&metav1.Status{},
		&metav1.APIVersions{},
		&metav1.APIGroupList{},
		&metav1.APIGroup{},
		&metav1.APIResourceList{},
	)
	return addFieldLabelConversions(scheme)
}

// addFieldLabelConversions registers the field selectors of each kind, so that list and
// watch requests may use them. They replace the ones Gardener's API module registers,
// which lack spec.provider.type and spell spec.cloudProfile.Name with a capital N; the
// Shoot conversion accepts both spellings.
func addFieldLabelConversions(scheme *runtime.Scheme) error {
	conversions := map[schema.GroupVersionKind]runtime.FieldLabelConversionFunc{
		gardencorev1beta1.SchemeGroupVersion.WithKind("Shoot"):                  shoot.ConvertFieldLabel,
		gardencorev1beta1.SchemeGroupVersion.WithKind("Seed"):                   seed.ConvertFieldLabel,
		gardencorev1beta1.SchemeGroupVersion.WithKind("Project"):                project.ConvertFieldLabel,
		gardencorev1beta1.SchemeGroupVersion.WithKind("ControllerInstallation"): controllerinstallation.ConvertFieldLabel,
		gardencorev1beta1.SchemeGroupVersion.WithKind("BackupBucket"):           backupbucket.ConvertFieldLabel,
		gardencorev1beta1.SchemeGroupVersion.WithKind("BackupEntry"):            backupentry.ConvertFieldLabel,
		gardencorev1beta1.SchemeGroupVersion.WithKind("NamespacedCloudProfile"): namespacedcloudprofile.ConvertFieldLabel,
		gardencorev1beta1.SchemeGroupVersion.WithKind("SecretBinding"):          secretbinding.ConvertFieldLabel,
		gardencorev1beta1.SchemeGroupVersion.WithKind("InternalSecret"):         internalsecret.ConvertFieldLabel,
		securityv1alpha1.SchemeGroupVersion.WithKind("CredentialsBinding"):      credentialsbinding.ConvertFieldLabel,
		seedmanagementv1alpha1.SchemeGroupVersion.WithKind("ManagedSeed"):       managedseed.ConvertFieldLabel,
	}
	for gvk, fn := range conversions {
		if err := scheme.AddFieldLabelConversionFunc(gvk, fn); err != nil {
			return err
		}
	}
	return nil
}
