// Package hortusapiserver builds the description of the Hortus API server component
// (hortus apiserver), the aggregated API server that serves Gardener's API to a garden.
package hortusapiserver
