package landscape

import (
	"fmt"
	"path/filepath"
	"time"

	cmconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardenletconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/gardenlet/v1alpha1"
	schedulerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/scheduler/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/hortuscontroller"
	"github.com/hortus-dev/hortus/pkg/componentconfig"
	"github.com/hortus-dev/hortus/pkg/ports"
)

// Component names in the sets of a landscape.
const (
	ControllerManager = "controller-manager"
	Scheduler         = "scheduler"
	Gardenlet         = "gardenlet"
)

// GardenSet is the executor set of the garden: etcd, kube-apiserver, the Hortus API
// server, controller-manager and scheduler.
const GardenSet = "garden"

// SeedSet is the executor set of a seed: its gardenlet and, for a seed with a cluster of
// its own, that cluster's etcd and kube-apiserver.
func SeedSet(seed string) string { return "seed-" + seed }

// SeedName is the name of the i-th seed (from 0): local, local-2, local-3, …
func SeedName(i int) string {
	if i == 0 {
		return "local"
	}
	return fmt.Sprintf("local-%d", i+1)
}

// SeedCapacity is how many shoots each local seed offers (status.allocatable.shoots).
const SeedCapacity = 100

// seedNetworks returns disjoint networks for the i-th seed. The first seed reuses the
// garden cluster, so its service network is the garden kube-apiserver's.
func seedNetworks(i int) gardencorev1beta1.SeedNetworks {
	return gardencorev1beta1.SeedNetworks{
		Nodes:    ptr.To(fmt.Sprintf("172.%d.0.0/16", 18+i)),
		Pods:     fmt.Sprintf("10.%d.0.0/16", 1+3*i),
		Services: fmt.Sprintf("10.%d.0.0/16", 2+3*i),
	}
}

// SeedLabel is the label that selects one seed by name, as in a Shoot's seedSelector.
func SeedLabel(seed string) string { return "name.seed.gardener.cloud/" + seed }

// The credentials of the local seeds' backups: an empty Secret, since provider-local's
// buckets are directories and need none, which `hortus up` creates in the garden before
// the gardenlets start.
const (
	// BackupSecretNamespace is the garden namespace of the backup credentials.
	BackupSecretNamespace = "garden"
	// BackupSecretName is the name of the backup credentials.
	BackupSecretName = "backup-local"
)

// seedBackup is the backup of every local seed: BackupBuckets and BackupEntries of
// provider local, which provider-local keeps below the landscape's backupbuckets
// directory.
func seedBackup() *gardencorev1beta1.Backup {
	return &gardencorev1beta1.Backup{
		Provider: "local",
		Region:   ptr.To("local"),
		CredentialsRef: &corev1.ObjectReference{
			APIVersion: "v1", Kind: "Secret",
			Namespace: BackupSecretNamespace, Name: BackupSecretName,
		},
	}
}

// seedTemplate is the Seed that the i-th gardenlet registers.
func seedTemplate(i int) gardencorev1beta1.SeedTemplate {
	name := SeedName(i)
	return gardencorev1beta1.SeedTemplate{
		ObjectMeta: metav1.ObjectMeta{
			Name:   name,
			Labels: map[string]string{SeedLabel(name): "true", "seed.gardener.cloud/local": "true"},
		},
		Spec: gardencorev1beta1.SeedSpec{
			Provider: gardencorev1beta1.SeedProvider{Type: "local", Region: "local", Zones: []string{"local"}},
			Networks: seedNetworks(i),
			Backup:   seedBackup(),
			Settings: &gardencorev1beta1.SeedSettings{
				Scheduling: &gardencorev1beta1.SeedSettingScheduling{Visible: true},
			},
		},
	}
}

// controllerManagerComponent describes `hortus controller-manager` for the garden.
func controllerManagerComponent(kubeconfig []byte, health, metrics int, dependsOn []string) (component.Component, error) {
	cfg := &cmconfigv1alpha1.ControllerManagerConfiguration{
		TypeMeta:  metav1.TypeMeta{APIVersion: cmconfigv1alpha1.SchemeGroupVersion.String(), Kind: "ControllerManagerConfiguration"},
		LogLevel:  "info",
		LogFormat: "json",
		Server: cmconfigv1alpha1.ServerConfiguration{
			HealthProbes: &cmconfigv1alpha1.Server{BindAddress: componentconfig.DefaultBindAddress, Port: health},
			Metrics:      &cmconfigv1alpha1.Server{BindAddress: componentconfig.DefaultBindAddress, Port: metrics},
		},
	}
	cfg.GardenClientConnection.Kubeconfig = "garden.kubeconfig"
	cfg.GardenClientConnection.QPS = 100
	cfg.GardenClientConnection.Burst = 200
	return controllerComponent(ControllerManager, "controller-manager", cfg, map[string][]byte{"garden.kubeconfig": kubeconfig}, health, metrics, dependsOn)
}

