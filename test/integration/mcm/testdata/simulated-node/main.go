// Command simulated-node is a TEST STAND-IN for `hortus simulated-node`, for the
// machine-controller-manager integration suite only. It takes the same arguments, reads the
// user data file as an admin kubeconfig (the suite's convention, not the real user data
// format), registers a Ready Node named --node-name with --provider-id, --labels and the
// given capacity, and then sleeps until SIGTERM. It runs nothing and joins no cluster for
// real.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "simulated-node" {
		fmt.Fprintln(os.Stderr, "usage: hortus simulated-node --node-name ... (test stand-in)")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("simulated-node", flag.ExitOnError)
	rootDir := fs.String("root-dir", "", "")
	userDataFile := fs.String("user-data-file", "", "")
	nodeName := fs.String("node-name", "", "")
	providerID := fs.String("provider-id", "", "")
	cpu := fs.String("cpu", "1", "")
	memory := fs.String("memory", "1Gi", "")
	pods := fs.String("pods", "110", "")
	labels := fs.String("labels", "", "")
	_ = fs.Parse(os.Args[2:])

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := os.MkdirAll(*rootDir, 0o700); err != nil {
		fail(err)
	}
	userData, err := os.ReadFile(*userDataFile)
	if err != nil {
		fail(err)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(userData)
	if err != nil {
		fail(fmt.Errorf("the stand-in reads its user data as a kubeconfig: %w", err))
	}
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fail(err)
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: *nodeName, Labels: map[string]string{}},
		Spec:       corev1.NodeSpec{ProviderID: *providerID},
	}
	for _, kv := range strings.Split(*labels, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			node.Labels[k] = v
		}
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(*cpu),
		corev1.ResourceMemory: resource.MustParse(*memory),
		corev1.ResourcePods:   resource.MustParse(*pods),
	}
	for {
		if err := register(ctx, c, node, capacity); err == nil {
			fmt.Println("registered node", *nodeName)
			break
		} else {
			fmt.Fprintln(os.Stderr, "registering node:", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
	<-ctx.Done()
}

func register(ctx context.Context, c kubernetes.Interface, want *corev1.Node, capacity corev1.ResourceList) error {
	node, err := c.CoreV1().Nodes().Create(ctx, want, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		node, err = c.CoreV1().Nodes().Get(ctx, want.Name, metav1.GetOptions{})
	}
	if err != nil {
		return err
	}
	now := metav1.Now()
	node.Status.Capacity = capacity
	node.Status.Allocatable = capacity
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
	node.Status.Conditions = []corev1.NodeCondition{{
		Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "StandIn",
		Message: "test stand-in for a simulated node", LastHeartbeatTime: now, LastTransitionTime: now,
	}}
	_, err = c.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
	return err
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "simulated-node stand-in:", err)
	os.Exit(1)
}
