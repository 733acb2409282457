package worker_test

import (
	"context"
	"errors"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/worker"
	"github.com/hortus-dev/hortus/extensions/provider-local/machineclass"
)

const namespace = "shoot--p--s"

func profile() *gardencorev1beta1.CloudProfile {
	return &gardencorev1beta1.CloudProfile{ObjectMeta: metav1.ObjectMeta{Name: "local"}, Spec: gardencorev1beta1.CloudProfileSpec{
		MachineTypes: []gardencorev1beta1.MachineType{
			{Name: "small", CPU: resource.MustParse("2"), Memory: resource.MustParse("4Gi")},
			{Name: "large", CPU: resource.MustParse("8"), Memory: resource.MustParse("32Gi")},
		},
	}}
}

func pool(name string, minimum, maximum int32, zones ...string) extensionsv1alpha1.WorkerPool {
	return extensionsv1alpha1.WorkerPool{
		Name: name, MachineType: "small", Minimum: minimum, Maximum: maximum, Zones: zones,
		MaxSurge: intstr.FromInt32(3), MaxUnavailable: intstr.FromString("25%"),
		Labels:            map[string]string{"team": "a"},
		Taints:            []corev1.Taint{{Key: "dedicated", Value: "a", Effect: corev1.TaintEffectNoSchedule}},
		UserDataSecretRef: corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "user-data-" + name}, Key: "cloud_config"},
	}
}

func newWorker(pools ...extensionsv1alpha1.WorkerPool) *extensionsv1alpha1.Worker {
	return &extensionsv1alpha1.Worker{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "s"},
		Spec:       extensionsv1alpha1.WorkerSpec{DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: "local"}, Region: "local", Pools: pools},
	}
}