// schedulerComponent describes `hortus scheduler` for the garden.
func schedulerComponent(kubeconfig []byte, health, metrics int, dependsOn []string) (component.Component, error) {
	cfg := &schedulerconfigv1alpha1.SchedulerConfiguration{
		TypeMeta:  metav1.TypeMeta{APIVersion: schedulerconfigv1alpha1.SchemeGroupVersion.String(), Kind: "SchedulerConfiguration"},
		LogLevel:  "info",
		LogFormat: "json",
		Server: schedulerconfigv1alpha1.ServerConfiguration{
			HealthProbes: &schedulerconfigv1alpha1.Server{BindAddress: componentconfig.DefaultBindAddress, Port: health},
			Metrics:      &schedulerconfigv1alpha1.Server{BindAddress: componentconfig.DefaultBindAddress, Port: metrics},
		},
	}
	cfg.ClientConnection.Kubeconfig = "garden.kubeconfig"
	cfg.ClientConnection.QPS = 100
	cfg.ClientConnection.Burst = 200
	return controllerComponent(Scheduler, "scheduler", cfg, map[string][]byte{"garden.kubeconfig": kubeconfig}, health, metrics, dependsOn)
}

// gardenletComponent describes `hortus gardenlet` for the i-th seed.
func gardenletComponent(i int, l Layout, binDir string, gardenKubeconfig, seedKubeconfig []byte, health, metrics int, dependsOn []string) (component.Component, error) {
	cfg := &gardenletconfigv1alpha1.GardenletConfiguration{
		TypeMeta:               metav1.TypeMeta{APIVersion: gardenletconfigv1alpha1.SchemeGroupVersion.String(), Kind: "GardenletConfiguration"},
		GardenClientConnection: &gardenletconfigv1alpha1.GardenClientConnection{},
		SeedClientConnection:   &gardenletconfigv1alpha1.SeedClientConnection{},
		Resources: &gardenletconfigv1alpha1.ResourcesConfiguration{
			Capacity: corev1.ResourceList{"shoots": *resource.NewQuantity(SeedCapacity, resource.DecimalSI)},
		},
		LogLevel:  "info",
		LogFormat: "json",
		Server: gardenletconfigv1alpha1.ServerConfiguration{
			HealthProbes: &gardenletconfigv1alpha1.Server{BindAddress: componentconfig.DefaultBindAddress, Port: health},
			Metrics:      &gardenletconfigv1alpha1.Server{BindAddress: componentconfig.DefaultBindAddress, Port: metrics},
		},
		SeedConfig: &gardenletconfigv1alpha1.SeedConfig{SeedTemplate: seedTemplate(i)},
		Controllers: &gardenletconfigv1alpha1.GardenletControllerConfiguration{
			// Shoot health every 30s: a local landscape is small.
			ShootCare: &gardenletconfigv1alpha1.ShootCareControllerConfiguration{SyncPeriod: &metav1.Duration{Duration: 30 * time.Second}},
		},
	}
	cfg.GardenClientConnection.Kubeconfig = "garden.kubeconfig"
	cfg.GardenClientConnection.QPS = 100
	cfg.GardenClientConnection.Burst = 200
	cfg.SeedClientConnection.Kubeconfig = "seed.kubeconfig"
	cfg.SeedClientConnection.QPS = 100
	cfg.SeedClientConnection.Burst = 200
	c, err := controllerComponent(Gardenlet, "gardenlet", cfg, map[string][]byte{
		"garden.kubeconfig": gardenKubeconfig,
		"seed.kubeconfig":   seedKubeconfig,
	}, health, metrics, dependsOn)
	if err != nil {
		return c, err
	}
	// The shoot control planes run as local processes under the landscape's state dir,
	// with ports from the landscape's one allocator.
	c.Args = append(c.Args,
		"--executor=process",
		"--state-dir="+l.SeedStateDir(SeedName(i)),
		"--bin-dir="+filepath.Join(binDir, "kube")+","+binDir,
		"--ports-file="+l.Ports(),
		// The gardenlet runs with its own environment only: the index is the one this
		// process uses, so that it coordinates with every other landscape on the machine.
		"--ports-index="+ports.IndexDir(),
	)
	return c, nil
}

func controllerComponent(name, command string, cfg any, files map[string][]byte, health, metrics int, dependsOn []string) (component.Component, error) {
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return component.Component{}, fmt.Errorf("writing the %s configuration: %w", name, err)
	}
	return hortuscontroller.Build(hortuscontroller.Config{
		Name:        name,
		Command:     command,
		ConfigYAML:  b,
		Files:       files,
		HealthPort:  health,
		MetricsPort: metrics,
		DependsOn:   dependsOn,
	}), nil
}
