package apiserver

import (
	"errors"
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1 "github.com/gardener/gardener/pkg/apis/core/v1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/gardener/gardener/pkg/apis/security"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	"github.com/gardener/gardener/pkg/apis/seedmanagement"
	seedmanagementv1alpha1 "github.com/gardener/gardener/pkg/apis/seedmanagement/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"
	serverstorage "k8s.io/apiserver/pkg/server/storage"
	basecompatibility "k8s.io/component-base/compatibility"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/backupbucket"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/backupentry"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/cloudprofile"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/controllerdeployment"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/controllerinstallation"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/controllerregistration"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/exposureclass"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/internalsecret"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/namespacedcloudprofile"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/project"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/quota"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/secretbinding"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/seed"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/shoot"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/shootstate"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/security/credentialsbinding"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/seedmanagement/managedseed"
)

// storageFactory stores every resource under <prefix>/<group>/<resource>, like Gardener,
// so that resources of different groups never share a key.
type storageFactory struct {
	*serverstorage.DefaultStorageFactory
}

var _ serverstorage.StorageFactory = storageFactory{}

// ResourcePrefix implements serverstorage.StorageFactory.
func (f storageFactory) ResourcePrefix(gr schema.GroupResource) string {
	return gr.Group + "/" + gr.Resource
}

// newStorageFactory returns the storage factory for the etcd options: each resource is
// stored in its group's preferred version, except ControllerDeployments, which are stored
// as core.gardener.cloud/v1, as Gardener does.
func newStorageFactory(o *Options, effectiveVersion basecompatibility.EffectiveVersion) storageFactory {
	encoding := serverstorage.NewDefaultResourceEncodingConfigForEffectiveVersion(Scheme, effectiveVersion)
	encoding.SetResourceEncoding(core.Resource("controllerdeployments"), gardencorev1.SchemeGroupVersion, core.SchemeGroupVersion)
	resources := serverstorage.NewResourceConfig()
	resources.EnableVersions(ServedGroupVersions...)
	return storageFactory{serverstorage.NewDefaultStorageFactory(
		o.Recommended.Etcd.StorageConfig,
		o.Recommended.Etcd.DefaultStorageMediaType,
		Codecs,
		encoding,
		resources,
		nil,
	)}
}

