package etcdcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/zapr"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/hortus-dev/hortus/pkg/etcd"
	"github.com/hortus-dev/hortus/pkg/etcdbackup"
)

const (
	etcdDefaultClientURL = "http://127.0.0.1:2379"
	etcdDefaultPeerURL   = "http://127.0.0.1:2380"
)

// NewRoot returns a root command named name with the etcd command as its only
// subcommand: the command tree of the slim hortus-etcd binary, whose arguments are then
// the same as hortus's ("etcd --data-dir …").
func NewRoot(name string) *cobra.Command {
	root := &cobra.Command{
		Use:           name,
		Short:         "Hortus' embedded etcd alone, in a small binary for control planes",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(New())
	return root
}

// New returns the etcd command: run an embedded etcd, and its snapshot subcommands. Both
// hortus and the slim hortus-etcd binary serve it.
func New() *cobra.Command {
	var (
		opts            etcd.Options
		logLevel        string
		restoreFromDir  string
		restoreSnapshot string
	)
	cmd := &cobra.Command{
		Use:   "etcd",
		Short: "Run a single-member etcd, or save and restore its snapshots",
		Long: `Run a single-member etcd embedded in this binary, the store behind one Hortus
control plane. Flags are named after etcd's own and mean the same, except that each
--listen-*-urls flag takes exactly one URL, which is also the advertised one.

The data dir is created with mode 0700. Starting on a data dir that already holds a
member reopens it with its data; an empty data dir bootstraps a new cluster.

Setting --cert-file turns on client TLS: the client URL must then be https and every
client must present a certificate signed by --trusted-ca-file. The serving certificate
should also allow client authentication, because etcd's gRPC gateway dials the server
with it. The --peer-* flags do the same for the peer URL.

--restore-from-dir names a store of full snapshots, as "etcd backup" keeps it. When the
data dir is missing or empty and the store holds snapshots, etcd first restores
--restore-snapshot, or the newest snapshot, and raises the restored revision by a
billion so that clients such as the kube-apiserver never see revisions go backwards. A
store without snapshots starts an empty etcd; a data dir with data ignores both flags.
A --restore-snapshot that is not in the store is an error. This is how an etcd whose data
was lost or moved comes back: empty its data dir and start it with its store.

The command waits up to --ready-timeout for etcd to serve, then serves until it gets
SIGINT or SIGTERM, and stops gracefully. Logs are JSON on stderr.`,
		Example: `  # Plain http on loopback, for development.
  hortus etcd --data-dir /var/lib/hortus/etcd

  # TLS with client certificates, metrics on a separate port.
  hortus etcd --name main --data-dir /var/lib/hortus/etcd \
    --listen-client-urls https://127.0.0.1:2379 \
    --listen-peer-urls https://127.0.0.1:2380 \
    --listen-metrics-urls http://127.0.0.1:2381 \
    --cert-file etcd-server.crt --key-file etcd-server.key --trusted-ca-file etcd-ca.crt \
    --peer-cert-file etcd-peer.crt --peer-key-file etcd-peer.key --peer-trusted-ca-file etcd-ca.crt \
    --quota-backend-bytes 8589934592 --auto-compaction-retention 5m

  # Back up, then restore into a fresh data dir.
  hortus etcd snapshot save backup.db --endpoints https://127.0.0.1:2379 \
    --cacert etcd-ca.crt --cert etcd-client.crt --key etcd-client.key
  hortus etcd snapshot restore backup.db --data-dir /var/lib/hortus/etcd-restored

  # Start from the newest snapshot in a backup store when the data dir is empty.
  hortus etcd --data-dir /var/lib/hortus/etcd --restore-from-dir /var/lib/hortus/backups/etcd`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, zl, err := etcdCommandLogger(cmd, logLevel)
			if err != nil {
				return err
			}
			defer func() { _ = zl.Sync() }()
			opts.Logger = zl
			if err := validateRestoreFlags(restoreFromDir, restoreSnapshot); err != nil {
				return err
			}
			if err := opts.Validate(); err != nil {
				return fmt.Errorf("invalid etcd options: %w", err)
			}
			if restoreFromDir != "" {
				store := etcdbackup.Store{Dir: restoreFromDir}
				if _, _, err := etcdbackup.RestoreIfEmpty(ctx, store, restoreSnapshot, opts); err != nil {
					return fmt.Errorf("--restore-from-dir: %w", err)
				}
			}
			return etcd.Run(ctx, opts)
		},
	}

	cmd.PersistentFlags().StringVar(&logLevel, "log-level", "info", "Log level: debug, info, warn or error")

	f := cmd.Flags()
	f.StringVar(&opts.Name, "name", etcd.DefaultName, "Human-readable name of this member")
	f.StringVar(&opts.DataDir, "data-dir", "", "Path to the data directory (required)")
	f.StringVar(&opts.ListenClientURL, "listen-client-urls", etcdDefaultClientURL, "URL to serve clients on, also advertised; https requires --cert-file")
	f.StringVar(&opts.ListenPeerURL, "listen-peer-urls", etcdDefaultPeerURL, "URL for peer traffic, also advertised and used as the initial cluster; https requires --peer-cert-file")
	f.StringVar(&opts.ListenMetricsURL, "listen-metrics-urls", "", "Optional URL to serve /metrics, /health, /livez and /readyz on, e.g. http://127.0.0.1:2381")
	f.StringVar(&opts.CertFile, "cert-file", "", "Serving certificate for the client URL; turns on client certificate authentication")
	f.StringVar(&opts.KeyFile, "key-file", "", "Key of --cert-file")
	f.StringVar(&opts.TrustedCAFile, "trusted-ca-file", "", "CA that client certificates must be signed by")
	f.StringVar(&opts.PeerCertFile, "peer-cert-file", "", "Certificate for the peer URL; turns on peer certificate authentication")
	f.StringVar(&opts.PeerKeyFile, "peer-key-file", "", "Key of --peer-cert-file")
	f.StringVar(&opts.PeerTrustedCAFile, "peer-trusted-ca-file", "", "CA that peer certificates must be signed by")
	f.Int64Var(&opts.QuotaBackendBytes, "quota-backend-bytes", 0, "Database size that raises a NOSPACE alarm; 0 means etcd's default of 2 GiB")
	f.Var(millis{&opts.HeartbeatInterval}, "heartbeat-interval", "Raft heartbeat interval in milliseconds; 0 means 10, a tenth of etcd's default, which suits a single member")
	f.Var(millis{&opts.ElectionTimeout}, "election-timeout", "Raft election timeout in milliseconds, at least 5 heartbeats; 0 means 100, a tenth of etcd's default")
	f.Uint64Var(&opts.SnapshotCount, "snapshot-count", 0, "Committed transactions that trigger a raft snapshot; 0 means etcd's default")
	f.StringVar(&opts.AutoCompactionRetention, "auto-compaction-retention", "", "History to keep when compacting periodically, e.g. 5m or 1h, or a number of hours; empty or 0 disables it")
	f.DurationVar(&opts.ReadyTimeout, "ready-timeout", etcd.DefaultReadyTimeout, "How long to wait for etcd to serve before giving up")
	f.StringVar(&restoreFromDir, "restore-from-dir", "", "Store of full snapshots to restore from when the data dir is missing or empty")
	f.StringVar(&restoreSnapshot, "restore-snapshot", "", "Snapshot in --restore-from-dir to restore, e.g. full-20261129T024105.123456789Z.db; empty means the newest")

	cmd.AddCommand(newEtcdSnapshotCommand(&logLevel), newEtcdBackupCommand(&logLevel))
	return cmd
}

