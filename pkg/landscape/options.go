package landscape

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
)

// Options configure a landscape. The zero value of a field takes its default.
type Options struct {
	// StateDir holds everything of the landscape; DefaultStateDir when empty.
	StateDir string
	// BinDir holds the kube binaries (kube-apiserver, and bin/kube/v<version>/ per
	// version); the directory of the running hortus binary when empty.
	BinDir string
	// Seeds is the number of seeds. Zero keeps what the state directory was started with,
	// or 1 for a new one.
	Seeds int
	// MinFreeDisk is how much free space the state directory's file system needs at
	// start; 1 GiB when zero.
	MinFreeDisk int64
	// Timeout bounds the bring-up; 5 minutes when zero.
	Timeout time.Duration
	// Logger receives the supervisor's logs.
	Logger logr.Logger
}

// complete fills in the defaults and makes the paths absolute.
func (o Options) complete() (Options, error) {
	dir, err := filepath.Abs(cmp.Or(o.StateDir, DefaultStateDir))
	if err != nil {
		return o, err
	}
	o.StateDir = dir
	if o.BinDir == "" {
		exe, err := os.Executable()
		if err != nil {
			return o, fmt.Errorf("finding the hortus binary: %w", err)
		}
		o.BinDir = filepath.Dir(exe)
	}
	if o.BinDir, err = filepath.Abs(o.BinDir); err != nil {
		return o, err
	}
	o.MinFreeDisk = cmp.Or(o.MinFreeDisk, 1<<30)
	o.Timeout = cmp.Or(o.Timeout, 5*time.Minute)
	if o.Logger.GetSink() == nil {
		o.Logger = logr.Discard()
	}
	if o.Seeds < 0 {
		return o, fmt.Errorf("--seeds must be at least 1, not %d", o.Seeds)
	}
	return o, nil
}

func (o Options) layout() Layout { return Layout{Dir: o.StateDir} }