// apiGroups builds the served API groups on the storage that optsGetter describes.
func apiGroups(optsGetter generic.RESTOptionsGetter, extra ExtraConfig) ([]*genericapiserver.APIGroupInfo, error) {
	var errs []error
	add := func(storage map[string]rest.Storage, resource string, s rest.Storage, err error) {
		if err != nil {
			errs = append(errs, err)
			return
		}
		storage[resource] = s
	}

	coreV1beta1 := map[string]rest.Storage{}
	coreV1 := map[string]rest.Storage{}

	shoots, err := shoot.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "shoots", shoots.Shoot, err)
	add(coreV1beta1, "shoots/status", shoots.Status, err)
	add(coreV1beta1, "shoots/binding", shoots.Binding, err)

	seeds, err := seed.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "seeds", seeds.Seed, err)
	add(coreV1beta1, "seeds/status", seeds.Status, err)

	projects, err := project.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "projects", projects.Project, err)
	add(coreV1beta1, "projects/status", projects.Status, err)

	cloudProfiles, err := cloudprofile.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "cloudprofiles", cloudProfiles.CloudProfile, err)
	add(coreV1beta1, "cloudprofiles/status", cloudProfiles.Status, err)

	namespacedCloudProfiles, err := namespacedcloudprofile.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "namespacedcloudprofiles", namespacedCloudProfiles.NamespacedCloudProfile, err)
	add(coreV1beta1, "namespacedcloudprofiles/status", namespacedCloudProfiles.Status, err)

	installations, err := controllerinstallation.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "controllerinstallations", installations.ControllerInstallation, err)
	add(coreV1beta1, "controllerinstallations/status", installations.Status, err)

	buckets, err := backupbucket.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "backupbuckets", buckets.BackupBucket, err)
	add(coreV1beta1, "backupbuckets/status", buckets.Status, err)

	entries, err := backupentry.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "backupentries", entries.BackupEntry, err)
	add(coreV1beta1, "backupentries/status", entries.Status, err)

	quotas, err := quota.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "quotas", quotas.Quota, err)

	secretBindings, err := secretbinding.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "secretbindings", secretBindings.SecretBinding, err)

	registrations, err := controllerregistration.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "controllerregistrations", registrations.ControllerRegistration, err)

	// ControllerDeployments are served in v1 and v1beta1 from one store.
	deployments, err := controllerdeployment.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "controllerdeployments", deployments.ControllerDeployment, err)
	add(coreV1, "controllerdeployments", deployments.ControllerDeployment, err)

	exposureClasses, err := exposureclass.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "exposureclasses", exposureClasses.ExposureClass, err)

	internalSecrets, err := internalsecret.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "internalsecrets", internalSecrets.InternalSecret, err)

	// shoots/adminkubeconfig and shoots/viewerkubeconfig take authentication.gardener.cloud
	// requests; that group is not served on its own, as in Gardener.
	if shoots.Shoot != nil && internalSecrets.InternalSecret != nil {
		kubeconfigs := shoot.KubeconfigOptions{
			Scheme:          Scheme,
			Shoots:          shoots.Shoot,
			InternalSecrets: internalSecrets.InternalSecret,
		}
		if extra.GardenClient != nil {
			kubeconfigs.ConfigMaps = extra.GardenClient.CoreV1()
		}
		admin, viewer := kubeconfigs, kubeconfigs
		admin.MaxExpiration = extra.AdminKubeconfigMaxExpiration
		viewer.MaxExpiration = extra.ViewerKubeconfigMaxExpiration
		add(coreV1beta1, "shoots/adminkubeconfig", shoot.NewAdminKubeconfigREST(admin), nil)
		add(coreV1beta1, "shoots/viewerkubeconfig", shoot.NewViewerKubeconfigREST(viewer), nil)
	}

	shootStates, err := shootstate.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, "shootstates", shootStates.ShootState, err)

	securityV1alpha1 := map[string]rest.Storage{}
	credentialsBindings, err := credentialsbinding.NewStorage(Scheme, optsGetter)
	add(securityV1alpha1, "credentialsbindings", credentialsBindings.CredentialsBinding, err)

	seedManagementV1alpha1 := map[string]rest.Storage{}
	managedSeeds, err := managedseed.NewStorage(Scheme, optsGetter)
	add(seedManagementV1alpha1, "managedseeds", managedSeeds.ManagedSeed, err)
	add(seedManagementV1alpha1, "managedseeds/status", managedSeeds.Status, err)

	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("creating the REST storage: %w", err)
	}

	coreInfo := genericapiserver.NewDefaultAPIGroupInfo(core.GroupName, Scheme, metav1.ParameterCodec, Codecs)
	coreInfo.VersionedResourcesStorageMap[gardencorev1beta1.SchemeGroupVersion.Version] = coreV1beta1
	coreInfo.VersionedResourcesStorageMap[gardencorev1.SchemeGroupVersion.Version] = coreV1

	securityInfo := genericapiserver.NewDefaultAPIGroupInfo(security.GroupName, Scheme, metav1.ParameterCodec, Codecs)
	securityInfo.VersionedResourcesStorageMap[securityv1alpha1.SchemeGroupVersion.Version] = securityV1alpha1

	seedManagementInfo := genericapiserver.NewDefaultAPIGroupInfo(seedmanagement.GroupName, Scheme, metav1.ParameterCodec, Codecs)
	seedManagementInfo.VersionedResourcesStorageMap[seedmanagementv1alpha1.SchemeGroupVersion.Version] = seedManagementV1alpha1

	return []*genericapiserver.APIGroupInfo{&coreInfo, &securityInfo, &seedManagementInfo}, nil
}
