package component

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// WorkDirVar names the variable that executors set to the component's working directory.
// Args, env values and probe paths may reference it as $(HORTUS_WORKDIR), with the same
// $(VAR) syntax that Kubernetes uses for container args, so that one description works
// for a local process (a directory in the state dir) and for a pod (a mounted volume).
const WorkDirVar = "HORTUS_WORKDIR"

// Set is a group of components that an executor deploys, supervises and removes together,
// for example the control plane of one shoot. Its name must be a DNS-1123 label-like string
// that is unique per executor.
type Set struct {
	Name       string      `json:"name"`
	Components []Component `json:"components"`
}

// Component is one process (or, for the kubernetes executor, one workload) of a set.
type Component struct {
	// Name is unique within the set.
	Name string `json:"name"`
	// Binary is the executable. The process executor resolves a bare name in its binary
	// directories; the kubernetes executor maps it to an image.
	Binary string `json:"binary"`
	// Args are passed to the binary; $(VAR) references are expanded from Env and WorkDirVar.
	Args []string `json:"args,omitempty"`
	// Env is the complete environment of the process, besides WorkDirVar.
	Env []EnvVar `json:"env,omitempty"`
	// Files are written below the working directory before the component starts.
	Files []File `json:"files,omitempty"`
	// Ports the component listens on.
	Ports []Port `json:"ports,omitempty"`
	// Readiness tells when the component serves. Without it a started process is ready.
	Readiness *Probe `json:"readiness,omitempty"`
	// DependsOn names components of the same set that must be ready before this one starts.
	DependsOn []string `json:"dependsOn,omitempty"`
}

// EnvVar is one environment variable.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// File is written below the component's working directory.
type File struct {
	// Path is relative to the working directory and must not leave it.
	Path    string      `json:"path"`
	Content []byte      `json:"content"`
	Mode    os.FileMode `json:"mode,omitempty"`
}

// Port is a named port the component listens on.
type Port struct {
	Name string `json:"name"`
	Port int    `json:"port"`
}

// Probe checks whether a component is ready. Exactly one of HTTPGet, TCPSocket and Exec is set.
type Probe struct {
	HTTPGet   *HTTPGetAction   `json:"httpGet,omitempty"`
	TCPSocket *TCPSocketAction `json:"tcpSocket,omitempty"`
	Exec      *ExecAction      `json:"exec,omitempty"`
	// Timeout bounds how long the component may take to become ready. Zero means one minute.
	Timeout time.Duration `json:"timeout,omitempty"`
	// Period is the pause between two probes. Zero means 100ms.
	Period time.Duration `json:"period,omitempty"`
}

// HTTPGetAction is ready when a GET returns a 2xx status.
type HTTPGetAction struct {
	// Scheme is "http" (default) or "https".
	Scheme string `json:"scheme,omitempty"`
	// Host defaults to 127.0.0.1.
	Host string `json:"host,omitempty"`
	Port int    `json:"port"`
	Path string `json:"path,omitempty"`
	// CAFile verifies the server's certificate; without it an https probe skips verification.
	CAFile string `json:"caFile,omitempty"`
	// CertFile and KeyFile authenticate the probe with a client certificate.
	CertFile string `json:"certFile,omitempty"`
	KeyFile  string `json:"keyFile,omitempty"`
	// BearerToken authenticates the probe with a token.
	BearerToken string `json:"bearerToken,omitempty"`
}

// TCPSocketAction is ready when a TCP connection can be opened.
type TCPSocketAction struct {
	Host string `json:"host,omitempty"`
	Port int    `json:"port"`
}

// ExecAction is ready when the command exits 0.
type ExecAction struct {
	Command []string `json:"command"`
}

// Phase is the observed state of a component.
type Phase string

const (
	// PhaseStopped means no process of the component runs.
	PhaseStopped Phase = "Stopped"
	// PhaseStarting means the process runs but has not passed its readiness probe yet.
	PhaseStarting Phase = "Starting"
	// PhaseReady means the process runs and passed its readiness probe.
	PhaseReady Phase = "Ready"
	// PhaseCrashed means the process exited and waits for its restart back-off.
	PhaseCrashed Phase = "Crashed"
)

