package etcdbackup

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxBody bounds the response bodies the client reads.
const maxBody = 4 << 20

// Client talks to the backup sidecar of one etcd (see Run).
type Client struct {
	baseURL string
	http    *http.Client
}

// NewClient returns a client of the backup sidecar at baseURL, e.g.
// https://127.0.0.1:2382. caPEM verifies the sidecar's serving certificate; certPEM and
// keyPEM are the client certificate that the sidecar requires. The client keeps no
// connections open between calls.
func NewClient(baseURL string, caPEM, certPEM, keyPEM []byte) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("backup server URL %q: %w", baseURL, err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("backup server URL %q: want https://HOST:PORT, the sidecar serves HTTPS only", baseURL)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("backup client: the CA holds no PEM certificate; give the CA that signed the sidecar's serving certificate")
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("backup client: loading the client certificate and key, which the sidecar requires: %w", err)
	}
	transport := &http.Transport{
		Proxy:             nil,
		DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{
			RootCAs:      pool,
			Certificates: []tls.Certificate{cert},
			MinVersion:   tls.VersionTLS12,
		},
	}
	return &Client{
		baseURL: strings.TrimSuffix(baseURL, "/"),
		http:    &http.Client{Transport: transport},
	}, nil
}

// TakeSnapshot asks the sidecar for a full snapshot now and returns it once it is stored.
// A snapshot that runs already is finished first. ctx bounds the wait.
func (c *Client) TakeSnapshot(ctx context.Context) (Snapshot, error) {
	var snap Snapshot
	err := c.do(ctx, http.MethodPost, "/snapshots", &snap)
	return snap, err
}

// List returns the snapshots in the sidecar's store, oldest first.
func (c *Client) List(ctx context.Context) ([]Snapshot, error) {
	var snapshots []Snapshot
	err := c.do(ctx, http.MethodGet, "/snapshots", &snapshots)
	return snapshots, err
}

// Healthy returns nil when the sidecar runs and reaches its etcd.
func (c *Client) Healthy(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/healthz", nil)
}

func (c *Client) do(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, nil)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, c.baseURL+path, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, c.baseURL+path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("%s %s: reading the response: %w", method, c.baseURL+path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e errorBody
		msg := strings.TrimSpace(string(body))
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		return fmt.Errorf("%s %s: %s: %s", method, c.baseURL+path, resp.Status, msg)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s %s: decoding the response: %w", method, c.baseURL+path, err)
	}
	return nil
}
