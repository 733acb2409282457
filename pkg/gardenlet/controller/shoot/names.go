package shoot

import (
	"fmt"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
)

// Component names of a shoot control plane. Each is its own executor set in the shoot's
// executor, so that the flow deploys, waits for and stops them one by one.
const (
	Etcd                  = "etcd"
	KubeAPIServer         = "kube-apiserver"
	KubeControllerManager = "kube-controller-manager"
	KubeScheduler         = "kube-scheduler"
)

// Components lists the control plane's components in start order.
var Components = []string{Etcd, KubeAPIServer, KubeControllerManager, KubeScheduler}

// Finalizer is the finalizer the gardenlet keeps on a Shoot until its control plane is
// gone, as Gardener's gardenlet does.
const Finalizer = "gardener"

// TechnicalID is the name of the shoot's namespace in the seed, shoot--<project>--<name>,
// where project is the project namespace without its "garden-" prefix.
func TechnicalID(shoot *gardencorev1beta1.Shoot) string {
	if shoot.Status.TechnicalID != "" {
		return shoot.Status.TechnicalID
	}
	project := strings.TrimPrefix(shoot.Namespace, "garden-")
	if shoot.Namespace == "garden" {
		project = "garden"
	}
	return fmt.Sprintf("shoot--%s--%s", project, shoot.Name)
}

// EtcdBackupPort names the port of the etcd backup sidecar.
const EtcdBackupPort = "etcd-backup"

// portNames are the ports a shoot control plane reserves. Every shoot reserves the backup
// sidecar's port, so that a seed that gains a backup needs no new reservation.
var portNames = []string{"etcd-client", "etcd-peer", "etcd-metrics", "kube-apiserver", "kube-controller-manager", "kube-scheduler", EtcdBackupPort}
