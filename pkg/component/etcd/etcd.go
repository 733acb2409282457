package etcd

import (
	"cmp"
	"fmt"
	"strconv"
	"time"

	"github.com/hortus-dev/hortus/pkg/component"
)

// DefaultName is the component name used when Config.Name is empty.
const DefaultName = "etcd"

// Config is everything the etcd component description depends on.
type Config struct {
	// Name of the component; DefaultName when empty.
	Name string
	// Binary serves "etcd …"; "hortus-etcd" (the slim binary with only that command) when
	// empty. "hortus" works too.
	Binary string
	// ClientPort, PeerPort and MetricsPort are loopback ports.
	ClientPort, PeerPort, MetricsPort int
	// Host is the address etcd listens on; 127.0.0.1 when empty.
	Host string
	// CAPEM is the etcd CA. Clients must present a certificate signed by it.
	CAPEM []byte
	// ServerCertPEM and ServerKeyPEM serve clients and peers. The certificate needs both
	// server and client usages: etcd's gRPC gateway dials the server with it.
	ServerCertPEM, ServerKeyPEM []byte
	// QuotaBackendBytes bounds the database size; 0 keeps etcd's default.
	QuotaBackendBytes int64
	// ReadyTimeout bounds start-up; 0 means one minute.
	ReadyTimeout time.Duration
	// Backup, when set, makes etcd restore an empty data dir from its backup store, and
	// describes the backup sidecar (BuildBackup).
	Backup *BackupConfig
}

// BackupConfig describes the backups of etcd: the sidecar that BuildBackup describes
// keeps full snapshots in StoreDir, and etcd restores an empty data dir from there.
type BackupConfig struct {
	// StoreDir is the absolute path of the backup store, such as the directory of a
	// BackupEntry. It outlives the component: deleting the component keeps it.
	StoreDir string
	// RestoreSnapshot is the snapshot that etcd restores when its data dir is empty;
	// the newest one when empty. It is an argument of etcd, so changing it restarts etcd;
	// a data dir with data ignores it.
	RestoreSnapshot string
	// Schedule is when the sidecar takes full snapshots, a cron spec in UTC; the
	// sidecar's default (daily at midnight UTC) when empty. See
	// etcdbackup.ScheduleFromMaintenance.
	Schedule string
	// Keep is how many snapshots the sidecar keeps; the sidecar's default (7) when zero.
	Keep int
	// Port is the loopback port on which the sidecar serves HTTPS. It serves with
	// Config.ServerCertPEM and requires client certificates signed by Config.CAPEM.
	Port int
	// ClientCertPEM and ClientKeyPEM are the sidecar's client certificate towards etcd,
	// signed by Config.CAPEM. Empty means ServerCertPEM and ServerKeyPEM, which allow
	// client authentication too.
	ClientCertPEM, ClientKeyPEM []byte
}

// Files in the working directory.
const (
	caFile         = "pki/ca.crt"
	certFile       = "pki/server.crt"
	keyFile        = "pki/server.key"
	clientCertFile = "pki/client.crt"
	clientKeyFile  = "pki/client.key"
	dataDir        = "data"
)

// BackupSuffix makes the name of the backup sidecar from the etcd component's name.
const BackupSuffix = "-backup"

// ClientURL returns the URL clients reach etcd on.
func (c Config) ClientURL() string {
	return fmt.Sprintf("https://%s:%d", c.host(), c.ClientPort)
}

func (c Config) host() string {
	if c.Host == "" {
		return "127.0.0.1"
	}
	return c.Host
}

// BackupName returns the name of the backup sidecar: the etcd component's name with
// BackupSuffix, "etcd-backup" by default.
func (c Config) BackupName() string {
	return cmp.Or(c.Name, DefaultName) + BackupSuffix
}

// BackupURL returns the URL of the backup sidecar, for etcdbackup.NewClient.
func (c Config) BackupURL() string {
	port := 0
	if c.Backup != nil {
		port = c.Backup.Port
	}
	return fmt.Sprintf("https://%s:%d", c.host(), port)
}

