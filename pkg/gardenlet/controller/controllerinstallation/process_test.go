package controllerinstallation_test

import (
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/controllerinstallation"
)

func TestIsHortusImage(t *testing.T) {
	for image, want := range map[string]bool{
		"hortus":                               true,
		"hortus:v0.3.0":                        true,
		"ghcr.io/hortus-dev/hortus:latest":     true,
		"localhost:5000/hortus":                true,
		"ghcr.io/hortus-dev/hortus@sha256:abc": true,
		"hortus-etcd":                          false,
		"ghcr.io/hortus-dev/nothortus:v1":      false,
		"localhost:5000/hortus-x:v1":           false,
		"registry.k8s.io/pause:3.10":           false,
	} {
		t.Run(image, func(t *testing.T) {
			NewWithT(t).Expect(controllerinstallation.IsHortusImage(image)).To(Equal(want))
		})
	}
}

func deployment(name string, mutate func(*appsv1.Deployment)) *appsv1.Deployment {
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "extension-test"},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			ServiceAccountName: "controller",
			Containers: []corev1.Container{{
				Name:    "controller",
				Image:   "ghcr.io/hortus-dev/hortus:v1",
				Command: []string{"/hortus", "provider-local"},
				Args:    []string{"--backup-dir=/tmp/b", "--leader-elect=false"},
				Env: []corev1.EnvVar{
					{Name: "PLAIN", Value: "v"},
					{Name: "NS", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
					{Name: "KUBECONFIG", Value: "/var/run/in-pod"},
				},
			}},
		}}},
	}
	if mutate != nil {
		mutate(d)
	}
	return d
}

var access = controllerinstallation.SeedAccess{Server: "https://127.0.0.1:6443", CAData: []byte("ca")}

func TestProcessSet(t *testing.T) {
	g := NewWithT(t)
	set, creds, err := controllerinstallation.ProcessSet("extension-test", []*appsv1.Deployment{
		deployment("controller", nil),
		deployment("scaled-down", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](0) }),
		deployment("no-token", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.AutomountServiceAccountToken = ptr.To(false)
			d.Spec.Template.Spec.ServiceAccountName = ""
			d.Spec.Template.Spec.Containers[0].Command = nil
			d.Spec.Template.Spec.Containers[0].Args = []string{"version"}
		}),
	}, access, controllerinstallation.IsHortusImage)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(set.Name).To(Equal("extension-test"))
	g.Expect(set.Components).To(HaveLen(2), "no process for zero replicas")

	c := set.Components[0]
	g.Expect(c.Name).To(Equal("controller"))
	g.Expect(c.Binary).To(Equal("hortus"))
	g.Expect(c.Args).To(Equal([]string{"provider-local", "--backup-dir=/tmp/b", "--leader-elect=false"}))
	g.Expect(c.Env).To(Equal([]component.EnvVar{
		{Name: "PLAIN", Value: "v"},
		{Name: "NS", Value: "extension-test"},
		{Name: "KUBECONFIG", Value: "$(HORTUS_WORKDIR)/kubeconfig"},
	}))
	g.Expect(c.Files).To(HaveLen(1))
	g.Expect(c.Files[0].Path).To(Equal(controllerinstallation.KubeconfigFile))
	kubeconfig, err := clientcmd.Load(c.Files[0].Content)
	g.Expect(err).NotTo(HaveOccurred())
	ctx := kubeconfig.Contexts[kubeconfig.CurrentContext]
	g.Expect(ctx.Namespace).To(Equal("extension-test"))
	g.Expect(kubeconfig.Clusters[ctx.Cluster].Server).To(Equal(access.Server))
	g.Expect(kubeconfig.Clusters[ctx.Cluster].CertificateAuthorityData).To(Equal([]byte("ca")))
	g.Expect(kubeconfig.AuthInfos[ctx.AuthInfo].TokenFile).To(Equal(controllerinstallation.TokenFile))
	g.Expect(kubeconfig.AuthInfos[ctx.AuthInfo].Token).To(BeEmpty(), "the token stays out of the description, so that renewing it restarts nothing")

	noToken := set.Components[1]
	g.Expect(noToken.Args).To(Equal([]string{"version"}))
	g.Expect(noToken.Files).To(BeEmpty())
	g.Expect(noToken.Env).To(ContainElement(component.EnvVar{Name: "KUBECONFIG", Value: "/var/run/in-pod"}), "without a token the chart's own KUBECONFIG stays")

	g.Expect(creds).To(Equal([]controllerinstallation.Credential{{Component: "controller", Namespace: "extension-test", ServiceAccount: "controller"}}))

	// The description is stable: the same Deployments give the same hashes.
	again, _, err := controllerinstallation.ProcessSet("extension-test", []*appsv1.Deployment{deployment("controller", nil)}, access, controllerinstallation.IsHortusImage)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again.Components[0].Hash()).To(Equal(c.Hash()))
}

