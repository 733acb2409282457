package etcdbackup

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/robfig/cron/v3"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/utils/clock"
)

const (
	// DefaultKeep is how many snapshots the server keeps when ServerOptions.Keep is zero.
	DefaultKeep = 7
	// DefaultSnapshotTimeout bounds one snapshot when ServerOptions.SnapshotTimeout is zero.
	DefaultSnapshotTimeout = 5 * time.Minute

	// healthTimeout bounds the etcd status request of /healthz.
	healthTimeout = 3 * time.Second
	// firstRetry and maxRetry bound the back-off after a failed scheduled snapshot.
	firstRetry = 5 * time.Second
	maxRetry   = time.Minute
	// shutdownTimeout bounds how long Run waits for running requests when it stops.
	shutdownTimeout = 10 * time.Second

	// Triggers of a snapshot, as logged.
	triggerStartup  = "startup"
	triggerSchedule = "schedule"
	triggerRequest  = "request"
)

// ServerOptions configure Run.
type ServerOptions struct {
	// Store receives the snapshots. Required. A Store without a Clock gets Clock.
	Store Store
	// Etcd reaches the one etcd to back up: exactly one endpoint, and for an etcd with
	// client TLS, a client certificate it trusts. Its Context must be nil.
	Etcd clientv3.Config
	// Schedule is when to take full snapshots, as ParseSchedule accepts it; DefaultSchedule
	// when empty. ScheduleFromMaintenance derives one from a shoot's maintenance window.
	Schedule string
	// Keep is how many snapshots remain after each snapshot; DefaultKeep when zero.
	Keep int
	// SnapshotTimeout bounds one snapshot; DefaultSnapshotTimeout when zero.
	SnapshotTimeout time.Duration
	// Log receives a line per snapshot, pruned snapshot and failure; discarded when unset.
	Log logr.Logger
	// Clock drives the schedule; the real clock when nil.
	Clock clock.Clock
}

// server is the state of one Run.
type server struct {
	store    Store
	etcd     clientv3.Config
	spec     string
	schedule cron.Schedule
	keep     int
	timeout  time.Duration
	log      logr.Logger
	clock    clock.Clock
	// running holds a token while a snapshot runs, so that snapshots never overlap.
	running chan struct{}
	// client answers /healthz.
	client *clientv3.Client
}

