package registry_test

import (
	"context"
	"testing"

	"github.com/gardener/gardener/pkg/apis/core"
	"github.com/gardener/gardener/pkg/apis/security"
	"github.com/gardener/gardener/pkg/apis/seedmanagement"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/backupbucket"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/backupentry"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/cloudprofile"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/controllerdeployment"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/controllerinstallation"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/controllerregistration"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/exposureclass"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/internalsecret"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/namespacedcloudprofile"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/project"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/quota"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/secretbinding"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/seed"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/shoot"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/shootstate"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/security/credentialsbinding"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/seedmanagement/managedseed"
)

// TestTables renders an empty object of every kind: each row has one cell per column, the
// first is the name and none panics on unset pointers.
func TestTables(t *testing.T) {
	tests := []struct {
		name      string
		convertor *registry.TableConvertor
		obj       runtime.Object
		columns   []string
	}{
		{"shoots", shoot.NewTableConvertor(), &core.Shoot{}, nil},
		{"seeds", seed.NewTableConvertor(), &core.Seed{}, []string{"Name", "Status", "Last Operation", "Provider", "Region", "Age", "Version", "K8S Version"}},
		{"projects", project.NewTableConvertor(), &core.Project{}, []string{"Name", "Namespace", "Status", "Owner", "Creator", "Age"}},
		{"cloudprofiles", cloudprofile.NewTableConvertor(), &core.CloudProfile{}, []string{"Name", "Provider", "Age"}},
		{"namespacedcloudprofiles", namespacedcloudprofile.NewTableConvertor(), &core.NamespacedCloudProfile{}, nil},
		{"controllerinstallations", controllerinstallation.NewTableConvertor(), &core.ControllerInstallation{}, []string{"Name", "Registration", "Seed", "Valid", "Installed", "Healthy", "Progressing", "Age", "Required"}},
		{"controllerregistrations", controllerregistration.NewTableConvertor(), &core.ControllerRegistration{Spec: core.ControllerRegistrationSpec{Resources: []core.ControllerResource{{Kind: "Extension", Type: "a"}, {Kind: "Worker", Type: "b"}}}}, []string{"Name", "Resources", "Age"}},
		{"controllerdeployments", controllerdeployment.NewTableConvertor(), &core.ControllerDeployment{Helm: &core.HelmControllerDeployment{}}, []string{"Name", "Type", "Age"}},
		{"backupbuckets", backupbucket.NewTableConvertor(), &core.BackupBucket{}, nil},
		{"backupentries", backupentry.NewTableConvertor(), &core.BackupEntry{}, []string{"Name", "Bucket", "Seed", "Operation", "Progress", "Age"}},
		{"quotas", quota.NewTableConvertor(), &core.Quota{}, nil},
		{"secretbindings", secretbinding.NewTableConvertor(), &core.SecretBinding{}, nil},
		{"exposureclasses", exposureclass.NewTableConvertor(), &core.ExposureClass{}, nil},
		{"internalsecrets", internalsecret.NewTableConvertor(), &core.InternalSecret{}, nil},
		{"shootstates", shootstate.NewTableConvertor(), &core.ShootState{}, []string{"Name", "Age"}},
		{"credentialsbindings", credentialsbinding.NewTableConvertor(), &security.CredentialsBinding{}, nil},
		{"managedseeds", managedseed.NewTableConvertor(), &seedmanagement.ManagedSeed{}, []string{"Name", "Status", "Shoot", "Age"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			tt.obj.(metav1.Object).SetName("x")
			table, err := tt.convertor.ConvertToTable(context.Background(), tt.obj, nil)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(table.Rows).To(HaveLen(1))
			g.Expect(table.Rows[0].Cells).To(HaveLen(len(table.ColumnDefinitions)))
			g.Expect(table.Rows[0].Cells[0]).To(Equal("x"))
			g.Expect(table.ColumnDefinitions[0].Name).To(Equal("Name"))
			if tt.columns != nil {
				var names []string
				for _, c := range table.ColumnDefinitions {
					names = append(names, c.Name)
				}
				g.Expect(names).To(Equal(tt.columns))
			}
		})
	}
}

func TestControllerInstallationConditionColumns(t *testing.T) {
	g := NewWithT(t)
	i := &core.ControllerInstallation{Status: core.ControllerInstallationStatus{Conditions: []core.Condition{
		{Type: core.ControllerInstallationInstalled, Status: core.ConditionTrue},
		{Type: core.ControllerInstallationRequired, Status: core.ConditionFalse},
	}}}
	i.Name = "provider-local-abcde"
	table, err := controllerinstallation.NewTableConvertor().ConvertToTable(context.Background(), i, nil)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(table.Rows[0].Cells[3:7]).To(Equal([]any{"<unknown>", "True", "<unknown>", "<unknown>"}), "Valid, Installed, Healthy, Progressing")
	g.Expect(table.Rows[0].Cells[8]).To(Equal("False"), "Required")
	g.Expect(table.ColumnDefinitions[8].Priority).To(Equal(int32(1)), "Required is shown with -o wide")
}

func TestControllerRegistrationResources(t *testing.T) {
	r := &core.ControllerRegistration{Spec: core.ControllerRegistrationSpec{Resources: []core.ControllerResource{{Kind: "Extension", Type: "a"}, {Kind: "Worker", Type: "b"}}}}
	NewWithT(t).Expect(controllerregistration.Resources(r)).To(Equal("Extension/a,Worker/b"))
}
