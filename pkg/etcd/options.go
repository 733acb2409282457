package etcd

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

const (
	// DefaultName is the member name used when Options.Name is empty.
	DefaultName = "default"
	// DefaultHeartbeatInterval and DefaultElectionTimeout are the raft timings used when
	// Options leaves them zero. They are a tenth of etcd's own defaults: a single member
	// on loopback has no peer to miss heartbeats from, and on a fresh start raft waits a
	// random part of the election timeout before the member elects itself, which with
	// etcd's 1 s default costs about half a second of every control-plane start.
	DefaultHeartbeatInterval = 10 * time.Millisecond
	DefaultElectionTimeout   = 100 * time.Millisecond
	// DefaultReadyTimeout is how long Start waits for etcd to become ready when
	// Options.ReadyTimeout is zero.
	DefaultReadyTimeout = 60 * time.Second

	// initialClusterToken is etcd's own default token. Start and RestoreSnapshot must agree
	// on it; it only matters when a member bootstraps a fresh data dir.
	initialClusterToken = "etcd-cluster"
	// privateDirMode is the permission etcd expects on its data dir.
	privateDirMode = 0o700
)

// Options configure a single-member embedded etcd. Each field names the hortus etcd flag
// that sets it; the flags are named after etcd's own.
type Options struct {
	// Name is the member name (--name). Empty means "default".
	Name string
	// DataDir holds the member's WAL, snapshots and database (--data-dir). Required. Start
	// creates it with mode 0700.
	DataDir string

	// ListenClientURL is the one URL clients reach etcd on (--listen-client-urls), e.g.
	// https://127.0.0.1:2379. It is also advertised.
	ListenClientURL string
	// ListenPeerURL is the one URL for peer traffic (--listen-peer-urls), e.g.
	// https://127.0.0.1:2380. It is also advertised and forms the initial cluster.
	ListenPeerURL string
	// ListenMetricsURL optionally serves /metrics, /health, /livez and /readyz
	// (--listen-metrics-urls), e.g. http://127.0.0.1:2381. https reuses the client
	// certificate and, like the client URL, then requires client certificates.
	ListenMetricsURL string

	// CertFile and KeyFile are the client-facing serving certificate and key (--cert-file,
	// --key-file). When set, the client URL must be https and clients must present a
	// certificate signed by TrustedCAFile (--trusted-ca-file). The certificate should allow
	// client authentication too: etcd's gRPC gateway dials the server with it.
	CertFile, KeyFile, TrustedCAFile string
	// PeerCertFile and PeerKeyFile are the peer certificate and key (--peer-cert-file,
	// --peer-key-file). When set, the peer URL must be https and peers must present a
	// certificate signed by PeerTrustedCAFile (--peer-trusted-ca-file).
	PeerCertFile, PeerKeyFile, PeerTrustedCAFile string

	// QuotaBackendBytes is the database size at which etcd raises a NOSPACE alarm
	// (--quota-backend-bytes). Zero means etcd's default of 2 GiB.
	QuotaBackendBytes int64
	// SnapshotCount is the number of committed transactions that trigger a raft snapshot
	// (--snapshot-count). Zero means etcd's default.
	SnapshotCount uint64
	// AutoCompactionRetention keeps this much history when compacting periodically
	// (--auto-compaction-retention): a duration such as "5m" or "1h", or a number of
	// hours. Empty or "0" disables auto compaction.
	AutoCompactionRetention string

	// HeartbeatInterval and ElectionTimeout are raft's timings (--heartbeat-interval,
	// --election-timeout, in milliseconds as etcd's flags). Zero means
	// DefaultHeartbeatInterval and DefaultElectionTimeout. The election timeout must be at
	// least five heartbeats, as etcd requires.
	HeartbeatInterval, ElectionTimeout time.Duration

	// ReadyTimeout bounds how long Start waits for etcd to become ready (--ready-timeout).
	// Zero means one minute.
	ReadyTimeout time.Duration
	// Logger receives etcd's own logs. Nil means a JSON logger at warn level on stderr.
	Logger *zap.Logger
}

