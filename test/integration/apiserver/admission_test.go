package apiserver_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var _ = Describe("admission", func() {
	It("refuses objects in namespaces the garden does not have (NamespaceLifecycle)", func(ctx context.Context) {
		err := c.Create(ctx, newShoot("garden-does-not-exist", "s"))
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "expected 404, got %v", err)
		Expect(err.Error()).To(ContainSubstring(`namespaces "garden-does-not-exist" not found`))
	})

	It("applies the garden's ValidatingAdmissionPolicies to Gardener resources", func(ctx context.Context) {
		ns := newNamespace(ctx)
		policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "deny-labelled-shoots-"},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
				FailurePolicy: ptr.To(admissionregistrationv1.Fail),
				MatchConstraints: &admissionregistrationv1.MatchResources{
					ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
						RuleWithOperations: admissionregistrationv1.RuleWithOperations{
							Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
							Rule: admissionregistrationv1.Rule{
								APIGroups: []string{"core.gardener.cloud"}, APIVersions: []string{"*"}, Resources: []string{"shoots"},
							},
						},
					}},
				},
				Validations: []admissionregistrationv1.Validation{{
					Expression: `!has(object.metadata.labels) || !('deny' in object.metadata.labels)`,
					Message:    "denied by policy",
				}},
			},
		}
		Expect(c.Create(ctx, policy)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(c.Delete(ctx, policy))).To(Succeed()) })
		binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "deny-labelled-shoots-"},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
				PolicyName:        policy.Name,
				ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
				MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
					MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns},
				}},
			},
		}
		Expect(c.Create(ctx, binding)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(c.Delete(ctx, binding))).To(Succeed()) })

		// The Hortus API server picks the policy up from the garden asynchronously.
		Eventually(func() error {
			shoot := newShoot(ns, "")
			shoot.GenerateName = "denied-"
			shoot.Labels = map[string]string{"deny": "true"}
			err := c.Create(ctx, shoot)
			if err == nil {
				_ = c.Delete(ctx, shoot)
			}
			return err
		}).Should(MatchError(ContainSubstring("denied by policy")))

		allowed := newShoot(ns, "allowed")
		Expect(c.Create(ctx, allowed)).To(Succeed())
	})
})