// validateRestoreFlags checks --restore-from-dir and --restore-snapshot before anything
// starts.
func validateRestoreFlags(dir, name string) error {
	if name == "" {
		return nil
	}
	if dir == "" {
		return fmt.Errorf("--restore-snapshot %q needs --restore-from-dir, the store that holds it", name)
	}
	if _, err := (etcdbackup.Store{Dir: dir}).Path(name); err != nil {
		return fmt.Errorf("--restore-snapshot: %w", err)
	}
	return nil
}

func newEtcdSnapshotCommand(logLevel *string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Save a snapshot of a running etcd, restore one into a new data dir, or list a store",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newEtcdSnapshotSaveCommand(logLevel), newEtcdSnapshotRestoreCommand(logLevel), newEtcdSnapshotListCommand())
	return cmd
}

func newEtcdSnapshotSaveCommand(logLevel *string) *cobra.Command {
	var (
		endpoint       string
		tls            etcd.ClientTLS
		commandTimeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "save PATH",
		Short: "Stream a snapshot of a running etcd to a file",
		Long: `Stream a point-in-time snapshot of the etcd at --endpoints to PATH. The file appears
complete or not at all; an existing file is replaced.`,
		Example: `  hortus etcd snapshot save backup.db --endpoints https://127.0.0.1:2379 \
    --cacert etcd-ca.crt --cert etcd-client.crt --key etcd-client.key`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, zl, err := etcdCommandLogger(cmd, *logLevel)
			if err != nil {
				return err
			}
			defer func() { _ = zl.Sync() }()
			cfg, err := etcd.ClientConfig(etcd.Options{ListenClientURL: endpoint}, tls)
			if err != nil {
				return fmt.Errorf("--endpoints, --cacert, --cert, --key: %w", err)
			}
			cfg.Logger = zl
			errTimeout := fmt.Errorf("snapshot save did not finish within --command-timeout %s", commandTimeout)
			ctx, cancel := context.WithTimeoutCause(ctx, commandTimeout, errTimeout)
			defer cancel()
			if err := etcd.SaveSnapshot(ctx, cfg, args[0]); err != nil {
				if errors.Is(context.Cause(ctx), errTimeout) {
					return fmt.Errorf("%w: %w", errTimeout, err)
				}
				return err
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&endpoint, "endpoints", etcdDefaultClientURL, "Client URL of the one etcd to snapshot")
	f.StringVar(&tls.CAFile, "cacert", "", "CA that verifies the server certificate of an https endpoint; empty means the system roots")
	f.StringVar(&tls.CertFile, "cert", "", "Client certificate, for an etcd that requires one")
	f.StringVar(&tls.KeyFile, "key", "", "Key of --cert")
	f.DurationVar(&commandTimeout, "command-timeout", 5*time.Minute, "Give up if the snapshot is not saved within this time")
	return cmd
}

func newEtcdSnapshotRestoreCommand(logLevel *string) *cobra.Command {
	var (
		opts         etcd.Options
		storeDir     string
		revisionBump uint64
	)
	cmd := &cobra.Command{
		Use:   "restore (PATH | --store-dir DIR [NAME])",
		Short: "Build a new single-member data dir from a snapshot file or a backup store",
		Long: `Build a new single-member data dir from the snapshot at PATH, or with --store-dir from
the snapshot NAME in that backup store, or its newest snapshot without NAME. --data-dir
must not exist or be empty: restore never overwrites data. Use the same --name and
--listen-peer-urls as the hortus etcd that will serve the restored data dir.

A restore from a store raises the restored revision by a billion and marks it compacted,
so that clients that saw the lost etcd (the kube-apiserver, informers) never see
revisions go backwards and list afresh. A restore from PATH does so by --bump-revision.`,
		Example: `  hortus etcd snapshot restore backup.db --data-dir /var/lib/hortus/etcd-restored --name main

  # The newest snapshot of a backup store, or a given one.
  hortus etcd snapshot restore --store-dir /var/lib/hortus/backups/etcd --data-dir /var/lib/hortus/etcd
  hortus etcd snapshot restore --store-dir /var/lib/hortus/backups/etcd full-20261129T024105.123456789Z.db \
    --data-dir /var/lib/hortus/etcd`,
		Args: func(cmd *cobra.Command, args []string) error {
			if storeDir != "" {
				if len(args) > 1 {
					return fmt.Errorf("with --store-dir, give at most one snapshot NAME, got %d arguments", len(args))
				}
				if cmd.Flags().Changed("bump-revision") {
					return errors.New("--bump-revision is for a restore from PATH; a restore from --store-dir always bumps the revision")
				}
				return nil
			}
			if len(args) != 1 {
				return fmt.Errorf("give the snapshot file PATH, or --store-dir with an optional snapshot NAME; got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, zl, err := etcdCommandLogger(cmd, *logLevel)
			if err != nil {
				return err
			}
			defer func() { _ = zl.Sync() }()
			opts.Logger = zl
			if storeDir == "" {
				return etcd.RestoreSnapshotWithRevisionBump(ctx, args[0], opts, revisionBump)
			}
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			snap, err := etcdbackup.RestoreDataDir(ctx, etcdbackup.Store{Dir: storeDir}, name, opts)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Restored %s (taken %s) into %s\n", snap.Name, snap.Time.Format(time.RFC3339), opts.DataDir)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.DataDir, "data-dir", "", "New data directory to restore into (required; must not exist or be empty)")
	f.StringVar(&opts.Name, "name", etcd.DefaultName, "Name of the restored member")
	f.StringVar(&opts.ListenPeerURL, "listen-peer-urls", etcdDefaultPeerURL, "Peer URL of the restored member")
	f.StringVar(&storeDir, "store-dir", "", "Backup store to restore from, as 'etcd backup --store-dir' keeps it")
	f.Uint64Var(&revisionBump, "bump-revision", 0, "Raise the revision restored from PATH by this much and mark it compacted; 0 keeps it")
	return cmd
}

func newEtcdSnapshotListCommand() *cobra.Command {
	var (
		storeDir string
		output   string
	)
	cmd := &cobra.Command{
		Use:   "list --store-dir DIR",
		Short: "List the full snapshots in a backup store, oldest first",
		Long: `List the full snapshots in the backup store --store-dir, as "etcd backup" keeps it,
oldest first: their names, when they were taken (UTC) and their sizes.`,
		Example: `  hortus etcd snapshot list --store-dir /var/lib/hortus/backups/etcd
  hortus etcd snapshot list --store-dir /var/lib/hortus/backups/etcd -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if storeDir == "" {
				return errors.New("--store-dir is required")
			}
			snapshots, err := etcdbackup.Store{Dir: storeDir}.List()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch output {
			case "json":
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(snapshots)
			case "", "table":
				w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				_, _ = fmt.Fprintln(w, "NAME\tTIME\tSIZE")
				for _, s := range snapshots {
					_, _ = fmt.Fprintf(w, "%s\t%s\t%d\n", s.Name, s.Time.Format(time.RFC3339), s.SizeBytes)
				}
				return w.Flush()
			default:
				return fmt.Errorf("--output %q: want table or json", output)
			}
		},
	}
	cmd.Flags().StringVar(&storeDir, "store-dir", "", "Backup store to list (required)")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "Output format: table or json")
	return cmd
}

// etcdCommandLogger builds a JSON logger on the command's stderr and returns the command's
// context carrying it as a logr.Logger.
func etcdCommandLogger(cmd *cobra.Command, level string) (context.Context, *zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, nil, fmt.Errorf("--log-level: %w", err)
	}
	zl := newJSONZapLogger(cmd.ErrOrStderr(), lvl)
	return logr.NewContext(cmd.Context(), zapr.NewLogger(zl)), zl, nil
}

func newJSONZapLogger(w io.Writer, lvl zapcore.Level) *zap.Logger {
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	sink := zapcore.Lock(zapcore.AddSync(w))
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), sink, lvl)
	return zap.New(core, zap.ErrorOutput(sink))
}

// millis is a flag value holding a duration given in whole milliseconds, as etcd's own
// --heartbeat-interval and --election-timeout are.
type millis struct{ d *time.Duration }

func (m millis) String() string {
	if m.d == nil {
		return "0"
	}
	return strconv.FormatInt(m.d.Milliseconds(), 10)
}

func (m millis) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("want whole milliseconds, such as 100, got %q", s)
	}
	*m.d = time.Duration(n) * time.Millisecond
	return nil
}

func (millis) Type() string { return "milliseconds" }
