package landscape

import (
	"fmt"
	"path/filepath"
)

// DefaultStateDir is where a landscape keeps its state unless told otherwise.
const DefaultStateDir = ".hortus"

// Layout names the files and directories of a landscape's state directory.
type Layout struct {
	// Dir is the state directory, as an absolute path.
	Dir string
}

// PKI holds the CAs, certificates and keys, a directory per cluster.
func (l Layout) PKI(cluster string) string { return filepath.Join(l.Dir, "pki", cluster) }

// Components is the process executor's state directory: a directory per set and
// component with its working directory, data and log.
func (l Layout) Components() string { return filepath.Join(l.Dir, "components") }

// SeedStateDir is a gardenlet's own state directory, where it keeps the processes of the
// shoot control planes it hosts.
func (l Layout) SeedStateDir(seed string) string { return filepath.Join(l.Dir, "seeds", seed) }

// BackupBuckets is where provider-local keeps the BackupBuckets of type local.
func (l Layout) BackupBuckets() string { return filepath.Join(l.Dir, "backupbuckets") }

// Ports is the port allocator's state file.
func (l Layout) Ports() string { return filepath.Join(l.Dir, "ports.json") }

// GardenKubeconfig is the admin kubeconfig of the garden.
func (l Layout) GardenKubeconfig() string { return filepath.Join(l.Dir, "garden.kubeconfig") }

// SeedKubeconfig is the admin kubeconfig of a seed cluster of its own.
func (l Layout) SeedKubeconfig(seed string) string {
	return filepath.Join(l.Dir, fmt.Sprintf("seed-%s.kubeconfig", seed))
}

// Progress is the supervisor's progress file (see Progress).
func (l Layout) Progress() string { return filepath.Join(l.Dir, "landscape.json") }

// Lock is held by the running supervisor.
func (l Layout) Lock() string { return filepath.Join(l.Dir, "supervisor.lock") }

// SupervisorLog is the supervisor's own log.
func (l Layout) SupervisorLog() string { return filepath.Join(l.Dir, "supervisor.log") }

// Settings keeps what the landscape was started with, such as the number of seeds.
func (l Layout) Settings() string { return filepath.Join(l.Dir, "settings.json") }