// Validate reports every invalid field at once, naming the flag that sets it.
func (o *Options) Validate() error {
	errs := []error{
		validateName(o.Name),
		validateDataDir(o.DataDir),
		validateURL("listen-client-urls", o.ListenClientURL, true),
		validateURL("listen-peer-urls", o.ListenPeerURL, true),
		validateURL("listen-metrics-urls", o.ListenMetricsURL, false),
		validateTLS("", o.CertFile, o.KeyFile, o.TrustedCAFile),
		validateTLS("peer-", o.PeerCertFile, o.PeerKeyFile, o.PeerTrustedCAFile),
		validateScheme("listen-client-urls", o.ListenClientURL, "", o.CertFile != ""),
		validateScheme("listen-peer-urls", o.ListenPeerURL, "peer-", o.PeerCertFile != ""),
		validateAutoCompactionRetention(o.AutoCompactionRetention),
	}
	if u, err := url.Parse(o.ListenMetricsURL); err == nil && u.Scheme == "https" && o.CertFile == "" {
		errs = append(errs, fmt.Errorf("--listen-metrics-urls %q uses https, which serves the client certificate: set --cert-file and --key-file, or use http", o.ListenMetricsURL))
	}
	if err := validateRaftTimings(o.HeartbeatInterval, o.ElectionTimeout); err != nil {
		errs = append(errs, err)
	}
	if o.QuotaBackendBytes < 0 {
		errs = append(errs, fmt.Errorf("--quota-backend-bytes must not be negative, got %d", o.QuotaBackendBytes))
	}
	if o.ReadyTimeout < 0 {
		errs = append(errs, fmt.Errorf("--ready-timeout must not be negative, got %s", o.ReadyTimeout))
	}
	return errors.Join(errs...)
}

func validateName(name string) error {
	if strings.ContainsAny(name, "=,") || strings.TrimSpace(name) != name {
		return fmt.Errorf("--name %q must not contain '=', ',' or surrounding spaces", name)
	}
	return nil
}

func validateDataDir(dir string) error {
	if dir == "" {
		return errors.New("--data-dir is required")
	}
	return nil
}

