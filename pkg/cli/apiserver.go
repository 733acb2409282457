package cli

import (
	"github.com/spf13/cobra"
	cliflag "k8s.io/component-base/cli/flag"

	"github.com/hortus-dev/hortus/pkg/apiserver"
)

func newAPIServerCommand() *cobra.Command {
	opts := apiserver.NewOptions()
	cmd := &cobra.Command{
		Use:   "apiserver",
		Short: "Run the Hortus API server, which serves Gardener's API to the garden",
		Long: `Run the Hortus API server: an aggregated API server behind the garden's kube-apiserver
that serves Gardener's APIs from its own etcd prefix:

  core.gardener.cloud/v1beta1   Shoots (+status, +binding), Seeds, Projects, CloudProfiles,
                                NamespacedCloudProfiles, ControllerRegistrations,
                                ControllerDeployments, ControllerInstallations, BackupBuckets,
                                BackupEntries, Quotas, SecretBindings, ExposureClasses,
                                InternalSecrets, ShootStates
  core.gardener.cloud/v1        ControllerDeployments
  security.gardener.cloud/v1alpha1        CredentialsBindings
  seedmanagement.gardener.cloud/v1alpha1  ManagedSeeds (+status)

The garden kube-apiserver forwards requests to it through APIService objects. It
authenticates requests by the front-proxy headers the kube-apiserver sets, and by
TokenReview for direct callers, and authorizes them by SubjectAccessReview: all against the
garden kube-apiserver, which it reaches through --kubeconfig (or in-cluster configuration).
--authentication-kubeconfig and --authorization-kubeconfig default to --kubeconfig. The
identity it uses needs the rights of the system:auth-delegator ClusterRole, the
extension-apiserver-authentication-reader Role in kube-system, and to list and watch
Namespaces and admission webhook and policy configurations.

Objects are stored in etcd below --etcd-prefix (default /registry-hortus), each resource
under <group>/<resource>, so the server may share the garden's etcd. Without
--tls-cert-file, a self-signed serving certificate is generated in --cert-dir.

The server serves until it gets SIGINT or SIGTERM, then shuts down gracefully.`,
		Example: `  # Serve on 127.0.0.1:8443 with the garden's etcd and a kubeconfig for the garden.
  hortus apiserver --etcd-servers https://127.0.0.1:2379 \
    --etcd-cafile etcd-ca.crt --etcd-certfile etcd-client.crt --etcd-keyfile etcd-client.key \
    --tls-cert-file hortus-apiserver.crt --tls-private-key-file hortus-apiserver.key \
    --kubeconfig hortus-apiserver.kubeconfig`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return apiserver.Run(cmd.Context(), opts)
		},
	}
	fss := opts.Flags()
	for _, fs := range fss.FlagSets {
		cmd.Flags().AddFlagSet(fs)
	}
	// Wrap flag descriptions at 100 columns, in sections.
	cliflag.SetUsageAndHelpFunc(cmd, fss, 100)
	return cmd
}
