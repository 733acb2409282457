package componentconfig

import (
	"cmp"
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// DefaultBindAddress is where the health probes and metrics listen when the configuration
// names no address: loopback. Gardener listens on every address.
const DefaultBindAddress = "127.0.0.1"

// server is the shape that Server's type set shares.
type server = struct {
	BindAddress string `json:"bindAddress"`
	Port        int    `json:"port"`
}

// Server is the settings of a server in a component configuration ({bindAddress, port}),
// which each of Gardener's configuration APIs declares as a type of its own: the Server of
// gardenlet.config.gardener.cloud, controllermanager.config.gardener.cloud,
// scheduler.config.gardener.cloud, and so on.
type Server interface {
	~server
}

// Address is the host:port where s listens, on DefaultBindAddress when s names no bind
// address, or "0", which turns the server off, when s is nil.
func Address[S Server](s *S) string {
	if s == nil {
		return "0"
	}
	srv := server(*s)
	return net.JoinHostPort(cmp.Or(srv.BindAddress, DefaultBindAddress), strconv.Itoa(srv.Port))
}

// DefaultBindAddresses sets the bind address of each of servers that names none, and is not
// nil, to DefaultBindAddress.
func DefaultBindAddresses[S Server](servers ...*S) {
	for _, s := range servers {
		if s == nil {
			continue
		}
		if srv := server(*s); srv.BindAddress == "" {
			srv.BindAddress = DefaultBindAddress
			*s = S(srv)
		}
	}
}

// ApplyLeaderElection turns on leader election in opts as le configures it, when
// le.leaderElect is true, releasing the lock when the manager stops.
func ApplyLeaderElection(opts *manager.Options, le *componentbaseconfigv1alpha1.LeaderElectionConfiguration) {
	if le == nil || !ptr.Deref(le.LeaderElect, false) {
		return
	}
	opts.LeaderElection = true
	opts.LeaderElectionResourceLock = le.ResourceLock
	opts.LeaderElectionNamespace = le.ResourceNamespace
	opts.LeaderElectionID = le.ResourceName
	opts.LeaseDuration = ptr.To(le.LeaseDuration.Duration)
	opts.RenewDeadline = ptr.To(le.RenewDeadline.Duration)
	opts.RetryPeriod = ptr.To(le.RetryPeriod.Duration)
	opts.LeaderElectionReleaseOnCancel = true
}

// CacheSynced is a readiness check that passes once c has started and synced its
// informers. It waits for them for a second at most.
func CacheSynced(c cache.Cache) healthz.Checker {
	return func(req *http.Request) error {
		ctx, cancel := context.WithTimeout(req.Context(), time.Second)
		defer cancel()
		if !c.WaitForCacheSync(ctx) {
			return errors.New("the informers have not synced yet")
		}
		return nil
	}
}
