package reader

import (
	"errors"

	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Handler is the admission.Handler of a plugin that reads Hortus' API. The server's
// initializers hand it the loopback configuration (SetLoopbackClientConfig) and the
// notification that the server has shut down (SetDrainedNotification);
// ValidateInitialization then connects it to the server's shared Reader, whose sync is the
// plugin's readiness.
type Handler struct {
	*admission.Handler

	config  *rest.Config
	drained <-chan struct{}
	cached  client.Reader
	live    client.Reader
}

var (
	_ admission.InitializationValidator                  = (*Handler)(nil)
	_ initializer.WantsDrainedNotification               = (*Handler)(nil)
	_ interface{ SetLoopbackClientConfig(*rest.Config) } = (*Handler)(nil)
)

// NewHandler returns a Handler for the given operations.
func NewHandler(ops ...admission.Operation) *Handler {
	return &Handler{Handler: admission.NewHandler(ops...)}
}

// SetLoopbackClientConfig takes the configuration of the server's loopback connection.
func (h *Handler) SetLoopbackClientConfig(config *rest.Config) {
	h.config = config
}

// SetDrainedNotification takes the channel that closes when the server has shut down;
// the cache stops with it.
func (h *Handler) SetDrainedNotification(drained <-chan struct{}) {
	h.drained = drained
}

// UseReaders makes the plugin read through cached and live instead of the server's Reader,
// and be ready at once: for tests, with a fake client, or for servers that bring their own
// cache. live is the reader for lookups that must not be stale; nil means cached.
func (h *Handler) UseReaders(cached, live client.Reader) {
	if live == nil {
		live = cached
	}
	h.cached, h.live = cached, live
	h.SetReadyFunc(func() bool { return true })
}

// ValidateInitialization connects the plugin to the server's Reader; it fails when the
// plugin got neither readers nor a loopback configuration.
func (h *Handler) ValidateInitialization() error {
	if h.cached != nil {
		return nil
	}
	if h.config == nil {
		return errors.New("missing the loopback client configuration")
	}
	r := Shared(h.config, h.drained)
	h.cached, h.live = r, r.Live()
	h.SetReadyFunc(r.HasSynced)
	return nil
}

// Cached returns the reader of the plugin: from the cache, falling back to the server.
func (h *Handler) Cached() client.Reader { return h.cached }

// Live returns the reader that always reads from the server.
func (h *Handler) Live() client.Reader { return h.live }

// Ready waits until the plugin's cache has synced, for at most the ten seconds of
// admission.Handler.WaitForReady, and returns a Forbidden error for a when it has not.
func (h *Handler) Ready(a admission.Attributes) error {
	if !h.WaitForReady() {
		return admission.NewForbidden(a, errors.New("not yet ready to handle request"))
	}
	return nil
}
