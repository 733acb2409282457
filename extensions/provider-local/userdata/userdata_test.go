package userdata_test

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/extensions/provider-local/userdata"
)

func TestRoundTrip(t *testing.T) {
	g := NewWithT(t)
	c := &userdata.CloudConfig{}
	c.AddFile(userdata.CACertPath, []byte("-----BEGIN CERTIFICATE-----\n"), "0644")
	c.AddFile(userdata.BootstrapKubeconfigPath, []byte("apiVersion: v1\nkind: Config\n"), "")
	data, err := c.Render()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(data)).To(HavePrefix("#cloud-config\nwrite_files:\n"))

	parsed, err := userdata.Parse(data)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(parsed.Content(userdata.BootstrapKubeconfigPath)).To(Equal([]byte("apiVersion: v1\nkind: Config\n")))
	g.Expect(parsed.WriteFiles[0].Mode()).To(Equal(uint32(0o644)))
	g.Expect(parsed.WriteFiles[1].Mode()).To(Equal(uint32(0o600)))
	_, err = parsed.Content(userdata.KubeletConfigPath)
	g.Expect(err).To(MatchError(ContainSubstring("has no file /var/lib/kubelet/config/kubelet")))
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		wantErr string
	}{
		{name: "plain content", data: "#cloud-config\nwrite_files:\n- path: /etc/a\n  content: hello\n"},
		{name: "not cloud-config", data: "#!/bin/bash\necho hi\n", wantErr: "first line must be #cloud-config"},
		{name: "relative path", data: "#cloud-config\nwrite_files:\n- path: etc/a\n  content: x\n", wantErr: `"etc/a" must be absolute`},
		{name: "twice", data: "#cloud-config\nwrite_files:\n- path: /a\n  content: x\n- path: /a\n  content: y\n", wantErr: "written twice"},
		{name: "bad permissions", data: "#cloud-config\nwrite_files:\n- path: /a\n  permissions: rw\n  content: x\n", wantErr: "not octal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			c, err := userdata.Parse([]byte(tt.data))
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(c.Content("/etc/a")).To(Equal([]byte("hello")))
		})
	}
}