func newServer(o ServerOptions) (*server, error) {
	var errs []error
	if o.Store.Dir == "" {
		errs = append(errs, errors.New("the snapshot store has no directory: set the store dir (--store-dir)"))
	}
	if len(o.Etcd.Endpoints) != 1 {
		errs = append(errs, fmt.Errorf("etcd must be given as exactly one endpoint (--endpoint), got %d: %v", len(o.Etcd.Endpoints), o.Etcd.Endpoints))
	}
	if o.Etcd.Context != nil {
		errs = append(errs, errors.New("the etcd client configuration must not carry a context: each snapshot uses its own"))
	}
	spec := o.Schedule
	if spec == "" {
		spec = DefaultSchedule
	}
	schedule, err := ParseSchedule(spec)
	if err != nil {
		errs = append(errs, fmt.Errorf("--schedule: %w", err))
	}
	if o.Keep < 0 {
		errs = append(errs, fmt.Errorf("--keep must be at least 1, got %d", o.Keep))
	}
	if o.SnapshotTimeout < 0 {
		errs = append(errs, fmt.Errorf("--snapshot-timeout must not be negative, got %s", o.SnapshotTimeout))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s := &server{
		store:    o.Store,
		etcd:     o.Etcd,
		spec:     spec,
		schedule: schedule,
		keep:     o.Keep,
		timeout:  o.SnapshotTimeout,
		log:      o.Log,
		clock:    o.Clock,
		running:  make(chan struct{}, 1),
	}
	if s.keep == 0 {
		s.keep = DefaultKeep
	}
	if s.timeout == 0 {
		s.timeout = DefaultSnapshotTimeout
	}
	if s.log.GetSink() == nil {
		s.log = logr.Discard()
	}
	if s.clock == nil {
		s.clock = clock.RealClock{}
	}
	if s.store.Clock == nil {
		s.store.Clock = s.clock
	}
	return s, nil
}

// NewServerTLSConfig returns the TLS configuration of the sidecar server: it serves the
// given certificate and requires client certificates signed by clientCAPEM.
func NewServerTLSConfig(certPEM, keyPEM, clientCAPEM []byte) (*tls.Config, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("loading the serving certificate and key: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(clientCAPEM) {
		return nil, errors.New("the client CA holds no PEM certificate")
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// Run is the backup sidecar of one etcd. It takes a full snapshot into o.Store at start
// when the store has none or the schedule fired since its newest one, then one at every
// tick of o.Schedule, retrying a failed one with back-off, and prunes the store to o.Keep
// snapshots after each. Snapshots never overlap.
//
// Meanwhile it serves HTTPS on listener with tlsConfig, whose clients must present a
// certificate signed by its ClientCAs (see NewServerTLSConfig):
//
//   - POST /snapshots takes a full snapshot now, after a running one if any, and returns
//     it as JSON (201 Created);
//   - GET /snapshots lists the snapshots as a JSON array, oldest first;
//   - GET /healthz answers "ok" when etcd answers a status request.
//
// Errors are JSON objects {"error": "…"}. Run returns nil once ctx is done, or an error
// when the options are invalid or serving fails. It closes listener.
func Run(ctx context.Context, o ServerOptions, listener net.Listener, tlsConfig *tls.Config) error {
	s, err := newServer(o)
	if err != nil {
		return fmt.Errorf("invalid backup server options: %w", err)
	}
	if listener == nil {
		return errors.New("the backup server needs a listener")
	}
	defer func() { _ = listener.Close() }()
	serverTLS, err := checkServerTLS(tlsConfig)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	clientCfg := s.etcd
	clientCfg.Context = ctx
	if s.client, err = clientv3.New(clientCfg); err != nil {
		return fmt.Errorf("creating a client for etcd at %s: %w", s.endpoint(), err)
	}
	defer func() { _ = s.client.Close() }()

	s.log.Info("Serving etcd backups", "address", listener.Addr().String(), "storeDir", s.store.Dir,
		"endpoint", s.endpoint(), "schedule", s.spec, "keep", s.keep)
	httpServer := &http.Server{
		Handler:           s.handler(),
		TLSConfig:         serverTLS,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          log.New(logWriter{s.log.V(1)}, "", 0),
	}
	var wg sync.WaitGroup
	wg.Go(func() { s.runSchedule(ctx) })
	served := make(chan error, 1)
	go func() { served <- httpServer.ServeTLS(listener, "", "") }()

	select {
	case <-ctx.Done():
		s.log.Info("Stopping the etcd backup server")
		cancel()
		shutdownCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		defer stop()
		err = httpServer.Shutdown(shutdownCtx)
		if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) {
			err = errors.Join(err, serveErr)
		}
	case err = <-served:
		err = fmt.Errorf("serving etcd backups on %s: %w", listener.Addr(), err)
		cancel()
	}
	wg.Wait()
	return err
}

// checkServerTLS returns a copy of cfg that requires client certificates.
func checkServerTLS(cfg *tls.Config) (*tls.Config, error) {
	if cfg == nil {
		return nil, errors.New("the backup server serves HTTPS only: give it a TLS configuration with a serving certificate and a client CA")
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil {
		return nil, errors.New("the backup server's TLS configuration has no serving certificate (--tls-cert-file, --tls-key-file)")
	}
	if cfg.ClientCAs == nil {
		return nil, errors.New("the backup server requires client certificates, but its TLS configuration has no client CA (--client-ca-file)")
	}
	cfg = cfg.Clone()
	cfg.ClientAuth = tls.RequireAndVerifyClientCert
	cfg.MinVersion = max(cfg.MinVersion, tls.VersionTLS12)
	return cfg, nil
}

func (s *server) endpoint() string {
	return s.etcd.Endpoints[0]
}

// runSchedule takes the start-up snapshot when it is due, then one at every tick of the
// schedule, until ctx is done.
func (s *server) runSchedule(ctx context.Context) {
	trigger := ""
	if s.dueAtStart() {
		trigger = triggerStartup
	}
	for {
		if trigger != "" {
			s.snapshotWithRetry(ctx, trigger)
		}
		if ctx.Err() != nil {
			return
		}
		// Specs without CRON_TZ are evaluated in the location of the time they get.
		now := s.clock.Now().UTC()
		next := s.schedule.Next(now)
		if next.IsZero() {
			s.log.Info("The schedule never fires, so only requested snapshots are taken")
			<-ctx.Done()
			return
		}
		s.log.V(1).Info("Waiting for the next scheduled snapshot", "at", next)
		timer := s.clock.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C():
		}
		trigger = triggerSchedule
	}
}

// dueAtStart reports whether the store lacks a snapshot that the schedule asked for: it
// is empty, or the schedule fired since its newest snapshot.
func (s *server) dueAtStart() bool {
	latest, ok, err := s.store.Latest()
	if err != nil {
		s.log.Error(err, "Listing etcd snapshots failed; taking one")
		return true
	}
	if !ok {
		s.log.Info("No etcd snapshot in the store yet; taking one")
		return true
	}
	if next := s.schedule.Next(latest.Time); !next.After(s.clock.Now()) {
		s.log.Info("Newest etcd snapshot missed a scheduled one; taking one", "newest", latest.Name, "missed", next)
		return true
	}
	s.log.Info("Newest etcd snapshot is current", "newest", latest.Name)
	return false
}

// snapshotWithRetry takes a snapshot, retrying with back-off until one succeeds or ctx is
// done.
func (s *server) snapshotWithRetry(ctx context.Context, trigger string) {
	delay := firstRetry
	for {
		if _, err := s.snapshot(ctx, trigger); err == nil || ctx.Err() != nil {
			return
		}
		s.log.Info("Retrying the etcd snapshot", "trigger", trigger, "retryIn", delay.String())
		timer := s.clock.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C():
		}
		delay = min(2*delay, maxRetry)
	}
}

// snapshot takes one full snapshot after a running one, if any, then prunes the store.
// A failed prune is logged only: the snapshot is there.
func (s *server) snapshot(ctx context.Context, trigger string) (Snapshot, error) {
	select {
	case s.running <- struct{}{}:
	case <-ctx.Done():
		return Snapshot{}, fmt.Errorf("waiting for the running snapshot to finish: %w", context.Cause(ctx))
	}
	defer func() { <-s.running }()

	errTimeout := fmt.Errorf("the snapshot did not finish within %s (--snapshot-timeout)", s.timeout)
	ctx, cancel := context.WithTimeoutCause(ctx, s.timeout, errTimeout)
	defer cancel()
	start := s.clock.Now()
	// Save logs the file it wrote; the server logs the snapshot itself.
	snap, err := s.store.Save(logr.NewContext(ctx, s.log.V(1)), s.etcd)
	if err != nil {
		if errors.Is(context.Cause(ctx), errTimeout) {
			err = fmt.Errorf("%w: %w", errTimeout, err)
		}
		err = fmt.Errorf("taking a full snapshot of etcd at %s into %s: %w; check that etcd runs there and trusts the client certificate (--cert, --key)", s.endpoint(), s.store.Dir, err)
		s.log.Error(err, "Taking an etcd snapshot failed", "trigger", trigger)
		return Snapshot{}, err
	}
	s.log.Info("Took an etcd snapshot", "trigger", trigger, "name", snap.Name, "sizeBytes", snap.SizeBytes,
		"duration", s.clock.Since(start).String())
	removed, err := s.store.Prune(s.keep)
	for _, r := range removed {
		s.log.Info("Pruned an etcd snapshot", "name", r.Name, "keep", s.keep)
	}
	if err != nil {
		s.log.Error(err, "Pruning etcd snapshots failed", "keep", s.keep)
	}
	return snap, nil
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/snapshots", s.serveSnapshots)
	mux.HandleFunc("/healthz", s.serveHealthz)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such path %q: the backup server serves /snapshots (GET, POST) and /healthz (GET)", r.URL.Path))
	})
	return mux
}

func (s *server) serveSnapshots(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		snapshots, err := s.store.List()
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, snapshots)
	case http.MethodPost:
		snap, err := s.snapshot(r.Context(), triggerRequest)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, http.StatusCreated, snap)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on /snapshots: GET lists the snapshots, POST takes one", r.Method))
	}
}

func (s *server) serveHealthz(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on /healthz: use GET", r.Method))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	if _, err := s.client.Status(ctx, s.endpoint()); err != nil {
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("etcd at %s does not answer: %v", s.endpoint(), err))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok"))
}

// errorBody is the JSON body of every error response.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// logWriter passes the HTTP server's own error lines, such as failed TLS handshakes, to
// a logr.Logger.
type logWriter struct{ log logr.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.log.Info("HTTP server error", "error", strings.TrimSpace(string(p)))
	return len(p), nil
}
