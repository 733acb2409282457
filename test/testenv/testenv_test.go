package testenv_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/test/testenv"
)

func TestStartRejectsInvalidControllerManagerOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    testenv.ControllerManagerOptions
		wantErr []string
	}{
		{
			name:    "cluster CIDR that is not a CIDR",
			opts:    testenv.ControllerManagerOptions{ClusterCIDR: "10.1.0.0"},
			wantErr: []string{`ControllerManager.ClusterCIDR: "10.1.0.0" is not a CIDR`, "use a range such as 10.1.0.0/16"},
		},
		{
			name:    "empty controller name",
			opts:    testenv.ControllerManagerOptions{Controllers: []string{"namespace-controller", ""}},
			wantErr: []string{"ControllerManager.Controllers[1]: must not be empty"},
		},
		{
			name: "every field wrong",
			opts: testenv.ControllerManagerOptions{Controllers: []string{""}, ClusterCIDR: "pods"},
			wantErr: []string{
				"ControllerManager.Controllers[0]: must not be empty",
				`ControllerManager.ClusterCIDR: "pods" is not a CIDR`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			// The options are checked before anything is created or started, so that no
			// directory or binary is needed.
			dir := t.TempDir()
			env, err := testenv.Start(context.Background(), testenv.Options{Dir: dir, BinDir: dir, ControllerManager: &tt.opts})
			g.Expect(env).To(BeNil())
			g.Expect(err).To(HaveOccurred())
			for _, want := range tt.wantErr {
				g.Expect(err.Error()).To(ContainSubstring(want))
			}
			g.Expect(err.Error()).NotTo(ContainSubstring("missing in"), "the binaries were looked for before the options were checked")
		})
	}
}

func TestStartNeedsTheControllerManagerBinary(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	_, err := testenv.Start(context.Background(), testenv.Options{Dir: dir, BinDir: dir, ControllerManager: &testenv.ControllerManagerOptions{}})
	g.Expect(err).To(MatchError(ContainSubstring("kube-controller-manager missing in " + dir + ": run 'make build kube' first")))
}
