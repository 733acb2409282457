package process

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/hortus-dev/hortus/pkg/component"
)

const (
	// defaultReadyTimeout applies when a probe has no Timeout.
	defaultReadyTimeout = time.Minute
	// defaultProbePeriod applies when a probe has no Period.
	defaultProbePeriod = 100 * time.Millisecond
	// probeAttemptTimeout bounds one probe attempt.
	probeAttemptTimeout = 5 * time.Second
)

func readyTimeout(p *component.Probe) time.Duration {
	if p == nil || p.Timeout <= 0 {
		return defaultReadyTimeout
	}
	return p.Timeout
}

func probePeriod(p *component.Probe) time.Duration {
	if p == nil || p.Period <= 0 {
		return defaultProbePeriod
	}
	return p.Period
}

// expandProbe returns a copy of p with $(VAR) references expanded.
func expandProbe(p *component.Probe, vars map[string]string) *component.Probe {
	if p == nil {
		return nil
	}
	out := *p
	x := func(s string) string { return component.Expand(s, vars) }
	if h := p.HTTPGet; h != nil {
		c := *h
		c.Host, c.Path, c.CAFile, c.CertFile, c.KeyFile, c.BearerToken = x(h.Host), x(h.Path), x(h.CAFile), x(h.CertFile), x(h.KeyFile), x(h.BearerToken)
		out.HTTPGet = &c
	}
	if t := p.TCPSocket; t != nil {
		c := *t
		c.Host = x(t.Host)
		out.TCPSocket = &c
	}
	if e := p.Exec; e != nil {
		c := component.ExecAction{Command: make([]string, len(e.Command))}
		for i, s := range e.Command {
			c.Command[i] = x(s)
		}
		out.Exec = &c
	}
	return &out
}

// probeTarget is what a probe needs besides the probe: where and with which environment
// an exec probe runs.
type probeTarget struct {
	dir string
	env []string
}

// probe runs one attempt of p and returns nil when the component is ready.
func (e *Executor) probe(ctx context.Context, p *component.Probe, t probeTarget) error {
	ctx, cancel := context.WithTimeout(ctx, probeAttemptTimeout)
	defer cancel()
	switch {
	case p == nil:
		return nil
	case p.HTTPGet != nil:
		return probeHTTP(ctx, p.HTTPGet)
	case p.TCPSocket != nil:
		host := p.TCPSocket.Host
		if host == "" {
			host = "127.0.0.1"
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(p.TCPSocket.Port)))
		if err != nil {
			return err
		}
		return conn.Close()
	case p.Exec != nil:
		return e.probeExec(ctx, p.Exec, t)
	default:
		return errors.New("probe has no action")
	}
}

func probeHTTP(ctx context.Context, h *component.HTTPGetAction) error {
	scheme := h.Scheme
	if scheme == "" {
		scheme = "http"
	}
	host := h.Host
	if host == "" {
		host = "127.0.0.1"
	}
	path := h.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	url := scheme + "://" + net.JoinHostPort(host, strconv.Itoa(h.Port)) + path

	transport := &http.Transport{DisableKeepAlives: true}
	if scheme == "https" {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if h.CAFile != "" {
			pem, err := os.ReadFile(h.CAFile)
			if err != nil {
				return fmt.Errorf("probe CA: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return fmt.Errorf("probe CA %s holds no PEM certificate", h.CAFile)
			}
			cfg.RootCAs = pool
		} else {
			cfg.InsecureSkipVerify = true //nolint:gosec // documented: without a CA an https probe skips verification.
		}
		if h.CertFile != "" || h.KeyFile != "" {
			cert, err := tls.LoadX509KeyPair(h.CertFile, h.KeyFile)
			if err != nil {
				return fmt.Errorf("probe client certificate: %w", err)
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		transport.TLSClientConfig = cfg
	}
	defer transport.CloseIdleConnections()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if h.BearerToken != "" {
		req.Header.Set("Authorization", "Bearer "+h.BearerToken)
	}
	resp, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

func (e *Executor) probeExec(ctx context.Context, x *component.ExecAction, t probeTarget) error {
	if len(x.Command) == 0 {
		return errors.New("exec probe has no command")
	}
	bin, err := e.resolveBinary(x.Command[0])
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, x.Command[1:]...)
	cmd.Dir = t.dir
	cmd.Env = t.env
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(x.Command, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
