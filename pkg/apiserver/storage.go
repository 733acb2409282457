package apiserver

import (
	"errors"
	"fmt"
	"maps"

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

// endpoints are the REST storages of a resource and its subresources, by path.
type endpoints = map[string]rest.Storage

// apiGroups builds the served API groups on the storage that optsGetter describes.
func apiGroups(optsGetter generic.RESTOptionsGetter, extra ExtraConfig) ([]*genericapiserver.APIGroupInfo, error) {
	var errs []error
	// add serves the endpoints of a resource in a group version, unless creating its
	// storage failed with err.
	add := func(version map[string]rest.Storage, err error, e endpoints) {
		if err != nil {
			errs = append(errs, err)
			return
		}
		maps.Copy(version, e)
	}

	coreV1beta1 := map[string]rest.Storage{}
	coreV1 := map[string]rest.Storage{}

	shoots, err := shoot.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"shoots": shoots.Shoot, "shoots/status": shoots.Status, "shoots/binding": shoots.Binding})

	seeds, err := seed.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"seeds": seeds.Seed, "seeds/status": seeds.Status})

	projects, err := project.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"projects": projects.Project, "projects/status": projects.Status})

	cloudProfiles, err := cloudprofile.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"cloudprofiles": cloudProfiles.CloudProfile, "cloudprofiles/status": cloudProfiles.Status})

	namespacedCloudProfiles, err := namespacedcloudprofile.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"namespacedcloudprofiles": namespacedCloudProfiles.NamespacedCloudProfile, "namespacedcloudprofiles/status": namespacedCloudProfiles.Status})

	installations, err := controllerinstallation.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"controllerinstallations": installations.ControllerInstallation, "controllerinstallations/status": installations.Status})

	buckets, err := backupbucket.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"backupbuckets": buckets.BackupBucket, "backupbuckets/status": buckets.Status})

	entries, err := backupentry.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"backupentries": entries.BackupEntry, "backupentries/status": entries.Status})

	quotas, err := quota.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"quotas": quotas.Quota})

	secretBindings, err := secretbinding.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"secretbindings": secretBindings.SecretBinding})

	registrations, err := controllerregistration.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"controllerregistrations": registrations.ControllerRegistration})

	// ControllerDeployments are served in v1 and v1beta1 from one store.
	deployments, err := controllerdeployment.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"controllerdeployments": deployments.ControllerDeployment})
	add(coreV1, err, endpoints{"controllerdeployments": deployments.ControllerDeployment})

	exposureClasses, err := exposureclass.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"exposureclasses": exposureClasses.ExposureClass})

	internalSecrets, err := internalsecret.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"internalsecrets": internalSecrets.InternalSecret})

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
		add(coreV1beta1, nil, endpoints{
			"shoots/adminkubeconfig":  shoot.NewAdminKubeconfigREST(admin),
			"shoots/viewerkubeconfig": shoot.NewViewerKubeconfigREST(viewer),
		})
	}

	shootStates, err := shootstate.NewStorage(Scheme, optsGetter)
	add(coreV1beta1, err, endpoints{"shootstates": shootStates.ShootState})

	securityV1alpha1 := map[string]rest.Storage{}
	credentialsBindings, err := credentialsbinding.NewStorage(Scheme, optsGetter)
	add(securityV1alpha1, err, endpoints{"credentialsbindings": credentialsBindings.CredentialsBinding})

	seedManagementV1alpha1 := map[string]rest.Storage{}
	managedSeeds, err := managedseed.NewStorage(Scheme, optsGetter)
	add(seedManagementV1alpha1, err, endpoints{"managedseeds": managedSeeds.ManagedSeed, "managedseeds/status": managedSeeds.Status})

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
