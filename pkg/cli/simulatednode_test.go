package cli

import (
	"bytes"
	"context"
	"testing"

	. "github.com/onsi/gomega"
)

func runSimulatedNode(args ...string) (string, error) {
	var out bytes.Buffer
	cmd := newSimulatedNodeCommand()
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestSimulatedNodeCommandHelp(t *testing.T) {
	g := NewWithT(t)
	out, err := runSimulatedNode("--help")
	g.Expect(err).NotTo(HaveOccurred())
	for _, want := range []string{
		"SIMULATED", "runs no", "--root-dir", "--user-data-file", "--node-name", "--provider-id",
		"--cpu", "--memory", "--pods", "--labels", "--log-level", "kubelet-client-current.pem",
	} {
		g.Expect(out).To(ContainSubstring(want))
	}
}

func TestSimulatedNodeCommandFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr []string
	}{
		{name: "nothing given", wantErr: []string{"--root-dir is required", "--user-data-file is required", "--node-name is required"}},
		{name: "bad quantities", args: []string{"--root-dir", "r", "--user-data-file", "u", "--node-name", "n", "--cpu", "many", "--pods", "0"},
			wantErr: []string{`--cpu "many" is not a quantity`, "--pods must be positive"}},
		{name: "missing user data", args: []string{"--root-dir", t.TempDir(), "--user-data-file", "/nonexistent/user-data", "--node-name", "n"},
			wantErr: []string{"reading the user data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := runSimulatedNode(tt.args...)
			for _, want := range tt.wantErr {
				g.Expect(err).To(MatchError(ContainSubstring(want)))
			}
		})
	}
}