func TestBuild(t *testing.T) {
	g := NewWithT(t)
	w := newWorker(pool("a", 5, 7, "z1", "z2", "z3"))
	w.Spec.Pools[0].KubeletConfig = &gardencorev1beta1.KubeletConfig{MaxPods: ptr.To[int32](42)}
	desired, err := worker.Build(worker.Input{Worker: w, Profile: profile(), UserData: map[string][]byte{"a": []byte("#cloud-config\n")}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(desired).To(HaveLen(3))

	g.Expect([]int32{desired[0].Minimum, desired[1].Minimum, desired[2].Minimum}).To(Equal([]int32{2, 2, 1}))
	g.Expect([]int32{desired[0].Maximum, desired[1].Maximum, desired[2].Maximum}).To(Equal([]int32{3, 2, 2}))
	for i, d := range desired {
		md := d.Deployment
		g.Expect(md.Name).To(Equal([]string{"shoot--p--s-a-z1", "shoot--p--s-a-z2", "shoot--p--s-a-z3"}[i]))
		g.Expect(md.Spec.Replicas).To(Equal(d.Minimum))
		g.Expect(md.Spec.Strategy.Type).To(Equal(machinev1alpha1.RollingUpdateMachineDeploymentStrategyType))
		g.Expect(*md.Spec.Strategy.RollingUpdate.MaxSurge).To(Equal(intstr.FromInt32(1)), "3 distributed over 3 zones")
		g.Expect(*md.Spec.Strategy.RollingUpdate.MaxUnavailable).To(Equal(intstr.FromString("25%")))
		g.Expect(md.Spec.Template.Spec.Class).To(Equal(machinev1alpha1.ClassSpec{Kind: "MachineClass", Name: d.Class.Name}))
		g.Expect(md.Spec.Selector.MatchLabels).To(Equal(map[string]string{"name": md.Name}))
		g.Expect(md.Spec.Template.Labels).To(HaveKeyWithValue("name", md.Name))
		g.Expect(md.Spec.Template.Labels).To(HaveKeyWithValue(worker.WorkerLabel, "s"))
		g.Expect(md.Spec.Template.Spec.NodeTemplateSpec.Labels).To(Equal(map[string]string{
			"team": "a", "worker.gardener.cloud/pool": "a", "node.kubernetes.io/instance-type": "small", "topology.kubernetes.io/zone": d.Zone,
		}))
		g.Expect(md.Spec.Template.Spec.NodeTemplateSpec.Spec.Taints).To(HaveLen(1))

		g.Expect(d.Class.Provider).To(Equal("local"))
		g.Expect(d.Class.Name).To(HavePrefix(md.Name + "-"))
		g.Expect(d.Class.SecretRef).To(Equal(&corev1.SecretReference{Namespace: namespace, Name: d.Class.Name}))
		spec, err := machineclass.Decode(d.Class.ProviderSpec.Raw)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(spec.CPU.String()).To(Equal("2"))
		g.Expect(spec.Memory.String()).To(Equal("4Gi"))
		g.Expect(spec.Pods.String()).To(Equal("42"))
		g.Expect(spec.Zone).To(Equal(d.Zone))
		g.Expect(spec.Labels).To(Equal(map[string]string{"worker.gardener.cloud/pool": "a", "node.kubernetes.io/instance-type": "small"}))
		g.Expect(d.Secret.Data).To(HaveKeyWithValue(machineclass.UserDataKey, []byte("#cloud-config\n")))
	}

	// A zone whose share of maxSurge and maxUnavailable is zero still may surge by one.
	small := newWorker(pool("a", 2, 2, "z1", "z2"))
	small.Spec.Pools[0].MaxSurge, small.Spec.Pools[0].MaxUnavailable = intstr.FromInt32(1), intstr.FromInt32(0)
	desired, err = worker.Build(worker.Input{Worker: small, Profile: profile(), UserData: map[string][]byte{"a": []byte("x")}})
	g.Expect(err).NotTo(HaveOccurred())
	for _, d := range desired {
		g.Expect(*d.Deployment.Spec.Strategy.RollingUpdate.MaxSurge).To(Equal(intstr.FromInt32(1)), d.Zone)
		g.Expect(*d.Deployment.Spec.Strategy.RollingUpdate.MaxUnavailable).To(Equal(intstr.FromInt32(0)), d.Zone)
	}

	// Without a cluster-autoscaler every zone has its share of the minimum; hibernation
	// scales to zero.
	in := worker.Input{Worker: w, Profile: profile(), UserData: map[string][]byte{"a": []byte("x")}}
	desired, err = worker.Build(in)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect([]int32{desired[0].Deployment.Spec.Replicas, desired[1].Deployment.Spec.Replicas, desired[2].Deployment.Spec.Replicas}).To(Equal([]int32{2, 2, 1}))
	in.Shoot = &gardencorev1beta1.Shoot{Spec: gardencorev1beta1.ShootSpec{Hibernation: &gardencorev1beta1.Hibernation{Enabled: ptr.To(true)}}}
	desired, err = worker.Build(in)
	g.Expect(err).NotTo(HaveOccurred())
	for _, d := range desired {
		g.Expect(d.Deployment.Spec.Replicas).To(BeZero())
	}

	// Another machine type gives another class name, so the machines roll.
	before := desired[0].Class.Name
	w.Spec.Pools[0].MachineType = "large"
	desired, err = worker.Build(in)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(desired[0].Class.Name).NotTo(Equal(before))

	w.Spec.Pools[0].MachineType = "huge"
	_, err = worker.Build(in)
	g.Expect(err).To(MatchError(ContainSubstring(`machine type "huge" is not in the CloudProfile local; use one of: small, large`)))
}

func TestReconcileAndDelete(t *testing.T) {
	g := NewWithT(t)
	ctx, log := context.Background(), logr.Discard()
	s := runtime.NewScheme()
	g.Expect(extensionsv1alpha1.AddToScheme(s)).To(Succeed())
	g.Expect(machinev1alpha1.AddToScheme(s)).To(Succeed())
	g.Expect(corev1.AddToScheme(s)).To(Succeed())
	w := newWorker(pool("a", 2, 4, "z1", "z2"), pool("b", 1, 1))
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(w,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "user-data-a"}, Data: map[string][]byte{"cloud_config": []byte("#cloud-config a\n")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "user-data-b"}, Data: map[string][]byte{"cloud_config": []byte("#cloud-config b\n")}},
	).WithStatusSubresource(w, &machinev1alpha1.MachineDeployment{}).Build()
	cluster := &extension.Cluster{Shoot: &gardencorev1beta1.Shoot{}, CloudProfile: profile()}
	a := &worker.Actuator{Client: c}

	err := a.Reconcile(ctx, log, w, cluster)
	g.Expect(errors.Is(err, worker.ErrWaiting)).To(BeTrue(), "error %v", err)
	g.Expect(err).To(MatchError(ContainSubstring("shoot--p--s-a-z1: 0 of 1 machines updated, 0 available")))

	mds := &machinev1alpha1.MachineDeploymentList{}
	g.Expect(c.List(ctx, mds, client.InNamespace(namespace))).To(Succeed())
	g.Expect(mds.Items).To(HaveLen(3))
	classes := &machinev1alpha1.MachineClassList{}
	g.Expect(c.List(ctx, classes, client.InNamespace(namespace))).To(Succeed())
	g.Expect(classes.Items).To(HaveLen(3))
	got := &extensionsv1alpha1.Worker{}
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(w), got)).To(Succeed())
	g.Expect(got.Status.MachineDeployments).To(ConsistOf(
		extensionsv1alpha1.MachineDeployment{Name: "shoot--p--s-a-z1", Minimum: 1, Maximum: 2},
		extensionsv1alpha1.MachineDeployment{Name: "shoot--p--s-a-z2", Minimum: 1, Maximum: 2},
		extensionsv1alpha1.MachineDeployment{Name: "shoot--p--s-b-z1", Minimum: 1, Maximum: 1},
	))

	// machine-controller-manager rolls out: the Worker is ready.
	for i := range mds.Items {
		md := &mds.Items[i]
		md.Status = machinev1alpha1.MachineDeploymentStatus{ObservedGeneration: md.Generation, Replicas: md.Spec.Replicas, UpdatedReplicas: md.Spec.Replicas, AvailableReplicas: md.Spec.Replicas}
		g.Expect(c.Status().Update(ctx, md)).To(Succeed())
	}
	g.Expect(a.Reconcile(ctx, log, got, cluster)).To(Succeed())

	// Pool b leaves the spec: its deployment, class and Secret go.
	got.Spec.Pools = got.Spec.Pools[:1]
	g.Expect(a.Reconcile(ctx, log, got, cluster)).To(Succeed())
	g.Expect(c.List(ctx, mds, client.InNamespace(namespace))).To(Succeed())
	g.Expect(mds.Items).To(HaveLen(2))
	g.Expect(c.List(ctx, classes, client.InNamespace(namespace))).To(Succeed())
	g.Expect(classes.Items).To(HaveLen(2))
	secrets := &corev1.SecretList{}
	g.Expect(c.List(ctx, secrets, client.InNamespace(namespace), client.MatchingLabels{worker.WorkerLabel: "s"})).To(Succeed())
	g.Expect(secrets.Items).To(HaveLen(2))
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(w), got)).To(Succeed())
	g.Expect(got.Status.MachineDeployments).To(HaveLen(2))

	// Delete waits for the machines, then removes classes and Secrets.
	machine := &machinev1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "m1", Labels: map[string]string{worker.WorkerLabel: "s"}}}
	g.Expect(c.Create(ctx, machine)).To(Succeed())
	err = a.Delete(ctx, log, got, cluster)
	g.Expect(errors.Is(err, worker.ErrWaiting)).To(BeTrue(), "error %v", err)
	g.Expect(err).To(MatchError(ContainSubstring("[m1]")))
	g.Expect(c.List(ctx, mds, client.InNamespace(namespace))).To(Succeed())
	g.Expect(mds.Items).To(BeEmpty())
	g.Expect(c.List(ctx, classes, client.InNamespace(namespace))).To(Succeed())
	g.Expect(classes.Items).To(HaveLen(2), "classes stay while machines exist")

	g.Expect(c.Delete(ctx, machine)).To(Succeed())
	g.Expect(a.Delete(ctx, log, got, cluster)).To(Succeed())
	g.Expect(c.List(ctx, classes, client.InNamespace(namespace))).To(Succeed())
	g.Expect(classes.Items).To(BeEmpty())
	g.Expect(c.List(ctx, secrets, client.InNamespace(namespace), client.MatchingLabels{worker.WorkerLabel: "s"})).To(Succeed())
	g.Expect(secrets.Items).To(BeEmpty())
	g.Expect(c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "user-data-a"}, &corev1.Secret{})).To(Succeed(), "the gardenlet's user data Secret stays")
}

