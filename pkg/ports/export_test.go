package ports

// NewInRange returns an Allocator of stateFile with the index indexDir that hands out
// only ports from low to high.
func NewInRange(stateFile, indexDir string, low, high int) *Allocator {
	return &Allocator{path: stateFile, index: indexDir, low: low, high: high}
}
