// Package roundtrip holds the fuzz round-trip tests of every API group Hortus serves:
// internal ↔ versioned ↔ JSON and protobuf.
package roundtrip