// Status is the observed state of one component of a set.
type Status struct {
	Name     string    `json:"name"`
	Phase    Phase     `json:"phase"`
	PID      int       `json:"pid,omitempty"`
	Ports    []Port    `json:"ports,omitempty"`
	Started  time.Time `json:"started,omitempty"`
	Restarts int       `json:"restarts"`
	// Message explains a phase other than Ready, such as the last exit error.
	Message string `json:"message,omitempty"`
	// LogPath is where the component's output goes, when the executor keeps it in a file.
	LogPath string `json:"logPath,omitempty"`
}

// Hash returns a stable digest of the component's description. Executors compare it to
// tell whether a running instance still matches its description.
func (c Component) Hash() string {
	b, err := json.Marshal(c)
	if err != nil {
		// Marshalling plain data cannot fail; keep the hash stable and unique anyway.
		b = []byte(fmt.Sprintf("%#v", c))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Port returns the port with the given name, or 0.
func (c Component) Port(name string) int {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.Port
		}
	}
	return 0
}

// Validate checks that the set is well formed: unique names, known dependencies, no
// cycles, relative file paths and exactly one probe action.
func (s *Set) Validate() error {
	if s.Name == "" {
		return fmt.Errorf("set has no name")
	}
	names := map[string]bool{}
	for _, c := range s.Components {
		if c.Name == "" {
			return fmt.Errorf("set %s: a component has no name", s.Name)
		}
		if names[c.Name] {
			return fmt.Errorf("set %s: component %s is listed twice", s.Name, c.Name)
		}
		names[c.Name] = true
		if c.Binary == "" {
			return fmt.Errorf("set %s: component %s has no binary", s.Name, c.Name)
		}
		for _, f := range c.Files {
			if f.Path == "" || strings.HasPrefix(f.Path, "/") || strings.Contains("/"+f.Path+"/", "/../") {
				return fmt.Errorf("set %s: component %s: file path %q must be relative and stay inside the working directory", s.Name, c.Name, f.Path)
			}
		}
		if p := c.Readiness; p != nil {
			n := 0
			if p.HTTPGet != nil {
				n++
			}
			if p.TCPSocket != nil {
				n++
			}
			if p.Exec != nil {
				n++
			}
			if n != 1 {
				return fmt.Errorf("set %s: component %s: a readiness probe needs exactly one of httpGet, tcpSocket and exec", s.Name, c.Name)
			}
		}
	}
	for _, c := range s.Components {
		for _, d := range c.DependsOn {
			if !names[d] {
				return fmt.Errorf("set %s: component %s depends on unknown component %s", s.Name, c.Name, d)
			}
		}
	}
	_, err := s.Groups()
	return err
}

// Groups orders the components topologically: every component of a group depends only on
// components of earlier groups, so the components of one group may start in parallel.
// Within a group, components keep the order of the set.
func (s *Set) Groups() ([][]Component, error) {
	byName := map[string]Component{}
	for _, c := range s.Components {
		byName[c.Name] = c
	}
	placed := map[string]bool{}
	var groups [][]Component
	for len(placed) < len(s.Components) {
		var group []Component
		for _, c := range s.Components {
			if placed[c.Name] {
				continue
			}
			ok := true
			for _, d := range c.DependsOn {
				if _, known := byName[d]; known && !placed[d] {
					ok = false
					break
				}
			}
			if ok {
				group = append(group, c)
			}
		}
		if len(group) == 0 {
			var left []string
			for _, c := range s.Components {
				if !placed[c.Name] {
					left = append(left, c.Name)
				}
			}
			sort.Strings(left)
			return nil, fmt.Errorf("set %s: dependency cycle among %s", s.Name, strings.Join(left, ", "))
		}
		for _, c := range group {
			placed[c.Name] = true
		}
		groups = append(groups, group)
	}
	return groups, nil
}

// Expand replaces $(NAME) references in s with values from vars, with the Kubernetes
// rules: $$ escapes a dollar, and an unknown reference is left as it is.
func Expand(s string, vars map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := vars[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// InWorkDir returns path below the component's working directory, as args, env values and
// probes reference it: $(HORTUS_WORKDIR)/path.
func InWorkDir(path string) string {
	return "$(" + WorkDirVar + ")/" + path
}

// FlagArgs renders flags as --key=value in key order, so that descriptions (and their
// hashes) are stable.
func FlagArgs(flags map[string]string) []string {
	keys := make([]string, 0, len(flags))
	for k := range flags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := make([]string, 0, len(keys))
	for _, k := range keys {
		args = append(args, "--"+k+"="+flags[k])
	}
	return args
}