func TestUserDataFromOperatingSystemConfig(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	s := runtime.NewScheme()
	g.Expect(extensionsv1alpha1.AddToScheme(s)).To(Succeed())
	g.Expect(machinev1alpha1.AddToScheme(s)).To(Succeed())
	g.Expect(corev1.AddToScheme(s)).To(Succeed())
	p := pool("a", 1, 1)
	p.UserDataSecretRef = corev1.SecretKeySelector{}
	w := newWorker(p)
	osc := &extensionsv1alpha1.OperatingSystemConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "osc-a", Labels: map[string]string{"worker.gardener.cloud/pool": "a"}},
		Spec:       extensionsv1alpha1.OperatingSystemConfigSpec{Purpose: extensionsv1alpha1.OperatingSystemConfigPurposeProvision},
	}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(w, osc).WithStatusSubresource(w, osc).Build()
	a := &worker.Actuator{Client: c}
	cluster := &extension.Cluster{Shoot: &gardencorev1beta1.Shoot{}, CloudProfile: profile()}

	err := a.Reconcile(ctx, logr.Discard(), w, cluster)
	g.Expect(errors.Is(err, worker.ErrWaiting)).To(BeTrue())
	g.Expect(err).To(MatchError(ContainSubstring("no OperatingSystemConfig of purpose provision")))

	osc.Status.CloudConfig = &extensionsv1alpha1.CloudConfig{SecretRef: corev1.SecretReference{Namespace: namespace, Name: "osc-result-osc-a"}}
	g.Expect(c.Status().Update(ctx, osc)).To(Succeed())
	g.Expect(c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "osc-result-osc-a"}, Data: map[string][]byte{"cloud_config": []byte("#cloud-config\n")}})).To(Succeed())
	err = a.Reconcile(ctx, logr.Discard(), w, cluster)
	g.Expect(err).To(MatchError(ContainSubstring("0 of 1 machines updated")))
	classSecret := &corev1.SecretList{}
	g.Expect(c.List(ctx, classSecret, client.MatchingLabels{worker.WorkerLabel: "s"})).To(Succeed())
	g.Expect(classSecret.Items).To(ConsistOf(HaveField("Data", HaveKeyWithValue(machineclass.UserDataKey, []byte("#cloud-config\n")))))
}

