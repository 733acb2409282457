package validation_test

import (
	"testing"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
)

func secretRef(name string) corev1.ObjectReference {
	return corev1.ObjectReference{APIVersion: "v1", Kind: "Secret", Name: name, Namespace: "garden"}
}

// newSeed returns a valid Seed with ingress, DNS and backup.
func newSeed() *core.Seed {
	return &core.Seed{
		ObjectMeta: metav1.ObjectMeta{Name: "seed-1", ResourceVersion: "1"},
		Spec: core.SeedSpec{
			Provider: core.SeedProvider{Type: "local", Region: "local", Zones: []string{"a", "b"}},
			Networks: core.SeedNetworks{
				Nodes:         ptr.To("10.240.0.0/16"),
				Pods:          "10.241.128.0/17",
				Services:      "10.241.0.0/17",
				ShootDefaults: &core.ShootNetworks{Pods: ptr.To("100.96.0.0/11"), Services: ptr.To("100.64.0.0/13")},
				BlockCIDRs:    []string{"169.254.169.254/32"},
				IPFamilies:    []core.IPFamily{core.IPFamilyIPv4},
			},
			Backup: &core.Backup{Provider: "local", CredentialsRef: ptr.To(secretRef("backup"))},
			DNS: core.SeedDNS{
				Provider: &core.SeedDNSProvider{Type: "local", CredentialsRef: ptr.To(secretRef("dns"))},
				Internal: &core.SeedDNSProviderConfig{Type: "local", Domain: "internal.example.com", CredentialsRef: secretRef("internal")},
			},
			Ingress: &core.Ingress{Domain: "ingress.seed-1.example.com", Controller: core.IngressController{Kind: "nginx"}},
			Taints:  []core.SeedTaint{{Key: "seed.gardener.cloud/protected"}},
			Settings: &core.SeedSettings{
				ExcessCapacityReservation: &core.SeedSettingExcessCapacityReservation{Configs: []core.SeedSettingExcessCapacityReservationConfig{{
					Resources: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
				}}},
				LoadBalancerServices: &core.SeedSettingLoadBalancerServices{
					Zones: []core.SeedSettingLoadBalancerServicesZones{{Name: "a"}},
				},
			},
		},
	}
}

