package node

import (
	"fmt"
	"net/netip"
	"sync"
)

// podIPs hands out simulated Pod IPs from the node's Pod range, one per Pod, remembering
// which are taken. It is safe for concurrent use.
type podIPs struct {
	mu       sync.Mutex
	cidr     netip.Prefix
	byPod    map[string]netip.Addr
	taken    map[netip.Addr]string
	fallback netip.Prefix
}

func newPodIPs(fallback netip.Prefix) *podIPs {
	return &podIPs{cidr: fallback, fallback: fallback, byPod: map[string]netip.Addr{}, taken: map[netip.Addr]string{}}
}

// setCIDR switches to the Pod range the kube-controller-manager assigned (spec.podCIDR).
// Pods keep their addresses.
func (p *podIPs) setCIDR(cidr string) error {
	if cidr == "" {
		return nil
	}
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return fmt.Errorf("node pod CIDR: %w", err)
	}
	if !prefix.Addr().Is4() {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cidr = prefix.Masked()
	return nil
}

// hasAssignedCIDR tells whether the range is the one the cluster assigned.
func (p *podIPs) hasAssignedCIDR() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cidr != p.fallback
}

// reserve records that pod (namespace/name) has ip.
func (p *podIPs) reserve(pod, ip string) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.byPod[pod] = addr
	p.taken[addr] = pod
}

// allocate returns pod's address, taking the first free one of the range if it has none.
func (p *podIPs) allocate(pod string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if a, ok := p.byPod[pod]; ok {
		return a.String(), nil
	}
	// Skip the network address and the first host, which a node's bridge would have.
	for a := p.cidr.Addr().Next().Next(); p.cidr.Contains(a); a = a.Next() {
		if _, used := p.taken[a]; used || !p.cidr.Contains(a.Next()) {
			continue
		}
		p.byPod[pod], p.taken[a] = a, pod
		return a.String(), nil
	}
	return "", fmt.Errorf("no free address left in the node's pod range %s", p.cidr)
}

// release frees pod's address.
func (p *podIPs) release(pod string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if a, ok := p.byPod[pod]; ok {
		delete(p.taken, a)
		delete(p.byPod, pod)
	}
}
