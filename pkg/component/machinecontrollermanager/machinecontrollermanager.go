package machinecontrollermanager

import (
	"cmp"
	"maps"

	"github.com/hortus-dev/hortus/pkg/component"
)

// DefaultName is the component name used when Config.Name is empty.
const DefaultName = "machine-controller-manager"

// Config is everything the machine-controller-manager description depends on. The
// kubeconfigs are YAML bytes; the builder only places them.
type Config struct {
	// Name of the component; DefaultName when empty.
	Name string
	// Binary is the hortus executable; "hortus" when empty. It also runs the simulated
	// nodes.
	Binary string
	// ControlKubeconfig reaches the seed, where the MachineDeployments, MachineSets,
	// Machines and MachineClasses live in Namespace.
	ControlKubeconfig []byte
	// TargetKubeconfig reaches the shoot, whose Nodes the machines become.
	TargetKubeconfig []byte
	// Namespace is the shoot's namespace in the seed.
	Namespace string
	// MachinesDir holds the simulated machines' processes, disks and logs. It outlives the
	// component's own working directory so that machines keep running while the
	// machine-controller-manager restarts.
	MachinesDir string
	// ExtraArgs are added as --key=value and override the builder's own flags.
	ExtraArgs map[string]string
}

const (
	controlKubeconfigFile = "control.kubeconfig"
	targetKubeconfigFile  = "target.kubeconfig"
)

// Build returns the component description.
func Build(c Config) component.Component {
	wd := component.InWorkDir("")
	flags := map[string]string{
		"control-kubeconfig": wd + controlKubeconfigFile,
		"target-kubeconfig":  wd + targetKubeconfigFile,
		"namespace":          c.Namespace,
		"machines-dir":       c.MachinesDir,
	}
	maps.Copy(flags, c.ExtraArgs)
	return component.Component{
		Name:   cmp.Or(c.Name, DefaultName),
		Binary: cmp.Or(c.Binary, "hortus"),
		Args:   append([]string{"machine-controller-manager"}, component.FlagArgs(flags)...),
		Files: []component.File{
			{Path: controlKubeconfigFile, Content: c.ControlKubeconfig},
			{Path: targetKubeconfigFile, Content: c.TargetKubeconfig},
		},
	}
}
