package apiserver_test

import (
	"context"
	"net/http"
	"strings"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var _ = Describe("Shoots", func() {
	var ns string

	BeforeEach(func(ctx context.Context) {
		ns = newNamespace(ctx)
	})

	It("are created, read, updated, listed and deleted", func(ctx context.Context) {
		shoot := newShoot(ns, "crud")
		Expect(c.Create(ctx, shoot)).To(Succeed())
		Expect(shoot.Generation).To(Equal(int64(1)))
		Expect(shoot.Spec.CloudProfile.Kind).To(Equal("CloudProfile"), "the strategy defaults the kind")
		Expect(shoot.UID).NotTo(BeEmpty())

		got := &gardencorev1beta1.Shoot{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), got)).To(Succeed())
		Expect(got.Spec.Region).To(Equal("local"))

		got.Spec.Kubernetes.Version = "1.34.3"
		Expect(c.Update(ctx, got)).To(Succeed())
		Expect(got.Generation).To(Equal(int64(2)))

		list := &gardencorev1beta1.ShootList{}
		Expect(c.List(ctx, list, client.InNamespace(ns))).To(Succeed())
		Expect(list.Items).To(HaveLen(1))
		Expect(list.Items[0].Spec.Kubernetes.Version).To(Equal("1.34.3"))

		Expect(c.Delete(ctx, got)).To(Succeed())
		Eventually(func() error { return c.Get(ctx, client.ObjectKeyFromObject(shoot), got) }).Should(Satisfy(apierrors.IsNotFound))
	})

	It("bump the generation only when the spec changes", func(ctx context.Context) {
		shoot := newShoot(ns, "generation")
		Expect(c.Create(ctx, shoot)).To(Succeed())

		shoot.Labels = map[string]string{"some": "label"}
		shoot.Annotations = map[string]string{"some": "annotation"}
		Expect(c.Update(ctx, shoot)).To(Succeed())
		Expect(shoot.Generation).To(Equal(int64(1)), "metadata changes keep the generation")

		shoot.Status.IsHibernated = true
		Expect(c.Status().Update(ctx, shoot)).To(Succeed())
		Expect(shoot.Generation).To(Equal(int64(1)), "status changes keep the generation")

		shoot.Spec.Hibernation = &gardencorev1beta1.Hibernation{Enabled: ptr.To(true)}
		Expect(c.Update(ctx, shoot)).To(Succeed())
		Expect(shoot.Generation).To(Equal(int64(2)))
	})

	It("change the status only through /status, and the spec only through the main resource", func(ctx context.Context) {
		shoot := newShoot(ns, "status")
		shoot.Status.IsHibernated = true
		Expect(c.Create(ctx, shoot)).To(Succeed())
		Expect(shoot.Status.IsHibernated).To(BeFalse(), "create clears the status")

		// A status update does not change the spec.
		shoot.Status.IsHibernated = true
		shoot.Status.LastOperation = &gardencorev1beta1.LastOperation{
			Type: gardencorev1beta1.LastOperationTypeCreate, State: gardencorev1beta1.LastOperationStateProcessing,
			Progress: 40, LastUpdateTime: metav1.Now(),
		}
		shoot.Spec.Region = "ignored-by-status"
		Expect(c.Status().Update(ctx, shoot)).To(Succeed())
		got := &gardencorev1beta1.Shoot{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), got)).To(Succeed())
		Expect(got.Spec.Region).To(Equal("local"))
		Expect(got.Status.IsHibernated).To(BeTrue())
		Expect(got.Status.LastOperation.Progress).To(Equal(int32(40)))

		// A spec update does not change the status.
		got.Status.IsHibernated = false
		got.Spec.Kubernetes.Version = "1.34.3"
		Expect(c.Update(ctx, got)).To(Succeed())
		Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), got)).To(Succeed())
		Expect(got.Spec.Kubernetes.Version).To(Equal("1.34.3"))
		Expect(got.Status.IsHibernated).To(BeTrue())
	})

	It("set spec.seedName only through /binding", func(ctx context.Context) {
		shoot := newShoot(ns, "binding")
		Expect(c.Create(ctx, shoot)).To(Succeed())

		changed := shoot.DeepCopy()
		changed.Spec.SeedName = ptr.To("seed-a")
		err := c.Update(ctx, changed)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected 422, got %v", err)
		Expect(fieldCauses(err)).To(ContainElement("spec.seedName"))

		bound := shoot.DeepCopy()
		bound.Spec.SeedName = ptr.To("seed-a")
		Expect(c.SubResource("binding").Update(ctx, bound)).To(Succeed())
		got := &gardencorev1beta1.Shoot{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), got)).To(Succeed())
		Expect(got.Spec.SeedName).To(Equal(ptr.To("seed-a")))
		Expect(got.Generation).To(Equal(int64(2)))
		Expect(got.Labels).To(HaveKeyWithValue("name.seed.gardener.cloud/seed-a", "true"))

		// A migration rebinds; unsetting is refused.
		got.Spec.SeedName = ptr.To("seed-b")
		Expect(c.SubResource("binding").Update(ctx, got)).To(Succeed())
		Expect(got.Spec.SeedName).To(Equal(ptr.To("seed-b")))
		got.Spec.SeedName = nil
		Expect(apierrors.IsInvalid(c.SubResource("binding").Update(ctx, got))).To(BeTrue())

		// An update that keeps the seed name passes.
		Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), got)).To(Succeed())
		got.Spec.Kubernetes.Version = "1.34.3"
		Expect(c.Update(ctx, got)).To(Succeed())
	})

	It("are selected and watched by spec.seedName", func(ctx context.Context) {
		for name, seed := range map[string]string{"a1": "seed-a", "a2": "seed-a", "b1": "seed-b", "none": ""} {
			shoot := newShoot(ns, name)
			if seed != "" {
				shoot.Spec.SeedName = ptr.To(seed)
			}
			Expect(c.Create(ctx, shoot)).To(Succeed())
		}

		list := &gardencorev1beta1.ShootList{}
		Expect(c.List(ctx, list, client.InNamespace(ns), client.MatchingFields{"spec.seedName": "seed-a"})).To(Succeed())
		Expect(names(list)).To(ConsistOf("a1", "a2"))
		Expect(c.List(ctx, list, client.MatchingFields{"spec.seedName": ""}, client.InNamespace(ns))).To(Succeed())
		Expect(names(list)).To(ConsistOf("none"))
		Expect(c.List(ctx, list, client.InNamespace(ns), client.MatchingFields{"spec.provider.type": "local", "spec.cloudProfile.name": "local"})).To(Succeed())
		Expect(list.Items).To(HaveLen(4))
		Expect(c.List(ctx, list, client.InNamespace(ns), client.MatchingFields{"spec.cloudProfileName": "local"})).To(Succeed())
		Expect(list.Items).To(HaveLen(4), "spec.cloudProfileName reads spec.cloudProfile when only that is set")

		// Watch across all namespaces, as a gardenlet does.
		wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		w, err := wc.Watch(ctx, &gardencorev1beta1.ShootList{}, client.MatchingFieldsSelector{Selector: fields.OneTermEqualSelector("spec.seedName", "seed-a")})
		Expect(err).NotTo(HaveOccurred())
		defer w.Stop()

		seen := map[string]int{}
		collect := func(timeout time.Duration) {
			deadline := time.After(timeout)
			for {
				select {
				case ev := <-w.ResultChan():
					if s, ok := ev.Object.(*gardencorev1beta1.Shoot); ok && ev.Type != watch.Bookmark {
						Expect(s.Spec.SeedName).To(Equal(ptr.To("seed-a")), "the watch only sees seed-a's shoots")
						seen[s.Name]++
					}
				case <-deadline:
					return
				}
			}
		}
		collect(2 * time.Second)
		Expect(seen).To(HaveKey("a1"))
		Expect(seen).To(HaveKey("a2"))

		// Changes to other seeds' shoots are not delivered; seed-a's are.
		b1 := &gardencorev1beta1.Shoot{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "b1"}, b1)).To(Succeed())
		b1.Labels = map[string]string{"touched": "true"}
		Expect(c.Update(ctx, b1)).To(Succeed())
		a1 := &gardencorev1beta1.Shoot{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "a1"}, a1)).To(Succeed())
		a1.Labels = map[string]string{"touched": "true"}
		Expect(c.Update(ctx, a1)).To(Succeed())
		seen = map[string]int{}
		collect(2 * time.Second)
		Expect(seen).To(Equal(map[string]int{"a1": 1}))
	})

	It("are served as protobuf", func(ctx context.Context) {
		cfg := rest.CopyConfig(env.Config)
		cfg.ContentType = "application/vnd.kubernetes.protobuf"
		cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf"
		var seenContentType string
		cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
			return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
				resp, err := rt.RoundTrip(req)
				if err == nil && strings.Contains(req.URL.Path, "/shoots") {
					seenContentType = resp.Header.Get("Content-Type")
				}
				return resp, err
			})
		}
		pc, err := client.New(cfg, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())

		shoot := newShoot(ns, "proto")
		Expect(pc.Create(ctx, shoot)).To(Succeed())
		Expect(seenContentType).To(Equal("application/vnd.kubernetes.protobuf"))
		got := &gardencorev1beta1.Shoot{}
		seenContentType = ""
		Expect(pc.Get(ctx, client.ObjectKeyFromObject(shoot), got)).To(Succeed())
		Expect(seenContentType).To(Equal("application/vnd.kubernetes.protobuf"))
		Expect(got.Spec.CloudProfile.Name).To(Equal("local"))
		Expect(got.UID).To(Equal(shoot.UID))
	})

	It("with a finalizer get a deletion timestamp and stay until the finalizer is removed", func(ctx context.Context) {
		shoot := newShoot(ns, "finalizer")
		shoot.Finalizers = []string{"gardener"}
		Expect(c.Create(ctx, shoot)).To(Succeed())

		Expect(c.Delete(ctx, shoot)).To(Succeed())
		got := &gardencorev1beta1.Shoot{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), got)).To(Succeed())
		Expect(got.DeletionTimestamp).NotTo(BeNil())
		Expect(got.Generation).To(Equal(int64(2)), "setting the deletion timestamp bumps the generation")
		Consistently(func() error { return c.Get(ctx, client.ObjectKeyFromObject(shoot), got) }).
			WithTimeout(time.Second).Should(Succeed())

		got.Finalizers = nil
		Expect(c.Update(ctx, got)).To(Succeed())
		Eventually(func() error { return c.Get(ctx, client.ObjectKeyFromObject(shoot), got) }).Should(Satisfy(apierrors.IsNotFound))
	})

	It("accept server-side apply", func(ctx context.Context) {
		manifest := func(version string) string {
			return `apiVersion: core.gardener.cloud/v1beta1
kind: Shoot
metadata:
  name: applied
  namespace: ` + ns + `
spec:
  cloudProfile:
    name: local
  region: local
  provider:
    type: local
  kubernetes:
    version: "` + version + `"
`
		}
		Expect(kubectlStdin(ctx, manifest("1.33.0"), "apply", "--server-side", "-f", "-")).To(ContainSubstring("serverside-applied"))
		Expect(kubectlStdin(ctx, manifest("1.34.3"), "apply", "--server-side", "-f", "-")).To(ContainSubstring("serverside-applied"))
		got := &gardencorev1beta1.Shoot{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "applied"}, got)).To(Succeed())
		Expect(got.Spec.Kubernetes.Version).To(Equal("1.34.3"))
		Expect(got.Generation).To(Equal(int64(2)))
		Expect(got.ManagedFields).NotTo(BeEmpty())
	})

	It("are validated", func(ctx context.Context) {
		shoot := newShoot(ns, "invalid")
		shoot.Spec.Region = ""
		err := c.Create(ctx, shoot)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected 422, got %v", err)
		Expect(fieldCauses(err)).To(ContainElement("spec.region"))
	})

	It("are printed by kubectl get with Gardener's columns", func(ctx context.Context) {
		shoot := newShoot(ns, "printed")
		shoot.Spec.SeedName = ptr.To("seed-a")
		shoot.Spec.Purpose = ptr.To(gardencorev1beta1.ShootPurposeEvaluation)
		Expect(c.Create(ctx, shoot)).To(Succeed())
		shoot.Status.LastOperation = &gardencorev1beta1.LastOperation{
			Type: gardencorev1beta1.LastOperationTypeCreate, State: gardencorev1beta1.LastOperationStateProcessing,
			Progress: 40, LastUpdateTime: metav1.Now(),
		}
		shoot.Status.Conditions = []gardencorev1beta1.Condition{
			{Type: gardencorev1beta1.ShootAPIServerAvailable, Status: gardencorev1beta1.ConditionTrue, LastTransitionTime: metav1.Now(), LastUpdateTime: metav1.Now()},
			{Type: gardencorev1beta1.ShootEveryNodeReady, Status: gardencorev1beta1.ConditionFalse, LastTransitionTime: metav1.Now(), LastUpdateTime: metav1.Now()},
		}
		Expect(c.Status().Update(ctx, shoot)).To(Succeed())

		out := kubectl(ctx, "get", "shoots", "-A")
		Expect(out).To(MatchRegexp(`NAMESPACE\s+NAME\s+CLOUDPROFILE\s+PROVIDER\s+REGION\s+K8S VERSION\s+HIBERNATION\s+LAST OPERATION\s+STATUS\s+AGE`))
		Expect(out).To(MatchRegexp(ns + `\s+printed\s+local\s+local\s+local\s+1\.33\.0\s+Awake\s+Create Processing \(40%\)\s+<pending>\s+\d+s`))

		out = kubectl(ctx, "get", "shoot", "printed", "-n", ns, "-o", "wide")
		Expect(out).To(MatchRegexp(`NAME\s+CLOUDPROFILE\s+PROVIDER\s+REGION\s+SEED\s+K8S VERSION\s+HIBERNATION\s+LAST OPERATION\s+STATUS\s+PURPOSE\s+APISERVER\s+CONTROL\s+NODES\s+SYSTEM\s+AGE`))
		Expect(out).To(MatchRegexp(`printed\s+local\s+local\s+local\s+seed-a\s+1\.33\.0\s+Awake\s+Create Processing \(40%\)\s+<pending>\s+evaluation\s+True\s+<unknown>\s+False\s+<unknown>\s+\d+s`))
	})
})

func names(list *gardencorev1beta1.ShootList) []string {
	var out []string
	for _, s := range list.Items {
		out = append(out, s.Name)
	}
	return out
}

// fieldCauses returns the fields an Invalid error names.
func fieldCauses(err error) []string {
	var out []string
	if status, ok := err.(apierrors.APIStatus); ok && status.Status().Details != nil {
		for _, c := range status.Status().Details.Causes {
			out = append(out, c.Field)
		}
	}
	return out
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
