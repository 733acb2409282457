// Package compat records, field by field, how far Hortus supports Gardener's API: which
// fields it acts on, which it only validates, and which it stores as they are. The table
// drives the API server's warnings and docs/api-compatibility.md.
package compat

//go:generate go run ./gen -out ../../../docs/api-compatibility.md
