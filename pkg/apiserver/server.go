package apiserver

import (
	"context"
	"fmt"
	"time"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
)

// Config is the configuration of the server.
type Config struct {
	GenericConfig *genericapiserver.RecommendedConfig
	Extra         ExtraConfig
}

// ExtraConfig is the configuration of Hortus' own endpoints.
type ExtraConfig struct {
	// GardenClient talks to the garden kube-apiserver as the server (--kubeconfig); the
	// kubeconfig subresources read the shoots' ConfigMaps "<shoot>.ca-cluster" with it.
	GardenClient kubernetes.Interface
	// AdminKubeconfigMaxExpiration and ViewerKubeconfigMaxExpiration cap the validity of
	// the kubeconfigs of shoots/adminkubeconfig and shoots/viewerkubeconfig.
	AdminKubeconfigMaxExpiration  time.Duration
	ViewerKubeconfigMaxExpiration time.Duration
}

type completedConfig struct {
	generic genericapiserver.CompletedConfig
	extra   ExtraConfig
}

// CompletedConfig is a Config after Complete; only it can create a server.
type CompletedConfig struct {
	*completedConfig
}

// Complete fills in the defaults of the generic configuration.
func (c *Config) Complete() CompletedConfig {
	return CompletedConfig{&completedConfig{generic: c.GenericConfig.Complete(), extra: c.Extra}}
}

// Server is the Hortus API server.
type Server struct {
	GenericAPIServer *genericapiserver.GenericAPIServer
}

// New creates the server with every API group installed.
func (c CompletedConfig) New() (*Server, error) {
	generic, err := c.generic.New("hortus-apiserver", genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, fmt.Errorf("creating the generic API server: %w", err)
	}
	groups, err := apiGroups(c.generic.RESTOptionsGetter, c.extra)
	if err != nil {
		return nil, err
	}
	if err := generic.InstallAPIGroups(groups...); err != nil {
		return nil, fmt.Errorf("installing the API groups: %w", err)
	}
	return &Server{GenericAPIServer: generic}, nil
}

// Run serves until ctx is done, then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	return s.GenericAPIServer.PrepareRun().RunWithContext(ctx)
}

// Run completes and validates o, and runs a server with it until ctx is done.
func Run(ctx context.Context, o *Options) error {
	if err := o.Complete(); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	cfg, err := o.Config()
	if err != nil {
		return err
	}
	server, err := cfg.Complete().New()
	if err != nil {
		return err
	}
	return server.Run(ctx)
}
