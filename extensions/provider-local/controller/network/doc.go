// Package network is provider-local's Network controller: no CNI runs on simulated
// nodes, so it only records the pod and service networks in the Network's status.
package network
