package apiserver_test

import (
	"testing"

	gardencorev1 "github.com/gardener/gardener/pkg/apis/core/v1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	seedmanagementv1alpha1 "github.com/gardener/gardener/pkg/apis/seedmanagement/v1alpha1"
	. "github.com/onsi/gomega"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/hortus-dev/hortus/pkg/apiserver"
)

func TestSchemeKnowsServedKinds(t *testing.T) {
	g := NewWithT(t)
	for gv, kinds := range map[schema.GroupVersion][]string{
		gardencorev1beta1.SchemeGroupVersion: {
			"Shoot", "Seed", "Project", "CloudProfile", "NamespacedCloudProfile", "ControllerInstallation",
			"ControllerRegistration", "ControllerDeployment", "BackupBucket", "BackupEntry", "Quota",
			"SecretBinding", "ExposureClass", "InternalSecret", "ShootState",
		},
		gardencorev1.SchemeGroupVersion:           {"ControllerDeployment"},
		securityv1alpha1.SchemeGroupVersion:       {"CredentialsBinding"},
		seedmanagementv1alpha1.SchemeGroupVersion: {"ManagedSeed"},
	} {
		for _, kind := range kinds {
			g.Expect(apiserver.Scheme.Recognizes(gv.WithKind(kind))).To(BeTrue(), gv.WithKind(kind).String())
			g.Expect(apiserver.Scheme.Recognizes(schema.GroupVersionKind{Group: gv.Group, Version: runtime.APIVersionInternal, Kind: kind})).To(BeTrue(), "internal "+kind)
		}
	}
}

func TestCodecsServeJSONYAMLAndProtobuf(t *testing.T) {
	g := NewWithT(t)
	var types []string
	for _, info := range apiserver.Codecs.SupportedMediaTypes() {
		types = append(types, info.MediaType)
	}
	g.Expect(types).To(ContainElements("application/json", "application/yaml", "application/vnd.kubernetes.protobuf"))
}

func TestFieldLabelConversions(t *testing.T) {
	tests := []struct {
		gvk     schema.GroupVersionKind
		label   string
		want    string
		wantErr bool
	}{
		{gvk: gardencorev1beta1.SchemeGroupVersion.WithKind("Shoot"), label: "spec.seedName", want: "spec.seedName"},
		{gvk: gardencorev1beta1.SchemeGroupVersion.WithKind("Shoot"), label: "status.seedName", want: "status.seedName"},
		{gvk: gardencorev1beta1.SchemeGroupVersion.WithKind("Shoot"), label: "spec.provider.type", want: "spec.provider.type"},
		{gvk: gardencorev1beta1.SchemeGroupVersion.WithKind("Shoot"), label: "spec.cloudProfile.Name", want: "spec.cloudProfile.name"},
		{gvk: gardencorev1beta1.SchemeGroupVersion.WithKind("Shoot"), label: "spec.region", wantErr: true},
		{gvk: gardencorev1beta1.SchemeGroupVersion.WithKind("Seed"), label: "spec.provider.type", want: "spec.provider.type"},
		{gvk: gardencorev1beta1.SchemeGroupVersion.WithKind("Project"), label: "spec.namespace", want: "spec.namespace"},
		{gvk: gardencorev1beta1.SchemeGroupVersion.WithKind("ControllerInstallation"), label: "spec.seedRef.name", want: "spec.seedRef.name"},
		{gvk: gardencorev1beta1.SchemeGroupVersion.WithKind("ControllerInstallation"), label: "spec.registrationRef.name", want: "spec.registrationRef.name"},
		{gvk: gardencorev1beta1.SchemeGroupVersion.WithKind("BackupEntry"), label: "status.seedName", want: "status.seedName"},
		{gvk: gardencorev1beta1.SchemeGroupVersion.WithKind("BackupBucket"), label: "spec.seedName", want: "spec.seedName"},
		{gvk: seedmanagementv1alpha1.SchemeGroupVersion.WithKind("ManagedSeed"), label: "spec.shoot.name", want: "spec.shoot.name"},
		{gvk: gardencorev1beta1.SchemeGroupVersion.WithKind("Quota"), label: "metadata.name", want: "metadata.name"},
	}
	for _, tt := range tests {
		t.Run(tt.gvk.Kind+" "+tt.label, func(t *testing.T) {
			g := NewWithT(t)
			label, value, err := apiserver.Scheme.ConvertFieldLabel(tt.gvk, tt.label, "v")
			if tt.wantErr {
				g.Expect(err).To(HaveOccurred())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(label).To(Equal(tt.want))
			g.Expect(value).To(Equal("v"))
		})
	}
}

func TestOptions(t *testing.T) {
	g := NewWithT(t)
	o := apiserver.NewOptions()
	g.Expect(o.Recommended.Etcd.StorageConfig.Prefix).To(Equal(apiserver.DefaultEtcdPathPrefix))
	g.Expect(o.Recommended.Etcd.EnableWatchCache).To(BeTrue())
	g.Expect(o.Recommended.SecureServing.BindAddress.String()).To(Equal("127.0.0.1"))
	g.Expect(o.Recommended.SecureServing.BindPort).To(Equal(apiserver.DefaultSecurePort))
	g.Expect(o.Admission).To(BeIdenticalTo(o.Recommended.Admission))
	g.Expect(o.Admission.RecommendedPluginOrder).To(HaveExactElements(
		"NamespaceLifecycle",
		"ResourceReferenceManager", "ExtensionValidator", "ShootQuotaValidator", "ShootMutator", "ShootValidator",
		"ProjectMutator", "DeletionConfirmation",
		"MutatingAdmissionPolicy", "MutatingAdmissionWebhook", "ValidatingAdmissionPolicy", "ValidatingAdmissionWebhook"))
	g.Expect(o.Admission.DefaultOffPlugins.UnsortedList()).To(BeEmpty())

	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	for _, f := range o.Flags().FlagSets {
		fs.AddFlagSet(f)
	}
	g.Expect(fs.Parse([]string{"--kubeconfig=/garden.kubeconfig", "--etcd-servers=https://127.0.0.1:2379", "--secure-port=9443"})).To(Succeed())
	g.Expect(o.Complete()).To(Succeed())
	g.Expect(o.Recommended.Authentication.RemoteKubeConfigFile).To(Equal("/garden.kubeconfig"))
	g.Expect(o.Recommended.Authorization.RemoteKubeConfigFile).To(Equal("/garden.kubeconfig"))
	g.Expect(o.Recommended.SecureServing.BindPort).To(Equal(9443))
	g.Expect(o.Validate()).To(Succeed())

	missing := apiserver.NewOptions()
	g.Expect(missing.Complete()).To(Succeed())
	g.Expect(missing.Validate()).To(MatchError(ContainSubstring("--etcd-servers")))
}
