//go:build !linux

package limit

// physical returns fallback: reading the memory size portably would need a
// call per system, and the bound only has to stop absurd sizes.
func physical() uint64 { return fallback }
