// Package node runs a simulated node of provider-local: a process that boots from a
// machine's user data, joins the shoot like a kubelet (TLS bootstrapping, Node, Lease) and
// reports the Pods bound to it as Running, without running any container.
package node