// parseURL checks that raw is one http(s)://IP:port URL without a path, which is what etcd
// can bind to.
func parseURL(flag, raw string) (*url.URL, error) {
	if strings.Contains(raw, ",") {
		return nil, fmt.Errorf("--%s %q: exactly one URL is supported", flag, raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("--%s %q: %w", flag, raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("--%s %q: scheme must be http or https", flag, raw)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" || port == "" {
		return nil, fmt.Errorf("--%s %q: must have the form %s://IP:PORT", flag, raw, u.Scheme)
	}
	if _, err := netip.ParseAddr(host); err != nil && host != "localhost" {
		return nil, fmt.Errorf("--%s %q: host must be an IP address or localhost, got %q", flag, raw, host)
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
		return nil, fmt.Errorf("--%s %q: port must be between 1 and 65535, got %q", flag, raw, port)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("--%s %q: must not have a path, query, fragment or user", flag, raw)
	}
	u.Path = ""
	return u, nil
}

func validateURL(flag, raw string, required bool) error {
	if raw == "" {
		if required {
			return fmt.Errorf("--%s is required", flag)
		}
		return nil
	}
	_, err := parseURL(flag, raw)
	return err
}

// validateScheme checks that a URL uses https exactly when its certificate is set.
func validateScheme(flag, raw, tlsPrefix string, tlsSet bool) error {
	u, err := url.Parse(raw)
	if raw == "" || err != nil {
		return nil //nolint:nilerr // validateURL reports these.
	}
	switch {
	case u.Scheme == "https" && !tlsSet:
		return fmt.Errorf("--%s %q uses https: set --%scert-file, --%skey-file and --%strusted-ca-file", flag, raw, tlsPrefix, tlsPrefix, tlsPrefix)
	case u.Scheme == "http" && tlsSet:
		return fmt.Errorf("--%s %q uses http although --%scert-file is set: use https", flag, raw, tlsPrefix)
	}
	return nil
}

func validateTLS(prefix, certFile, keyFile, caFile string) error {
	if certFile == "" && keyFile == "" && caFile == "" {
		return nil
	}
	var missing []string
	for _, f := range []struct{ flag, value string }{
		{prefix + "cert-file", certFile},
		{prefix + "key-file", keyFile},
		{prefix + "trusted-ca-file", caFile},
	} {
		if f.value == "" {
			missing = append(missing, "--"+f.flag)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("--%scert-file, --%skey-file and --%strusted-ca-file go together (clients must present a certificate signed by the trusted CA): missing %s",
			prefix, prefix, prefix, strings.Join(missing, ", "))
	}
	return nil
}

// validateAutoCompactionRetention accepts what etcd's periodic compactor accepts: a whole
// number of hours or a duration, neither negative.
func validateAutoCompactionRetention(retention string) error {
	if retention == "" {
		return nil
	}
	if h, err := strconv.Atoi(retention); err == nil {
		if h < 0 {
			return fmt.Errorf("--auto-compaction-retention %q must not be negative", retention)
		}
		return nil
	}
	d, err := time.ParseDuration(retention)
	if err != nil {
		return fmt.Errorf("--auto-compaction-retention %q must be a duration such as 5m or 1h, or a number of hours", retention)
	}
	if d < 0 {
		return fmt.Errorf("--auto-compaction-retention %q must not be negative", retention)
	}
	return nil
}

// withDefaults returns a copy of o with empty optional fields filled in.
func (o Options) withDefaults() (Options, error) {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = DefaultReadyTimeout
	}
	if o.Logger == nil {
		lg, err := defaultLogger()
		if err != nil {
			return o, err
		}
		o.Logger = lg
	}
	return o, nil
}

// logLevel names the level of lg the way etcd's --log-level does. etcd panics on a name
// it does not know, so a logger that logs nothing (zap.NewNop) counts as "fatal".
func logLevel(lg *zap.Logger) string {
	lvl := lg.Level()
	if lvl < zapcore.DebugLevel || lvl > zapcore.FatalLevel {
		return zapcore.FatalLevel.String()
	}
	return lvl.String()
}

func defaultLogger() (*zap.Logger, error) {
	c := zap.NewProductionConfig()
	c.Level = zap.NewAtomicLevelAt(zap.WarnLevel)
	c.OutputPaths = []string{"stderr"}
	c.ErrorOutputPaths = []string{"stderr"}
	lg, err := c.Build()
	if err != nil {
		return nil, fmt.Errorf("building the default etcd logger: %w", err)
	}
	return lg, nil
}

// embedConfig translates validated, defaulted options into etcd's configuration for a
// single-member cluster.
func (o Options) embedConfig() (*embed.Config, error) {
	clientURL, err := parseURL("listen-client-urls", o.ListenClientURL)
	if err != nil {
		return nil, err
	}
	peerURL, err := parseURL("listen-peer-urls", o.ListenPeerURL)
	if err != nil {
		return nil, err
	}

	cfg := embed.NewConfig()
	cfg.Name = o.Name
	cfg.Dir = o.DataDir
	cfg.ListenClientUrls = []url.URL{*clientURL}
	cfg.AdvertiseClientUrls = []url.URL{*clientURL}
	cfg.ListenPeerUrls = []url.URL{*peerURL}
	cfg.AdvertisePeerUrls = []url.URL{*peerURL}
	// "new" only matters for an empty data dir: a member that has a WAL ignores both
	// settings and rejoins the cluster recorded in it.
	cfg.ClusterState = embed.ClusterStateFlagNew
	cfg.InitialCluster = o.Name + "=" + peerURL.String()
	cfg.InitialClusterToken = initialClusterToken

	if o.ListenMetricsURL != "" {
		metricsURL, err := parseURL("listen-metrics-urls", o.ListenMetricsURL)
		if err != nil {
			return nil, err
		}
		cfg.ListenMetricsUrls = []url.URL{*metricsURL}
	}
	if o.CertFile != "" {
		cfg.ClientTLSInfo = transport.TLSInfo{
			CertFile:       o.CertFile,
			KeyFile:        o.KeyFile,
			TrustedCAFile:  o.TrustedCAFile,
			ClientCertAuth: true,
		}
	}
	if o.PeerCertFile != "" {
		cfg.PeerTLSInfo = transport.TLSInfo{
			CertFile:       o.PeerCertFile,
			KeyFile:        o.PeerKeyFile,
			TrustedCAFile:  o.PeerTrustedCAFile,
			ClientCertAuth: true,
		}
	}

	heartbeat, election := raftTimings(o.HeartbeatInterval, o.ElectionTimeout)
	cfg.TickMs = uint(heartbeat.Milliseconds())
	cfg.ElectionMs = uint(election.Milliseconds())

	cfg.QuotaBackendBytes = o.QuotaBackendBytes
	if o.SnapshotCount > 0 {
		cfg.SnapshotCount = o.SnapshotCount
	}
	cfg.AutoCompactionMode = embed.CompactorModePeriodic
	cfg.AutoCompactionRetention = "0"
	if o.AutoCompactionRetention != "" {
		cfg.AutoCompactionRetention = o.AutoCompactionRetention
	}

	cfg.Logger = "zap"
	cfg.LogLevel = logLevel(o.Logger)
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(o.Logger)
	return cfg, nil
}

// raftTimings fills zero timings with their defaults.
func raftTimings(heartbeat, election time.Duration) (time.Duration, time.Duration) {
	if heartbeat == 0 {
		heartbeat = DefaultHeartbeatInterval
	}
	if election == 0 {
		election = DefaultElectionTimeout
	}
	return heartbeat, election
}

// validateRaftTimings checks the rules etcd itself enforces at start, so that a bad flag is
// reported with the others: whole milliseconds, and an election timeout of at least five
// heartbeats.
func validateRaftTimings(heartbeat, election time.Duration) error {
	if heartbeat < 0 || election < 0 {
		return fmt.Errorf("--heartbeat-interval and --election-timeout must not be negative, got %d and %d", heartbeat.Milliseconds(), election.Milliseconds())
	}
	heartbeat, election = raftTimings(heartbeat, election)
	if heartbeat < time.Millisecond || election < time.Millisecond {
		return fmt.Errorf("--heartbeat-interval and --election-timeout are whole milliseconds, got %s and %s", heartbeat, election)
	}
	if election < 5*heartbeat {
		return fmt.Errorf("--election-timeout (%d ms) must be at least 5 times --heartbeat-interval (%d ms)", election.Milliseconds(), heartbeat.Milliseconds())
	}
	return nil
}