func TestValidateSeed(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.Seed)
		want   []types.GomegaMatcher
	}{
		{name: "valid"},
		{
			name: "minimal seed without ingress, DNS, backup and nodes",
			mutate: func(s *core.Seed) {
				s.Spec.Ingress, s.Spec.DNS, s.Spec.Backup, s.Spec.Networks.Nodes = nil, core.SeedDNS{}, nil, nil
			},
		},
		{
			name:   "name not a DNS label",
			mutate: func(s *core.Seed) { s.Name = "seed.1" },
			want:   errs(invalid("metadata.name")),
		},
		{
			name:   "namespace set on a cluster-scoped object",
			mutate: func(s *core.Seed) { s.Namespace = "garden" },
			want:   errs(forbidden("metadata.namespace")),
		},
		{
			name:   "provider type and region missing",
			mutate: func(s *core.Seed) { s.Spec.Provider.Type, s.Spec.Provider.Region = "", "" },
			want:   errs(required("spec.provider.type"), required("spec.provider.region"), required("spec.backup.region")),
		},
		{
			name:   "duplicate zone",
			mutate: func(s *core.Seed) { s.Spec.Provider.Zones = []string{"a", "a"} },
			want:   errs(duplicate("spec.provider.zones[1]")),
		},
		{
			name:   "pods and services missing",
			mutate: func(s *core.Seed) { s.Spec.Networks.Pods, s.Spec.Networks.Services = "", "" },
			want:   errs(required("spec.networks.pods"), required("spec.networks.services")),
		},
		{
			name:   "invalid service CIDR",
			mutate: func(s *core.Seed) { s.Spec.Networks.Services = "10.241.0.0" },
			want:   errs(invalid("spec.networks.services")),
		},
		{
			name:   "pods inside nodes",
			mutate: func(s *core.Seed) { s.Spec.Networks.Pods = "10.240.128.0/17" },
			want:   errs(invalidWithDetail("spec.networks.pods", "spec.networks.nodes")),
		},
		{
			name:   "services overlap pods",
			mutate: func(s *core.Seed) { s.Spec.Networks.Services = "10.241.192.0/18" },
			want:   errs(invalidWithDetail("spec.networks.services", "spec.networks.pods")),
		},
		{
			name:   "IPv6 nodes in an IPv4 seed",
			mutate: func(s *core.Seed) { s.Spec.Networks.Nodes = ptr.To("fd00::/48") },
			want:   errs(invalid("spec.networks.nodes")),
		},
		{
			name:   "shoot default pods not canonical",
			mutate: func(s *core.Seed) { s.Spec.Networks.ShootDefaults.Pods = ptr.To("100.96.0.1/11") },
			want:   errs(invalid("spec.networks.shootDefaults.pods")),
		},
		{
			name:   "shoot default services overlap shoot default pods",
			mutate: func(s *core.Seed) { s.Spec.Networks.ShootDefaults.Services = ptr.To("100.100.0.0/16") },
			want:   errs(invalidWithDetail("spec.networks.shootDefaults.services", "spec.networks.shootDefaults.pods")),
		},
		{
			name:   "shoot defaults may overlap the seed's networks",
			mutate: func(s *core.Seed) { s.Spec.Networks.ShootDefaults.Pods = ptr.To("10.0.0.0/8") },
		},
		{
			name:   "invalid block CIDR",
			mutate: func(s *core.Seed) { s.Spec.Networks.BlockCIDRs = []string{"169.254.169.254"} },
			want:   errs(invalid("spec.networks.blockCIDRs[0]")),
		},
		{
			name:   "unsupported IP family",
			mutate: func(s *core.Seed) { s.Spec.Networks.IPFamilies = []core.IPFamily{"IPv5"} },
			want:   errs(notSupported("spec.networks.ipFamilies[0]")),
		},
		{
			name:   "backup credentials missing",
			mutate: func(s *core.Seed) { s.Spec.Backup.CredentialsRef = nil },
			want:   errs(required("spec.backup.credentialsRef")),
		},
		{
			name:   "backup with another provider and no region",
			mutate: func(s *core.Seed) { s.Spec.Backup.Provider = "aws" },
			want:   errs(required("spec.backup.region")),
		},
		{
			name:   "backup credentials of an unsupported kind",
			mutate: func(s *core.Seed) { s.Spec.Backup.CredentialsRef.Kind = "ConfigMap" },
			want:   errs(notSupported("spec.backup.credentialsRef")),
		},
		{
			name:   "taint key missing",
			mutate: func(s *core.Seed) { s.Spec.Taints = []core.SeedTaint{{Key: ""}} },
			want:   errs(required("spec.taints[0].key")),
		},
		{
			name:   "taint key not a qualified name",
			mutate: func(s *core.Seed) { s.Spec.Taints = []core.SeedTaint{{Key: "no spaces"}} },
			want:   errs(invalid("spec.taints[0].key")),
		},
		{
			name: "duplicate taint key",
			mutate: func(s *core.Seed) {
				s.Spec.Taints = []core.SeedTaint{{Key: "dedicated", Value: ptr.To("a")}, {Key: "dedicated", Value: ptr.To("b")}}
			},
			want: errs(duplicate("spec.taints[1].key")),
		},
		{
			name: "volume with a negative minimum size, a provider without name and a duplicate purpose",
			mutate: func(s *core.Seed) {
				s.Spec.Volume = &core.SeedVolume{
					MinimumSize: ptr.To(resource.MustParse("-20Gi")),
					Providers:   []core.SeedVolumeProvider{{Purpose: "etcd-main", Name: "flexvolume"}, {Purpose: "etcd-main"}},
				}
			},
			want: errs(
				invalid("spec.volume.minimumSize"),
				required("spec.volume.providers[1].name"),
				duplicate("spec.volume.providers[1].purpose"),
			),
		},
		{
			name: "negative excess capacity",
			mutate: func(s *core.Seed) {
				s.Spec.Settings.ExcessCapacityReservation.Configs[0].Resources[corev1.ResourceCPU] = resource.MustParse("-1")
			},
			want: errs(invalid("spec.settings.excessCapacityReservation.configs[0].resources[cpu]")),
		},
		{
			name:   "load balancer settings for an unknown zone",
			mutate: func(s *core.Seed) { s.Spec.Settings.LoadBalancerServices.Zones[0].Name = "c" },
			want:   errs(notFound("spec.settings.loadBalancerServices.zones[0].name")),
		},
		{
			name: "unsupported external traffic policy",
			mutate: func(s *core.Seed) {
				s.Spec.Settings.LoadBalancerServices.ExternalTrafficPolicy = ptr.To(corev1.ServiceExternalTrafficPolicy("Nearest"))
			},
			want: errs(notSupported("spec.settings.loadBalancerServices.externalTrafficPolicy")),
		},
		{
			name: "zone selection without zones",
			mutate: func(s *core.Seed) {
				s.Spec.Provider.Zones = nil
				s.Spec.Settings.LoadBalancerServices = nil
				s.Spec.Settings.ZoneSelection = &core.SeedSettingZoneSelection{Mode: core.ZoneSelectionModePrefer}
			},
			want: errs(forbidden("spec.settings.zoneSelection")),
		},
		{
			name:   "ingress domain missing",
			mutate: func(s *core.Seed) { s.Spec.Ingress.Domain = "" },
			want:   errs(required("spec.ingress.domain")),
		},
		{
			name:   "unsupported ingress controller",
			mutate: func(s *core.Seed) { s.Spec.Ingress.Controller.Kind = "traefik" },
			want:   errs(notSupported("spec.ingress.controller.kind")),
		},
		{
			name:   "ingress without DNS provider",
			mutate: func(s *core.Seed) { s.Spec.DNS.Provider = nil },
			want:   errs(required("spec.dns.provider")),
		},
		{
			name:   "DNS provider without type and credentials",
			mutate: func(s *core.Seed) { s.Spec.DNS.Provider = &core.SeedDNSProvider{} },
			want:   errs(required("spec.dns.provider.type"), required("spec.dns.provider.credentialsRef")),
		},
		{
			name:   "internal DNS domain invalid",
			mutate: func(s *core.Seed) { s.Spec.DNS.Internal.Domain = "Internal_Domain" },
			want:   errs(invalid("spec.dns.internal.domain")),
		},
		{
			name: "duplicate default DNS domain",
			mutate: func(s *core.Seed) {
				config := *s.Spec.DNS.Internal
				s.Spec.DNS.Defaults = []core.SeedDNSProviderConfig{config, config}
			},
			want: errs(duplicate("spec.dns.defaults[1].domain")),
		},
		{
			name:   "duplicate extension type",
			mutate: func(s *core.Seed) { s.Spec.Extensions = []core.Extension{{Type: "foo"}, {Type: "foo"}} },
			want:   errs(duplicate("spec.extensions[1].type")),
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed := newSeed()
			if tt.mutate != nil {
				tt.mutate(seed)
			}
			NewWithT(t).Expect(validation.ValidateSeed(seed)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateSeedUpdate(t *testing.T) {
	tests := []struct {
		name   string
		old    func() *core.Seed
		mutate func(*core.Seed)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{
			name:   "pods changed",
			mutate: func(s *core.Seed) { s.Spec.Networks.Pods = "10.242.0.0/17" },
			want:   errs(invalid("spec.networks.pods")),
		},
		{
			name:   "services changed",
			mutate: func(s *core.Seed) { s.Spec.Networks.Services = "10.242.0.0/17" },
			want:   errs(invalid("spec.networks.services")),
		},
		{
			name:   "nodes changed",
			mutate: func(s *core.Seed) { s.Spec.Networks.Nodes = ptr.To("10.250.0.0/16") },
			want:   errs(invalid("spec.networks.nodes")),
		},
		{
			name: "nodes set for the first time",
			old: func() *core.Seed {
				s := newSeed()
				s.Spec.Networks.Nodes = nil
				return s
			},
		},
		{
			name:   "shoot defaults changed",
			mutate: func(s *core.Seed) { s.Spec.Networks.ShootDefaults = nil },
		},
		{
			name:   "ingress domain changed",
			mutate: func(s *core.Seed) { s.Spec.Ingress.Domain = "other.example.com" },
			want:   errs(invalid("spec.ingress.domain")),
		},
		{
			name:   "backup provider changed",
			mutate: func(s *core.Seed) { s.Spec.Backup.Provider, s.Spec.Backup.Region = "aws", ptr.To("eu-west-1") },
			want:   errs(invalid("spec.backup.provider"), invalid("spec.backup.region")),
		},
		{
			name:   "backup removed",
			mutate: func(s *core.Seed) { s.Spec.Backup = nil },
			want:   errs(forbidden("spec.backup")),
		},
		{
			name:   "taints changed",
			mutate: func(s *core.Seed) { s.Spec.Taints = nil },
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldSeed := newSeed()
			if tt.old != nil {
				oldSeed = tt.old()
			}
			newSeed := newSeed()
			if tt.mutate != nil {
				tt.mutate(newSeed)
			}
			NewWithT(t).Expect(validation.ValidateSeedUpdate(newSeed, oldSeed)).To(consistOfErrors(tt.want))
		})
	}
}
