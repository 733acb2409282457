// Package cli assembles the cobra command tree of the hortus multi-call binary.
package cli
