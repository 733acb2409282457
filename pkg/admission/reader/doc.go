// Package reader lets admission plugins read Hortus' own API (Shoots, Projects, cloud
// profiles, bindings, …) through the server's loopback connection, from a cache that starts
// on first use.
package reader
