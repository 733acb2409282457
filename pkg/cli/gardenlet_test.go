package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// runGardenlet runs the gardenlet command in-process (it is registered in the root command
// separately) and returns its stdout and error.
func runGardenlet(ctx context.Context, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := newGardenletCommand()
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	err := cmd.ExecuteContext(ctx)
	return out.String(), err
}

func TestGardenletCommandHelp(t *testing.T) {
	g := NewWithT(t)
	out, err := runGardenlet(context.Background(), "--help")
	g.Expect(err).NotTo(HaveOccurred())
	for _, want := range []string{
		"--config", "--kubeconfig", "--seed-kubeconfig", "GardenletConfiguration",
		"gardenClientConnection.kubeconfig", "seedClientConnection.kubeconfig", "seedConfig.metadata.name",
		"resources.capacity.shoots", "controllers.seed.syncPeriod", "controllers.shoot.syncPeriod",
		"server.healthProbes", "leaderElection", "featureGates", "accepted and ignored",
		"gardener.cloud:system:seed:<seed>", "lastOperation", "SIGTERM", "Examples:",
		// The sample configuration, indented.
		"  kind: GardenletConfiguration",
	} {
		g.Expect(out).To(ContainSubstring(want))
	}
}

func TestGardenletCommandErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		NewWithT(t).Expect(os.WriteFile(path, []byte(content), 0o600)).To(Succeed())
		return path
	}
	const header = "apiVersion: gardenlet.config.gardener.cloud/v1alpha1\nkind: GardenletConfiguration\n"
	const seedConfig = `seedConfig:
  metadata: {name: local}
  spec:
    provider: {type: local, region: local}
    networks: {pods: 10.1.0.0/16, services: 10.2.0.0/16}
`
	gardenKubeconfig := write("garden.kubeconfig", `apiVersion: v1
kind: Config
clusters: [{name: garden, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: garden, user: {token: t}}]
contexts: [{name: garden, context: {cluster: garden, user: garden}}]
current-context: garden
`)
	noKubeconfig := write("no-kubeconfig.yaml", header+seedConfig)
	unknownField := write("unknown.yaml", header+"seedConfig:\n  metadata: {name: local}\n  spek: {}\n")

	tests := []struct {
		name    string
		args    []string
		wantErr []string
	}{
		{name: "no config", args: nil, wantErr: []string{"--config is required"}},
		{name: "unknown field", args: []string{"--config", unknownField}, wantErr: []string{`unknown field "seedConfig.spek"`}},
		{name: "no garden kubeconfig", args: []string{"--config", noKubeconfig}, wantErr: []string{"gardenClientConnection.kubeconfig: Required value"}},
		{
			name:    "--kubeconfig overrides gardenClientConnection.kubeconfig",
			args:    []string{"--config", noKubeconfig, "--kubeconfig", filepath.Join(dir, "missing-garden.kubeconfig")},
			wantErr: []string{"loading the garden kubeconfig", "missing-garden.kubeconfig"},
		},
		{
			name:    "--seed-kubeconfig overrides seedClientConnection.kubeconfig",
			args:    []string{"--config", noKubeconfig, "--kubeconfig", gardenKubeconfig, "--seed-kubeconfig", filepath.Join(dir, "missing-seed.kubeconfig")},
			wantErr: []string{"loading the seed client configuration", "missing-seed.kubeconfig"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := runGardenlet(context.Background(), tt.args...)
			g.Expect(err).To(HaveOccurred())
			for _, want := range tt.wantErr {
				g.Expect(err.Error()).To(ContainSubstring(want))
			}
			g.Expect(strings.Count(err.Error(), "\n")).To(BeNumerically("<", 3), "one short error")
		})
	}
}
