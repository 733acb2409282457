package extension

import (
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
)

// Kind describes one kind of extension object the gardenlet creates in a seed.
type Kind struct {
	// Name is the kind, e.g. "Infrastructure".
	Name string
	// Namespaced is false for the kinds that live outside shoot namespaces (BackupBucket,
	// BackupEntry); their actuators get no Cluster.
	Namespaced bool
	// NewObject returns an empty object of the kind.
	NewObject func() extensionsv1alpha1.Object
}

// Kinds returns the nine kinds of extension objects of the Gardener contract that Hortus
// handles, namespaced ones first.
func Kinds() []Kind {
	return []Kind{
		{Name: extensionsv1alpha1.ExtensionResource, Namespaced: true, NewObject: func() extensionsv1alpha1.Object { return &extensionsv1alpha1.Extension{} }},
		{Name: extensionsv1alpha1.DNSRecordResource, Namespaced: true, NewObject: func() extensionsv1alpha1.Object { return &extensionsv1alpha1.DNSRecord{} }},
		{Name: extensionsv1alpha1.InfrastructureResource, Namespaced: true, NewObject: func() extensionsv1alpha1.Object { return &extensionsv1alpha1.Infrastructure{} }},
		{Name: extensionsv1alpha1.NetworkResource, Namespaced: true, NewObject: func() extensionsv1alpha1.Object { return &extensionsv1alpha1.Network{} }},
		{Name: extensionsv1alpha1.ControlPlaneResource, Namespaced: true, NewObject: func() extensionsv1alpha1.Object { return &extensionsv1alpha1.ControlPlane{} }},
		{Name: extensionsv1alpha1.OperatingSystemConfigResource, Namespaced: true, NewObject: func() extensionsv1alpha1.Object { return &extensionsv1alpha1.OperatingSystemConfig{} }},
		{Name: extensionsv1alpha1.WorkerResource, Namespaced: true, NewObject: func() extensionsv1alpha1.Object { return &extensionsv1alpha1.Worker{} }},
		{Name: extensionsv1alpha1.BackupBucketResource, Namespaced: false, NewObject: func() extensionsv1alpha1.Object { return &extensionsv1alpha1.BackupBucket{} }},
		{Name: extensionsv1alpha1.BackupEntryResource, Namespaced: false, NewObject: func() extensionsv1alpha1.Object { return &extensionsv1alpha1.BackupEntry{} }},
	}
}
