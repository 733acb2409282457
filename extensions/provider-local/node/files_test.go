package node

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/extensions/provider-local/userdata"
)

const bootstrapKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: shoot
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority: /var/lib/kubelet/ca.crt
users:
- name: kubelet-bootstrap
  user:
    token: abcdef.0123456789abcdef
contexts:
- name: bootstrap
  context: {cluster: shoot, user: kubelet-bootstrap}
current-context: bootstrap
`

func TestUserData(t *testing.T) {
	g := NewWithT(t)
	root := t.TempDir()
	cc := &userdata.CloudConfig{}
	cc.AddFile(userdata.CACertPath, []byte("the CA"), "0644")
	cc.AddFile(userdata.BootstrapKubeconfigPath, []byte(bootstrapKubeconfig), "0600")
	cc.AddFile(userdata.KubeletConfigPath, []byte("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 42\n"), "0644")
	data, err := cc.Render()
	g.Expect(err).NotTo(HaveOccurred())

	// Writing twice, as a restarted node does, is fine.
	for range 2 {
		cc, err = writeUserData(root, data)
		g.Expect(err).NotTo(HaveOccurred())
	}
	info, err := os.Stat(filepath.Join(root, "var/lib/kubelet/ca.crt"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o644)))
	info, err = os.Stat(filepath.Join(root, "var/lib/kubelet/kubeconfig-bootstrap"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)))

	kc, err := kubeletConfig(cc)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(kc.MaxPods).To(Equal(int32(42)))

	v, err := kubeletVersion(cc)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(v).To(BeEmpty(), "user data without a version: the node reports the API server's")

	cfg, err := bootstrapConfig(root, cc)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.Host).To(Equal("https://127.0.0.1:6443"))
	g.Expect(cfg.BearerToken).To(Equal("abcdef.0123456789abcdef"))
	g.Expect(string(cfg.CAData)).To(Equal("the CA"), "the CA path is a machine path, found below the root")
}

func TestKubeletVersion(t *testing.T) {
	g := NewWithT(t)
	cc := &userdata.CloudConfig{}
	cc.AddFile(userdata.KubeletVersionPath, []byte("v1.32.5\n"), "0644")
	g.Expect(kubeletVersion(cc)).To(Equal("v1.32.5"))

	cc = &userdata.CloudConfig{}
	cc.AddFile(userdata.KubeletVersionPath, []byte("latest"), "0644")
	_, err := kubeletVersion(cc)
	g.Expect(err).To(MatchError(ContainSubstring(`kubelet version /var/lib/kubelet/version: "latest" is not a semantic version`)))
}

func TestUserDataErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{name: "no bootstrap kubeconfig", wantErr: "needs its bootstrap kubeconfig"},
		{name: "wrong kind of kubelet configuration", files: map[string]string{
			userdata.BootstrapKubeconfigPath: bootstrapKubeconfig,
			userdata.KubeletConfigPath:       "apiVersion: v1\nkind: ConfigMap\n",
		}, wantErr: "want kubelet.config.k8s.io/v1beta1 KubeletConfiguration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			root := t.TempDir()
			cc := &userdata.CloudConfig{}
			for p, content := range tt.files {
				cc.AddFile(p, []byte(content), "")
			}
			data, err := cc.Render()
			g.Expect(err).NotTo(HaveOccurred())
			cc, err = writeUserData(root, data)
			g.Expect(err).NotTo(HaveOccurred())
			_, err = kubeletConfig(cc)
			if err == nil {
				_, err = bootstrapConfig(root, cc)
			}
			g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
		})
	}
}
