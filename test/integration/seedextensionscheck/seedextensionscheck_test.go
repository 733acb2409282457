package seedextensionscheck_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/seedextensionscheck"
)

func createSeed(ctx context.Context, name string) {
	GinkgoHelper()
	Expect(c.Create(ctx, &gardencorev1beta1.Seed{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: gardencorev1beta1.SeedSpec{
			Provider: gardencorev1beta1.SeedProvider{Type: "local", Region: "local"},
			Networks: gardencorev1beta1.SeedNetworks{Pods: "10.1.0.0/16", Services: "10.2.0.0/16"},
		},
	})).To(Succeed())
}

// reportGardenletReady sets the seed's GardenletReady condition True next to the others,
// as its gardenlet does.
func reportGardenletReady(ctx context.Context, name string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		seed := getSeed(ctx, name)(g)
		now := metav1.NewTime(fakeClock.Now())
		ready := gardencorev1beta1.Condition{Type: gardencorev1beta1.GardenletReady, Status: gardencorev1beta1.ConditionTrue, Reason: "Reported", Message: "reported by the test acting as gardenlet", LastTransitionTime: now, LastUpdateTime: now}
		seed.Status.Conditions = append(seed.Status.Conditions, ready)
		g.Expect(c.Status().Update(ctx, seed)).To(Succeed())
	}).Should(Succeed())
}

func createInstallation(ctx context.Context, name, seed string) {
	GinkgoHelper()
	Expect(c.Create(ctx, &gardencorev1beta1.ControllerInstallation{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: gardencorev1beta1.ControllerInstallationSpec{
			RegistrationRef: corev1.ObjectReference{Name: "extensionscheck-provider-local"},
			SeedRef:         &corev1.ObjectReference{Name: seed},
		},
	})).To(Succeed())
}

// reportInstallation reports the installation's conditions as the gardenlet does: Valid,
// Installed and Progressing False as given, Healthy with healthy and healthMessage.
func reportInstallation(ctx context.Context, name string, healthy gardencorev1beta1.ConditionStatus, healthMessage string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		inst := &gardencorev1beta1.ControllerInstallation{}
		g.Expect(c.Get(ctx, client.ObjectKey{Name: name}, inst)).To(Succeed())
		now := metav1.NewTime(fakeClock.Now())
		condition := func(t gardencorev1beta1.ConditionType, status gardencorev1beta1.ConditionStatus, message string) gardencorev1beta1.Condition {
			return gardencorev1beta1.Condition{Type: t, Status: status, Reason: "Reported", Message: message, LastTransitionTime: now, LastUpdateTime: now}
		}
		inst.Status.Conditions = []gardencorev1beta1.Condition{
			condition(gardencorev1beta1.ControllerInstallationValid, gardencorev1beta1.ConditionTrue, "valid"),
			condition(gardencorev1beta1.ControllerInstallationInstalled, gardencorev1beta1.ConditionTrue, "installed"),
			condition(gardencorev1beta1.ControllerInstallationHealthy, healthy, healthMessage),
			condition(gardencorev1beta1.ControllerInstallationProgressing, gardencorev1beta1.ConditionFalse, "done"),
		}
		g.Expect(c.Status().Update(ctx, inst)).To(Succeed())
	}).Should(Succeed())
}

func getSeed(ctx context.Context, name string) func(Gomega) *gardencorev1beta1.Seed {
	return func(g Gomega) *gardencorev1beta1.Seed {
		seed := &gardencorev1beta1.Seed{}
		g.Expect(c.Get(ctx, client.ObjectKey{Name: name}, seed)).To(Succeed())
		return seed
	}
}

// extensionsReady matches a seed whose ExtensionsReady condition has status and reason
// and whose message matches message.
func extensionsReady(status gardencorev1beta1.ConditionStatus, reason string, message OmegaMatcher) OmegaMatcher {
	return HaveField("Status.Conditions", ContainElement(And(
		HaveField("Type", gardencorev1beta1.SeedExtensionsReady),
		HaveField("Status", status),
		HaveField("Reason", reason),
		HaveField("Message", message),
	)))
}

func extensionsReadyCondition(g Gomega, seed *gardencorev1beta1.Seed) gardencorev1beta1.Condition {
	for _, cond := range seed.Status.Conditions {
		if cond.Type == gardencorev1beta1.SeedExtensionsReady {
			return cond
		}
	}
	g.Expect(seed.Status.Conditions).To(ContainElement(HaveField("Type", gardencorev1beta1.SeedExtensionsReady)))
	return gardencorev1beta1.Condition{}
}

// tableStatus returns the Status column of kubectl get seed name.
func tableStatus(ctx context.Context, name string) func(Gomega) string {
	return func(g Gomega) string {
		body, err := raw.Get().AbsPath("/apis/core.gardener.cloud/v1beta1/seeds", name).
			SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").Do(ctx).Raw()
		g.Expect(err).NotTo(HaveOccurred())
		table := &metav1.Table{}
		g.Expect(json.Unmarshal(body, table)).To(Succeed())
		g.Expect(table.Rows).To(HaveLen(1))
		for i, col := range table.ColumnDefinitions {
			if col.Name == "Status" {
				return fmt.Sprint(table.Rows[0].Cells[i])
			}
		}
		g.Expect(table.ColumnDefinitions).To(ContainElement(HaveField("Name", "Status")))
		return ""
	}
}