func TestProcessSetRefusesWhatALocalProcessCannotHave(t *testing.T) {
	for name, mutate := range map[string]func(*appsv1.Deployment){
		"volume mounts": func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "config", MountPath: "/etc/config"}}
		},
		"secret env": func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "S", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{Key: "k"}}}}
		},
		"status field": func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}}
		},
		"a sidecar with another image": func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, corev1.Container{Name: "sidecar", Image: "busybox"})
		},
		"init containers": func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "hortus"}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, _, err := controllerinstallation.ProcessSet("extension-test", []*appsv1.Deployment{deployment("controller", mutate)}, access, controllerinstallation.IsHortusImage)
			g.Expect(err).To(MatchError(ContainSubstring("Deployment extension-test/controller")))
		})
	}
}

func TestSplit(t *testing.T) {
	toUnstructured := func(obj runtime.Object) *unstructured.Unstructured {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			t.Fatal(err)
		}
		return &unstructured.Unstructured{Object: m}
	}
	hortus := toUnstructured(deployment("controller", nil))
	other := toUnstructured(deployment("webhook", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "registry.k8s.io/pause:3.10" }))
	cm := toUnstructured(&corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Name: "cm"}})

	g := NewWithT(t)
	apply, local, err := controllerinstallation.Split([]*unstructured.Unstructured{cm, hortus, other}, true, controllerinstallation.IsHortusImage)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(apply).To(Equal([]*unstructured.Unstructured{cm, other}))
	g.Expect(local).To(HaveLen(1))
	g.Expect(local[0].Name).To(Equal("controller"))

	// The kubernetes executor applies every Deployment.
	apply, local, err = controllerinstallation.Split([]*unstructured.Unstructured{cm, hortus, other}, false, controllerinstallation.IsHortusImage)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(apply).To(HaveLen(3))
	g.Expect(local).To(BeEmpty())
}

func TestProcessHealth(t *testing.T) {
	g := NewWithT(t)
	set := component.Set{Name: "s", Components: []component.Component{{Name: "ready"}, {Name: "starting"}, {Name: "crashed"}, {Name: "missing"}}}
	unhealthy, progressing := controllerinstallation.ProcessHealth(set, []component.Status{
		{Name: "ready", Phase: component.PhaseReady},
		{Name: "starting", Phase: component.PhaseStarting},
		{Name: "crashed", Phase: component.PhaseCrashed, Restarts: 3, Message: "exit status 1", LogPath: "/x/crashed.log"},
	})
	g.Expect(unhealthy).To(Equal([]string{
		"process starting is starting",
		"process crashed is crashed after 3 restarts: exit status 1 (log: /x/crashed.log)",
		"process missing is not started",
	}))
	g.Expect(progressing).To(Equal([]string{"process starting is starting"}))
}

func TestDeploymentNotAvailable(t *testing.T) {
	g := NewWithT(t)
	d := deployment("webhook", func(d *appsv1.Deployment) {
		d.Generation = 2
		d.Spec.Replicas = ptr.To[int32](2)
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: 2, UpdatedReplicas: 2, AvailableReplicas: 1}
	})
	g.Expect(controllerinstallation.DeploymentNotAvailable(d)).To(Equal("Deployment extension-test/webhook: 1 of 2 replicas are available"))
	d.Status.AvailableReplicas = 2
	g.Expect(controllerinstallation.DeploymentNotAvailable(d)).To(BeEmpty())
	d.Generation = 3
	g.Expect(controllerinstallation.DeploymentNotAvailable(d)).To(ContainSubstring("not observed generation 3"))
}
