package hortuscontroller

import (
	"cmp"
	"fmt"
	"sort"
	"time"

	"github.com/hortus-dev/hortus/pkg/component"
)

// ConfigFile is the path of the configuration file in the working directory.
const ConfigFile = "config.yaml"

// Config is everything the description depends on.
type Config struct {
	// Name of the component, for example "controller-manager". Required.
	Name string
	// Binary is the hortus binary; "hortus" when empty.
	Binary string
	// Command is the hortus subcommand, for example "controller-manager". Required.
	Command string
	// ConfigYAML is the component configuration, written to ConfigFile and passed as
	// --config. Paths in it are relative to the working directory, which is the process's
	// current directory.
	ConfigYAML []byte
	// Files are further files below the working directory by relative path, such as the
	// kubeconfigs that ConfigYAML names. Private: they are written with mode 0600.
	Files map[string][]byte
	// HealthPort serves /readyz on 127.0.0.1; MetricsPort serves /metrics. Both must
	// match ConfigYAML.
	HealthPort, MetricsPort int
	// DependsOn names components of the same set that must be ready first.
	DependsOn []string
	// ExtraArgs are added as --key=value.
	ExtraArgs map[string]string
	// ReadyTimeout bounds start-up; 0 means one minute.
	ReadyTimeout time.Duration
}

// Build returns the component description.
func Build(c Config) component.Component {
	flags := map[string]string{"config": ConfigFile}
	for k, v := range c.ExtraArgs {
		flags[k] = v
	}
	files := []component.File{{Path: ConfigFile, Content: c.ConfigYAML}}
	paths := make([]string, 0, len(c.Files))
	for p := range c.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths) // a stable description: map order would change its hash
	for _, p := range paths {
		files = append(files, component.File{Path: p, Content: c.Files[p]})
	}
	return component.Component{
		Name:   c.Name,
		Binary: cmp.Or(c.Binary, "hortus"),
		Args:   append([]string{c.Command}, component.FlagArgs(flags)...),
		Files:  files,
		Ports: []component.Port{
			{Name: "health", Port: c.HealthPort},
			{Name: "metrics", Port: c.MetricsPort},
		},
		DependsOn: c.DependsOn,
		Readiness: &component.Probe{
			HTTPGet: &component.HTTPGetAction{Port: c.HealthPort, Path: "/readyz"},
			Timeout: cmp.Or(c.ReadyTimeout, time.Minute),
		},
	}
}

// URL returns the health endpoint, for messages.
func (c Config) URL() string { return fmt.Sprintf("http://127.0.0.1:%d/readyz", c.HealthPort) }