// Build returns the component description. Its data lives in $(HORTUS_WORKDIR)/data.
// With c.Backup, an empty data dir is restored from the newest snapshot in the backup
// store, or from c.Backup.RestoreSnapshot, before etcd starts; a store without snapshots
// starts an empty etcd. So the data of an etcd whose component was deleted comes back
// when it is deployed again.
func Build(c Config) component.Component {
	name := cmp.Or(c.Name, DefaultName)
	bin := cmp.Or(c.Binary, "hortus-etcd")
	timeout := cmp.Or(c.ReadyTimeout, time.Minute)
	wd := component.InWorkDir("")
	args := []string{
		"etcd",
		"--name=" + name,
		"--data-dir=" + wd + dataDir,
		"--listen-client-urls=" + c.ClientURL(),
		fmt.Sprintf("--listen-peer-urls=https://%s:%d", c.host(), c.PeerPort),
		fmt.Sprintf("--listen-metrics-urls=http://%s:%d", c.host(), c.MetricsPort),
		"--cert-file=" + wd + certFile,
		"--key-file=" + wd + keyFile,
		"--trusted-ca-file=" + wd + caFile,
		"--peer-cert-file=" + wd + certFile,
		"--peer-key-file=" + wd + keyFile,
		"--peer-trusted-ca-file=" + wd + caFile,
		"--ready-timeout=" + timeout.String(),
	}
	if c.QuotaBackendBytes > 0 {
		args = append(args, "--quota-backend-bytes="+strconv.FormatInt(c.QuotaBackendBytes, 10))
	}
	if b := c.Backup; b != nil {
		args = append(args, "--restore-from-dir="+b.StoreDir)
		if b.RestoreSnapshot != "" {
			args = append(args, "--restore-snapshot="+b.RestoreSnapshot)
		}
	}
	return component.Component{
		Name:   name,
		Binary: bin,
		Args:   args,
		Files: []component.File{
			{Path: caFile, Content: c.CAPEM, Mode: 0o644},
			{Path: certFile, Content: c.ServerCertPEM, Mode: 0o644},
			{Path: keyFile, Content: c.ServerKeyPEM, Mode: 0o600},
		},
		Ports: []component.Port{
			{Name: "client", Port: c.ClientPort},
			{Name: "peer", Port: c.PeerPort},
			{Name: "metrics", Port: c.MetricsPort},
		},
		Readiness: &component.Probe{
			HTTPGet: &component.HTTPGetAction{Host: c.host(), Port: c.MetricsPort, Path: "/health"},
			Timeout: timeout + 10*time.Second,
		},
	}
}

// BuildBackup returns the description of the backup sidecar of the etcd that Build
// describes, named c.BackupName(): "etcd backup" of the same binary, which keeps full
// snapshots in c.Backup.StoreDir on c.Backup.Schedule and on request, and serves HTTPS on
// c.BackupURL() for etcdbackup.Client. c.Backup must be set. The sidecar serves with the
// etcd serving certificate and requires client certificates signed by the etcd CA, such
// as the kube-apiserver's etcd client certificate; its readiness probe presents the
// sidecar's own client certificate and passes once etcd answers.
//
// The description does not depend on etcd: put it in etcd's set with DependsOn naming
// etcd, or deploy it after etcd. Until etcd answers, the sidecar is not ready and retries
// its first snapshot.
func BuildBackup(c Config) component.Component {
	b := c.Backup
	if b == nil {
		b = &BackupConfig{}
	}
	timeout := cmp.Or(c.ReadyTimeout, time.Minute)
	clientCert, clientKey := b.ClientCertPEM, b.ClientKeyPEM
	if len(clientCert) == 0 {
		clientCert, clientKey = c.ServerCertPEM, c.ServerKeyPEM
	}
	wd := component.InWorkDir("")
	args := []string{
		"etcd", "backup",
		"--endpoint=" + c.ClientURL(),
		"--cacert=" + wd + caFile,
		"--cert=" + wd + clientCertFile,
		"--key=" + wd + clientKeyFile,
		"--store-dir=" + b.StoreDir,
		"--listen-address=" + c.host(),
		"--port=" + strconv.Itoa(b.Port),
		"--tls-cert-file=" + wd + certFile,
		"--tls-key-file=" + wd + keyFile,
		"--client-ca-file=" + wd + caFile,
	}
	if b.Schedule != "" {
		args = append(args, "--schedule="+b.Schedule)
	}
	if b.Keep > 0 {
		args = append(args, "--keep="+strconv.Itoa(b.Keep))
	}
	return component.Component{
		Name:   c.BackupName(),
		Binary: cmp.Or(c.Binary, "hortus-etcd"),
		Args:   args,
		Files: []component.File{
			{Path: caFile, Content: c.CAPEM, Mode: 0o644},
			{Path: certFile, Content: c.ServerCertPEM, Mode: 0o644},
			{Path: keyFile, Content: c.ServerKeyPEM, Mode: 0o600},
			{Path: clientCertFile, Content: clientCert, Mode: 0o644},
			{Path: clientKeyFile, Content: clientKey, Mode: 0o600},
		},
		Ports: []component.Port{{Name: "backup", Port: b.Port}},
		Readiness: &component.Probe{
			HTTPGet: &component.HTTPGetAction{
				Scheme:   "https",
				Host:     c.host(),
				Port:     b.Port,
				Path:     "/healthz",
				CAFile:   component.InWorkDir(caFile),
				CertFile: component.InWorkDir(clientCertFile),
				KeyFile:  component.InWorkDir(clientKeyFile),
			},
			Timeout: timeout + 10*time.Second,
		},
	}
}
