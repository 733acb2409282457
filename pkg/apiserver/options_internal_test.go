package apiserver

import (
	"errors"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/spf13/pflag"
)

func TestKubeconfigMaxExpirationFlags(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantAdmin time.Duration
		wantErr   string
	}{
		{name: "default", wantAdmin: 24 * time.Hour},
		{name: "set", args: []string{"--shoot-admin-kubeconfig-max-expiration=2h", "--shoot-viewer-kubeconfig-max-expiration=1h"}, wantAdmin: 2 * time.Hour},
		{name: "too short", args: []string{"--shoot-viewer-kubeconfig-max-expiration=30m"}, wantAdmin: 24 * time.Hour, wantErr: "--shoot-viewer-kubeconfig-max-expiration must be between 1 hour and 2^32 seconds"},
		{name: "too long", args: []string{"--shoot-admin-kubeconfig-max-expiration=2000000h"}, wantAdmin: 2000000 * time.Hour, wantErr: "--shoot-admin-kubeconfig-max-expiration must be between 1 hour and 2^32 seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			o := NewOptions()
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			for _, f := range o.Flags().FlagSets {
				fs.AddFlagSet(f)
			}
			g.Expect(fs.Parse(tt.args)).To(Succeed())
			g.Expect(o.AdminKubeconfigMaxExpiration).To(Equal(tt.wantAdmin))
			err := errors.Join(o.validateShoots()...)
			if tt.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
		})
	}
}