// TestClassNameRolls lists what rolls a pool's machines (a new MachineClass name) and
// what machine-controller-manager applies in place.
func TestClassNameRolls(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*extensionsv1alpha1.WorkerPool)
		rolls  bool
	}{
		{name: "machine image version", rolls: true, change: func(p *extensionsv1alpha1.WorkerPool) { p.MachineImage.Version = "1.1.0" }},
		{name: "machine image name", rolls: true, change: func(p *extensionsv1alpha1.WorkerPool) { p.MachineImage.Name = "other" }},
		{name: "machine type", rolls: true, change: func(p *extensionsv1alpha1.WorkerPool) { p.MachineType = "large" }},
		{name: "Kubernetes version", rolls: true, change: func(p *extensionsv1alpha1.WorkerPool) { p.KubernetesVersion = ptr.To("1.36.4") }},
		{name: "architecture", rolls: true, change: func(p *extensionsv1alpha1.WorkerPool) { p.Architecture = ptr.To("arm64") }},
		{name: "volume", rolls: true, change: func(p *extensionsv1alpha1.WorkerPool) {
			p.Volume = &extensionsv1alpha1.Volume{Size: "20Gi"}
		}},
		{name: "kubelet maxPods", rolls: true, change: func(p *extensionsv1alpha1.WorkerPool) {
			p.KubeletConfig = &gardencorev1beta1.KubeletConfig{MaxPods: ptr.To[int32](50)}
		}},
		{name: "bounds", change: func(p *extensionsv1alpha1.WorkerPool) { p.Minimum, p.Maximum = 3, 5 }},
		{name: "maxSurge and maxUnavailable", change: func(p *extensionsv1alpha1.WorkerPool) {
			p.MaxSurge, p.MaxUnavailable = intstr.FromInt32(2), intstr.FromInt32(1)
		}},
		{name: "node labels and taints", change: func(p *extensionsv1alpha1.WorkerPool) {
			p.Labels, p.Taints = map[string]string{"team": "b"}, nil
		}},
		{name: "user data", change: func(p *extensionsv1alpha1.WorkerPool) { p.UserDataSecretRef.Name = "renewed" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			build := func(p extensionsv1alpha1.WorkerPool, userData string) *machinev1alpha1.MachineDeployment {
				desired, err := worker.Build(worker.Input{Worker: newWorker(p), Profile: profile(), UserData: map[string][]byte{"a": []byte(userData)}})
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(desired).To(HaveLen(1))
				g.Expect(desired[0].Class.Name).To(MatchRegexp(`^shoot--p--s-a-z1-[0-9a-f]{5}$`))
				return desired[0].Deployment
			}
			before := pool("a", 1, 2)
			before.MachineImage = extensionsv1alpha1.MachineImage{Name: "local", Version: "1.0.0"}
			before.KubernetesVersion = ptr.To("1.36.3")
			after := before
			tc.change(&after)
			userData := "#cloud-config\n"
			if after.UserDataSecretRef.Name != before.UserDataSecretRef.Name {
				userData = "#cloud-config renewed\n"
			}
			old, updated := build(before, "#cloud-config\n"), build(after, userData)
			g.Expect(updated.Name).To(Equal(old.Name), "the MachineDeployment stays")
			if tc.rolls {
				g.Expect(updated.Spec.Template.Spec.Class.Name).NotTo(Equal(old.Spec.Template.Spec.Class.Name))
			} else {
				g.Expect(updated.Spec.Template.Spec.Class.Name).To(Equal(old.Spec.Template.Spec.Class.Name))
			}
		})
	}
}

