package reader

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"

	coreinstall "github.com/gardener/gardener/pkg/apis/core/install"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityinstall "github.com/gardener/gardener/pkg/apis/security/install"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// Scheme knows the Gardener types that the plugins read, core.gardener.cloud and
// security.gardener.cloud, in their versioned and internal forms with the conversions
// between them. Reads use the versioned types.
var Scheme = runtime.NewScheme()

func init() {
	coreinstall.Install(Scheme)
	securityinstall.Install(Scheme)
}

// watched are the kinds whose informers start with the cache, so that one sync covers
// everything the plugins read. Other kinds get an informer on their first read.
func watched() []client.Object {
	return []client.Object{
		&gardencorev1beta1.Shoot{},
		&gardencorev1beta1.Project{},
		&gardencorev1beta1.CloudProfile{},
		&gardencorev1beta1.NamespacedCloudProfile{},
		&gardencorev1beta1.SecretBinding{},
		&securityv1alpha1.CredentialsBinding{},
		&gardencorev1beta1.Quota{},
		&gardencorev1beta1.Seed{},
		&gardencorev1beta1.ExposureClass{},
		&gardencorev1beta1.ControllerRegistration{},
		&gardencorev1beta1.BackupBucket{},
	}
}

// Reader reads Hortus' own API through the loopback connection. Reads are served from a
// cache of informers that starts on the first call of HasSynced, when the server is
// already serving; until the cache has synced, and for objects the cache does not (yet)
// hold, reads go to the server directly.
type Reader struct {
	config *rest.Config
	stop   <-chan struct{}
	log    logr.Logger

	mu      sync.Mutex
	started bool
	cache   cache.Cache
	live    client.Client
	synced  atomic.Bool
}

var _ client.Reader = (*Reader)(nil)

// New returns a Reader of the server that config reaches. The cache stops when stop is
// closed; a nil stop never closes.
func New(config *rest.Config, stop <-chan struct{}) *Reader {
	return &Reader{config: config, stop: stop, log: klog.Background().WithName("admission-reader")}
}

// HasSynced starts the cache on the first call and tells whether it has synced. It is the
// ready function of the plugins that read through r.
func (r *Reader) HasSynced() bool {
	if r.synced.Load() {
		return true
	}
	if err := r.start(); err != nil {
		r.log.Error(err, "Could not start the cache of Hortus' API")
	}
	return r.synced.Load()
}

// start creates the clients and starts the cache once. A failed start is retried on the
// next call.
func (r *Reader) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return nil
	}

	httpClient, err := rest.HTTPClientFor(r.config)
	if err != nil {
		return fmt.Errorf("creating the HTTP client: %w", err)
	}
	mapper, err := apiutil.NewDynamicRESTMapper(r.config, httpClient)
	if err != nil {
		return fmt.Errorf("creating the REST mapper: %w", err)
	}
	live, err := client.New(r.config, client.Options{HTTPClient: httpClient, Scheme: Scheme, Mapper: mapper})
	if err != nil {
		return fmt.Errorf("creating the client: %w", err)
	}
	c, err := cache.New(r.config, cache.Options{
		HTTPClient:       httpClient,
		Scheme:           Scheme,
		Mapper:           mapper,
		DefaultTransform: cache.TransformStripManagedFields(),
	})
	if err != nil {
		return fmt.Errorf("creating the cache: %w", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// A nil stop blocks forever: the cache runs as long as the process.
		<-r.stop
		cancel()
	}()
	for _, obj := range watched() {
		if _, err := c.GetInformer(ctx, obj, cache.BlockUntilSynced(false)); err != nil {
			cancel()
			return fmt.Errorf("creating the informer of %T: %w", obj, err)
		}
	}
	go func() {
		if err := c.Start(ctx); err != nil {
			r.log.Error(err, "The cache of Hortus' API stopped")
		}
	}()
	go func() {
		if c.WaitForCacheSync(ctx) {
			r.synced.Store(true)
		}
	}()

	r.cache, r.live, r.started = c, live, true
	return nil
}

// clients returns the cache, when it has synced, and the live client, starting them if
// needed.
func (r *Reader) clients() (client.Reader, client.Reader, error) {
	if err := r.start(); err != nil {
		return nil, nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.synced.Load() {
		return nil, r.live, nil
	}
	return r.cache, r.live, nil
}

// Get reads obj from the cache. When the cache has not synced yet or does not hold the
// object, it reads it from the server: an object that was created a moment ago is found
// even if the cache has not seen it yet.
func (r *Reader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	cached, live, err := r.clients()
	if err != nil {
		return err
	}
	if cached != nil {
		err := cached.Get(ctx, key, obj, opts...)
		if !apierrors.IsNotFound(err) {
			return err
		}
	}
	return live.Get(ctx, key, obj, opts...)
}

// List lists from the cache, or from the server until the cache has synced.
func (r *Reader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	cached, live, err := r.clients()
	if err != nil {
		return err
	}
	if cached != nil {
		return cached.List(ctx, list, opts...)
	}
	return live.List(ctx, list, opts...)
}

// Live returns a reader that always reads from the server.
func (r *Reader) Live() client.Reader {
	return liveReader{r}
}

// liveReader reads through the live client of a Reader.
type liveReader struct{ r *Reader }

func (l liveReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	_, live, err := l.r.clients()
	if err != nil {
		return err
	}
	return live.Get(ctx, key, obj, opts...)
}

func (l liveReader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	_, live, err := l.r.clients()
	if err != nil {
		return err
	}
	return live.List(ctx, list, opts...)
}

// shared holds one Reader per server, so that the plugins of a server share one cache.
var shared = struct {
	sync.Mutex
	readers map[string]*Reader
}{readers: map[string]*Reader{}}

// Shared returns the Reader of the server that config reaches, creating it on the first
// call. All admission plugins of one server receive copies of the same loopback
// configuration, with the same host and the server's own loopback token, so they share one
// Reader. It is forgotten when stop closes.
func Shared(config *rest.Config, stop <-chan struct{}) *Reader {
	key := fingerprint(config)
	shared.Lock()
	defer shared.Unlock()
	if r, ok := shared.readers[key]; ok {
		return r
	}
	r := New(config, stop)
	shared.readers[key] = r
	if stop != nil {
		go func() {
			<-stop
			shared.Lock()
			defer shared.Unlock()
			if shared.readers[key] == r {
				delete(shared.readers, key)
			}
		}()
	}
	return r
}

// fingerprint identifies the server and the credentials of config.
func fingerprint(config *rest.Config) string {
	h := sha256.New()
	for _, s := range []string{config.Host, config.APIPath, config.BearerToken, config.BearerTokenFile, config.Username, string(config.CertData), config.CertFile} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
