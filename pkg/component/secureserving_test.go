package component_test

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/component"
)

func TestSecureServing(t *testing.T) {
	tests := []struct {
		name      string
		serving   component.SecureServing
		wantURL   string
		wantFlags map[string]string
		wantFiles []component.File
		wantProbe *component.HTTPGetAction
	}{
		{
			name:    "no certificate: the binary generates one in --cert-dir",
			serving: component.SecureServing{Port: 10257},
			wantURL: "https://127.0.0.1:10257",
			wantFlags: map[string]string{
				"bind-address": "127.0.0.1",
				"secure-port":  "10257",
				"cert-dir":     "$(HORTUS_WORKDIR)/serving",
			},
			wantProbe: &component.HTTPGetAction{Scheme: "https", Host: "127.0.0.1", Port: 10257, Path: "/healthz"},
		},
		{
			name:    "a CA alone is not trusted: the generated certificate is not its",
			serving: component.SecureServing{BindAddress: "10.0.0.1", Port: 10259, CAPEM: []byte("ca")},
			wantURL: "https://10.0.0.1:10259",
			wantFlags: map[string]string{
				"bind-address": "10.0.0.1",
				"secure-port":  "10259",
				"cert-dir":     "$(HORTUS_WORKDIR)/serving",
			},
			wantProbe: &component.HTTPGetAction{Scheme: "https", Host: "10.0.0.1", Port: 10259, Path: "/healthz"},
		},
		{
			name:    "a certificate without a CA: the probe skips verification",
			serving: component.SecureServing{Port: 10257, CertPEM: []byte("crt"), KeyPEM: []byte("key")},
			wantURL: "https://127.0.0.1:10257",
			wantFlags: map[string]string{
				"bind-address":         "127.0.0.1",
				"secure-port":          "10257",
				"tls-cert-file":        "$(HORTUS_WORKDIR)/pki/serving.crt",
				"tls-private-key-file": "$(HORTUS_WORKDIR)/pki/serving.key",
			},
			wantFiles: []component.File{
				{Path: "pki/serving.crt", Content: []byte("crt"), Mode: 0o644},
				{Path: "pki/serving.key", Content: []byte("key")},
			},
			wantProbe: &component.HTTPGetAction{Scheme: "https", Host: "127.0.0.1", Port: 10257, Path: "/healthz"},
		},
		{
			name:    "a certificate with its CA: the probe trusts the CA",
			serving: component.SecureServing{Port: 10257, CertPEM: []byte("crt"), KeyPEM: []byte("key"), CAPEM: []byte("ca")},
			wantURL: "https://127.0.0.1:10257",
			wantFlags: map[string]string{
				"bind-address":         "127.0.0.1",
				"secure-port":          "10257",
				"tls-cert-file":        "$(HORTUS_WORKDIR)/pki/serving.crt",
				"tls-private-key-file": "$(HORTUS_WORKDIR)/pki/serving.key",
			},
			wantFiles: []component.File{
				{Path: "pki/serving.crt", Content: []byte("crt"), Mode: 0o644},
				{Path: "pki/serving.key", Content: []byte("key")},
				{Path: "pki/serving-ca.crt", Content: []byte("ca"), Mode: 0o644},
			},
			wantProbe: &component.HTTPGetAction{
				Scheme: "https", Host: "127.0.0.1", Port: 10257, Path: "/healthz", CAFile: "$(HORTUS_WORKDIR)/pki/serving-ca.crt",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(tt.serving.URL()).To(Equal(tt.wantURL))
			g.Expect(tt.serving.Flags()).To(Equal(tt.wantFlags))
			g.Expect(tt.serving.Files()).To(Equal(tt.wantFiles))
			g.Expect(tt.serving.Probe()).To(Equal(tt.wantProbe))
		})
	}
}
