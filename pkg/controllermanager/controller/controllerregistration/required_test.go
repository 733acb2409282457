package controllerregistration

import (
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"
)

func TestSeedKindTypes(t *testing.T) {
	now := metav1.Now()
	for _, tc := range []struct {
		name string
		seed gardencorev1beta1.Seed
		want []KindType
	}{
		{name: "provider only", seed: gardencorev1beta1.Seed{Spec: gardencorev1beta1.SeedSpec{Provider: gardencorev1beta1.SeedProvider{Type: "local"}}},
			want: []KindType{{KindControlPlane, "local"}}},
		{name: "backup, dns and extensions", seed: gardencorev1beta1.Seed{Spec: gardencorev1beta1.SeedSpec{
			Provider:   gardencorev1beta1.SeedProvider{Type: "aws"},
			Backup:     &gardencorev1beta1.Backup{Provider: "gcp"},
			DNS:        gardencorev1beta1.SeedDNS{Provider: &gardencorev1beta1.SeedDNSProvider{Type: "aws-route53"}},
			Extensions: []gardencorev1beta1.Extension{{Type: "ext-a"}, {Type: "ext-off", Disabled: ptr.To(true)}},
		}}, want: []KindType{
			{KindControlPlane, "aws"}, {KindBackupBucket, "gcp"}, {KindBackupEntry, "gcp"},
			{KindDNSRecord, "aws-route53"}, {KindExtension, "ext-a"},
		}},
		{name: "being deleted", seed: gardencorev1beta1.Seed{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now},
			Spec: gardencorev1beta1.SeedSpec{Provider: gardencorev1beta1.SeedProvider{Type: "local"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(SeedKindTypes(&tc.seed).UnsortedList()).To(ConsistOf(tc.want))
		})
	}
}

func TestShootKindTypes(t *testing.T) {
	worker := gardencorev1beta1.Worker{
		Name:    "pool",
		Machine: gardencorev1beta1.Machine{Type: "m", Image: &gardencorev1beta1.ShootMachineImage{Name: "gardenlinux"}},
		CRI:     &gardencorev1beta1.CRI{Name: gardencorev1beta1.CRINameContainerD, ContainerRuntimes: []gardencorev1beta1.ContainerRuntime{{Type: "gvisor"}}},
	}
	for _, tc := range []struct {
		name   string
		spec   gardencorev1beta1.ShootSpec
		backup string
		want   []KindType
	}{
		{name: "everything", backup: "s3", spec: gardencorev1beta1.ShootSpec{
			Provider:   gardencorev1beta1.Provider{Type: "aws", Workers: []gardencorev1beta1.Worker{worker}},
			Networking: &gardencorev1beta1.Networking{Type: ptr.To("calico")},
			Extensions: []gardencorev1beta1.Extension{{Type: "shoot-dns-service"}, {Type: "off", Disabled: ptr.To(true)}},
			DNS:        &gardencorev1beta1.DNS{Providers: []gardencorev1beta1.DNSProvider{{Type: ptr.To("aws-route53")}, {}}},
		}, want: []KindType{
			{KindControlPlane, "aws"}, {KindInfrastructure, "aws"}, {KindWorker, "aws"}, {KindNetwork, "calico"},
			{KindOperatingSystemConfig, "gardenlinux"}, {KindContainerRuntime, "gvisor"},
			{KindExtension, "shoot-dns-service"}, {KindDNSRecord, "aws-route53"}, {KindBackupEntry, "s3"},
		}},
		{name: "workerless", spec: gardencorev1beta1.ShootSpec{
			Provider:   gardencorev1beta1.Provider{Type: "foo"},
			Networking: &gardencorev1beta1.Networking{Type: ptr.To("calico")},
		}, want: []KindType{{KindControlPlane, "foo"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			shoot := &gardencorev1beta1.Shoot{Spec: tc.spec}
			g.Expect(ShootKindTypes(shoot, tc.backup).UnsortedList()).To(ConsistOf(tc.want))
		})
	}
}

func TestRequired(t *testing.T) {
	now := metav1.Now()
	seed := &gardencorev1beta1.Seed{ObjectMeta: metav1.ObjectMeta{Name: "s", Labels: map[string]string{"env": "prod"}}}
	registration := func(policy gardencorev1beta1.ControllerDeploymentPolicy, selector *metav1.LabelSelector) *gardencorev1beta1.ControllerRegistration {
		r := &gardencorev1beta1.ControllerRegistration{Spec: gardencorev1beta1.ControllerRegistrationSpec{
			Resources: []gardencorev1beta1.ControllerResource{{Kind: KindInfrastructure, Type: "foo"}},
		}}
		if policy != "" || selector != nil {
			r.Spec.Deployment = &gardencorev1beta1.ControllerRegistrationDeployment{SeedSelector: selector}
			if policy != "" {
				r.Spec.Deployment.Policy = &policy
			}
		}
		return r
	}
	using := Needs{KindTypes: sets.New(KindType{KindInfrastructure, "foo"}), HasShoots: true}
	idleWithShoots := Needs{KindTypes: sets.New(KindType{KindInfrastructure, "bar"}), HasShoots: true}
	empty := Needs{KindTypes: sets.New[KindType]()}
	deleted := registration("", nil)
	deleted.DeletionTimestamp = &now

	for _, tc := range []struct {
		name         string
		registration *gardencorev1beta1.ControllerRegistration
		needs        Needs
		want         bool
		wantErr      bool
	}{
		{name: "default policy, in use", registration: registration("", nil), needs: using, want: true},
		{name: "default policy, not in use", registration: registration("", nil), needs: idleWithShoots},
		{name: "OnDemand, in use", registration: registration(gardencorev1beta1.ControllerDeploymentPolicyOnDemand, nil), needs: using, want: true},
		{name: "Always, empty seed", registration: registration(gardencorev1beta1.ControllerDeploymentPolicyAlways, nil), needs: empty, want: true},
		{name: "AlwaysExceptNoShoots, no shoots", registration: registration(gardencorev1beta1.ControllerDeploymentPolicyAlwaysExceptNoShoots, nil), needs: empty},
		{name: "AlwaysExceptNoShoots, shoots", registration: registration(gardencorev1beta1.ControllerDeploymentPolicyAlwaysExceptNoShoots, nil), needs: idleWithShoots, want: true},
		{name: "selector matches", registration: registration("", &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}), needs: using, want: true},
		{name: "selector does not match, Always", registration: registration(gardencorev1beta1.ControllerDeploymentPolicyAlways, &metav1.LabelSelector{MatchLabels: map[string]string{"env": "dev"}}), needs: using},
		{name: "invalid selector", registration: registration("", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: "Bogus"}}}), needs: using, wantErr: true},
		{name: "registration being deleted", registration: deleted, needs: using},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := Required(tc.registration, seed, tc.needs)
			if tc.wantErr {
				g.Expect(err).To(HaveOccurred())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestRequiredCondition(t *testing.T) {
	for _, tc := range []struct {
		name        string
		required    bool
		neededBy    []string
		wantReason  string
		wantMessage string
	}{
		{name: "required by the seed", required: true, neededBy: []string{"garden-p/a"}, wantReason: ReasonRequiredBySeed,
			wantMessage: "Seed seed requires ControllerRegistration reg."},
		{name: "needed by one shoot", neededBy: []string{"garden-p/a"}, wantReason: ReasonNeededByShoots,
			wantMessage: "Seed seed no longer requires ControllerRegistration reg (by its spec.deployment.seedSelector, its policy or its deletion), " +
				"but it is still needed by shoot garden-p/a: the installation stays until no shoot on the seed needs it. To uninstall it, delete those shoots."},
		{name: "needed by many shoots", neededBy: []string{"p/1", "p/2", "p/3", "p/4", "p/5", "p/6", "p/7"}, wantReason: ReasonNeededByShoots,
			wantMessage: "still needed by shoot p/1, p/2, p/3, p/4, p/5, and 2 more: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c := RequiredCondition("reg", "seed", tc.required, tc.neededBy)
			g.Expect(c.Type).To(Equal(gardencorev1beta1.ControllerInstallationRequired))
			g.Expect(c.Status).To(Equal(gardencorev1beta1.ConditionTrue))
			g.Expect(c.Reason).To(Equal(tc.wantReason))
			g.Expect(c.Message).To(ContainSubstring(tc.wantMessage))
		})
	}
}
