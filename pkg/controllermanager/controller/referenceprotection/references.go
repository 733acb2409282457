package referenceprotection

import (
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// FinalizerName is the finalizer the controllers put on the objects they protect, the one
// Gardener uses.
const FinalizerName = gardencorev1beta1.GardenerName

// CloudProfileOf returns the name of the CloudProfile a Shoot references, directly
// (spec.cloudProfile of kind CloudProfile, or the deprecated spec.cloudProfileName), and
// "" if it references none or a NamespacedCloudProfile.
func CloudProfileOf(shoot *gardencorev1beta1.Shoot) string {
	if ref := shoot.Spec.CloudProfile; ref != nil {
		if ref.Kind == v1beta1constants.CloudProfileReferenceKindCloudProfile || ref.Kind == "" {
			return ref.Name
		}
		return ""
	}
	return ptr.Deref(shoot.Spec.CloudProfileName, "")
}

// ParentOf returns the name of the CloudProfile a NamespacedCloudProfile inherits from.
func ParentOf(profile *gardencorev1beta1.NamespacedCloudProfile) string {
	if profile.Spec.Parent.Kind == v1beta1constants.CloudProfileReferenceKindCloudProfile || profile.Spec.Parent.Kind == "" {
		return profile.Spec.Parent.Name
	}
	return ""
}

// QuotasOf returns the keys of the Quotas a SecretBinding or CredentialsBinding
// references; a reference without namespace means the binding's namespace.
func QuotasOf(binding client.Object) []client.ObjectKey {
	var refs []corev1.ObjectReference
	switch b := binding.(type) {
	case *gardencorev1beta1.SecretBinding:
		refs = b.Quotas
	case *securityv1alpha1.CredentialsBinding:
		refs = b.Quotas
	}
	out := make([]client.ObjectKey, 0, len(refs))
	for _, ref := range refs {
		ns := ref.Namespace
		if ns == "" {
			ns = binding.GetNamespace()
		}
		out = append(out, client.ObjectKey{Namespace: ns, Name: ref.Name})
	}
	return out
}

// ShootReferences returns the keys of the objects of kind target that shoot references.
// Quotas are referenced through bindings, never by a Shoot directly, so there are none.
func ShootReferences(shoot *gardencorev1beta1.Shoot, target Kind) []client.ObjectKey {
	var name string
	namespace := ""
	switch target {
	case KindCloudProfile:
		name = CloudProfileOf(shoot)
	case KindSecretBinding:
		name, namespace = ptr.Deref(shoot.Spec.SecretBindingName, ""), shoot.Namespace
	case KindCredentialsBinding:
		name, namespace = ptr.Deref(shoot.Spec.CredentialsBindingName, ""), shoot.Namespace
	case KindExposureClass:
		name = ptr.Deref(shoot.Spec.ExposureClassName, "")
	}
	if name == "" {
		return nil
	}
	return []client.ObjectKey{{Namespace: namespace, Name: name}}
}
