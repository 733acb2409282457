package etcd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"go.etcd.io/etcd/server/v3/embed"
)

// Server is a running embedded etcd.
type Server struct {
	etcd      *embed.Etcd
	clientURL string
	stopOnce  sync.Once
}

// Start starts etcd and waits until it serves clients, for at most o.ReadyTimeout or until
// ctx is done. A data dir that already holds a member is reopened with its data.
func Start(ctx context.Context, o Options) (*Server, error) {
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("invalid etcd options: %w", err)
	}
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg, err := o.embedConfig()
	if err != nil {
		return nil, err
	}
	if err := ensurePrivateDir(o.DataDir); err != nil {
		return nil, err
	}

	log := logr.FromContextOrDiscard(ctx)
	log.Info("Starting etcd", "name", o.Name, "dataDir", o.DataDir, "clientURL", o.ListenClientURL, "peerURL", o.ListenPeerURL)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("starting etcd (client URL %s, peer URL %s, data dir %s): %w", o.ListenClientURL, o.ListenPeerURL, o.DataDir, err)
	}
	s := &Server{etcd: e, clientURL: o.ListenClientURL}

	// embed's Close waits for the client servers, which wait for readiness, so a server
	// that is not ready must be stopped before it is closed (etcd-io/etcd#9533).
	abort := func() {
		e.Server.HardStop()
		s.Stop()
	}
	timer := time.NewTimer(o.ReadyTimeout)
	defer timer.Stop()
	select {
	case <-e.Server.ReadyNotify():
		log.Info("Etcd is ready", "clientURL", s.clientURL, "memberID", e.Server.MemberID().String())
		return s, nil
	case err := <-e.Err():
		abort()
		if err == nil {
			err = errors.New("a listener stopped")
		}
		return nil, fmt.Errorf("etcd failed before it became ready: %w", err)
	case <-e.Server.StopNotify():
		abort()
		return nil, errors.New("etcd stopped before it became ready; see the etcd log for the reason")
	case <-timer.C:
		abort()
		return nil, fmt.Errorf("etcd did not become ready within the ready timeout of %s (--ready-timeout); see the etcd log for the reason, e.g. a member that cannot reach quorum", o.ReadyTimeout)
	case <-ctx.Done():
		abort()
		return nil, fmt.Errorf("waiting for etcd to become ready: %w", context.Cause(ctx))
	}
}

// ensurePrivateDir creates dir with mode 0700, or tightens an existing dir to 0700, which
// is what etcd expects of its data dir.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, privateDirMode); err != nil {
		return fmt.Errorf("creating data dir %q: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("reading data dir %q: %w", dir, err)
	}
	if fi.Mode().Perm() != privateDirMode {
		if err := os.Chmod(dir, privateDirMode); err != nil {
			return fmt.Errorf("restricting data dir %q to mode 0700: %w", dir, err)
		}
	}
	return nil
}

// Stop stops etcd gracefully: it lets in-flight requests finish (for a bounded time),
// closes the listeners and the database. Calling it more than once is safe.
func (s *Server) Stop() {
	s.stopOnce.Do(s.etcd.Close)
}

// Err reports a listener that failed while serving. It is closed once the server stops.
func (s *Server) Err() <-chan error {
	return s.etcd.Err()
}

// ClientURL is the URL clients reach the server on.
func (s *Server) ClientURL() string {
	return s.clientURL
}

// Run starts etcd and serves until ctx is done, then stops it gracefully and returns nil.
// It returns an error if etcd fails to start or stops serving on its own.
func Run(ctx context.Context, o Options) error {
	s, err := Start(ctx, o)
	if err != nil {
		return err
	}
	defer s.Stop()

	log := logr.FromContextOrDiscard(ctx)
	select {
	case <-ctx.Done():
		log.Info("Stopping etcd")
		s.Stop()
		log.Info("Stopped etcd")
		return nil
	case err, ok := <-s.Err():
		if !ok || err == nil {
			err = errors.New("a listener stopped")
		}
		return fmt.Errorf("etcd stopped serving: %w", err)
	case <-s.etcd.Server.StopNotify():
		return errors.New("etcd server stopped on its own; see the etcd log for the reason")
	}
}
