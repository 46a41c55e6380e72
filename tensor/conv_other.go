//go:build !amd64 || purego

package tensor

// splitRow32 sets ev[k] = float32(pairs[2k]) and od[k] = float32(pairs[2k+1])
// for k < len(ev).
func splitRow32(ev, od []float32, pairs []float64) { splitRowGo(ev, od, pairs) }
