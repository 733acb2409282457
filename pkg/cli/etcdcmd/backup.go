package etcdcmd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"

	"github.com/hortus-dev/hortus/pkg/etcd"
	"github.com/hortus-dev/hortus/pkg/etcdbackup"
)

// backupFlags are the flags of "etcd backup".
type backupFlags struct {
	endpoint        string
	tls             etcd.ClientTLS
	storeDir        string
	schedule        string
	keep            int
	snapshotTimeout time.Duration
	listenAddress   string
	port            int
	tlsCertFile     string
	tlsKeyFile      string
	clientCAFile    string
}

func newEtcdBackupCommand(logLevel *string) *cobra.Command {
	var fl backupFlags
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Run the backup sidecar of an etcd: full snapshots on a schedule and on request",
		Long: `Run the backup sidecar of the one etcd at --endpoint. It keeps full snapshots in the
store --store-dir, a directory it creates with mode 0700, under sortable names such as
full-20261129T024105.123456789Z.db (UTC).

At start it takes a snapshot when the store has none or --schedule fired since the
newest one; then one at every tick of --schedule, a cron spec in UTC. A failed snapshot is
retried with back-off. After each snapshot the store is pruned to the newest --keep.

It serves HTTPS on --listen-address:--port with --tls-cert-file; every client must
present a certificate signed by --client-ca-file:

  POST /snapshots   take a full snapshot now (after a running one) and return it as JSON
  GET  /snapshots   list the snapshots, oldest first, as a JSON array
  GET  /healthz     "ok" when etcd answers

Errors are JSON objects {"error": "..."}. "hortus etcd --restore-from-dir" restores from
the store. The command serves until it gets SIGINT or SIGTERM. Logs are JSON on stderr.`,
		Example: `  hortus etcd backup --endpoint https://127.0.0.1:2379 \
    --cacert etcd-ca.crt --cert etcd-client.crt --key etcd-client.key \
    --store-dir /var/lib/hortus/backups/etcd --schedule "0 21 * * *" --keep 7 \
    --port 2382 --tls-cert-file etcd-server.crt --tls-key-file etcd-server.key \
    --client-ca-file etcd-ca.crt

  # Take a snapshot now.
  curl --cacert etcd-ca.crt --cert etcd-client.crt --key etcd-client.key \
    -X POST https://127.0.0.1:2382/snapshots`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, zl, err := etcdCommandLogger(cmd, *logLevel)
			if err != nil {
				return err
			}
			defer func() { _ = zl.Sync() }()
			opts, address, err := fl.serverOptions()
			if err != nil {
				return err
			}
			opts.Etcd.Logger = zl.Named("etcd-client")
			opts.Log = logr.FromContextOrDiscard(ctx)
			tlsConfig, err := fl.serverTLS()
			if err != nil {
				return err
			}
			l, err := net.Listen("tcp", address)
			if err != nil {
				return fmt.Errorf("--listen-address, --port: %w", err)
			}
			return etcdbackup.Run(ctx, opts, l, tlsConfig)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.endpoint, "endpoint", etcdDefaultClientURL, "Client URL of the one etcd to back up")
	f.StringVar(&fl.tls.CAFile, "cacert", "", "CA that verifies the server certificate of an https endpoint; empty means the system roots")
	f.StringVar(&fl.tls.CertFile, "cert", "", "Client certificate for etcd, for an etcd that requires one")
	f.StringVar(&fl.tls.KeyFile, "key", "", "Key of --cert")
	f.StringVar(&fl.storeDir, "store-dir", "", "Directory that keeps the snapshots (required)")
	f.StringVar(&fl.schedule, "schedule", etcdbackup.DefaultSchedule, `When to take full snapshots: a cron spec in UTC (minute hour day-of-month month day-of-week) or a descriptor such as "@every 6h"`)
	f.IntVar(&fl.keep, "keep", etcdbackup.DefaultKeep, "How many of the newest snapshots to keep, at least 1")
	f.DurationVar(&fl.snapshotTimeout, "snapshot-timeout", etcdbackup.DefaultSnapshotTimeout, "Give up a snapshot that takes longer than this")
	f.StringVar(&fl.listenAddress, "listen-address", "127.0.0.1", "IP address to serve HTTPS on")
	f.IntVar(&fl.port, "port", 0, "Port to serve HTTPS on (required)")
	f.StringVar(&fl.tlsCertFile, "tls-cert-file", "", "Serving certificate (required)")
	f.StringVar(&fl.tlsKeyFile, "tls-key-file", "", "Key of --tls-cert-file (required)")
	f.StringVar(&fl.clientCAFile, "client-ca-file", "", "CA that client certificates must be signed by (required)")
	return cmd
}

// serverOptions validates the flags, reporting every invalid one at once, and returns the
// server options and the address to listen on.
func (fl backupFlags) serverOptions() (etcdbackup.ServerOptions, string, error) {
	var errs []error
	cfg, err := etcd.ClientConfig(etcd.Options{ListenClientURL: fl.endpoint}, fl.tls)
	if err != nil {
		errs = append(errs, fmt.Errorf("--endpoint, --cacert, --cert, --key: %w", err))
	}
	if fl.storeDir == "" {
		errs = append(errs, errors.New("--store-dir is required: the directory that keeps the snapshots"))
	}
	if _, err := etcdbackup.ParseSchedule(fl.schedule); err != nil {
		errs = append(errs, fmt.Errorf("--schedule: %w", err))
	}
	if fl.keep < 1 {
		errs = append(errs, fmt.Errorf("--keep must be at least 1, got %d", fl.keep))
	}
	if fl.snapshotTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--snapshot-timeout must be positive, got %s", fl.snapshotTimeout))
	}
	if _, err := netip.ParseAddr(fl.listenAddress); err != nil {
		errs = append(errs, fmt.Errorf("--listen-address %q must be an IP address, such as 127.0.0.1", fl.listenAddress))
	}
	if fl.port < 1 || fl.port > 65535 {
		errs = append(errs, fmt.Errorf("--port must be between 1 and 65535, got %d", fl.port))
	}
	for _, f := range []struct{ flag, value string }{
		{"tls-cert-file", fl.tlsCertFile}, {"tls-key-file", fl.tlsKeyFile}, {"client-ca-file", fl.clientCAFile},
	} {
		if f.value == "" {
			errs = append(errs, fmt.Errorf("--%s is required: the sidecar serves HTTPS only and requires client certificates", f.flag))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return etcdbackup.ServerOptions{}, "", err
	}
	return etcdbackup.ServerOptions{
		Store:           etcdbackup.Store{Dir: fl.storeDir},
		Etcd:            cfg,
		Schedule:        fl.schedule,
		Keep:            fl.keep,
		SnapshotTimeout: fl.snapshotTimeout,
	}, net.JoinHostPort(fl.listenAddress, strconv.Itoa(fl.port)), nil
}

// serverTLS reads the serving certificate and the client CA.
func (fl backupFlags) serverTLS() (*tls.Config, error) {
	var errs []error
	read := func(flag, path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s: %w", flag, err))
		}
		return b
	}
	cert, key, ca := read("tls-cert-file", fl.tlsCertFile), read("tls-key-file", fl.tlsKeyFile), read("client-ca-file", fl.clientCAFile)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cfg, err := etcdbackup.NewServerTLSConfig(cert, key, ca)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert-file, --tls-key-file, --client-ca-file: %w", err)
	}
	return cfg, nil
}
