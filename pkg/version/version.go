package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// These are set at link time with -ldflags "-X github.com/hortus-dev/hortus/pkg/version.gitVersion=…".
var (
	gitVersion = "v0.0.0-dev"
	gitCommit  = ""
)

// Info describes the running build.
type Info struct {
	GitVersion string `json:"gitVersion"`
	GitCommit  string `json:"gitCommit,omitempty"`
	GoVersion  string `json:"goVersion"`
	Platform   string `json:"platform"`
}

// Get returns the version of the running build. Without link-time stamping the commit
// falls back to the VCS information Go records in the binary, if any.
func Get() Info {
	commit := gitCommit
	if commit == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					commit = s.Value
				}
			}
		}
	}
	return Info{
		GitVersion: gitVersion,
		GitCommit:  commit,
		GoVersion:  runtime.Version(),
		Platform:   fmt.Sprintf("%s/%s", runtime.GOOS, runtime.GOARCH),
	}
}

// String renders the version in one line.
func (i Info) String() string {
	s := i.GitVersion
	if i.GitCommit != "" {
		s += " (" + i.GitCommit + ")"
	}
	return s + " " + i.GoVersion + " " + i.Platform
}
