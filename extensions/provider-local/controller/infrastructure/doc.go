// Package infrastructure is provider-local's Infrastructure controller: it creates no
// network and records the shoot's node network in the Infrastructure's status.
package infrastructure