var _ = Describe("seed extensions check", func() {
	It("calls a seed without installations ready, so that a seed with a ready gardenlet is Ready", func(ctx context.Context) {
		createSeed(ctx, "bare")
		Eventually(getSeed(ctx, "bare")).Should(extensionsReady(gardencorev1beta1.ConditionTrue,
			seedextensionscheck.ReasonAllExtensionsReady, Equal("All extensions installed into the seed cluster are ready and healthy.")))
		Expect(tableStatus(ctx, "bare")(Default)).To(Equal("NotReady"), "the gardenlet has not reported yet")

		reportGardenletReady(ctx, "bare")
		Eventually(tableStatus(ctx, "bare")).Should(Equal("Ready"))
		Expect(getSeed(ctx, "bare")(Default)).To(extensionsReady(gardencorev1beta1.ConditionTrue, seedextensionscheck.ReasonAllExtensionsReady, Not(BeEmpty())),
			"the gardenlet's report keeps ExtensionsReady")
	})

	It("follows the conditions of the seed's installations", func(ctx context.Context) {
		createSeed(ctx, "follow")
		createSeed(ctx, "other")
		Eventually(getSeed(ctx, "follow")).Should(extensionsReady(gardencorev1beta1.ConditionTrue, seedextensionscheck.ReasonAllExtensionsReady, Not(BeEmpty())))
		readySince := extensionsReadyCondition(Default, getSeed(ctx, "follow")(Default)).LastTransitionTime

		By("ignoring an unhealthy installation on another seed")
		createInstallation(ctx, "elsewhere", "other")
		reportInstallation(ctx, "elsewhere", gardencorev1beta1.ConditionFalse, "broken elsewhere")
		Eventually(getSeed(ctx, "other")).Should(extensionsReady(gardencorev1beta1.ConditionProgressing, seedextensionscheck.ReasonNotAllExtensionsHealthy, ContainSubstring("elsewhere")))
		Consistently(getSeed(ctx, "follow"), 2*time.Second).Should(extensionsReady(gardencorev1beta1.ConditionTrue, seedextensionscheck.ReasonAllExtensionsReady, Not(BeEmpty())))

		By("waiting for a new installation to be installed, Progressing within the threshold")
		createInstallation(ctx, "provider-local-follow", "follow")
		Eventually(getSeed(ctx, "follow")).Should(extensionsReady(gardencorev1beta1.ConditionProgressing, seedextensionscheck.ReasonNotAllExtensionsInstalled,
			Equal("Some extensions are not installed: provider-local-follow (no conditions reported yet).")))

		By("calling it ready once it is")
		reportInstallation(ctx, "provider-local-follow", gardencorev1beta1.ConditionTrue, "healthy")
		Eventually(getSeed(ctx, "follow")).Should(extensionsReady(gardencorev1beta1.ConditionTrue, seedextensionscheck.ReasonAllExtensionsReady, Not(BeEmpty())))
		Expect(extensionsReadyCondition(Default, getSeed(ctx, "follow")(Default)).LastTransitionTime).To(Equal(readySince),
			"True throughout: Progressing never turned False")

		By("naming the installation once it turns unhealthy: Progressing, then False after the threshold")
		reportInstallation(ctx, "provider-local-follow", gardencorev1beta1.ConditionFalse, "pods crash")
		Eventually(getSeed(ctx, "follow")).Should(extensionsReady(gardencorev1beta1.ConditionProgressing, seedextensionscheck.ReasonNotAllExtensionsHealthy,
			Equal("Some extensions are not healthy: provider-local-follow (Healthy=False: pods crash).")))
		fakeClock.Step(threshold + time.Second)
		reportInstallation(ctx, "provider-local-follow", gardencorev1beta1.ConditionFalse, "pods still crash")
		Eventually(getSeed(ctx, "follow")).Should(extensionsReady(gardencorev1beta1.ConditionFalse, seedextensionscheck.ReasonNotAllExtensionsHealthy,
			Equal("Some extensions are not healthy: provider-local-follow (Healthy=False: pods still crash).")))
		falseSince := extensionsReadyCondition(Default, getSeed(ctx, "follow")(Default)).LastTransitionTime
		Expect(falseSince.Time).To(BeTemporally("==", fakeClock.Now()))

		By("keeping the transition time while it stays False")
		fakeClock.Step(time.Minute)
		reportInstallation(ctx, "provider-local-follow", gardencorev1beta1.ConditionFalse, "pods crash again")
		Eventually(getSeed(ctx, "follow")).Should(extensionsReady(gardencorev1beta1.ConditionFalse, seedextensionscheck.ReasonNotAllExtensionsHealthy, ContainSubstring("pods crash again")))
		Expect(extensionsReadyCondition(Default, getSeed(ctx, "follow")(Default)).LastTransitionTime).To(Equal(falseSince))

		By("calling it ready again once it is fixed")
		fakeClock.Step(time.Minute)
		reportInstallation(ctx, "provider-local-follow", gardencorev1beta1.ConditionTrue, "healthy")
		Eventually(getSeed(ctx, "follow")).Should(extensionsReady(gardencorev1beta1.ConditionTrue, seedextensionscheck.ReasonAllExtensionsReady,
			Equal("All extensions installed into the seed cluster are ready and healthy.")))
		Expect(extensionsReadyCondition(Default, getSeed(ctx, "follow")(Default)).LastTransitionTime.Time).To(BeTemporally("==", fakeClock.Now()))

		By("staying ready when the installation goes")
		Expect(c.Delete(ctx, &gardencorev1beta1.ControllerInstallation{ObjectMeta: metav1.ObjectMeta{Name: "provider-local-follow"}})).To(Succeed())
		Consistently(getSeed(ctx, "follow"), 2*time.Second).Should(extensionsReady(gardencorev1beta1.ConditionTrue, seedextensionscheck.ReasonAllExtensionsReady, Not(BeEmpty())))
	})
})