// TestRollKeepsTheOldClassUntilItsMachinesAreGone: after a new machine image version the
// Worker waits until machine-controller-manager has replaced the machines of the old
// class, and then deletes that class and its Secret.
func TestRollKeepsTheOldClassUntilItsMachinesAreGone(t *testing.T) {
	g := NewWithT(t)
	ctx, log := context.Background(), logr.Discard()
	s := runtime.NewScheme()
	g.Expect(extensionsv1alpha1.AddToScheme(s)).To(Succeed())
	g.Expect(machinev1alpha1.AddToScheme(s)).To(Succeed())
	g.Expect(corev1.AddToScheme(s)).To(Succeed())
	p := pool("a", 2, 2)
	p.MachineImage = extensionsv1alpha1.MachineImage{Name: "local", Version: "1.0.0"}
	w := newWorker(p)
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(w,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "user-data-a"}, Data: map[string][]byte{"cloud_config": []byte("#cloud-config\n")}},
	).WithStatusSubresource(w, &machinev1alpha1.MachineDeployment{}).Build()
	cluster := &extension.Cluster{Shoot: &gardencorev1beta1.Shoot{}, CloudProfile: profile()}
	a := &worker.Actuator{Client: c}

	// machine-controller-manager's part: the deployment's machines use its class, and it
	// reports them updated and available.
	rolledOut := func(machines ...string) {
		t.Helper()
		md := &machinev1alpha1.MachineDeployment{}
		g.Expect(c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "shoot--p--s-a-z1"}, md)).To(Succeed())
		for _, name := range machines {
			m := &machinev1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: map[string]string{worker.WorkerLabel: "s"}},
				Spec: machinev1alpha1.MachineSpec{Class: md.Spec.Template.Spec.Class}}
			g.Expect(c.Create(ctx, m)).To(Succeed())
		}
		md.Status = machinev1alpha1.MachineDeploymentStatus{ObservedGeneration: md.Generation, Replicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2}
		g.Expect(c.Status().Update(ctx, md)).To(Succeed())
	}
	classNames := func() []string {
		t.Helper()
		classes := &machinev1alpha1.MachineClassList{}
		g.Expect(c.List(ctx, classes, client.InNamespace(namespace))).To(Succeed())
		secrets := &corev1.SecretList{}
		g.Expect(c.List(ctx, secrets, client.InNamespace(namespace), client.MatchingLabels{worker.WorkerLabel: "s"})).To(Succeed())
		var names, secretNames []string
		for _, cl := range classes.Items {
			names = append(names, cl.Name)
		}
		for _, s := range secrets.Items {
			secretNames = append(secretNames, s.Name)
		}
		g.Expect(secretNames).To(ConsistOf(names), "one Secret per class")
		return names
	}

	g.Expect(errors.Is(a.Reconcile(ctx, log, w, cluster), worker.ErrWaiting)).To(BeTrue())
	rolledOut("old-1", "old-2")
	g.Expect(a.Reconcile(ctx, log, w, cluster)).To(Succeed())
	oldClass := classNames()
	g.Expect(oldClass).To(HaveLen(1))

	// The user updates the pool's machine image version.
	w.Spec.Pools[0].MachineImage.Version = "1.1.0"
	err := a.Reconcile(ctx, log, w, cluster)
	g.Expect(errors.Is(err, worker.ErrWaiting)).To(BeTrue(), "error %v", err)
	g.Expect(classNames()).To(HaveLen(2))
	md := &machinev1alpha1.MachineDeployment{}
	g.Expect(c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "shoot--p--s-a-z1"}, md)).To(Succeed())
	newClass := md.Spec.Template.Spec.Class.Name
	g.Expect(newClass).NotTo(Equal(oldClass[0]))
	g.Expect(*md.Spec.Strategy.RollingUpdate.MaxSurge).To(Equal(intstr.FromInt32(3)))

	// The new machines are there, but one old machine is still being replaced.
	rolledOut("new-1", "new-2")
	g.Expect(c.Delete(ctx, &machinev1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "old-1"}})).To(Succeed())
	err = a.Reconcile(ctx, log, w, cluster)
	g.Expect(errors.Is(err, worker.ErrWaiting)).To(BeTrue(), "error %v", err)
	g.Expect(err).To(MatchError(ContainSubstring("1 machine(s) of an older MachineClass are still being replaced [old-2]")))
	g.Expect(classNames()).To(ConsistOf(oldClass[0], newClass), "the old class stays while a machine uses it")

	g.Expect(c.Delete(ctx, &machinev1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "old-2"}})).To(Succeed())
	g.Expect(a.Reconcile(ctx, log, w, cluster)).To(Succeed())
	g.Expect(classNames()).To(ConsistOf(newClass))
}
