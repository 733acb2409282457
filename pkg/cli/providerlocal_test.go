package cli

import (
	"bytes"
	"testing"

	. "github.com/onsi/gomega"
)

func TestProviderLocalCommand(t *testing.T) {
	g := NewWithT(t)
	cmd := newProviderLocalCommand()
	out := &bytes.Buffer{}
	cmd.SetOut(out)
	cmd.SetArgs([]string{"--help"})
	g.Expect(cmd.Execute()).To(Succeed())
	g.Expect(out.String()).To(ContainSubstring("Machines of provider local are simulated nodes"))
	for _, flag := range []string{"--backup-dir", "--metrics-bind-address", "--health-probe-bind-address", "--leader-elect", "--max-concurrent-reconciles", "--kubeconfig"} {
		g.Expect(out.String()).To(ContainSubstring(flag))
	}

	cmd = newProviderLocalCommand()
	cmd.SetArgs(nil)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	g.Expect(cmd.Execute()).To(MatchError(ContainSubstring("set --backup-dir")))
}
