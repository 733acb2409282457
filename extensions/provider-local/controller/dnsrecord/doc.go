// Package dnsrecord is provider-local's DNSRecord controller: it keeps each record in a
// ConfigMap of the record's namespace instead of a DNS provider.
package dnsrecord
